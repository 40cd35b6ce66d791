using Engram.Harmonic;
using Engram.Memory;

namespace Engram.Engines;

/// <summary>
/// What shapes a recall, for every engine: the steps and the tolerance they share, and each engine's own settings as a
/// nested part. Null means "the memory's own": an engine fills what is left out from the options saved with the memory
/// (<see cref="IMemoryEngine.Resolve"/>), and refuses a part that is not its own, saying why.
/// </summary>
public sealed record RecallSettings
{
    /// <summary>T: the most update steps (for the harmonic engine, sweeps over the free modalities); at least 1.</summary>
    public int? Steps { get; init; }

    /// <summary>ε: a cue stops once its state moves by at most ε of its length in a step; 0 runs every step.</summary>
    public double? Tolerance { get; init; }

    /// <summary>The settings of engines over one modern Hopfield energy (the Hopfield Encoding Network and the plain Hopfield engine).</summary>
    public HopfieldSettings? Hopfield { get; init; }

    /// <summary>The settings of the Cross-Modal Harmonic Network.</summary>
    public HarmonicRecallSettings? Harmonic { get; init; }

    /// <summary>
    /// The options of a network over one modern Hopfield energy: <paramref name="saved"/> (the memory's own) with what these
    /// settings give in their place, and <paramref name="defaultCueMode"/> when they give no cue mode. Every engine over a
    /// Hopfield energy maps its settings through this one method.
    /// </summary>
    public RecallOptions ApplyTo(RecallOptions saved, CueMode defaultCueMode)
    {
        ArgumentNullException.ThrowIfNull(saved);
        return saved with
        {
            Beta = Hopfield?.Beta ?? saved.Beta,
            Similarity = Hopfield?.Similarity ?? saved.Similarity,
            CueMode = Hopfield?.CueMode ?? defaultCueMode,
            MaxSteps = Steps ?? saved.MaxSteps,
            Tolerance = (float)(Tolerance ?? saved.Tolerance),
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Steps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"The steps must be at least 1; got {Steps}.");
        }

        if (Tolerance is double tolerance && !(tolerance >= 0 && double.IsFinite(tolerance)))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, $"The tolerance ε must be a finite number ≥ 0; got {Tolerance}.");
        }

        if (Hopfield?.Beta is float beta && !(beta > 0 && float.IsFinite(beta)))
        {
            throw new ArgumentOutOfRangeException(nameof(Hopfield), beta, $"β (the inverse temperature) must be a finite number > 0; got {beta}.");
        }
    }
}

/// <summary>The settings of an engine over one modern Hopfield energy; null leaves the memory's own.</summary>
public sealed record HopfieldSettings
{
    /// <summary>β, the inverse temperature: larger separates stored patterns more sharply.</summary>
    public float? Beta { get; init; }

    /// <summary>How states and stored patterns are compared.</summary>
    public Similarity? Similarity { get; init; }

    /// <summary>How a partial cue enters the dynamics (default <see cref="Engram.Memory.CueMode.MaskedFree"/>).</summary>
    public CueMode? CueMode { get; init; }

    /// <summary>Whether any setting is given.</summary>
    public bool Any => Beta is not null || Similarity is not null || CueMode is not null;
}

/// <summary>The settings of the Cross-Modal Harmonic Network; null leaves the defaults.</summary>
public sealed record HarmonicRecallSettings
{
    /// <summary>Where the free modalities start (default <see cref="FreeStart.Coupling"/>).</summary>
    public FreeStart? Start { get; init; }

    /// <summary>Whether any setting is given.</summary>
    public bool Any => Start is not null;
}
