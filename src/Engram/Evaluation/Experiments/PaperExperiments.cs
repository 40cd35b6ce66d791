using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Engram.Data.Cues;
using Engram.Data.Images;
using Engram.Encoders;
using Engram.Encoders.Text;
using Engram.Evaluation.Figures;
using Engram.Hen;
using Engram.Memory;

namespace Engram.Evaluation.Experiments;

/// <summary>
/// The experiments of seeds 001/002 (Hopfield Encoding Networks), each a function from settings to a
/// report: Table 1, the β sweep of Figure 2, the separability of Figure 3, the cross-modal recall of
/// Table 2 and Figure 5, the non-unique captions of Figure 6 and the progressions of Figures 1, 5 and 7.
/// Every one stores Fashion-MNIST (or emoji) items in a <see cref="HopfieldEncodingNetwork"/> and
/// measures with <see cref="ImageTrial.Run"/>.
/// </summary>
public static class PaperExperiments
{
    /// <summary>The experiments by name, as <c>engram eval</c> lists them.</summary>
    public static readonly IReadOnlyList<string> Names = ["table1", "beta-sweep", "separability", "cross-modal", "uniqueness", "progression"];

    /// <summary>Table 1: occluded Fashion-MNIST cues recalled at every N, encoder, similarity, β and cue mode.</summary>
    public static ExperimentReport Table1(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Sweep("table1", settings, settings.Sizes, settings.Betas,
            "Store the first N Fashion-MNIST training images as codes; recall each from the code of its copy with the bottom half hidden; " +
            "decode the recalled state and score it against Dec(ξ_true) (the paper's Table 1). 'masked' compares only the code components " +
            "the visible pixels determine (raw pixels: Masked; codes: MaskedFree).",
            Redraw);
    }

    /// <summary>Figure 2: 1 − SSIM and MSE against β, dot and L2, every encoder, at the first N.</summary>
    public static ExperimentReport BetaSweep(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Sweep("beta-sweep", settings, [settings.Sizes[0]], settings.Betas,
            $"Occluded Fashion-MNIST cues, N = {settings.Sizes[0]:N0}, β over several decades (the paper's Figure 2).",
            Redraw);
    }

    /// <summary>
    /// Figure 3: for every encoder, cos(Enc(cue_i), ξ_j) for i = j and for i ≠ j as histograms and their
    /// overlap; "masked" takes the cosines over the code components the visible pixels determine.
    /// Rows are the recalls at the first β.
    /// </summary>
    public static ExperimentReport Separability(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var measured = new List<Dictionary<string, object>>();
        var panels = new List<Panel>();
        var table = new StringBuilder("| encoder | cue | overlap | mean cos (i = j) | mean cos (i ≠ j) | cosine top-1 |\n|---|---|---|---|---|---|\n");
        ExperimentReport report = Sweep("separability", settings, [settings.Sizes[0]], [settings.Betas[0]],
            $"Cosines of the occluded cues' codes with their own stored code (i = j) and with every other (i ≠ j), N = {settings.Sizes[0]:N0} " +
            "(the paper's Figure 3); overlap = Σ_b min(p_b, q_b) of the two normalised histograms (0: apart, 1: indistinguishable).",
            report =>
            {
                report.AddTable("separability", "Separability of cue codes from stored codes:", table.ToString());
                report.AddSummary("separability", measured);
                report.AddFigure("separability.svg", SvgFigure.HistogramGrid(
                    "cos(Enc(cue_i), ξ_j): i = j against i ≠ j", "cosine", "fraction of pairs", panels, columns: Math.Min(4, settings.Encoders.Count)));
            },
            onEncoded: items =>
            {
                foreach (string mode in settings.CueModes)
                {
                    bool masked = mode == "masked";
                    SeparabilityReport s = masked
                        ? SeparabilityReport.Measure(MaskRows(items.CueCodes, items.CodeMask), MaskRows(items.Codes, items.CodeMask))
                        : SeparabilityReport.Measure(items.CueCodes, items.Codes);
                    long pairs = s.Unmatched.Sum(), own = s.Matched.Sum();
                    panels.Add(new Panel($"{items.Encoder} ({mode})",
                    [
                        new Histogram("i ≠ j", s.BinEdges, s.Unmatched.Select(c => c / (double)Math.Max(1, pairs)).ToArray()),
                        new Histogram("i = j", s.BinEdges, s.Matched.Select(c => c / (double)Math.Max(1, own)).ToArray()),
                    ]));
                    measured.Add(new(StringComparer.Ordinal)
                    {
                        ["encoder"] = items.Encoder,
                        ["cue_mode"] = mode,
                        ["n"] = items.Count,
                        ["overlap"] = s.Overlap,
                        ["matched_mean"] = s.MatchedMean,
                        ["unmatched_mean"] = s.UnmatchedMean,
                        ["cosine_accuracy"] = s.CosineAccuracy,
                    });
                    table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {items.Encoder} | {mode} | {s.Overlap:F4} | {s.MatchedMean:F4} | {s.UnmatchedMean:F4} | {s.CosineAccuracy:F4} |"));
                    settings.Say(string.Create(CultureInfo.InvariantCulture, $"{items.Encoder} {mode}: overlap {s.Overlap:F4}, cosine top-1 {s.CosineAccuracy:F4}"));
                }
            });
        return report;
    }

    /// <summary>
    /// Table 2 and Figure 5: items [image code; caption code], recalled from the caption alone.
    /// Emoji (with the raw or autoencoder codec, the ones trained for emoji): every emoji with a unique
    /// name, named by that name. Fashion-MNIST: unique hashed
    /// captions at every N. Captions are encoded pixelized (the SHA-256 digest drawn and passed through
    /// the image codec) and, where a trained text encoder exists, by it.
    /// </summary>
    public static ExperimentReport CrossModal(ExperimentSettings settings, bool emoji = true, bool fashionMnist = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        var report = new ExperimentReport("cross-modal",
            "Items are [image code; caption code]; each is recalled from its caption's code alone, the image slot starting at zero " +
            "('full': the zeros take part in the similarity, as in the paper; 'masked': only the caption is compared). " +
            "Captions are pixelized (SHA-256 digest drawn, then the image codec) or encoded by the trained n-gram text encoder (ngram).");
        Describe(report, settings);
        if (emoji && settings.Encoders.Any(e => e is "raw" or "autoencoder"))
        {
            var (images, names, source) = ExperimentData.EmojiWithUniqueNames();
            settings.Say($"{source}");
            report.Settings["emoji_source"] = source;
            var grid = new List<(string Label, Tensor Decoded, IImageCodec Codec)>();
            EncodedImages? shown = null;
            foreach (string encoder in settings.Encoders.Where(e => e is "raw" or "autoencoder"))
            {
                IImageCodec codec = ExperimentEncoders.Emoji(encoder, settings.ModelsFolder);
                EncodedImages items = EncodedImages.Encode(encoder, codec, images, Enumerable.Repeat(1f, codec.Shape.Length).ToArray());
                shown ??= items;
                foreach (var (textName, text) in TextEncoders(codec, settings.ModelsFolder, "emoji"))
                {
                    Tensor captions = text.Encode(names);
                    grid.Add(CaptionTrials(report, settings, "emoji", items, $"{encoder}+{textName}", captions, names));
                }
            }

            if (shown is not null && grid.Count > 0)
            {
                report.AddFigure("emoji-examples.svg", ExampleGrid("Caption → image recall (emoji)", shown, grid, names, settings.Examples));
            }
        }

        if (fashionMnist)
        {
            int max = settings.Sizes.Max();
            var (images, source) = ExperimentData.FashionMnist(max);
            report.Settings["fashion_mnist_source"] = source;
            string[] captions = Enumerable.Range(0, max).Select(HashedCaption).ToArray();
            foreach (string encoder in settings.Encoders)
            {
                IImageCodec codec = ExperimentEncoders.FashionMnist(encoder, settings.ModelsFolder);
                settings.Say($"{encoder}: encoding {max:N0} images and captions");
                EncodedImages all = EncodedImages.Encode(encoder, codec, images, Enumerable.Repeat(1f, codec.Shape.Length).ToArray());
                foreach (var (textName, text) in TextEncoders(codec, settings.ModelsFolder, "emoji"))
                {
                    Tensor textCodes = text.Encode(captions);
                    foreach (int n in settings.Sizes.Order())
                    {
                        CaptionTrials(report, settings, "fashion-mnist", all.Take(n), $"{encoder}+{textName}", textCodes.Rows(0, n), captions[..n]);
                    }
                }
            }

            LineFigures(report, "accuracy", "Caption → image accuracy against N (Fashion-MNIST, hashed captions)", "stored items N", r => r.N, "accuracy", r => r.Accuracy,
                logX: false, filter: r => r.Dataset == "fashion-mnist");
        }

        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    /// <summary>
    /// Figure 6: pairs of images given one caption. The store-time check must name every pair, and
    /// recall from the shared caption gives the pair's mixture; unique captions are the control.
    /// </summary>
    public static ExperimentReport Uniqueness(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        int n = settings.Sizes[0] - (settings.Sizes[0] % 2);
        var report = new ExperimentReport("uniqueness",
            $"The first {n:N0} Fashion-MNIST images stored as [image code; pixelized caption code]; images 2k and 2k+1 share the caption " +
            "'pair k' (shared-captions) or each has its own (unique-captions, the control). The store-time uniqueness check should name every pair; " +
            "recall from a shared caption returns a mixture of the pair (the paper's Hypothesis 3 and Figure 6).");
        Describe(report, settings);
        var (images, source) = ExperimentData.FashionMnist(n);
        report.Settings["fashion_mnist_source"] = source;
        string[] shared = Enumerable.Range(0, n).Select(i => $"pair {i / 2}").ToArray();
        string[] unique = Enumerable.Range(0, n).Select(i => $"item {i}").ToArray();
        var flagged = new Dictionary<string, object>(StringComparer.Ordinal);
        var grid = new List<(string Label, Tensor Decoded, IImageCodec Codec)>();
        EncodedImages? shown = null;
        foreach (string encoder in settings.Encoders)
        {
            IImageCodec codec = ExperimentEncoders.FashionMnist(encoder, settings.ModelsFolder);
            EncodedImages items = EncodedImages.Encode(encoder, codec, images, Enumerable.Repeat(1f, codec.Shape.Length).ToArray());
            shown ??= items;
            var text = new PixelizedTextEncoder(codec);
            foreach (var (dataset, captions) in new[] { ("fashion-mnist/shared-captions", shared), ("fashion-mnist/unique-captions", unique) })
            {
                var (label, decoded, _, network) = CaptionTrialsWithNetwork(report, settings, dataset, items, $"{encoder}+pixelized", text.Encode(captions), captions);
                if (dataset.EndsWith("shared-captions", StringComparison.Ordinal))
                {
                    grid.Add((label, decoded, codec));
                    flagged[encoder] = new Dictionary<string, object>(StringComparer.Ordinal)
                    {
                        ["pairs"] = n / 2,
                        ["flagged"] = network.Collisions.Count,
                        ["first_warning"] = network.Warnings.FirstOrDefault() ?? "",
                    };
                    settings.Say($"{encoder}: the store-time check flagged {network.Collisions.Count} of {n / 2} pairs");
                }
                else
                {
                    flagged[encoder + " (unique captions)"] = network.Collisions.Count;
                }
            }
        }

        report.AddSummary("uniqueness_check", flagged);
        if (shown is not null)
        {
            // Rows: pairs; columns: both images, then what each encoder recalled from the shared caption.
            int pairs = Math.Min(settings.Examples, n / 2);
            var rows = new List<IReadOnlyList<Image?>>();
            for (int k = 0; k < pairs; k++)
            {
                var row = new List<Image?> { ImageTrial.ToImage(shown.Images, 2 * k, shown.Codec.Shape), ImageTrial.ToImage(shown.Images, (2 * k) + 1, shown.Codec.Shape) };
                row.AddRange(grid.Select(g => (Image?)ImageTrial.ToImage(g.Decoded, 2 * k, g.Codec.Shape)));
                rows.Add(row);
            }

            report.AddFigure("pairs.svg", SvgFigure.ImageGrid(
                "One caption, two images: what recall from the caption returns",
                Enumerable.Range(0, pairs).Select(k => $"pair {k}").ToArray(),
                ["image A", "image B", .. grid.Select(g => g.Label)],
                rows));
        }

        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    /// <summary>
    /// Figures 1, 5 and 7: the decoded state after chosen iterations, for a few occluded cues per
    /// encoder (and, when the emoji models are there, for caption-only cues).
    /// </summary>
    public static ExperimentReport Progression(ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        int n = settings.Sizes[0], examples = Math.Min(settings.Examples, n);
        int[] iterations = settings.Iterations.Distinct().Order().ToArray();
        var report = new ExperimentReport("progression",
            $"The decoded state v_t after t = {string.Join(", ", iterations)} iterations for the first {examples} of N = {n:N0} occluded Fashion-MNIST cues " +
            "(the paper's Figures 1 and 7); rows give the scores at the last t over those cues.");
        Describe(report, settings);
        var (images, source) = ExperimentData.FashionMnist(n);
        report.Settings["fashion_mnist_source"] = source;
        float[] pixelMask = Occlusion.Mask(settings.Region, 28, 28);
        Similarity similarity = settings.Similarities[0];
        float beta = settings.Betas[0];
        foreach (string mode in settings.CueModes)
        {
            var labels = new List<string>();
            var rows = new List<IReadOnlyList<Image?>>();
            foreach (string encoder in settings.Encoders)
            {
                IImageCodec codec = ExperimentEncoders.FashionMnist(encoder, settings.ModelsFolder);
                EncodedImages items = EncodedImages.Encode(encoder, codec, images, pixelMask);
                HopfieldEncodingNetwork network = HopfieldEncodingNetwork.Store([new SlotCodes(ImageTrial.ImageSlot, items.Codes)]);
                var cues = new Dictionary<string, Tensor> { [ImageTrial.ImageSlot] = items.CueCodes.Rows(0, examples) };
                var masks = new Dictionary<string, Tensor> { [ImageTrial.ImageSlot] = Tensor.FromArray(items.CodeMask, 1, items.CodeMask.Length) };
                CueMode cueMode = mode == "masked" ? ImageTrial.MaskedMode(codec) : CueMode.Full;
                var states = new List<Tensor>();
                ExperimentRow? last = null;
                foreach (int t in iterations)
                {
                    var (row, _, decoded) = ImageTrial.Run(Template("progression", "fashion-mnist", encoder), network, items, cues, masks,
                        ImageTrial.Options(similarity, beta, cueMode, t), settings.Cancellation);
                    states.Add(decoded);
                    last = row;
                }

                report.Add(last!);
                settings.Say(RowLine(last!));
                Tensor cueDecoded = codec.Decode(items.CueCodes.Rows(0, examples));
                for (int i = 0; i < examples; i++)
                {
                    labels.Add($"{encoder} #{i}");
                    var row = new List<Image?> { ImageTrial.ToImage(items.Images, i, codec.Shape), ImageTrial.ToImage(cueDecoded, i, codec.Shape) };
                    row.AddRange(states.Select(s => (Image?)ImageTrial.ToImage(s, i, codec.Shape)));
                    row.Add(ImageTrial.ToImage(items.References, i, codec.Shape));
                    rows.Add(row);
                }
            }

            report.AddFigure($"progression-{mode}.svg", SvgFigure.ImageGrid(
                string.Create(CultureInfo.InvariantCulture, $"Recall step by step ({mode} cues, {ImageTrial.Name(similarity)}, β = {beta:G})"),
                labels, ["image", "Dec(cue)", .. iterations.Select(t => $"t = {t}"), "Dec(ξ)"], rows));
        }

        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    /// <summary>
    /// Draws the figures and tables that come from the rows alone (table1 and beta-sweep), for a report
    /// just measured or read back with <see cref="ExperimentReport.Read"/>.
    /// </summary>
    public static void Redraw(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        switch (report.Name)
        {
            case "table1":
                LineFigures(report, "accuracy", "Retrieval accuracy against N", "stored images N", r => r.N, "accuracy", r => r.Accuracy, logX: false);
                LineFigures(report, "one-minus-ssim", "1 − SSIM against N", "stored images N", r => r.N, "1 − SSIM", r => r.OneMinusSsim, logX: false);
                PaperTables(report);
                break;
            case "beta-sweep":
                LineFigures(report, "one-minus-ssim", "1 − SSIM against β", "β", r => r.Beta, "1 − SSIM", r => r.OneMinusSsim, logX: true);
                LineFigures(report, "mse", "MSE against β", "β", r => r.Beta, "MSE", r => r.Mse, logX: true);
                LineFigures(report, "accuracy", "Retrieval accuracy against β", "β", r => r.Beta, "accuracy", r => r.Accuracy, logX: true);
                break;
            default:
                throw new ArgumentException($"The figures of '{report.Name}' need more than its rows; run it again instead.");
        }
    }

    /// <summary>A unique hashed caption for Fashion-MNIST training image <paramref name="index"/>: a SHA-256 hex digest.</summary>
    public static string HashedCaption(int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"fashion-mnist/train/{index}"))));

    /// <summary>One line describing a finished row, for progress output.</summary>
    public static string RowLine(ExperimentRow r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Experiment} {r.Dataset} {r.Encoder} {r.Similarity} β={r.Beta:G} {r.CueMode} N={r.N}: accuracy {r.Accuracy:F4}, metastable {r.MetastableFraction:F4}, " +
        $"1−SSIM {r.OneMinusSsim:F4}, MSE {r.Mse:F5} ({r.Seconds:F1} s)");

    // Occluded-cue sweeps (table1, beta-sweep, separability): encode once per encoder, store once per
    // N, recall for every similarity, β and cue mode.
    private static ExperimentReport Sweep(
        string name, ExperimentSettings settings, IReadOnlyList<int> sizes, IReadOnlyList<float> betas, string description,
        Action<ExperimentReport> finish, Action<EncodedImages>? onEncoded = null)
    {
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        var report = new ExperimentReport(name, description);
        Describe(report, settings with { Sizes = sizes, Betas = betas });
        int max = sizes.Max();
        var (images, source) = ExperimentData.FashionMnist(max);
        report.Settings["fashion_mnist_source"] = source;
        float[] pixelMask = Occlusion.Mask(settings.Region, 28, 28);
        foreach (string encoder in settings.Encoders)
        {
            IImageCodec codec = ExperimentEncoders.FashionMnist(encoder, settings.ModelsFolder);
            settings.Say($"{encoder}: encoding {max:N0} images and their occluded copies");
            EncodedImages all = EncodedImages.Encode(encoder, codec, images, pixelMask);
            onEncoded?.Invoke(all);
            var masks = new Dictionary<string, Tensor> { [ImageTrial.ImageSlot] = Tensor.FromArray(all.CodeMask, 1, all.CodeMask.Length) };
            foreach (int n in sizes.Order())
            {
                EncodedImages items = all.Take(n);
                HopfieldEncodingNetwork network = HopfieldEncodingNetwork.Store([new SlotCodes(ImageTrial.ImageSlot, items.Codes)]);
                var cues = new Dictionary<string, Tensor> { [ImageTrial.ImageSlot] = items.CueCodes };
                foreach (Similarity similarity in settings.Similarities)
                {
                    foreach (float beta in betas)
                    {
                        foreach (string mode in settings.CueModes)
                        {
                            CueMode cueMode = mode == "masked" ? ImageTrial.MaskedMode(codec) : CueMode.Full;
                            var (row, _, _) = ImageTrial.Run(Template(name, "fashion-mnist", encoder), network, items, cues, masks,
                                ImageTrial.Options(similarity, beta, cueMode, settings.Steps), settings.Cancellation);
                            report.Add(row);
                            settings.Say(RowLine(row));
                        }
                    }
                }
            }
        }

        finish(report);
        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    private static (string Label, Tensor Decoded, IImageCodec Codec) CaptionTrials(
        ExperimentReport report, ExperimentSettings settings, string dataset, EncodedImages items, string encoder, Tensor captionCodes, IReadOnlyList<string> captions)
    {
        var (label, decoded, codec, _) = CaptionTrialsWithNetwork(report, settings, dataset, items, encoder, captionCodes, captions);
        return (label, decoded, codec);
    }

    // Stores [image; text], recalls from the text slot alone for every similarity, β and cue mode;
    // returns the decoded recall of the first masked configuration (else the first; for figures) and the network.
    private static (string Label, Tensor Decoded, IImageCodec Codec, HopfieldEncodingNetwork Network) CaptionTrialsWithNetwork(
        ExperimentReport report, ExperimentSettings settings, string dataset, EncodedImages items, string encoder, Tensor captionCodes, IReadOnlyList<string> captions)
    {
        HopfieldEncodingNetwork network = HopfieldEncodingNetwork.Store(
            [new SlotCodes(ImageTrial.ImageSlot, items.Codes), new SlotCodes("text", captionCodes)], itemIds: captions.ToArray());
        var cues = new Dictionary<string, Tensor> { ["text"] = captionCodes };
        Tensor? first = null;
        string firstLabel = encoder;
        foreach (Similarity similarity in settings.Similarities)
        {
            foreach (float beta in settings.Betas)
            {
                foreach (string mode in settings.CueModes)
                {
                    var (row, _, decoded) = ImageTrial.Run(Template(report.Name, dataset, encoder), network, items, cues, null,
                        ImageTrial.Options(similarity, beta, mode == "masked" ? CueMode.Masked : CueMode.Full, settings.Steps), settings.Cancellation);
                    report.Add(row);
                    settings.Say(RowLine(row));
                    // Figures show a masked configuration where there is one: the cue compared alone, the paper's mechanism without the zeros' pull.
                    if (first is null || (mode == "masked" && !firstLabel.EndsWith("masked)", StringComparison.Ordinal)))
                    {
                        first = decoded;
                        firstLabel = string.Create(CultureInfo.InvariantCulture, $"{encoder} ({row.Similarity}, {row.CueMode})");
                    }
                }
            }
        }

        return (firstLabel, first!, items.Codec, network);
    }

    private static IEnumerable<(string Name, ITextEncoder Encoder)> TextEncoders(IImageCodec codec, string modelsFolder, string prefix)
    {
        yield return ("pixelized", new PixelizedTextEncoder(codec));
        string learned = Path.Combine(modelsFolder, $"{prefix}-text.safetensors");
        if (File.Exists(learned))
        {
            yield return ("ngram", NgramTextEncoder.Load(learned));
        }
    }

    private static string ExampleGrid(string title, EncodedImages shown, IReadOnlyList<(string Label, Tensor Decoded, IImageCodec Codec)> grid, IReadOnlyList<string> names, int examples)
    {
        int count = Math.Min(examples, shown.Count);
        var rows = new List<IReadOnlyList<Image?>>();
        for (int i = 0; i < count; i++)
        {
            var row = new List<Image?> { ImageTrial.ToImage(shown.Images, i, shown.Codec.Shape) };
            row.AddRange(grid.Select(g => (Image?)ImageTrial.ToImage(g.Decoded, i, g.Codec.Shape)));
            rows.Add(row);
        }

        return SvgFigure.ImageGrid(title, names.Take(count).ToArray(), ["image", .. grid.Select(g => g.Label)], rows);
    }

    private static ExperimentRow Template(string experiment, string dataset, string encoder) => new()
    {
        Experiment = experiment,
        Dataset = dataset,
        Encoder = encoder,
        Similarity = "",
        CueMode = "",
        Beta = 0,
        N = 0,
        Accuracy = 0,
        MetastableFraction = 0,
        OneMinusSsim = 0,
        Mse = 0,
    };

    private static void Describe(ExperimentReport report, ExperimentSettings settings)
    {
        report.Settings["encoders"] = settings.Encoders;
        report.Settings["n"] = settings.Sizes;
        report.Settings["similarities"] = settings.Similarities.Select(ImageTrial.Name).ToArray();
        report.Settings["betas"] = settings.Betas;
        report.Settings["cue_modes"] = settings.CueModes;
        report.Settings["steps"] = settings.Steps;
        report.Settings["occlusion"] = settings.Region.ToString();
        report.Settings["models"] = settings.ModelsFolder;
    }

    // One line chart per cue mode, one series per encoder · similarity (· β when several).
    private static void LineFigures(
        ExperimentReport report, string file, string title, string xLabel, Func<ExperimentRow, double> x, string yLabel, Func<ExperimentRow, double> y,
        bool logX, Func<ExperimentRow, bool>? filter = null)
    {
        List<ExperimentRow> rows = report.Rows.Where(filter ?? (_ => true)).ToList();
        string[] encoders = rows.Select(r => r.Encoder).Distinct().ToArray();
        bool severalBetas = rows.Select(r => r.Beta).Distinct().Count() > 1 && !logX;
        foreach (IGrouping<string, ExperimentRow> mode in rows.GroupBy(r => r.CueMode == "masked-free" ? "masked" : r.CueMode))
        {
            // A colour per encoder; dot similarity dashed, the others solid.
            var series = mode
                .GroupBy(r => severalBetas ? string.Create(CultureInfo.InvariantCulture, $"{r.Encoder} · {r.Similarity} · β {r.Beta:G}") : $"{r.Encoder} · {r.Similarity}")
                .Select(g =>
                {
                    ExperimentRow[] ordered = g.OrderBy(x).ToArray();
                    return new Series(g.Key, ordered.Select(x).ToArray(), ordered.Select(y).ToArray(), Array.IndexOf(encoders, ordered[0].Encoder), ordered[0].Similarity == "dot");
                })
                .ToList();
            report.AddFigure($"{file}-{mode.Key}.svg", SvgFigure.LineChart($"{title} ({mode.Key} cues)", xLabel, yLabel, series, logX: logX));
        }
    }

    // The paper's Table 1 layout: rows N, columns encoders, cells "1 − SSIM, MSE"; one table per similarity, β and cue mode.
    private static void PaperTables(ExperimentReport report)
    {
        string[] encoders = report.Rows.Select(r => r.Encoder).Distinct().ToArray();
        foreach (var group in report.Rows.GroupBy(r => (r.Similarity, r.Beta, Mode: r.CueMode == "masked-free" ? "masked" : r.CueMode)))
        {
            var text = new StringBuilder($"| N | {string.Join(" | ", encoders)} |\n|---|{string.Concat(encoders.Select(_ => "---|"))}\n");
            foreach (IGrouping<int, ExperimentRow> n in group.GroupBy(r => r.N).OrderBy(g => g.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {n.Key} |");
                foreach (string encoder in encoders)
                {
                    ExperimentRow? r = n.FirstOrDefault(r => r.Encoder == encoder);
                    text.Append(r is null ? " |" : string.Create(CultureInfo.InvariantCulture, $" {r.OneMinusSsim:F3}, {r.Mse:F3} (acc {r.Accuracy:F3}, meta {r.MetastableFraction:F3}) |"));
                }

                text.AppendLine();
            }

            string key = string.Create(CultureInfo.InvariantCulture, $"{group.Key.Similarity}-{group.Key.Beta:G}-{group.Key.Mode}");
            report.AddTable(key, string.Create(CultureInfo.InvariantCulture,
                $"As the paper's Table 1 (1 − SSIM, MSE; accuracy and metastable fraction in brackets): {group.Key.Similarity}, β = {group.Key.Beta:G}, {group.Key.Mode} cues."), text.ToString());
        }
    }

    private static Tensor MaskRows(Tensor rows, float[] mask)
    {
        var masked = new Tensor(rows.RowCount, mask.Length);
        for (int i = 0; i < rows.RowCount; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(rows.Row(i), mask, masked.Row(i));
        }

        return masked;
    }
}
