using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Harmonic;

/// <summary>How a harmonic model trains: the shared loop's settings, which pairs, which losses, and the coupling limit.</summary>
public sealed record HarmonicTrainingOptions
{
    /// <summary>Epochs, batch size, AdamW schedule, clipping, seed and checkpoints (the one training loop's).</summary>
    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>
    /// The pairs trained on (either order), each a coupling of the model; null trains every coupling.
    /// Couplings left out keep their initial (small) values: train image–text and text–audio only, and
    /// image → audio must go through text.
    /// </summary>
    public IReadOnlyList<CouplingPair>? Pairs { get; init; }

    /// <summary>The weight of the contrastive loss (true pairs low energy, shuffled pairs high); 0 turns it off.</summary>
    public double ContrastiveWeight { get; init; } = 1;

    /// <summary>Sweeps of the dynamics unrolled in the loss on completed states; 0 turns that loss off.</summary>
    public int UnrolledSweeps { get; init; }

    /// <summary>The weight of the unrolled loss.</summary>
    public double UnrolledWeight { get; init; } = 1;

    /// <summary>The dynamics the unrolled loss runs (start, update rule, step sizes, normalisation).</summary>
    public HarmonicRecallOptions Dynamics { get; init; } = new();

    /// <summary>
    /// Every free set's coupling ratio ρ is held at or below this (&lt; 1) before each step and at the end.
    /// Between free modalities a coupling also echoes fields back (the fixed point is a series in ρ), and
    /// the free blocks converge like ρ² per sweep: 0.5 gave full recall on synthetic pairs where 0.9 lost
    /// items, and settles to ε = 10⁻⁶ in about 10 sweeps (0.7 took 17, for no better recall on the emoji);
    /// 0.3 caps the logits too low for 1,911 emoji (image → audio 0.77). Raise β, not the limit, for sharper logits.
    /// </summary>
    public double CouplingLimit { get; init; } = 0.5;

    /// <summary>Throws naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Trainer, nameof(Trainer));
        Trainer.Validate();
        ArgumentNullException.ThrowIfNull(Dynamics, nameof(Dynamics));
        Dynamics.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(ContrastiveWeight, nameof(ContrastiveWeight));
        ArgumentOutOfRangeException.ThrowIfNegative(UnrolledSweeps, nameof(UnrolledSweeps));
        ArgumentOutOfRangeException.ThrowIfNegative(UnrolledWeight, nameof(UnrolledWeight));
        if (!(ContrastiveWeight > 0) && !(UnrolledSweeps > 0 && UnrolledWeight > 0))
        {
            throw new ArgumentException("Neither loss is switched on: set ContrastiveWeight > 0, or UnrolledSweeps and UnrolledWeight > 0.", nameof(ContrastiveWeight));
        }

        if (!(CouplingLimit > 0 && CouplingLimit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(CouplingLimit), CouplingLimit, $"CouplingLimit must lie in (0, 1); got {CouplingLimit}.");
        }
    }
}

/// <summary>Trains a <see cref="HarmonicModel"/>'s adapters and couplings jointly, by backpropagation, with the shared <see cref="Trainer"/>.</summary>
public static class HarmonicTraining
{
    /// <summary>Epochs that trained the 1,911 emoji to ≥ 0.989 on every cue → target pair (with the batch size and learning rate below).</summary>
    public const int DefaultEpochs = 60;

    /// <summary>Items per step of the emoji training.</summary>
    public const int DefaultBatchSize = 256;

    /// <summary>The peak learning rate of the emoji training.</summary>
    public const double DefaultLearningRate = 5e-3;

    /// <summary>
    /// Item i has base codes row i of <paramref name="baseCodes"/>[m] in each modality m that a trained
    /// pair uses (the same N everywhere). Each step draws a batch of items, adapts their codes, and
    /// minimises the symmetric InfoNCE loss over every trained pair's coupling scores (and, when asked,
    /// the loss on states completed by a few unrolled sweeps), with the couplings held inside the bound.
    /// Progress, checkpoints, resuming and determinism per seed are the <see cref="Trainer"/>'s.
    /// </summary>
    public static TrainingHistory Train(
        HarmonicModel model, IReadOnlyDictionary<string, Tensor> baseCodes, HarmonicTrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(baseCodes);
        return Train(model, baseCodes.ToDictionary(p => p.Key, p => (IReadOnlyList<Tensor>)[p.Value], StringComparer.Ordinal), options, progress, cancellation);
    }

    /// <summary>
    /// As <see cref="Train(HarmonicModel, IReadOnlyDictionary{string, Tensor}, HarmonicTrainingOptions, IProgress{TrainingProgress}?, CancellationToken)"/>,
    /// with several views of each item in a modality: <paramref name="baseCodes"/>[m] holds one or more
    /// [N, BaseDimension] tensors (row i of each is item i: its stored code, the code of its name in
    /// another voice, of its image with noise…), and every batch row takes one of its modality's views
    /// at random. The adapters then learn to map every view of an item to the same place. A modality
    /// with one view draws nothing, so single-view training is what it would be without views.
    /// </summary>
    public static TrainingHistory Train(
        HarmonicModel model, IReadOnlyDictionary<string, IReadOnlyList<Tensor>> baseCodes, HarmonicTrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(baseCodes);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        HarmonicModelConfig config = model.Config;
        if (config.Couplings.Count == 0)
        {
            throw new ArgumentException("The model has no couplings, so there is nothing to train.", nameof(model));
        }

        CouplingPair[] pairs = (options.Pairs ?? config.Couplings).Select(p => config.CouplingOf(p, nameof(options.Pairs))).ToArray();
        if (pairs.Length == 0 || pairs.Distinct().Count() != pairs.Length)
        {
            throw new ArgumentException($"Pairs must name at least one coupling, each once; got {string.Join(", ", pairs)}.", nameof(options));
        }

        foreach (string key in baseCodes.Keys)
        {
            config.IndexOf(key, nameof(baseCodes));
        }

        string[] used = pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct().ToArray();
        var codes = new Dictionary<string, NdArray<float>[]>(StringComparer.Ordinal);
        int count = -1;
        foreach (string name in used)
        {
            if (!baseCodes.TryGetValue(name, out IReadOnlyList<Tensor>? list) || list is null || list.Count == 0)
            {
                throw new ArgumentException($"baseCodes has no '{name}' codes, which the pairs {string.Join(", ", pairs)} need.", nameof(baseCodes));
            }

            var arrays = new NdArray<float>[list.Count];
            for (int v = 0; v < list.Count; v++)
            {
                Tensor tensor = list[v];
                arrays[v] = HarmonicModel.BaseCodes(config.Modalities[config.IndexOf(name)], tensor, nameof(baseCodes));
                if (count >= 0 && tensor.Shape[0] != count)
                {
                    string which = list.Count == 1 ? $"The '{name}' base codes have" : $"View {v} of the '{name}' base codes has";
                    throw new ArgumentException($"{which} {tensor.Shape[0]} rows but the others have {count}; row i is item i in every modality and view.", nameof(baseCodes));
                }

                count = tensor.Shape[0];
            }

            codes[name] = arrays;
        }

        if (count < 2)
        {
            throw new ArgumentException($"Contrastive training needs at least 2 items; got {count}.", nameof(baseCodes));
        }

        TrainingHistory history = Trainer.Run(model, count, (indices, step) =>
        {
            model.EnforceBound(options.CouplingLimit);
            var batch = new Dictionary<string, NdArray<float>>(StringComparer.Ordinal);
            foreach (var (name, all) in codes)
            {
                int width = all[0].Dim(1);
                var rows = new NdArray<float>(indices.Length, width);
                for (int i = 0; i < indices.Length; i++)
                {
                    NdArray<float> view = all.Length == 1 ? all[0] : all[step.Random.NextInt(all.Length)];
                    view.Data.AsSpan(indices[i] * width, width).CopyTo(rows.Data.AsSpan(i * width, width));
                }

                batch[name] = rows;
            }

            var (loss, metrics) = model.Graph().TrainingLoss(pairs, batch, options);
            return new TrainingLoss(loss, metrics);
        }, WithFingerprint(options, pairs, codes), progress, cancellation);

        model.EnforceBound(options.CouplingLimit);
        return history;
    }

    /// <summary>
    /// The loop's options with what else decides the weights, for the checkpoint: a fingerprint of every view
    /// of every slot's codes (so other encoders or augmentations do not resume it) and the losses' settings.
    /// </summary>
    private static TrainerOptions WithFingerprint(HarmonicTrainingOptions options, CouplingPair[] pairs, Dictionary<string, NdArray<float>[]> codes)
    {
        using var fingerprint = new TrainingFingerprint();
        foreach (var (name, views) in codes.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            fingerprint.Add(name);
            foreach (NdArray<float> view in views)
            {
                fingerprint.Add(view.Data);
            }
        }

        string losses = System.Text.Json.JsonSerializer.Serialize(new
        {
            pairs = pairs.Select(p => $"{p.First}-{p.Second}"),
            contrastive_weight = options.ContrastiveWeight,
            unrolled_sweeps = options.UnrolledSweeps,
            unrolled_weight = options.UnrolledWeight,
            coupling_limit = options.CouplingLimit,
            dynamics = options.Dynamics,
        });
        return options.Trainer.WithSetting("data", fingerprint.Finish()).WithSetting("harmonic losses", losses);
    }
}
