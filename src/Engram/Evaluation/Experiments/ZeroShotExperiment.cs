using System.Diagnostics;
using System.Globalization;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Multimodal;
using Engram.Nn;
using Engram.Nn.Training;
using Engram.Tensors;

namespace Engram.Evaluation.Experiments;

/// <summary>One pair of encoders whose spaces the link is learned between.</summary>
/// <param name="Label">How the report names it ("in-project", "pretrained").</param>
/// <param name="Image">The image encoder, as <see cref="MemoryEncoders.Open"/> takes it (a weight file or a name).</param>
/// <param name="Text">The text encoder, likewise.</param>
public sealed record ZeroShotEncoders(string Label, string Image, string Text);

/// <summary>What <see cref="ZeroShotExperiment.Run"/> trains and measures.</summary>
public sealed record ZeroShotSettings
{
    /// <summary>A folder of captioned images (Debian's openclipart-png: /usr/share/openclipart/png, Title chunks as captions).</summary>
    public required string Folder { get; init; }

    /// <summary>The encoder pairs to compare.</summary>
    public required IReadOnlyList<ZeroShotEncoders> Encoders { get; init; }

    /// <summary>Items held out: never trained on, stored without their captions, and cued with them.</summary>
    public int HeldOut { get; init; } = 1500;

    /// <summary>At most this many items in all (held-out ones included), drawn at random; the rest of the folder is left out.</summary>
    public int MaxItems { get; init; } = int.MaxValue;

    /// <summary>Training epochs of the link.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Items per training batch.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>The AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>d_m of both modality spaces.</summary>
    public int Dimension { get; init; } = 128;

    /// <summary>r of the image–text coupling.</summary>
    public int Rank { get; init; } = 64;

    /// <summary>Seeds the split, the weights and the batch order.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Receives a line per stage.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Throws naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Folder);
        if (Encoders.Count == 0)
        {
            throw new ArgumentException("Name at least one pair of encoders to compare.");
        }

        if (HeldOut < 10 || Epochs < 1 || BatchSize < 2 || Dimension < 1 || Rank < 1 || !(LearningRate > 0))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The held-out count must be ≥ 10, epochs, dimension and rank ≥ 1, the batch ≥ 2 and the learning rate > 0; got {HeldOut}, {Epochs}, {Dimension}, {Rank}, {BatchSize}, {LearningRate}."));
        }
    }
}

/// <summary>Text → image recall over held-out items for one encoder pair.</summary>
/// <param name="Encoders">The encoder pair's label.</param>
/// <param name="Trained">Items the link was trained on.</param>
/// <param name="HeldOut">Held-out items stored and cued.</param>
/// <param name="RecallAt1">Fraction of captions whose own image ranks first.</param>
/// <param name="RecallAt5">… among the first five.</param>
/// <param name="RecallAt10">… among the first ten.</param>
/// <param name="MedianRank">The median rank of the own image (1 = first).</param>
/// <param name="TrainSeconds">Seconds the link trained.</param>
/// <param name="EncodeSeconds">Seconds the images and captions took to encode.</param>
public sealed record ZeroShotResult(
    string Encoders, int Trained, int HeldOut, double RecallAt1, double RecallAt5, double RecallAt10, double MedianRank, double TrainSeconds, double EncodeSeconds);

/// <summary>
/// <c>engram eval zero-shot</c>: a photo without a caption found by a sentence. For each encoder pair, a Cross-Modal
/// Harmonic Network learns the link between the image and text spaces on the captioned items of a folder, except a
/// held-out set it never sees. The held-out images are then stored, and each held-out caption is the cue: the text
/// modality is clamped to it and the image modality completes; the stored images are ranked by cosine to the
/// completed image state, and recall@k counts the captions whose own image ranks in the first k.
/// </summary>
/// <remarks>
/// The stored text slot of the held-out network holds the held-out captions in shuffled order, never an item's own:
/// a clamped modality's stored patterns play no part in a recall, and shuffling them makes sure that no image could be
/// found through its own stored caption.
/// </remarks>
public static class ZeroShotExperiment
{
    private const int EncodeBatch = 128;

    /// <summary>Runs every encoder pair of <paramref name="settings"/> on one split of the folder; returns the report and the results.</summary>
    public static (ExperimentReport Report, IReadOnlyList<ZeroShotResult> Results) Run(ZeroShotSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        IDataset folder = FolderDataset.Load(settings.Folder);
        DatasetItem[] captioned = folder.Where(i => !string.IsNullOrWhiteSpace(i.Caption)).ToArray();
        var random = new Random(unchecked((int)settings.Seed));
        random.Shuffle(captioned);
        DatasetItem[] chosen = captioned.Take(Math.Min(settings.MaxItems, captioned.Length)).ToArray();
        if (chosen.Length < settings.HeldOut + settings.BatchSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{settings.Folder} has {chosen.Length:N0} captioned images in use; holding out {settings.HeldOut:N0} leaves fewer than a batch ({settings.BatchSize}) to train on."));
        }

        DatasetItem[] heldOut = chosen[..settings.HeldOut], train = chosen[settings.HeldOut..];
        settings.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"{folder.Count:N0} images in {settings.Folder}, {captioned.Length:N0} with a caption; training on {train.Length:N0}, holding out {heldOut.Length:N0}"));
        var report = new ExperimentReport("zero-shot",
            "A photo without a caption found by a sentence: a harmonic network learns the image–text link on captioned images, and held-out images " +
            "(never trained on, stored without their captions) are recalled from their captions; recall@k over the held-out set.");
        var results = new List<ZeroShotResult>();
        foreach (ZeroShotEncoders pair in settings.Encoders)
        {
            results.Add(RunPair(pair, train, heldOut, settings));
        }

        report.Settings["folder"] = settings.Folder;
        report.Settings["held_out"] = settings.HeldOut;
        report.Settings["trained"] = train.Length;
        report.Settings["epochs"] = settings.Epochs;
        report.Settings["dimension"] = settings.Dimension;
        report.Settings["rank"] = settings.Rank;
        report.Settings["seed"] = settings.Seed;
        report.AddSummary("results", results);
        report.AddTable("recall", "Text → image over the held-out items (own image's rank among every held-out image)", Table(results));
        return (report, results);
    }

    /// <summary>The results as a Markdown table.</summary>
    public static string Table(IEnumerable<ZeroShotResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var lines = new List<string> { "| encoders | trained | held out | R@1 | R@5 | R@10 | median rank | train s |", "|---|---|---|---|---|---|---|---|" };
        lines.AddRange(results.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"| {r.Encoders} | {r.Trained:N0} | {r.HeldOut:N0} | {r.RecallAt1:P1} | {r.RecallAt5:P1} | {r.RecallAt10:P1} | {r.MedianRank:0.#} | {r.TrainSeconds:F1} |")));
        return string.Join('\n', lines);
    }

    private static ZeroShotResult RunPair(ZeroShotEncoders pair, DatasetItem[] train, DatasetItem[] heldOut, ZeroShotSettings settings)
    {
        settings.Log?.Invoke($"{pair.Label}: image {pair.Image}, text {pair.Text}");
        MemoryEncoders encoders = MemoryEncoders.Open(pair.Image, pair.Text, null);
        IImageCodec image = encoders.Image ?? throw new ArgumentException($"{pair.Label}: {pair.Image} opens no image encoder.");
        ITextEncoder text = encoders.Text ?? throw new ArgumentException($"{pair.Label}: {pair.Text} opens no text encoder.");
        var encoding = Stopwatch.StartNew();
        Tensor trainImages = EncodeImages(train, image, settings), heldImages = EncodeImages(heldOut, image, settings);
        Tensor trainTexts = text.Encode(train.Select(i => i.Caption!).ToArray()), heldTexts = text.Encode(heldOut.Select(i => i.Caption!).ToArray());
        double encodeSeconds = encoding.Elapsed.TotalSeconds;

        HarmonicModelConfig config = HarmonicModelConfig.Coupled(
            [
                new HarmonicModalityConfig { Name = Modality.ImageName, BaseDimension = image.CodeLength, Dimension = settings.Dimension },
                new HarmonicModalityConfig { Name = Modality.TextName, BaseDimension = text.CodeLength, Dimension = settings.Dimension },
            ],
            rank: settings.Rank);
        var model = new HarmonicModel(config, new Rng(settings.Seed));
        var options = new HarmonicTrainingOptions
        {
            Trainer = new TrainerOptions { Epochs = settings.Epochs, BatchSize = Math.Min(settings.BatchSize, train.Length), LearningRate = settings.LearningRate, Seed = settings.Seed },
        };
        int every = Math.Max(1, settings.Epochs / 5);
        var training = Stopwatch.StartNew();
        HarmonicTraining.Train(
            model,
            new Dictionary<string, Tensor>(StringComparer.Ordinal) { [Modality.ImageName] = trainImages, [Modality.TextName] = trainTexts },
            options,
            new EpochReporter(p =>
            {
                int epoch = p.Epoch + 1;
                if (p.Step == p.StepsPerEpoch && (epoch % every == 0 || epoch == p.Epochs))
                {
                    settings.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  epoch {epoch}/{p.Epochs}: loss {p.Loss:F4}"));
                }
            }));
        double trainSeconds = training.Elapsed.TotalSeconds;

        // The held-out network: their images, and their captions in shuffled order in the (clamped) text slot.
        int n = heldOut.Length;
        int[] shuffled = Derangement(n, new Random(unchecked((int)settings.Seed) + 1));
        var storedTexts = new Tensor(n, heldTexts.RowLength);
        for (int i = 0; i < n; i++)
        {
            heldTexts.Row(shuffled[i]).CopyTo(storedTexts.Row(i));
        }

        HarmonicNetwork network = model.Store(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [Modality.ImageName] = heldImages, [Modality.TextName] = storedTexts });
        Tensor galleries = model.Encode(Modality.ImageName, heldImages);
        IReadOnlyList<HarmonicResult> recalls = network.Recall(
            new Dictionary<string, Tensor>(StringComparer.Ordinal) { [Modality.TextName] = model.Encode(Modality.TextName, heldTexts) });
        int[] ranks = new int[n];
        for (int i = 0; i < n; i++)
        {
            ranks[i] = RankOf(recalls[i].States[Modality.ImageName], galleries, i);
        }

        var result = new ZeroShotResult(
            pair.Label, train.Length, n, ranks.Count(r => r <= 1) / (double)n, ranks.Count(r => r <= 5) / (double)n, ranks.Count(r => r <= 10) / (double)n,
            Median(ranks), trainSeconds, encodeSeconds);
        settings.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"  R@1 {result.RecallAt1:P1}, R@5 {result.RecallAt5:P1}, R@10 {result.RecallAt10:P1}, median rank {result.MedianRank:0.#} of {n:N0}"));
        return result;
    }

    // The images' codes, a batch at a time: a large encoder's inputs for thousands of images at once would take gigabytes.
    private static Tensor EncodeImages(DatasetItem[] items, IImageCodec codec, ZeroShotSettings settings)
    {
        var codes = new Tensor(items.Length, codec.CodeLength);
        for (int start = 0; start < items.Length; start += EncodeBatch)
        {
            int rows = Math.Min(EncodeBatch, items.Length - start);
            Tensor pixels = DatasetImages.Load(items[start..(start + rows)], codec.Shape.Width, codec.Shape.Channels == 1);
            codec.Encode(pixels).Span.CopyTo(codes.Span.Slice(start * codec.CodeLength, rows * codec.CodeLength));
            if ((start / EncodeBatch) % 10 == 9)
            {
                settings.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  encoded {start + rows:N0} of {items.Length:N0} images"));
            }
        }

        return codes;
    }

    // 1 + the number of stored images nearer (by cosine) to the completed state than the own image; ties count against it.
    private static int RankOf(float[] state, Tensor galleries, int own)
    {
        double[] cosines = new double[galleries.RowCount];
        double stateNorm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(state, state));
        for (int j = 0; j < cosines.Length; j++)
        {
            ReadOnlySpan<float> row = galleries.Row(j);
            double norm = stateNorm * Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
            cosines[j] = norm > 0 ? System.Numerics.Tensors.TensorPrimitives.Dot(state, row) / norm : 0;
        }

        return 1 + cosines.Where((c, j) => j != own && c >= cosines[own]).Count();
    }

    // A permutation with no fixed point (one random cycle through every item), so that no stored caption sits beside its own image.
    private static int[] Derangement(int n, Random random)
    {
        int[] cycle = Enumerable.Range(0, n).ToArray();
        random.Shuffle(cycle);
        int[] order = new int[n];
        for (int k = 0; k < n; k++)
        {
            order[cycle[k]] = cycle[(k + 1) % n];
        }

        return order;
    }

    private static double Median(int[] values)
    {
        int[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
    }

    private sealed class EpochReporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
