namespace Engram.Engines;

/// <summary>Where one cue's state settled: what an engine's <see cref="IMemoryEngine.Settle"/> returns for it.</summary>
public sealed record SettledState
{
    /// <summary>The final state of every modality, in the engine's space (cued ones too).</summary>
    public required IReadOnlyDictionary<Modality, float[]> States { get; init; }

    /// <summary>The modalities the dynamics moved, in the order the engine visits them: the ones a recall completes.</summary>
    public required IReadOnlyList<Modality> Recalled { get; init; }

    /// <summary>The cued modalities the dynamics held at the cue.</summary>
    public required IReadOnlyList<Modality> Clamped { get; init; }

    /// <summary>The association weights of each recalled modality's attractor at the final state (see <see cref="IMemoryEngine.Weights"/>).</summary>
    public required IReadOnlyDictionary<Modality, float[]> Weights { get; init; }

    /// <summary>The steps each recalled modality took to settle (the last step it moved in); the same for all in a one-state engine.</summary>
    public required IReadOnlyDictionary<Modality, int> ModalitySteps { get; init; }

    /// <summary>Steps taken (at most the settings' maximum).</summary>
    public required int Steps { get; init; }

    /// <summary>Whether the tolerance stopped the dynamics before the steps ran out.</summary>
    public required bool Converged { get; init; }

    /// <summary>The energy at the start and after every step.</summary>
    public required IReadOnlyList<double> Energies { get; init; }

    /// <summary>The item the cue should recall, when the batch said.</summary>
    public int? Target { get; init; }
}
