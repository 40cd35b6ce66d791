using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Nn.Layers;

namespace Engram.Engines;

/// <summary>
/// The engines a memory can recall with, by name. A memory built without naming one gets the first whose
/// <see cref="IEngineKind.IsDefaultFor"/> claims its encoders' model (a harmonic model makes a harmonic memory), else
/// the Hopfield Encoding Network. A new engine is one more entry here.
/// </summary>
public static class EngineCatalog
{
    /// <summary>Every engine kind, the default last.</summary>
    public static IReadOnlyList<IEngineKind> Kinds { get; } = [HarmonicEngine.Kind, HopfieldEngine.Kind, HenEngine.Kind];

    /// <summary>The kind named <paramref name="name"/>, or, when null, the default for <paramref name="model"/>; refused with the names known.</summary>
    public static IEngineKind Choose(string? name, Module? model)
    {
        if (name is null)
        {
            return Kinds.First(k => k.IsDefaultFor(model));
        }

        return Kinds.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal))
            ?? throw new ArgumentException($"There is no engine '{name}'; the engines are {string.Join(", ", Kinds.Select(k => $"{k.Name} ({k.Summary})"))}.", nameof(name));
    }
}
