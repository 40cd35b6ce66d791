using Engram.Hen;
using Engram.Memory;
using Engram.Nn.Layers;
using Engram.Tensors;

namespace Engram.Engines;

/// <summary>
/// The contract every recall engine keeps, and all a memory knows of its engine: it settles a batch of cues (any subset
/// of its modalities, with masks), gives the association weights of each modality's attractor at a state, the stored
/// patterns those weights are over, and the energy term by term. What a recall found (nearest item, metastable,
/// top weight, 1/Σp²) is not the engine's to say: <see cref="Recollection.Of"/> computes it, in one place, from the
/// weights and patterns an engine gives. A new engine implements this and an <see cref="IEngineKind"/>, and is named in
/// <see cref="EngineCatalog"/>; nothing else changes.
/// </summary>
public interface IMemoryEngine
{
    /// <summary>The engine's name, as memory files, the CLI and the explorer write it ("hen", "harmonic", …).</summary>
    string Name { get; }

    /// <summary>The modalities the engine stores, in slot order.</summary>
    IReadOnlyList<Modality> Modalities { get; }

    /// <summary>N, the stored items.</summary>
    int Count { get; }

    /// <summary>
    /// Every setting filled in: those given, the memory's own for the rest. Refuses settings this engine has no use for
    /// (another engine's part, or a setting its model fixes), saying why.
    /// </summary>
    RecallSettings Resolve(RecallSettings? settings);

    /// <summary>
    /// Lets each cue of <paramref name="cues"/> settle under <paramref name="settings"/> (resolved); <paramref name="progress"/>
    /// hears the cues finished.
    /// </summary>
    IReadOnlyList<SettledState> Settle(CueBatch cues, RecallSettings settings, IProgress<int>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The association weights p (one per stored item, summing to 1) of <paramref name="modality"/>'s attractor at
    /// <paramref name="state"/> (every modality's state, in the engine's space), under <paramref name="settings"/> (resolved).
    /// </summary>
    float[] Weights(Modality modality, IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings);

    /// <summary>The stored patterns of <paramref name="modality"/> in the engine's space [N, d], row n item n's; shared, not to be changed.</summary>
    Tensor Patterns(Modality modality);

    /// <summary>The energy at <paramref name="state"/>, term by term (their sum is the energy the dynamics descend).</summary>
    IReadOnlyList<EnergyTerm> Energy(IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings);
}

/// <summary>What makes an engine of one kind for a memory; <see cref="EngineCatalog"/> lists the kinds.</summary>
public interface IEngineKind
{
    /// <summary>The engine's name (<see cref="IMemoryEngine.Name"/>).</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>: what the engine does.</summary>
    string Summary { get; }

    /// <summary>Whether a memory whose encoders bring <paramref name="model"/> (null: none) is this engine's unless told otherwise.</summary>
    bool IsDefaultFor(Module? model);

    /// <summary>The recall options a new memory of this engine saves unless given others.</summary>
    RecallOptions DefaultOptions { get; }

    /// <summary>The engine over a memory's stored codes; refused, saying why, when the codes do not suit it.</summary>
    IMemoryEngine Create(EngineInputs inputs);
}

/// <summary>
/// What an engine is made from: the stored codes (every slot, scaled so that each has mean norm 1, see
/// <see cref="HopfieldEncodingNetwork"/>), the recall options saved with the memory, the trained model the engine
/// needs when it needs one (a <see cref="Harmonic.HarmonicModel"/>), and which encoder made each slot's codes
/// (the SHA-256 of its weights, or its kind when it has none).
/// </summary>
public sealed record EngineInputs(HopfieldEncodingNetwork Codes, RecallOptions Options, Module? Model, IReadOnlyDictionary<Modality, string> Encoders);
