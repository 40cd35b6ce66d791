namespace Engram.Harmonic;

/// <summary>
/// The diagnostics of one free modality at the final state x_T (DESIGN.md's, adapted to a state that
/// the couplings pull off the slots): the nearest stored item by cosine, the softmax of the
/// modality's attractor, and whether its read-out Ξᵀp is a stored slot or a mixture.
/// </summary>
public sealed record ModalityRecall
{
    /// <summary>The modality.</summary>
    public required string Modality { get; init; }

    /// <summary>n* = argmaxₙ cos(x_T, ξₙ), the nearest stored item (the lowest index on a tie).</summary>
    public required int Nearest { get; init; }

    /// <summary>cos(x_T, ξ_{n*}); 0 for a zero state.</summary>
    public required double Cosine { get; init; }

    /// <summary>The largest softmax weight of <c>softmax(β ξₙ·x_T)</c>.</summary>
    public required double TopWeight { get; init; }

    /// <summary>1/Σpₙ²: 1 for a clean recall, N for a uniform mixture.</summary>
    public required double EffectiveMemories { get; init; }

    /// <summary>
    /// True when the attractor's read-out is a mixture rather than a stored slot:
    /// <c>‖Ξᵀp − ξ_{n*}‖ &gt; 0.01‖ξ_{n*}‖</c>. (HopfieldMemory's state <em>is</em> its read-out; here the
    /// state is the read-out plus the coupling field, over λ, so the test is on the read-out.)
    /// </summary>
    public required bool Metastable { get; init; }

    /// <summary>Whether n* is the target item or a slot identical to it; null without a target.</summary>
    public bool? Retrieved { get; init; }

    /// <summary>
    /// The sweeps this modality took to settle: the last sweep in which it moved by more than ε of its
    /// length (0 when it never did after the start, e.g. when the <see cref="FreeStart.Coupling"/> start
    /// already put it on its answer).
    /// </summary>
    public required int Steps { get; init; }
}

/// <summary>What one cue's recall produced.</summary>
public sealed record HarmonicResult
{
    /// <summary>The final state of every modality (cues unchanged), by name.</summary>
    public required IReadOnlyDictionary<string, float[]> States { get; init; }

    /// <summary>The diagnostics of each free modality, in the order the sweeps visit them.</summary>
    public required IReadOnlyList<ModalityRecall> Free { get; init; }

    /// <summary>Sweeps taken (at most T).</summary>
    public required int Sweeps { get; init; }

    /// <summary>Whether the tolerance stopped the dynamics before T sweeps ran out.</summary>
    public required bool Converged { get; init; }

    /// <summary>E(x) at the start and after every sweep.</summary>
    public required double[] Energies { get; init; }

    /// <summary>The diagnostics of free modality <paramref name="modality"/>.</summary>
    public ModalityRecall this[string modality] =>
        Free.FirstOrDefault(f => string.Equals(f.Modality, modality, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"'{modality}' was not a free modality of this recall (free: {string.Join(", ", Free.Select(f => f.Modality))}).");
}

/// <summary>How well one cue modality recalls one target modality over a set of items.</summary>
/// <param name="Cue">The clamped modality.</param>
/// <param name="Target">The free modality scored.</param>
/// <param name="Count">Cues scored.</param>
/// <param name="Accuracy">The fraction whose nearest item (or an identical slot) is their own.</param>
/// <param name="Coherence">The mean cosine of the final state with the item's own slot.</param>
/// <param name="Metastable">The fraction of final read-outs that are mixtures.</param>
/// <param name="MeanSweeps">The mean number of sweeps.</param>
public sealed record PairAccuracy(string Cue, string Target, int Count, double Accuracy, double Coherence, double Metastable, double MeanSweeps);
