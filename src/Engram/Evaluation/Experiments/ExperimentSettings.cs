using System.Globalization;
using Engram.Data;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Memory;

namespace Engram.Evaluation.Experiments;

/// <summary>What an experiment sweeps; each experiment reads the parts it needs.</summary>
public sealed record ExperimentSettings
{
    /// <summary>The folder with the trained weights (<c>fmnist-*.safetensors</c>, <c>emoji-*.safetensors</c>).</summary>
    public required string ModelsFolder { get; init; }

    /// <summary>Image encoders by name: "raw" and <see cref="ExperimentEncoders.Trained"/>.</summary>
    public IReadOnlyList<string> Encoders { get; init; } = ExperimentEncoders.All;

    /// <summary>Stored items N, ascending (experiments at one N use the first).</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [6000];

    /// <summary>Similarity measures compared (experiments with one measure use the first).</summary>
    public IReadOnlyList<Similarity> Similarities { get; init; } = [Similarity.Dot, Similarity.L2];

    /// <summary>β values (experiments at one β use the first).</summary>
    public IReadOnlyList<float> Betas { get; init; } = [1000f];

    /// <summary>"full" (the paper's protocol: the whole cue code compared) and/or "masked" (only what the visible pixels determine).</summary>
    public IReadOnlyList<string> CueModes { get; init; } = ["full", "masked"];

    /// <summary>Update steps T.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>The hidden part of every occluded cue.</summary>
    public OcclusionRegion Region { get; init; } = OcclusionRegion.BottomHalf;

    /// <summary>Iterations shown by <c>progression</c>.</summary>
    public IReadOnlyList<int> Iterations { get; init; } = [1, 2, 5, 10, 50];

    /// <summary>Examples drawn in image figures.</summary>
    public int Examples { get; init; } = 6;

    /// <summary>Receives a line per stage and per finished row (progress for a terminal).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Cancels the experiment: a cancelled run throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Checks the values, naming the setting that is wrong.</summary>
    public void Validate()
    {
        if (Encoders.Count == 0 || Sizes.Count == 0 || Similarities.Count == 0 || Betas.Count == 0 || CueModes.Count == 0)
        {
            throw new ArgumentException("An experiment needs at least one encoder, size, similarity, β and cue mode.");
        }

        if (Encoders.FirstOrDefault(e => !ExperimentEncoders.All.Contains(e)) is { } encoder)
        {
            throw new ArgumentException($"Unknown encoder '{encoder}'; use {string.Join(", ", ExperimentEncoders.All)}.");
        }

        RefuseFirst(Sizes, n => n < 2, n => $"Every size N must be at least 2 (an item is recalled against the others); got {n}.");
        RefuseFirst(Betas, b => !(b > 0) || !float.IsFinite(b), b => $"Every β must be a finite number > 0; got {b}.");

        if (CueModes.FirstOrDefault(m => m is not ("full" or "masked")) is { } mode)
        {
            throw new ArgumentException($"Unknown cue mode '{mode}'; use full or masked.");
        }

        if (Steps < 1)
        {
            throw new ArgumentException(Invariant($"Steps must be at least 1; got {Steps}."));
        }

        RefuseFirst(Iterations, t => t < 1, t => $"Every iteration shown must be at least 1 (the first update); got {t}.");

        if (Examples < 1)
        {
            throw new ArgumentException(Invariant($"Examples must be at least 1; got {Examples}."));
        }
    }

    internal void Say(string line) => Log?.Invoke(line);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    // Throws the message for the first value that is wrong, naming that value.
    private static void RefuseFirst<T>(IEnumerable<T> values, Func<T, bool> wrong, Func<T, FormattableString> message)
    {
        foreach (T value in values)
        {
            if (wrong(value))
            {
                throw new ArgumentException(Invariant(message(value)));
            }
        }
    }
}

/// <summary>The image encoders experiments compare, loaded from the trained weights.</summary>
public static class ExperimentEncoders
{
    /// <summary>The trained Fashion-MNIST codecs, by the name results use.</summary>
    public static readonly IReadOnlyList<string> Trained = ["autoencoder", "vq-vae", "dvae", "local-autoencoder"];

    /// <summary>Raw pixels, then every trained codec.</summary>
    public static readonly IReadOnlyList<string> All = ["raw", .. Trained];

    /// <summary>The Fashion-MNIST codec called <paramref name="name"/> ("raw": the pixels themselves).</summary>
    public static IImageCodec FashionMnist(string name, string modelsFolder) => name == "raw"
        ? new IdentityCodec(new ImageShape(1, 28, 28))
        : LoadCodec(Path.Combine(modelsFolder, $"fmnist-{name}.safetensors"));

    /// <summary>The emoji image codec ("raw": 32×32 RGB pixels).</summary>
    public static IImageCodec Emoji(string name, string modelsFolder) => name == "raw"
        ? new IdentityCodec(new ImageShape(3, 32, 32))
        : LoadCodec(Path.Combine(modelsFolder, $"emoji-{name}.safetensors"));

    /// <summary>The shipped weights' folder (data/models), or null when not run from the repository.</summary>
    public static string? ShippedModels() => ShippedData.Find("models");

    private static ConvImageCodec LoadCodec(string path) => File.Exists(path)
        ? ImageCodecs.Load(path)
        : throw new FileNotFoundException($"No trained weights at {path}: train them with `engram train` (see data/models/MANIFEST.md) or pass --models FOLDER.", path);
}

/// <summary>The images experiments run on.</summary>
public static class ExperimentData
{
    /// <summary>The first <paramref name="n"/> Fashion-MNIST training images [n, 784] in [0, 1], in file order.</summary>
    public static (Tensor Images, string Source) FashionMnist(int n)
    {
        IDataset items = FashionMnistDataset.Load(train: true, n);
        if (items.Count < n)
        {
            throw new ArgumentException(
                $"N = {n} needs {n:N0} Fashion-MNIST training images, but {items.Source} has {items.Count:N0}: " +
                (items.Count < 60_000 ? "install Debian's dataset-fashion-mnist for the full 60,000, or use a smaller --n." : $"use --n {items.Count} or less."));
        }

        return (DatasetImages.Load(items, 28, grey: true), $"Fashion-MNIST train ({items.Source})");
    }

    /// <summary>
    /// Every emoji whose name no other emoji shares (a caption that names two images cannot recall
    /// one): the images at 32×32 RGB and their names.
    /// </summary>
    public static (Tensor Images, string[] Names, string Source) EmojiWithUniqueNames(int max = int.MaxValue)
    {
        IDataset all = EmojiDataset.Load();
        var named = all.Where(e => e.Caption is not null).ToList();
        var unique = named.GroupBy(e => e.Caption!, StringComparer.Ordinal).Where(g => g.Count() == 1).Select(g => g.First()).Take(max).ToList();
        return (DatasetImages.Load(unique, 32, grey: false), unique.Select(e => e.Caption!).ToArray(), $"emoji ({all.Source}): {unique.Count} of {all.Count} with unique names");
    }
}
