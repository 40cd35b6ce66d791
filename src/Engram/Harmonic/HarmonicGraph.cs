using System.Numerics;
using Engram.Memory;
using Engram.Nn;

namespace Engram.Harmonic;

/// <summary>
/// The differentiable side of a harmonic model, generic in the number type so that training runs in
/// float and gradient checks run the very same graph in double: the adapters, the coupling scores,
/// the contrastive and unrolled losses, and the energy. Parameters are looked up by the model's
/// state-dict names (<c>adapter_text.output.weight</c>, <c>coupling_image_text.u</c>, …).
/// </summary>
internal sealed class HarmonicGraph<T>(HarmonicModelConfig config, IReadOnlyDictionary<string, Variable<T>> parameters)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public HarmonicModelConfig Config { get; } = config;

    /// <summary>φ_m: standardise the base codes (layer norm without affine), an optional GELU layer, a linear map, unit length.</summary>
    public static Variable<T> Adapt(Variable<T> baseCodes, Variable<T>? hiddenWeight, Variable<T>? hiddenBias, Variable<T> outputWeight, Variable<T> outputBias)
    {
        Variable<T> h = Op.LayerNorm(baseCodes, null, null);
        if (hiddenWeight is not null)
        {
            h = Op.Gelu(Op.Add(Op.MatMul(h, hiddenWeight, transposeB: true), hiddenBias!));
        }

        return Op.L2Normalize(Op.Add(Op.MatMul(h, outputWeight, transposeB: true), outputBias));
    }

    /// <summary>φ_m of a batch of base codes [B, BaseDimension] → [B, Dimension], unit rows.</summary>
    public Variable<T> Adapt(string modality, Variable<T> baseCodes)
    {
        HarmonicModalityConfig m = Config.Modalities[Config.IndexOf(modality)];
        string prefix = HarmonicModel.AdapterName(modality);
        return m.Hidden > 0
            ? Adapt(baseCodes, parameters[$"{prefix}.hidden.weight"], parameters[$"{prefix}.hidden.bias"], parameters[$"{prefix}.output.weight"], parameters[$"{prefix}.output.bias"])
            : Adapt(baseCodes, null, null, parameters[$"{prefix}.output.weight"], parameters[$"{prefix}.output.bias"]);
    }

    /// <summary>The factors U (d_First × r) and V (d_Second × r) of a coupling.</summary>
    public (Variable<T> U, Variable<T> V) Factors(CouplingPair pair)
    {
        string name = HarmonicModel.CouplingName(pair);
        return (parameters[$"{name}.u"], parameters[$"{name}.v"]);
    }

    /// <summary>S_ij = φ_First(i)ᵀ A φ_Second(j) = (first U)(second V)ᵀ, the pair-dependent part of −E when both are clamped.</summary>
    public Variable<T> Scores(CouplingPair pair, Variable<T> first, Variable<T> second)
    {
        var (u, v) = Factors(pair);
        return Op.MatMul(Op.MatMul(first, u), Op.MatMul(second, v), transposeB: true);
    }

    /// <summary>
    /// Symmetric InfoNCE over the coupling scores, true pairs on the diagonal: a cue in one modality
    /// must rank its own item first among the batch's items of the other, at inverse temperature
    /// β/λ of the target modality: the first softmax of the dynamics from <see cref="FreeStart.Coupling"/>.
    /// </summary>
    public Variable<T> Contrastive(CouplingPair pair, Variable<T> first, Variable<T> second, out double accuracy)
    {
        Variable<T> scores = Scores(pair, first, second);
        HarmonicModalityConfig f = Config.Modalities[Config.IndexOf(pair.First)], s = Config.Modalities[Config.IndexOf(pair.Second)];
        int[] diagonal = Enumerable.Range(0, scores.Value.Dim(0)).ToArray();
        Variable<T> toSecond = Op.CrossEntropy(Op.MulScalar(scores, T.CreateChecked(s.Beta / s.Lambda)), diagonal);
        Variable<T> toFirst = Op.CrossEntropy(Op.MulScalar(Op.Transpose(scores), T.CreateChecked(f.Beta / f.Lambda)), diagonal);
        accuracy = (DiagonalWins(scores.Value, transpose: false) + DiagonalWins(scores.Value, transpose: true)) / (2.0 * diagonal.Length);
        return Op.MulScalar(Op.Add(toSecond, toFirst), T.CreateChecked(0.5));
    }

    /// <summary>
    /// The loss on completed states: each side of the pair cues the other with the batch as the stored
    /// items, the free side runs <paramref name="sweeps"/> steps of the dynamics, and the loss is the
    /// cross-entropy of its final softmax against the true item (both directions, averaged).
    /// </summary>
    public Variable<T> Unrolled(CouplingPair pair, Variable<T> first, Variable<T> second, int sweeps, HarmonicRecallOptions dynamics)
    {
        var (u, v) = Factors(pair);
        HarmonicModalityConfig f = Config.Modalities[Config.IndexOf(pair.First)], s = Config.Modalities[Config.IndexOf(pair.Second)];

        // The field on the first side is A x_second = (x_second V) Uᵀ in rows; on the second, Aᵀ x_first = (x_first U) Vᵀ.
        Variable<T> toFirst = Complete(f, first, Op.MatMul(Op.MatMul(second, v), u, transposeB: true), sweeps, dynamics);
        Variable<T> toSecond = Complete(s, second, Op.MatMul(Op.MatMul(first, u), v, transposeB: true), sweeps, dynamics);
        return Op.MulScalar(Op.Add(toFirst, toSecond), T.CreateChecked(0.5));
    }

    /// <summary>The training loss of one batch and its figures: contrastive and/or unrolled over the trained pairs.</summary>
    public (Variable<T> Loss, Dictionary<string, double> Metrics) TrainingLoss(
        IReadOnlyList<CouplingPair> pairs, IReadOnlyDictionary<string, NdArray<T>> baseCodes, HarmonicTrainingOptions options)
    {
        var adapted = new Dictionary<string, Variable<T>>(StringComparer.Ordinal);
        Variable<T> Adapted(string name) => adapted.TryGetValue(name, out Variable<T>? a) ? a : adapted[name] = Adapt(name, new Variable<T>(baseCodes[name]));

        Variable<T>? contrastive = null, unrolled = null;
        double accuracy = 0;
        foreach (CouplingPair pair in pairs)
        {
            Variable<T> first = Adapted(pair.First), second = Adapted(pair.Second);
            if (options.ContrastiveWeight > 0)
            {
                Variable<T> term = Contrastive(pair, first, second, out double batchAccuracy);
                accuracy += batchAccuracy / pairs.Count;
                contrastive = contrastive is null ? term : Op.Add(contrastive, term);
            }

            if (options.UnrolledSweeps > 0 && options.UnrolledWeight > 0)
            {
                Variable<T> term = Unrolled(pair, first, second, options.UnrolledSweeps, options.Dynamics);
                unrolled = unrolled is null ? term : Op.Add(unrolled, term);
            }
        }

        T perPair = T.One / T.CreateChecked(pairs.Count);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        Variable<T>? loss = null;
        if (contrastive is not null)
        {
            contrastive = Op.MulScalar(contrastive, perPair);
            metrics["contrastive"] = double.CreateChecked(contrastive.Value.Data[0]);
            metrics["accuracy"] = accuracy;
            loss = Op.MulScalar(contrastive, T.CreateChecked(options.ContrastiveWeight));
        }

        if (unrolled is not null)
        {
            unrolled = Op.MulScalar(unrolled, perPair);
            metrics["unrolled"] = double.CreateChecked(unrolled.Value.Data[0]);
            Variable<T> weighted = Op.MulScalar(unrolled, T.CreateChecked(options.UnrolledWeight));
            loss = loss is null ? weighted : Op.Add(loss, weighted);
        }

        if (loss is null)
        {
            throw new InvalidOperationException("Neither loss is switched on: set ContrastiveWeight > 0, or UnrolledSweeps and UnrolledWeight > 0.");
        }

        metrics["loss"] = double.CreateChecked(loss.Value.Data[0]);
        return (loss, metrics);
    }

    /// <summary>
    /// E(x) of Q states [Q, d_m] per modality against slots [N, d_m] (taken as given, not normalised),
    /// as a [Q] result: Σ_m ½λ‖x_m‖² − β⁻¹ lse(β Ξ x_m) − Σ_c (x_f U)·(x_s V).
    /// </summary>
    public static Variable<T> Energy(
        IReadOnlyList<HarmonicModality> spaces, IReadOnlyList<Variable<T>> states, IReadOnlyList<Variable<T>> slots,
        IReadOnlyList<(int First, int Second, Variable<T> U, Variable<T> V)> couplings)
    {
        Variable<T>? energy = null;
        for (int m = 0; m < spaces.Count; m++)
        {
            T lambda = T.CreateChecked(spaces[m].Lambda), beta = T.CreateChecked(spaces[m].Beta);
            Variable<T> quadratic = Op.MulScalar(Op.Sum(Op.Square(states[m]), 1), lambda / T.CreateChecked(2));
            Variable<T> lse = Op.LogSumExp(Op.MulScalar(Op.MatMul(states[m], slots[m], transposeB: true), beta));
            Variable<T> term = Op.Sub(quadratic, Op.MulScalar(lse, T.One / beta));
            energy = energy is null ? term : Op.Add(energy, term);
        }

        foreach (var (first, second, u, v) in couplings)
        {
            energy = Op.Sub(energy!, Op.Sum(Op.Mul(Op.MatMul(states[first], u), Op.MatMul(states[second], v)), 1));
        }

        return energy!;
    }

    private static Variable<T> Complete(HarmonicModalityConfig free, Variable<T> bank, Variable<T> field, int sweeps, HarmonicRecallOptions dynamics)
    {
        T beta = T.CreateChecked(free.Beta), lambda = T.CreateChecked(free.Lambda), inverse = T.One / lambda;
        T eta = T.CreateChecked(dynamics.StepSizeOf(free.Name));
        Variable<T> x = dynamics.Start == FreeStart.Coupling
            ? Op.MulScalar(field, inverse)
            : new Variable<T>(new NdArray<T>(field.Value.ShapeArray));
        if (dynamics.Normalize && dynamics.Start == FreeStart.Coupling)
        {
            x = Op.L2Normalize(x);
        }

        // The coupling start ends with one fixed-point step (as the network's does), then the sweeps.
        int first = dynamics.Start == FreeStart.Coupling ? -1 : 0;
        for (int t = first; t < sweeps; t++)
        {
            Variable<T> weights = Op.Softmax(Op.MulScalar(Op.MatMul(x, bank, transposeB: true), beta));
            Variable<T> drive = Op.Add(Op.MatMul(weights, bank), field);
            x = t < 0 || dynamics.UpdateRule == UpdateRule.FixedPoint
                ? Op.MulScalar(drive, inverse)
                : Op.Sub(x, Op.MulScalar(Op.Sub(Op.MulScalar(x, lambda), drive), eta));
            if (dynamics.Normalize)
            {
                x = Op.L2Normalize(x);
            }
        }

        int[] diagonal = Enumerable.Range(0, bank.Value.Dim(0)).ToArray();
        return Op.CrossEntropy(Op.MulScalar(Op.MatMul(x, bank, transposeB: true), beta), diagonal);
    }

    /// <summary>How many rows (or columns) of a square score matrix have their largest entry on the diagonal.</summary>
    private static int DiagonalWins(NdArray<T> scores, bool transpose)
    {
        int n = scores.Dim(0), wins = 0;
        for (int i = 0; i < n; i++)
        {
            T own = scores.Data[(i * n) + i];
            bool best = true;
            for (int j = 0; j < n && best; j++)
            {
                T other = transpose ? scores.Data[(j * n) + i] : scores.Data[(i * n) + j];
                best = j == i || other < own;
            }

            wins += best ? 1 : 0;
        }

        return wins;
    }
}
