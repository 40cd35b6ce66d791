using System.Numerics.Tensors;
using Engram.Tensors;

namespace Engram.Memory;

/// <summary>
/// A modern Hopfield network over a <see cref="MemoryBank"/>: recall from cues, the energy, its
/// gradient, the association (softmax) matrix and nearest-pattern search, all under one
/// <see cref="RecallOptions"/>. Every operation streams over the stored patterns in blocks, so memory
/// stays bounded by the block sizes, not by N. Thread-safe: calls share nothing mutable.
/// </summary>
public sealed class HopfieldMemory
{
    private readonly IGemmBackend _gemm;

    /// <summary>Creates a network over <paramref name="bank"/>; <paramref name="gemm"/> defaults to <see cref="Gemm.Default"/>.</summary>
    public HopfieldMemory(MemoryBank bank, RecallOptions? options = null, IGemmBackend? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(bank);
        options ??= new RecallOptions();
        options.Validate();
        Bank = bank;
        Options = options;
        _gemm = gemm ?? Gemm.Default;
    }

    /// <summary>The stored patterns.</summary>
    public MemoryBank Bank { get; }

    /// <summary>The settings every operation uses.</summary>
    public RecallOptions Options { get; }

    /// <summary>The GEMM backend in use.</summary>
    public IGemmBackend Backend => _gemm;

    /// <summary>The same stored patterns under other settings.</summary>
    public HopfieldMemory WithOptions(RecallOptions options) => new(Bank, options, _gemm);

    private bool MaskedSimilarity => Options.CueMode is CueMode.Masked or CueMode.MaskedFree;

    /// <summary>
    /// Recalls from one cue. <paramref name="mask"/> (1 = observed, 0 = missing; empty = all observed)
    /// zeroes the missing components of the cue; <paramref name="target"/>, when given, is the item the
    /// cue should recall and fills <see cref="RecallResult.Retrieved"/>.
    /// </summary>
    public RecallResult Recall(ReadOnlySpan<float> cue, ReadOnlySpan<float> mask = default, int? target = null)
    {
        Tensor cues = ToRow(cue, nameof(cue));
        Tensor? masks = mask.IsEmpty ? null : ToRow(mask, nameof(mask));
        return Recall(cues, masks, target is int t ? [t] : null)[0];
    }

    /// <summary>
    /// Recalls from Q cues at once (a Q×K tensor). <paramref name="masks"/> is Q×K, or 1×K shared by
    /// every cue, or null when every component is observed; cue modes Clamped and Masked need masks.
    /// <paramref name="progress"/> receives the number of cues finished so far.
    /// </summary>
    public IReadOnlyList<RecallResult> Recall(
        Tensor cues,
        Tensor? masks = null,
        IReadOnlyList<int>? targets = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ValidateStates(cues, nameof(cues));
        ValidateMasks(masks, cues.Shape[0]);
        int q = cues.Shape[0];
        if (targets is not null)
        {
            if (targets.Count != q)
            {
                throw new ArgumentException($"targets holds {targets.Count} entries for {q} cues; give one target per cue.", nameof(targets));
            }

            for (int i = 0; i < q; i++)
            {
                if ((uint)targets[i] >= (uint)Bank.Count)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(targets), targets[i], $"Target {i} is {targets[i]}, outside the {Bank.Count} stored patterns.");
                }
            }
        }

        if (Options.CueMode != CueMode.Full && masks is null)
        {
            throw new ArgumentException(
                $"Cue mode {Options.CueMode} needs to know which components are observed, so it needs an observation mask; " +
                "pass masks, or use cue mode Full.", nameof(masks));
        }

        var results = new RecallResult[q];
        int blockSize = Math.Min(Options.QueryBlockSize, q);
        var pass = new AssociationPass(Bank, Options.Similarity, Options.Beta, Options.PatternBlockSize, _gemm);
        var workspace = new AssociationPass.Workspace(blockSize, Bank.Dimension);
        for (int q0 = 0; q0 < q; q0 += blockSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(blockSize, q - q0);
            RecallBlock(pass, workspace, cues, masks, targets, q0, count, results, cancellationToken);
            progress?.Report(q0 + count);
        }

        return results;
    }

    /// <summary>E(v) for one state (masked similarity in cue mode Masked when a mask is given).</summary>
    public double Energy(ReadOnlySpan<float> state, ReadOnlySpan<float> mask = default) =>
        Energy(ToRow(state, nameof(state)), mask.IsEmpty ? null : ToRow(mask, nameof(mask)))[0];

    /// <summary>E(v) for every row of <paramref name="states"/>.</summary>
    public double[] Energy(Tensor states, Tensor? masks = null)
    {
        var energies = new double[ValidateStates(states, nameof(states))];
        ValidateMasks(masks, states.Shape[0]);
        ForEachBlock(states, masks, (pass, w, q0) =>
        {
            pass.Run(w, readout: false, nearest: false, topK: 0);
            for (int i = 0; i < w.Rows; i++)
            {
                energies[q0 + i] = EnergyOf(w, i);
            }
        });
        return energies;
    }

    /// <summary>
    /// ∇E(v): <c>v − Xᵀp</c> for the dot energy, <c>2(v − Xᵀp)</c> for L2, over the observed components
    /// only (zero elsewhere) when the similarity is masked. Uses the full softmax, not top-k.
    /// </summary>
    public void EnergyGradient(ReadOnlySpan<float> state, Span<float> gradient, ReadOnlySpan<float> mask = default)
    {
        if (Options.Similarity == Similarity.Cosine)
        {
            throw new NotSupportedException("The cosine energy has no gradient here; use the dot or L2 similarity.");
        }

        Tensor states = ToRow(state, nameof(state));
        Tensor? masks = mask.IsEmpty ? null : ToRow(mask, nameof(mask));
        ValidateStates(states, nameof(state));
        ValidateMasks(masks, 1);
        Kernels.CheckDestination(Bank.Dimension, gradient.Length, nameof(gradient));
        float scale = Options.Similarity == Similarity.L2 ? 2f : 1f;
        var result = new float[Bank.Dimension];
        ForEachBlock(states, masks, (pass, w, _) =>
        {
            pass.Run(w, readout: true, nearest: false, topK: 0);
            TensorPrimitives.Subtract(w.Sim.AsSpan(0, Bank.Dimension), w.Readout.AsSpan(0, Bank.Dimension), result);
            TensorPrimitives.Multiply(result, scale, result);
            if (w.HasMask)
            {
                TensorPrimitives.Multiply(result, w.Mask.AsSpan(0, Bank.Dimension), result);
            }
        });
        result.CopyTo(gradient);
    }

    /// <summary>
    /// The association matrix: row i holds the softmax weights pₙ of state i over every stored pattern
    /// (top-k separation applied when set). Q×N floats: mind the size for large banks.
    /// </summary>
    public Tensor Association(Tensor states, Tensor? masks = null)
    {
        int q = ValidateStates(states, nameof(states));
        ValidateMasks(masks, q);
        var association = new Tensor(q, Bank.Count);
        ForEachBlock(states, masks, (pass, w, q0) =>
        {
            pass.Run(w, readout: false, nearest: false, topK: Options.TopK);
            for (int n0 = 0; n0 < Bank.Count; n0 += Options.PatternBlockSize)
            {
                int nb = Math.Min(Options.PatternBlockSize, Bank.Count - n0);
                pass.WriteAssociation(w, n0, nb, Options.TopK, association.Span[((q0 * Bank.Count) + n0)..], Bank.Count);
            }
        });
        return association;
    }

    /// <summary>The nearest stored pattern of every row of <paramref name="states"/>.</summary>
    public NearestPattern[] Nearest(Tensor states)
    {
        var result = new NearestPattern[ValidateStates(states, nameof(states))];
        ForEachBlock(states, null, (pass, w, q0) =>
        {
            pass.Run(w, readout: false, nearest: true, topK: 0);
            for (int i = 0; i < w.Rows; i++)
            {
                int n = w.NearestIndex[i];
                result[q0 + i] = new NearestPattern(n, Distance(w.Sim.AsSpan(i * Bank.Dimension, Bank.Dimension), Bank[n]));
            }
        });
        return result;
    }

    private void RecallBlock(
        AssociationPass pass, AssociationPass.Workspace w, Tensor cues, Tensor? masks, IReadOnlyList<int>? targets,
        int q0, int count, RecallResult[] results, CancellationToken cancellationToken)
    {
        int k = Bank.Dimension;
        bool clamp = Options.CueMode is CueMode.Clamped or CueMode.Masked;
        bool maskedSimilarity = MaskedSimilarity && masks is not null;

        // The cue with its missing components zeroed is both v₀ and what clamping resets to.
        var cue = new float[count * k];
        var mask = masks is null ? null : new float[count * k];
        for (int i = 0; i < count; i++)
        {
            Span<float> row = cue.AsSpan(i * k, k);
            cues.Row(q0 + i).CopyTo(row);
            if (mask is not null)
            {
                Span<float> m = mask.AsSpan(i * k, k);
                MaskRow(masks!, q0 + i).CopyTo(m);
                TensorPrimitives.Multiply(row, m, row);
            }
        }

        var state = (float[])cue.Clone();
        var energies = new List<double>[count];
        var steps = new int[count];
        var converged = new bool[count];
        for (int i = 0; i < count; i++)
        {
            energies[i] = new List<double>(Math.Min(Options.MaxSteps, 64) + 1); // T is a bound: most cues settle long before it
        }

        var active = new List<int>(Enumerable.Range(0, count));
        var next = new float[k];
        float stepScale = Options.UpdateRule == UpdateRule.FixedPoint
            ? 1f
            : Options.StepSize * (Options.Similarity == Similarity.L2 ? 2f : 1f);
        for (int t = 0; t < Options.MaxSteps && active.Count > 0; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoadRows(w, active, state, mask, maskedSimilarity, withFull: false);
            pass.Run(w, readout: true, nearest: false, topK: Options.TopK);
            var stillActive = new List<int>(active.Count);
            for (int a = 0; a < active.Count; a++)
            {
                int i = active[a];
                energies[i].Add(EnergyOf(w, a));
                Span<float> v = state.AsSpan(i * k, k);
                ReadOnlySpan<float> readout = w.Readout.AsSpan(a * k, k);

                // Fixed point: v ← Xᵀp. Gradient: v ← v − (Δt/τ)·c·(v − Xᵀp), c = 2 for L2 and 1 for dot.
                if (Options.UpdateRule == UpdateRule.FixedPoint)
                {
                    readout.CopyTo(next);
                }
                else
                {
                    TensorPrimitives.Subtract(readout, v, next);
                    TensorPrimitives.MultiplyAdd(next, stepScale, v, next);
                }

                if (clamp)
                {
                    // Reset the observed components to the cue: next ← next ⊙ (1 − m) + cue ⊙ m.
                    ReadOnlySpan<float> m = mask.AsSpan(i * k, k);
                    ReadOnlySpan<float> c = cue.AsSpan(i * k, k);
                    for (int j = 0; j < k; j++)
                    {
                        if (m[j] != 0f)
                        {
                            next[j] = c[j];
                        }
                    }
                }

                double change = Distance(next, v);
                double size = Math.Sqrt(MemoryBank.SumOfSquaresDouble(v));
                next.CopyTo(v);
                steps[i] = t + 1;
                // ε = 0 runs all T steps, even when a state stops changing exactly.
                if (Options.Tolerance > 0 && change <= Options.Tolerance * size)
                {
                    converged[i] = true;
                }
                else
                {
                    stillActive.Add(i);
                }
            }

            active = stillActive;
        }

        // One more pass at v_T: its energy, top weight, effective number and nearest pattern.
        var all = new List<int>(Enumerable.Range(0, count));
        LoadRows(w, all, state, mask, maskedSimilarity, withFull: maskedSimilarity);
        pass.Run(w, readout: false, nearest: true, topK: Options.TopK);
        for (int i = 0; i < count; i++)
        {
            energies[i].Add(EnergyOf(w, i));
            float[] final = state.AsSpan(i * k, k).ToArray();
            int nearest = w.NearestIndex[i];
            double distance = Distance(final, Bank[nearest]);
            double norm = Math.Sqrt(Bank.SquaredNorms[nearest]);
            int? target = targets?[q0 + i];
            results[q0 + i] = new RecallResult
            {
                State = final,
                Nearest = nearest,
                NearestDistance = distance,
                Metastable = distance > 0.01 * norm,
                Retrieved = target is int tgt ? Bank.AreIdentical(nearest, tgt) : null,
                TopWeight = w.TopWeight[i],
                EffectiveMemories = w.Effective[i],
                Steps = steps[i],
                Converged = converged[i],
                Energies = [.. energies[i]],
            };
        }
    }

    /// <summary>Copies the listed rows of the state into the workspace, masked for a masked similarity.</summary>
    private void LoadRows(AssociationPass.Workspace w, List<int> rows, float[] state, float[]? mask, bool maskedSimilarity, bool withFull)
    {
        int k = Bank.Dimension;
        w.Rows = rows.Count;
        w.UseMask(maskedSimilarity);
        w.UseFull(withFull);
        for (int a = 0; a < rows.Count; a++)
        {
            int i = rows[a];
            ReadOnlySpan<float> v = state.AsSpan(i * k, k);
            Span<float> sim = w.Sim.AsSpan(a * k, k);
            if (maskedSimilarity)
            {
                ReadOnlySpan<float> m = mask.AsSpan(i * k, k);
                m.CopyTo(w.Mask.AsSpan(a * k, k));
                TensorPrimitives.Multiply(v, m, sim);
            }
            else
            {
                v.CopyTo(sim);
            }

            if (withFull)
            {
                v.CopyTo(w.Full.AsSpan(a * k, k));
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> over blocks of states loaded into a workspace (no dynamics).</summary>
    private void ForEachBlock(Tensor states, Tensor? masks, Action<AssociationPass, AssociationPass.Workspace, int> body)
    {
        int q = states.Shape[0], k = Bank.Dimension;
        int blockSize = Math.Min(Options.QueryBlockSize, q);
        var pass = new AssociationPass(Bank, Options.Similarity, Options.Beta, Options.PatternBlockSize, _gemm);
        var w = new AssociationPass.Workspace(blockSize, k);
        bool maskedSimilarity = MaskedSimilarity && masks is not null;
        for (int q0 = 0; q0 < q; q0 += blockSize)
        {
            int count = Math.Min(blockSize, q - q0);
            w.Rows = count;
            w.UseMask(maskedSimilarity);
            w.UseFull(false);
            for (int i = 0; i < count; i++)
            {
                Span<float> sim = w.Sim.AsSpan(i * k, k);
                states.Row(q0 + i).CopyTo(sim);
                if (maskedSimilarity)
                {
                    Span<float> m = w.Mask.AsSpan(i * k, k);
                    MaskRow(masks!, q0 + i).CopyTo(m);
                    TensorPrimitives.Multiply(sim, m, sim);
                }
            }

            body(pass, w, q0);
        }
    }

    /// <summary>E(v) of workspace row i from its log-sum-exp (see DESIGN.md for the energies).</summary>
    private double EnergyOf(AssociationPass.Workspace w, int i)
    {
        double beta = Options.Beta;
        double lse = w.Max[i] + Math.Log(w.Sum[i]);
        return Options.Similarity switch
        {
            // −β⁻¹ log Σ exp(β ξ·v) + ½‖v‖² + β⁻¹ log N + ½M²
            Similarity.Dot => (-lse / beta) + (0.5 * w.SimSquaredNorm[i]) + (Math.Log(Bank.Count) / beta) + (0.5 * Bank.MaxNorm * Bank.MaxNorm),

            // −β⁻¹ log Σ exp(−β‖ξ − v‖²) (the scores already hold −‖ξ − v‖²); cosine: −β⁻¹ log Σ exp(β cos).
            _ => -lse / beta,
        };
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private static ReadOnlySpan<float> MaskRow(Tensor masks, int i) => masks.Row(masks.Shape[0] == 1 ? 0 : i);

    private Tensor ToRow(ReadOnlySpan<float> values, string name)
    {
        if (values.Length != Bank.Dimension)
        {
            throw new ArgumentException(
                $"{name} has {values.Length} components but the stored patterns have {Bank.Dimension}.", name);
        }

        var row = new Tensor(1, values.Length);
        values.CopyTo(row.Span);
        return row;
    }

    private int ValidateStates(Tensor states, string name)
    {
        ArgumentNullException.ThrowIfNull(states, name);
        if (states.Rank != 2 || states.Shape[1] != Bank.Dimension)
        {
            throw new ArgumentException(
                $"{name} must be a Q×{Bank.Dimension} matrix (one row per cue, as wide as the stored patterns); got {states}.", name);
        }

        for (int i = 0; i < states.Shape[0]; i++)
        {
            int bad = MemoryBank.IndexOfNonFinite(states.Row(i));
            if (bad >= 0)
            {
                throw new ArgumentException(
                    $"{name} row {i} has a non-finite component {bad} ({states.Row(i)[bad]}); cues must be finite.", name);
            }
        }

        return states.Shape[0];
    }

    private void ValidateMasks(Tensor? masks, int q)
    {
        if (masks is null)
        {
            return;
        }

        if (masks.Rank != 2 || masks.Shape[1] != Bank.Dimension || (masks.Shape[0] != q && masks.Shape[0] != 1))
        {
            throw new ArgumentException(
                $"masks must be {q}×{Bank.Dimension} (one per cue) or 1×{Bank.Dimension} (shared); got {masks}.", nameof(masks));
        }

        for (int i = 0; i < masks.Shape[0]; i++)
        {
            ReadOnlySpan<float> m = masks.Row(i);
            for (int j = 0; j < m.Length; j++)
            {
                if (m[j] != 0f && m[j] != 1f)
                {
                    throw new ArgumentException(
                        $"masks row {i} component {j} is {m[j]}; an observation mask holds 1 (observed) or 0 (missing).", nameof(masks));
                }
            }
        }
    }
}
