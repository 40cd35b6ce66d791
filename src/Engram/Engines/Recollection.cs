using Engram.Tensors;

namespace Engram.Engines;

/// <summary>
/// The diagnostics of one modality's attractor at a state, from its association weights p over the stored patterns ξ
/// (DESIGN.md's, the same for every engine): the nearest item n* = argmaxₙ pₙ (the lowest index on a tie, rounding
/// included), the
/// largest weight, 1/Σp², and whether the attractor's read-out Ξᵀp is a stored pattern or a mixture:
/// <c>‖Ξᵀp − ξ_{n*}‖ &gt; 0.01‖ξ_{n*}‖</c>.
/// </summary>
public sealed record Attractor
{
    /// <summary>n*, the item the attractor weighs most.</summary>
    public required int Nearest { get; init; }

    /// <summary>p_{n*}, the largest weight.</summary>
    public required double TopWeight { get; init; }

    /// <summary>1/Σpₙ²: 1 for a clean recall, N for a uniform mixture.</summary>
    public required double EffectiveMemories { get; init; }

    /// <summary>Whether the read-out is a mixture rather than the stored pattern n*.</summary>
    public required bool Metastable { get; init; }

    /// <summary>cos(x, ξ_{n*}) of the modality's state with item n*'s stored pattern; 0 for a zero state.</summary>
    public required double Cosine { get; init; }

    /// <summary>Whether n* is the target or a stored pattern identical to it; null without a target.</summary>
    public bool? Retrieved { get; init; }

    /// <summary>The diagnostics of weights <paramref name="weights"/> over <paramref name="patterns"/> [N, d] at <paramref name="state"/> (d components).</summary>
    public static Attractor Of(ReadOnlySpan<float> weights, Tensor patterns, ReadOnlySpan<float> state, int? target = null)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        int n = patterns.RowCount, d = patterns.Shape[1];
        if (weights.Length != n || state.Length != d)
        {
            throw new ArgumentException($"The weights ({weights.Length}) and state ({state.Length}) must match the stored patterns [{n}, {d}].", nameof(weights));
        }

        // Weights that differ by float rounding alone (relative 10⁻⁶) are a tie, and a tie goes to the lowest index: two
        // engines that weigh a 50/50 mixture each in their own arithmetic name the same item.
        float top = System.Numerics.Tensors.TensorPrimitives.Max(weights);
        int nearest = 0;
        while (weights[nearest] < top * (1 - 1e-6f))
        {
            nearest++;
        }

        double squares = 0;
        var readOut = new double[d];
        for (int i = 0; i < n; i++)
        {
            float p = weights[i];
            squares += (double)p * p;
            if (p != 0)
            {
                ReadOnlySpan<float> xi = patterns.Row(i);
                for (int j = 0; j < d; j++)
                {
                    readOut[j] += p * (double)xi[j];
                }
            }
        }

        ReadOnlySpan<float> star = patterns.Row(nearest);
        double distance = 0, starNorm = 0, dot = 0, stateNorm = 0;
        for (int j = 0; j < d; j++)
        {
            double delta = readOut[j] - star[j];
            distance += delta * delta;
            starNorm += (double)star[j] * star[j];
            dot += (double)state[j] * star[j];
            stateNorm += (double)state[j] * state[j];
        }

        return new Attractor
        {
            Nearest = nearest,
            TopWeight = top,
            EffectiveMemories = squares > 0 ? 1 / squares : n,
            Metastable = Math.Sqrt(distance) > 0.01 * Math.Sqrt(starNorm),
            Cosine = stateNorm > 0 && starNorm > 0 ? dot / Math.Sqrt(stateNorm * starNorm) : 0,
            Retrieved = target is int t ? nearest == t || star.SequenceEqual(patterns.Row(t)) : null,
        };
    }
}

/// <summary>What one recalled modality settled on: its attractor's diagnostics, weights and steps.</summary>
/// <param name="Modality">The modality.</param>
/// <param name="Attractor">Its attractor's diagnostics at the final state.</param>
/// <param name="Weights">The association weights at the final state, one per stored item.</param>
/// <param name="Steps">The steps the modality took to settle.</param>
public sealed record Completion(Modality Modality, Attractor Attractor, float[] Weights, int Steps);

/// <summary>One term of an engine's energy: a name, the modalities it involves and its value (hamux's energy tree, flattened).</summary>
/// <param name="Name">What the term is ("hopfield image", "coupling image–text", "state norm", …).</param>
/// <param name="Modalities">The modalities it involves.</param>
/// <param name="Value">Its value at the state.</param>
public sealed record EnergyTerm(string Name, IReadOnlyList<Modality> Modalities, double Value);

/// <summary>
/// What one cue's recall found, the same for every engine: a completion per recalled modality, the item they agree on,
/// and the energy. Built by <see cref="Of"/> from an engine's <see cref="SettledState"/>, the one place where recall
/// diagnostics are computed.
/// </summary>
public sealed record Recollection
{
    /// <summary>The recalled item: the one most completions settle nearest to (on a tie, the sharpest attractor's).</summary>
    public required int Item { get; init; }

    /// <summary>The completion that decided <see cref="Item"/> (the sharpest attractor among those that agree on it).</summary>
    public required Completion Decider { get; init; }

    /// <summary>Each recalled modality's completion, in the order the engine visits them.</summary>
    public required IReadOnlyList<Completion> Completions { get; init; }

    /// <summary>The cued modalities the dynamics held at the cue.</summary>
    public required IReadOnlyList<Modality> Clamped { get; init; }

    /// <summary>Steps taken.</summary>
    public required int Steps { get; init; }

    /// <summary>Whether the tolerance stopped the dynamics before the steps ran out.</summary>
    public required bool Converged { get; init; }

    /// <summary>The energy at the start and after every step.</summary>
    public required IReadOnlyList<double> Energies { get; init; }

    /// <summary>The final state's energy, term by term.</summary>
    public required IReadOnlyList<EnergyTerm> EnergyTerms { get; init; }

    /// <summary>Where the state settled, in the engine's space.</summary>
    public required SettledState State { get; init; }

    /// <summary>The completion of <paramref name="modality"/>, or null when the recall did not move it (it was cued and held).</summary>
    public Completion? CompletionOf(Modality modality) => Completions.FirstOrDefault(c => c.Modality == modality);

    /// <summary>The diagnostics of <paramref name="settled"/>, a state <paramref name="engine"/> settled to under <paramref name="settings"/>.</summary>
    public static Recollection Of(IMemoryEngine engine, SettledState settled, RecallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(settled);
        if (settled.Recalled.Count == 0)
        {
            throw new ArgumentException($"The {engine.Name} engine moved no modality, so there is nothing to recall: leave at least one modality out of the cue.", nameof(settled));
        }

        Completion[] completions = settled.Recalled
            .Select(m => new Completion(m, Attractor.Of(settled.Weights[m], engine.Patterns(m), settled.States[m], settled.Target), settled.Weights[m], settled.ModalitySteps[m]))
            .ToArray();
        Completion decider = completions
            .GroupBy(c => c.Attractor.Nearest)
            .OrderByDescending(g => g.Count())
            .ThenByDescending(g => g.Max(c => c.Attractor.TopWeight))
            .First()
            .MaxBy(c => c.Attractor.TopWeight)!;
        return new Recollection
        {
            Item = decider.Attractor.Nearest,
            Decider = decider,
            Completions = completions,
            Clamped = settled.Clamped,
            Steps = settled.Steps,
            Converged = settled.Converged,
            Energies = settled.Energies,
            EnergyTerms = engine.Energy(settled.States, settings),
            State = settled,
        };
    }

    /// <summary>
    /// The diagnostics of <paramref name="modality"/>'s attractor at a state placed anywhere (not settled): for
    /// probing an engine, and for comparing engines on the same state.
    /// </summary>
    public static Attractor Diagnose(IMemoryEngine engine, Modality modality, IReadOnlyDictionary<Modality, float[]> state, RecallSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(state);
        RecallSettings resolved = engine.Resolve(settings);
        return Attractor.Of(engine.Weights(modality, state, resolved), engine.Patterns(modality), state[modality]);
    }
}
