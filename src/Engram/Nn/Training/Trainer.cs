using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engram.Nn.Layers;
using Engram.Nn.Optimizers;

namespace Engram.Nn.Training;

/// <summary>What one training step computed: the loss to minimise and figures to report (their means are kept per epoch).</summary>
public sealed record TrainingLoss(Variable<float> Loss, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>A loss whose only reported figure is itself.</summary>
    public static TrainingLoss Of(Variable<float> loss) => new(loss, new Dictionary<string, double>(StringComparer.Ordinal) { ["loss"] = loss.Value.Data[0] });
}

/// <summary>
/// Where a training step stands: for schedules (temperature, learning rate) and for seeded noise.
/// <see cref="Random"/> is derived from the seed and the global step alone, so a run resumed from
/// a checkpoint draws exactly the noise the uninterrupted run would have.
/// </summary>
public sealed record TrainingStep(int Epoch, int Step, long GlobalStep, long TotalSteps, Rng Random)
{
    /// <summary>GlobalStep / TotalSteps, in [0, 1].</summary>
    public double Progress => TotalSteps <= 0 ? 1 : Math.Clamp((double)GlobalStep / TotalSteps, 0, 1);
}

/// <summary>How to train: epochs, batch size, the AdamW schedule, clipping, the seed and checkpoints.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Items per step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate of the warm-up + cosine schedule.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Linear warm-up steps before the cosine decay.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Global gradient-norm clip (0: none).</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Seeds the batch order and the random draws of the loss: the same seed gives the same weights.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Where checkpoints go (null: none). A checkpoint is a weight file with the optimizer state and the position.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Steps between checkpoints, besides the one at the end of every epoch.</summary>
    public int CheckpointEvery { get; init; } = 200;

    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>
    /// Everything else that decides the weights, by name (the model and its configuration, a fingerprint of
    /// the data, the choices of the command that trains it): a checkpoint records these with the loop's own
    /// settings and is resumed only by a run whose settings are all the same. The domain's training functions
    /// add the data's fingerprint (<see cref="TrainingFingerprint"/>); callers add the rest.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A copy with <paramref name="name"/> set to <paramref name="value"/> in <see cref="Settings"/>.</summary>
    public TrainerOptions WithSetting(string name, string value) =>
        this with { Settings = new Dictionary<string, string>(Settings, StringComparer.Ordinal) { [name] = value } };

    /// <summary>Checks the values, naming the setting that is wrong.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        ArgumentOutOfRangeException.ThrowIfNegative(ClipNorm, nameof(ClipNorm));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CheckpointEvery, nameof(CheckpointEvery));
    }
}

/// <summary>Progress of a training run, reported after every step.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, long GlobalStep, long TotalSteps, double Loss, double ItemsPerSecond, TimeSpan Remaining);

/// <summary>The mean of each reported figure over one epoch, and how long it took.</summary>
public sealed record EpochSummary(int Epoch, IReadOnlyDictionary<string, double> Metrics, double Seconds, double ItemsPerSecond);

/// <summary>What a run did: every finished epoch (with those before a resume), where this process started, and its time.</summary>
public sealed record TrainingHistory(IReadOnlyList<EpochSummary> Epochs, long ResumedAtStep, double Seconds);

/// <summary>
/// The one training loop of the neural core: seeded shuffling per epoch, mini-batches of item
/// indices, AdamW with warm-up and cosine decay, global-norm clipping, progress, and checkpoints
/// from which an interrupted run resumes exactly where it stopped (same shuffles, same noise, same
/// optimizer moments), so a resumed run ends with the weights of an uninterrupted one.
/// </summary>
public static class Trainer
{
    private const string PositionKey = "engram.training_position";

    // Backends round differently, so a run resumed on another ends on other weights.
    private const string GemmBackendSetting = "GEMM backend";

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="itemCount"/> items; <paramref name="loss"/>
    /// builds the graph for a batch of item indices.
    /// </summary>
    public static TrainingHistory Run(
        Module model,
        int itemCount,
        Func<int[], TrainingStep, TrainingLoss> loss,
        TrainerOptions options,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);

        IReadOnlyList<Variable<float>> parameters = model.Parameters();
        var optimizer = new AdamW(parameters, options.LearningRate, weightDecay: options.WeightDecay);
        int batch = Math.Min(options.BatchSize, itemCount);
        int stepsPerEpoch = itemCount / batch; // the last partial batch is dropped: every step sees a full batch
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        var schedule = LearningRateSchedule.WarmupCosine(options.LearningRate, Math.Min(options.WarmupSteps, totalSteps / 10), totalSteps, options.LearningRate * 0.02);

        long globalStep = 0;
        var epochs = new List<EpochSummary>();
        SortedDictionary<string, string> settings = Settings(model, itemCount, batch, options);
        if (options.Resume && options.CheckpointPath is { } checkpoint && File.Exists(checkpoint))
        {
            globalStep = LoadCheckpoint(checkpoint, model, optimizer, settings, epochs);
        }

        long resumedAt = globalStep;
        var total = Stopwatch.StartNew();
        for (int epoch = (int)(globalStep / stepsPerEpoch); epoch < options.Epochs; epoch++)
        {
            int[] order = Enumerable.Range(0, itemCount).ToArray();
            new Rng(Mix(options.Seed, 0x5EED_0000UL + (ulong)epoch)).Shuffle<int>(order);
            var sums = new Dictionary<string, double>(StringComparer.Ordinal);
            int counted = 0;
            var clock = Stopwatch.StartNew();
            double smoothed = double.NaN;
            for (int step = (int)(globalStep - ((long)epoch * stepsPerEpoch)); step < stepsPerEpoch; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                int[] indices = order.AsSpan(step * batch, batch).ToArray();
                var where = new TrainingStep(epoch, step, globalStep, totalSteps, new Rng(Mix(options.Seed, (ulong)globalStep)));
                optimizer.ZeroGrad();
                TrainingLoss result = loss(indices, where);
                double value = result.Loss.Value.Data[0];
                if (!double.IsFinite(value))
                {
                    throw new InvalidOperationException(
                        $"The training loss became {value} at epoch {epoch + 1}, step {step + 1}; lower the learning rate (--lr) or check the data.");
                }

                result.Loss.Backward();
                if (options.ClipNorm > 0)
                {
                    GradientClipping.ClipByGlobalNorm(parameters, options.ClipNorm);
                }

                optimizer.LearningRate = schedule.Rate(globalStep);
                optimizer.Step();
                globalStep++;

                foreach (var (name, metric) in result.Metrics)
                {
                    sums[name] = sums.GetValueOrDefault(name) + metric;
                }

                counted++;
                smoothed = double.IsNaN(smoothed) ? value : (0.9 * smoothed) + (0.1 * value);
                double rate = counted * batch / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                progress?.Report(new TrainingProgress(
                    epoch, options.Epochs, step + 1, stepsPerEpoch, globalStep, totalSteps, smoothed, rate,
                    TimeSpan.FromSeconds((totalSteps - globalStep) * batch / Math.Max(rate, 1e-9))));

                bool epochEnd = step + 1 == stepsPerEpoch;
                if (epochEnd)
                {
                    double seconds = clock.Elapsed.TotalSeconds;
                    epochs.Add(new EpochSummary(
                        epoch + 1,
                        sums.ToDictionary(p => p.Key, p => p.Value / Math.Max(counted, 1), StringComparer.Ordinal),
                        seconds,
                        counted * batch / Math.Max(seconds, 1e-9)));
                }

                if (options.CheckpointPath is { } path && (epochEnd || globalStep % options.CheckpointEvery == 0))
                {
                    SaveCheckpoint(path, model, optimizer, globalStep, settings, epochs);
                }
            }
        }

        return new TrainingHistory(epochs, resumedAt, total.Elapsed.TotalSeconds);
    }

    /// <summary>A SplitMix64 mix of two words: independent, reproducible streams from one seed.</summary>
    public static ulong Mix(ulong seed, ulong stream)
    {
        ulong z = seed + (0x9E3779B97F4A7C15UL * (stream + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Every setting that decides the weights: the loop's (epochs, effective batch, the AdamW schedule,
    /// clipping, seed), the item count, the GEMM backend (another rounds differently), the model's initial
    /// weights (its architecture, configuration and initialisation in one hash) and the caller's.
    /// </summary>
    private static SortedDictionary<string, string> Settings(Module model, int itemCount, int batch, TrainerOptions options)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["epochs"] = Invariant(options.Epochs),
            ["batch size"] = Invariant(batch),
            ["learning rate"] = Invariant(options.LearningRate),
            ["warm-up steps"] = Invariant(options.WarmupSteps),
            ["weight decay"] = Invariant(options.WeightDecay),
            ["gradient clip"] = Invariant(options.ClipNorm),
            ["seed"] = Invariant(options.Seed),
            ["items"] = Invariant(itemCount),
            [GemmBackendSetting] = Tensors.Gemm.Default.Name,
            ["initial weights"] = ModelWeights.ParameterHash(model),
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        return settings;
    }

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(value is double ? "R" : null, CultureInfo.InvariantCulture);

    private static void SaveCheckpoint(string path, Module model, AdamW optimizer, long globalStep, SortedDictionary<string, string> settings, List<EpochSummary> epochs)
    {
        var position = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [PositionKey] = JsonSerializer.Serialize(new Position(globalStep, settings, epochs)),
        };
        ModelWeights.Save(path, model, position, optimizer.ExportState());
    }

    private static long LoadCheckpoint(string path, Module model, AdamW optimizer, SortedDictionary<string, string> settings, List<EpochSummary> epochs)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        if (!metadata.TryGetValue(PositionKey, out string? json) || JsonSerializer.Deserialize<Position>(json) is not { } position)
        {
            throw new InvalidDataException($"{path} is not a training checkpoint (no '{PositionKey}' metadata); delete it or pass another --checkpoint.");
        }

        if (position.Settings is null)
        {
            throw new InvalidOperationException(
                $"{path} was written by an earlier version of engram that did not record its settings, so resuming it could mix two runs. " +
                "Start over with --fresh (or delete the checkpoint).");
        }

        string[] differences = settings.Keys.Union(position.Settings.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => (name, old: position.Settings.GetValueOrDefault(name), now: settings.GetValueOrDefault(name)))
            .Where(s => s.old != s.now)
            .Select(s => $"{s.name} {Shown(s.old)} → {Shown(s.now)}{(s.name == GemmBackendSetting && s.old is { } old ? $", ENGRAM_GEMM={old} selects the old one" : "")}")
            .ToArray();
        if (differences.Length > 0)
        {
            throw new InvalidOperationException(
                $"{path} is the checkpoint of a run with other settings ({string.Join("; ", differences)}), and resuming it would not give this run's weights. " +
                "Start over with --fresh (or delete the checkpoint), or give the checkpoint's settings to resume it.");
        }

        model.LoadStateDict(arrays.Where(p => !p.Key.StartsWith("optimizer.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), path);
        optimizer.ImportState(arrays.Where(p => p.Key.StartsWith("optimizer.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), path);
        epochs.AddRange(position.Epochs ?? []);
        return position.GlobalStep;
    }

    // Hashes are long: the first 12 hex digits tell two apart.
    private static string Shown(string? value) => value is null ? "(not set)"
        : value.Length == 64 && value.All(char.IsAsciiHexDigitLower) ? value[..12] + "…" : value;

    /// <summary>Where a checkpoint stands, the settings of its run, and the epochs finished before it (so a resumed run reports them all).</summary>
    private sealed record Position(long GlobalStep, IReadOnlyDictionary<string, string>? Settings, IReadOnlyList<EpochSummary>? Epochs);
}
