namespace Engram.Memory;

/// <summary>What one cue's recall produced, with the diagnostics of DESIGN.md on its final state v_T.</summary>
public sealed record RecallResult
{
    /// <summary>The final state v_T.</summary>
    public required float[] State { get; init; }

    /// <summary>n* = argminₙ ‖v_T − ξₙ‖, the nearest stored pattern.</summary>
    public required int Nearest { get; init; }

    /// <summary>‖v_T − ξ_{n*}‖.</summary>
    public required double NearestDistance { get; init; }

    /// <summary>
    /// True when the state is not a stored pattern but a mixture: <c>‖v_T − ξ_{n*}‖ &gt; 0.01‖ξ_{n*}‖</c>.
    /// </summary>
    public required bool Metastable { get; init; }

    /// <summary>
    /// Whether n* is the cue's own item (or a byte-identical duplicate of it); null when the cue
    /// came without a target.
    /// </summary>
    public bool? Retrieved { get; init; }

    /// <summary>The largest softmax weight at v_T.</summary>
    public required double TopWeight { get; init; }

    /// <summary>The effective number of memories at v_T, <c>1/Σ pₙ²</c>: 1 for a clean recall, N for a uniform mixture.</summary>
    public required double EffectiveMemories { get; init; }

    /// <summary>Update steps taken (at most T).</summary>
    public required int Steps { get; init; }

    /// <summary>Whether the tolerance stopped the dynamics before T steps ran out.</summary>
    public required bool Converged { get; init; }

    /// <summary>E(v_t) for t = 0 … Steps: the cue's energy first, the final state's last.</summary>
    public required double[] Energies { get; init; }
}
