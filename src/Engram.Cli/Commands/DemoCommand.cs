using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Evaluation;
using Engram.Evaluation.Experiments;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram demo</c>: the main job on the data shipped in data/, with a results table and an HTML report.</summary>
internal static class DemoCommand
{
    private const int Examples = 8;

    public static Command Create(CliContext context)
    {
        var output = new Option<string>("--out")
        {
            Description = "Folder for the report (report.html) and the three memories (fmnist.engram, emoji.engram, photos.engram). An earlier demo's files there are replaced; " +
                "any other file of those names is refused unless --force.",
            DefaultValueFactory = _ => "engram-demo",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        Option<string?> json = CommonOptions.Json();
        var command = new Command(
            "demo",
            "The main job on the data shipped in data/ (about a minute on two cores): build an image memory of 2,000 Fashion-MNIST images " +
            "(codes of the local autoencoder) and recall every image from its bottom half, beside raw pixels recalled the paper's way (dot similarity, " +
            "hidden pixels as zeros), which fails; build an image–caption memory of the shipped emoji and recall every one from its name, from another " +
            "wording and from the top half of its image; build a memory of data/photos, a folder as a user keeps one (JPEG photos in subfolders, an MP3 " +
            "voice note beside each, captions.csv), with the pretrained encoders (resnet18, minilm), and recall every photo from its caption in other " +
            "words, from the top half of the photo, and one from a voice note in another voice. Prints a results table, writes report.html with cues " +
            "and recalled images side by side, and saves the memories for `engram recall --memory` and `engram serve`.\n\n" +
            "Examples:\n  engram demo\n  engram demo --out /tmp/demo --json demo.json")
        {
            output, force, json,
        };
        command.SetAction(parse =>
        {
            var total = Stopwatch.StartNew();
            string folder = parse.GetValue(output)!;
            bool replace = parse.GetValue(force);
            OutputPath.CheckFolder(folder, "--out");
            Directory.CreateDirectory(folder);
            string report = Path.Combine(folder, "report.html");
            OutputPath.CheckReplaceable(report, OutputFileKind.DemoReport, replace, "--out");
            OutputPath.CheckReplaceable(Path.Combine(folder, "fmnist.engram"), OutputFileKind.Memory, replace, "--out");
            OutputPath.CheckReplaceable(Path.Combine(folder, "emoji.engram"), OutputFileKind.Memory, replace, "--out");
            OutputPath.CheckReplaceable(Path.Combine(folder, "photos.engram"), OutputFileKind.Memory, replace, "--out");
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), replace);
            string models = ShippedData.Find("models") ?? throw new DirectoryNotFoundException(MissingData("models"));
            var rows = new List<DemoRow>();
            var html = new StringBuilder();

            FashionMnistPart(context, folder, models, rows, html);
            EmojiPart(context, folder, models, rows, html);
            PhotosPart(context, folder, models, rows, html);

            var table = new Table().Border(TableBorder.Rounded).AddColumn("memory").AddColumn("cue").AddColumn("N").AddColumn("accuracy")
                .AddColumn("metastable").AddColumn("1 − SSIM").AddColumn("seconds");
            foreach (DemoRow r in rows)
            {
                table.AddRow(Markup.Escape(r.Memory), Markup.Escape(r.Cue), r.N.ToString(CultureInfo.InvariantCulture), r.Accuracy.ToString("F4", CultureInfo.InvariantCulture),
                    r.MetastableFraction.ToString("F4", CultureInfo.InvariantCulture), r.OneMinusSsim is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "—",
                    r.Seconds.ToString("F1", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            AtomicFile.WriteAllBytes(report, Encoding.UTF8.GetBytes(Page(rows, html.ToString())));
            context.Output.WriteLine($"Wrote {report}, and the memories {Path.Combine(folder, "fmnist.engram")}, {Path.Combine(folder, "emoji.engram")} and " +
                $"{Path.Combine(folder, "photos.engram")} (try: engram recall --memory {Path.Combine(folder, "emoji.engram")} --text \"red apple\"; for your own " +
                "photos as a store that shows the originals: engram build --dataset data/photos --out photos.store).");
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engram demo took {total.Elapsed.TotalSeconds:F1} s."));
            jsonTarget?.Write(new { rows, report, seconds = total.Elapsed.TotalSeconds }, context);

            return 0;
        });
        return command;
    }

    // The shipped data travels with the tool (beside the program) and with the repository (its data/ folder).
    private static string MissingData(string folder) => Environment.GetEnvironmentVariable("ENGRAM_DATA") is { Length: > 0 } set
        ? $"ENGRAM_DATA is {set}, which has no {folder} folder: point it at the shipped data folder (the repository's data/), or unset it."
        : $"The shipped data/{folder} was found neither beside the engram program nor above the current folder: " +
          "reinstall the tool (its package carries data/), run from a clone of the repository, or set ENGRAM_DATA to a data folder.";

    private static void FashionMnistPart(CliContext context, string folder, string models, List<DemoRow> rows, StringBuilder html)
    {
        string shipped = FashionMnist.ShippedDirectory() ?? throw new DirectoryNotFoundException(MissingData("fashion-mnist"));
        IdxData data = IdxFile.Read(Path.Combine(shipped, "train-images-idx3-ubyte.gz"), scale: 1.0 / 255);
        IdxData labels = IdxFile.Read(Path.Combine(shipped, "train-labels-idx1-ubyte.gz"));
        int n = data.Count;
        Tensor images = data.Items.Reshape(n, 784);
        MemoryItem[] items = Enumerable.Range(0, n)
            .Select(i => new MemoryItem($"train-{i:D5}", FashionMnistDataset.ClassNames[(int)labels.Items.Span[i]])).ToArray();
        float[] pixelMask = Occlusion.Mask(OcclusionRegion.BottomHalf, 28, 28);

        // The memory a user would build: local-autoencoder codes.
        context.Output.WriteLine($"Fashion-MNIST: storing the {n:N0} shipped training images as codes of the local autoencoder…");
        var stopwatch = Stopwatch.StartNew();
        MemoryEncoders encoders = MemoryEncoders.Open(Path.Combine(models, "fmnist-local-autoencoder.safetensors"), null, null);
        MultimodalMemory memory = MultimodalMemory.Build(items, encoders, images);
        memory.Save(Path.Combine(folder, "fmnist.engram"));
        EncodedImages encoded = EncodedImages.Encode("local-autoencoder", encoders.Image!, images, pixelMask);
        var masks = new Dictionary<string, Tensor> { ["image"] = Tensor.FromArray(encoded.CodeMask, 1, encoded.CodeMask.Length) };
        var (row, _, decoded) = ImageTrial.Run(Template(), memory.Network, encoded, new Dictionary<string, Tensor> { ["image"] = encoded.CueCodes }, masks,
            memory.Options with { CueMode = HenEngine.DefaultCueMode });
        rows.Add(new DemoRow("Fashion-MNIST, local-autoencoder codes", "bottom half hidden (masked)", n, row.Accuracy, row.MetastableFraction, row.OneMinusSsim, stopwatch.Elapsed.TotalSeconds));

        // The paper's raw network: pixels, dot similarity, hidden pixels as zeros that take part.
        stopwatch.Restart();
        var raw = new IdentityCodec(new ImageShape(1, 28, 28));
        EncodedImages pixels = EncodedImages.Encode("raw", raw, images, pixelMask);
        HopfieldEncodingNetwork rawNetwork = HopfieldEncodingNetwork.Store([new SlotCodes("image", pixels.Codes)]);
        var (rawRow, _, rawDecoded) = ImageTrial.Run(Template(), rawNetwork, pixels, new Dictionary<string, Tensor> { ["image"] = pixels.CueCodes }, null,
            new RecallOptions { Similarity = Similarity.Dot, Beta = 1000f, MaxSteps = 10, CueMode = CueMode.Full });
        rows.Add(new DemoRow("Fashion-MNIST, raw pixels (the paper's MHN)", "bottom half hidden (full, dot)", n, rawRow.Accuracy, rawRow.MetastableFraction, rawRow.OneMinusSsim, stopwatch.Elapsed.TotalSeconds));

        html.AppendLine("<h2>Fashion-MNIST: recall from the top half</h2><table><tr><th>item</th><th>image</th><th>cue</th><th>recalled (local autoencoder)</th><th>recalled (raw pixels, dot, full)</th></tr>");
        var shape = new ImageShape(1, 28, 28);
        for (int i = 0; i < Examples; i++)
        {
            int k = i * (n / Examples);
            html.AppendLine(CultureInfo.InvariantCulture,
                $"<tr><td>{WebUtility.HtmlEncode(items[k].Id)}<br>{WebUtility.HtmlEncode(items[k].Caption)}</td><td>{Img(images, k, shape)}</td><td>{Img(encoded.CueImages, k, shape)}</td><td>{Img(decoded, k, shape)}</td><td>{Img(rawDecoded, k, shape)}</td></tr>");
        }

        html.AppendLine("</table>");
    }

    private static void EmojiPart(CliContext context, string folder, string models, List<DemoRow> rows, StringBuilder html)
    {
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji") ?? throw new DirectoryNotFoundException(MissingData("emoji")), "shipped");
        context.Output.WriteLine($"Emoji: storing the {emoji.Count} shipped emoji as [image; name] (emoji-autoencoder, n-gram text encoder)…");
        var stopwatch = Stopwatch.StartNew();
        Tensor images = DatasetImages.Load(emoji, 32, grey: false);
        MemoryItem[] items = emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray();
        MemoryEncoders encoders = MemoryEncoders.Open(Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"), null);
        MultimodalMemory memory = MultimodalMemory.Build(items, encoders, images);
        memory.Save(Path.Combine(folder, "emoji.engram"));
        double buildSeconds = stopwatch.Elapsed.TotalSeconds;

        // From the name; from another wording (a short name that differs from the name).
        EncodedImages encoded = EncodedImages.Encode("autoencoder", encoders.Image!, images, Enumerable.Repeat(1f, 32 * 32 * 3).ToArray());
        RecallOptions masked = memory.Options with { CueMode = HenEngine.DefaultCueMode };
        void Captions(string cue, IReadOnlyList<(int Item, string Caption)> pairs)
        {
            stopwatch.Restart();
            var cues = new Dictionary<string, Tensor> { ["text"] = encoders.Text!.Encode(pairs.Select(p => p.Caption).ToArray()) };
            HenRecall recall = memory.Network.Recall(cues, pairs.Select(p => p.Item).ToArray(), masked);
            rows.Add(new DemoRow("emoji, [image; name]", cue, memory.Count, recall.Accuracy, recall.MetastableFraction, null, stopwatch.Elapsed.TotalSeconds + buildSeconds));
            buildSeconds = 0;
        }

        Captions("the name", items.Select((item, i) => (i, item.Caption!)).ToArray());
        (int, string)[] others = emoji.SelectMany((e, i) => e.Captions.Skip(1).Where(c => !string.Equals(c, e.Caption, StringComparison.OrdinalIgnoreCase)).Take(1).Select(c => (i, c))).ToArray();
        Captions($"another wording ({others.Length} short names)", others);

        // From the top half of the image.
        stopwatch.Restart();
        float[] pixelMask = Occlusion.Mask(OcclusionRegion.BottomHalf, 32, 32).SelectMany(m => new[] { m, m, m }).ToArray();
        EncodedImages halves = EncodedImages.Encode("autoencoder", encoders.Image!, images, pixelMask);
        HenRecall byHalf = memory.Network.Recall(
            new Dictionary<string, Tensor> { ["image"] = halves.CueCodes }, Enumerable.Range(0, memory.Count).ToArray(), memory.Options with { CueMode = HenEngine.DefaultCueMode },
            new Dictionary<string, Tensor> { ["image"] = Tensor.FromArray(halves.CodeMask, 1, halves.CodeMask.Length) });
        rows.Add(new DemoRow("emoji, [image; name]", "top half of the image (masked)", memory.Count, byHalf.Accuracy, byHalf.MetastableFraction, null, stopwatch.Elapsed.TotalSeconds));

        html.AppendLine("<h2>Emoji: recall from the name alone</h2><table><tr><th>name (the cue)</th><th>stored image</th><th>recalled image</th><th>recalled item</th><th>top weight</th></tr>");
        var shape = new ImageShape(3, 32, 32);
        for (int i = 0; i < Examples; i++)
        {
            int k = i * (memory.Count / Examples);
            MemoryRecall r = memory.Recall(new MemoryCue(Text: items[k].Caption));
            html.AppendLine(CultureInfo.InvariantCulture,
                $"<tr><td>{WebUtility.HtmlEncode(items[k].Caption)}</td><td>{Img(encoded.References, k, shape)}</td><td>{Img(Tensor.FromArray(r.Image!, 1, r.Image!.Length), 0, shape)}</td>" +
                $"<td>{WebUtility.HtmlEncode(r.Caption)}</td><td>{r.TopWeight:F4}</td></tr>");
        }

        html.AppendLine("</table>");
    }

    // A folder as a user keeps one: JPEGs in subfolders, an MP3 voice note beside each, captions.csv; the cues are the user's own kind.
    private static void PhotosPart(CliContext context, string folder, string models, List<DemoRow> rows, StringBuilder html)
    {
        string photos = ShippedData.Find("photos") ?? throw new DirectoryNotFoundException(MissingData("photos"));
        string cues = ShippedData.Find("photo-cues") ?? throw new DirectoryNotFoundException(MissingData("photo-cues"));
        IDataset dataset = FolderDataset.Load(photos);
        context.Output.WriteLine($"Your photos: storing the {dataset.Count} photos of data/photos as [photo; caption; voice note] (resnet18, minilm, emoji-speech)…");
        var stopwatch = Stopwatch.StartNew();
        MemoryEncoders encoders = MemoryEncoders.Open(
            MemorySource.FolderImageCodec, MemorySource.FolderTextEncoder, Path.Combine(models, "emoji-speech.safetensors"), new ImageShape(3, 32, 32));
        IImageCodec codec = encoders.Image!;
        EncodedDatasetImages images = DatasetImages.EncodeEach(dataset, codec, root: photos);
        if (images.Failed.Count > 0)
        {
            throw new InvalidDataException($"data/photos is damaged: {DatasetProblems.Summary(images.Failed)} Restore it from the repository.");
        }

        MemoryItem[] items = dataset.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();
        MultimodalMemory memory = MultimodalMemory.Build(items, encoders, images.Images, dataset.Select(i => i.Audio!).ToArray());
        memory.Save(Path.Combine(folder, "photos.engram"));
        double buildSeconds = stopwatch.Elapsed.TotalSeconds;
        var byFile = dataset.Select((item, i) => (item, i)).ToDictionary(p => Path.GetRelativePath(photos, p.item.ImageFile!).Replace('\\', '/'), p => p.i, StringComparer.Ordinal);

        // The caption in other words: a paraphrase per photo that shares few of its words (data/photo-cues/paraphrases.csv).
        (int Item, string Text)[] paraphrases = File.ReadAllLines(Path.Combine(cues, "paraphrases.csv")).Skip(1)
            .Select(line => line.Split(',', 2)).Select(f => (byFile[f[0]], f[1])).ToArray();
        var found = new List<(int Item, string Cue, MemoryRecall Recall)>();
        void Cues(string cue, IReadOnlyList<(int Item, string Label, MemoryCue Cue)> given)
        {
            stopwatch.Restart();
            MemoryRecall[] recalls = given.Select(g => memory.Recall(g.Cue)).ToArray();
            found.AddRange(given.Zip(recalls, (g, r) => (g.Item, g.Label, r)).Take(3));
            rows.Add(new DemoRow("your photos, [photo; caption; voice note]", cue, memory.Count,
                given.Zip(recalls).Count(p => p.Second.Index == p.First.Item) / (double)given.Count,
                recalls.Count(r => r.Metastable) / (double)given.Count, null, stopwatch.Elapsed.TotalSeconds + buildSeconds));
            buildSeconds = 0;
        }

        Cues($"the caption in other words ({paraphrases.Length} paraphrases)", paraphrases.Select(p => (p.Item, $"“{p.Text}”", new MemoryCue(Text: p.Text))).ToArray());

        // The top half of each photo, as a cropped copy would be: encoded whole, so every feature is compared.
        Cues("the top half of the photo (cropped)", dataset.Select((item, i) =>
        {
            Image whole = item.ImageAtMost(DatasetImages.DecodeSideFactor * codec.Shape.Width);
            int rowsKept = whole.Height / 2, length = rowsKept * whole.Width * whole.Channels;
            var top = new Image(whole.Width, rowsKept, whole.Layout, whole.Pixels.AsSpan(0, length).ToArray());
            return (i, "the top half", new MemoryCue(Image: ImageOps.Prepare(top, codec.Shape.Width, grey: false)));
        }).ToArray());

        // A voice note: the sunflower's caption in other words, in a voice no stored note was spoken in.
        string note = Path.Combine(cues, "sunflower-note.mp3");
        Cues("a voice note in another voice (sunflower-note.mp3)", [(byFile["plants/sunflower-against-blue-sky.jpg"], "sunflower-note.mp3", new MemoryCue(Audio: AudioFiles.Read(note)))]);

        html.AppendLine("<h2>Your photos: recall from other words, half a photo, a voice note</h2><table><tr><th>cue</th><th>the photo it should find</th><th>recalled photo</th><th>recalled caption</th><th>top weight</th></tr>");
        foreach ((int item, string cue, MemoryRecall recall) in found)
        {
            html.AppendLine(CultureInfo.InvariantCulture,
                $"<tr><td>{WebUtility.HtmlEncode(cue)}</td><td>{Original(dataset[item])}</td><td>{Original(dataset[recall.Index])}</td><td>{WebUtility.HtmlEncode(recall.Caption)}</td><td>{recall.TopWeight:F4}</td></tr>");
        }

        html.AppendLine("</table>");
    }

    // A photo as the user keeps it (resnet18 has no decoder: the original is what a recall shows).
    private static string Original(DatasetItem item) =>
        $"<img height=\"96\" alt=\"{WebUtility.HtmlEncode(item.Caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(PngEncoder.Encode(item.ImageAtMost(192)))}\">";

    private static ExperimentRow Template() => new()
    {
        Experiment = "demo", Dataset = "fashion-mnist", Encoder = "", Similarity = "", CueMode = "", Beta = 0, N = 0,
        Accuracy = 0, MetastableFraction = 0, OneMinusSsim = 0, Mse = 0,
    };

    private static string Img(Tensor rows, int i, ImageShape shape) =>
        $"<img width=\"84\" height=\"84\" style=\"image-rendering:pixelated\" src=\"data:image/png;base64,{Convert.ToBase64String(PngEncoder.Encode(ImageTrial.ToImage(rows, i, shape)))}\">";

    private static string Page(IReadOnlyList<DemoRow> rows, string examples)
    {
        var text = new StringBuilder();
        text.AppendLine($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{OutputPath.HtmlGeneratorTag}<title>engram demo</title>");
        text.AppendLine("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:center}</style></head><body>");
        text.AppendLine("<h1>engram demo</h1><p>Memories built from the data shipped in <code>data/</code>; every item recalled from a partial cue.</p>");
        text.AppendLine("<table><tr><th>memory</th><th>cue</th><th>N</th><th>accuracy</th><th>metastable</th><th>1 − SSIM</th><th>seconds</th></tr>");
        foreach (DemoRow r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"<tr><td>{WebUtility.HtmlEncode(r.Memory)}</td><td>{WebUtility.HtmlEncode(r.Cue)}</td><td>{r.N}</td><td>{r.Accuracy:F4}</td><td>{r.MetastableFraction:F4}</td><td>{(r.OneMinusSsim is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "—")}</td><td>{r.Seconds:F1}</td></tr>"));
        }

        text.AppendLine("</table>");
        text.Append(examples);
        text.AppendLine("</body></html>");
        return text.ToString();
    }

    /// <summary>One line of the demo's results.</summary>
    internal sealed record DemoRow(string Memory, string Cue, int N, double Accuracy, double MetastableFraction, double? OneMinusSsim, double Seconds);
}
