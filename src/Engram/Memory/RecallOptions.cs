namespace Engram.Memory;

/// <summary>
/// Everything that shapes a recall, in one immutable record. Names follow the literature:
/// <see cref="Beta"/> is the inverse temperature ("scaling" in hopfield-layers), <see cref="MaxSteps"/>
/// and <see cref="Tolerance"/> are "update steps max" and "update steps eps".
/// </summary>
public sealed record RecallOptions
{
    /// <summary>Inverse temperature β &gt; 0: larger β separates memories more sharply.</summary>
    public float Beta { get; init; } = 1f;

    /// <summary>How states and stored patterns are compared.</summary>
    public Similarity Similarity { get; init; } = Similarity.Dot;

    /// <summary>Fixed-point (CCCP) or gradient steps.</summary>
    public UpdateRule UpdateRule { get; init; } = UpdateRule.FixedPoint;

    /// <summary>Δt/τ, the step size of <see cref="UpdateRule.Gradient"/> (ignored by the fixed-point rule).</summary>
    public float StepSize { get; init; } = 0.1f;

    /// <summary>T: the most update steps a cue may take (at least 1).</summary>
    public int MaxSteps { get; init; } = 10;

    /// <summary>ε: a cue stops once <c>‖v_{t+1} − v_t‖ ≤ ε‖v_t‖</c>. Zero runs all <see cref="MaxSteps"/>.</summary>
    public float Tolerance { get; init; } = 1e-6f;

    /// <summary>How a partial cue enters the dynamics.</summary>
    public CueMode CueMode { get; init; } = CueMode.Full;

    /// <summary>Top-k separation: keep the k largest softmax weights and renormalise; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Cues processed together; bounds memory together with <see cref="PatternBlockSize"/>.</summary>
    public int QueryBlockSize { get; init; } = 1024;

    /// <summary>Stored patterns scored at a time; the Q×N association matrix is never held whole.</summary>
    public int PatternBlockSize { get; init; } = 2048;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (!(Beta > 0) || !float.IsFinite(Beta))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta), Beta, $"β (Beta) must be a finite number > 0; got {Beta}.");
        }

        if (MaxSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, $"T (MaxSteps) must be at least 1; got {MaxSteps}.");
        }

        if (!(Tolerance >= 0) || !float.IsFinite(Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, $"ε (Tolerance) must be a finite number ≥ 0; got {Tolerance}.");
        }

        if (!(StepSize > 0) || !float.IsFinite(StepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, $"Δt/τ (StepSize) must be a finite number > 0; got {StepSize}.");
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, $"TopK must be ≥ 0 (0 keeps every weight); got {TopK}.");
        }

        if (QueryBlockSize < 1 || PatternBlockSize < 1)
        {
            throw new ArgumentOutOfRangeException(
                QueryBlockSize < 1 ? nameof(QueryBlockSize) : nameof(PatternBlockSize),
                $"Block sizes must be at least 1; got QueryBlockSize {QueryBlockSize}, PatternBlockSize {PatternBlockSize}.");
        }

        if (UpdateRule == UpdateRule.Gradient && Similarity == Similarity.Cosine)
        {
            throw new ArgumentException(
                "Gradient dynamics are defined for the dot and L2 energies; with cosine similarity use UpdateRule.FixedPoint.",
                nameof(UpdateRule));
        }
    }
}
