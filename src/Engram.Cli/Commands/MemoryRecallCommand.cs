using System.CommandLine;
using System.Globalization;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Engines;
using Engram.Evaluation.Experiments;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Store;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>The options of <c>engram recall --memory</c>.</summary>
internal sealed class MemoryRecallOptions
{
    public Option<string?> Memory { get; } = new("--memory") { Description = "A memory file from `engram build`: recall one item from it.", HelpName = "FILE" };

    public Option<string?> Image { get; } = new("--image") { Description = "An image cue (JPEG, PNG, GIF, BMP, TIFF, WebP or TGA, read by its content; EXIF orientation applied), resized to the memory's images.", HelpName = "IMAGE" };

    public Option<string?> Item { get; } = new("--item") { Description = "Use the stored image of this item (its id or index) as the image cue.", HelpName = "ID" };

    public Option<string?> Text { get; } = new("--text") { Description = "A caption cue.", HelpName = "TEXT" };

    public Option<string?> Audio { get; } = new("--audio") { Description = "A sound cue: any sound format, read by its content (WAV, MP3, OGG; others through ffmpeg).", HelpName = "SOUND" };

    public Option<double> Noise { get; } = new Option<double>("--noise") { Description = "Add Gaussian noise of this σ (≥ 0) to the image cue (pixels in [0, 1]).", DefaultValueFactory = _ => 0 }.AtLeast(0);

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the noise.", DefaultValueFactory = _ => 1 };

    public Option<string?> Save { get; } = new("--save") { Description = "Write the recalled image (decoded) to this PNG.", HelpName = "PNG" };

    public Option<string?> Originals { get; } = new("--originals")
    {
        Description = "Write the recalled item's originals as they were given (its photo, its recording: a store keeps them) into this folder, " +
            "named by the item's id and their format. A file already there is replaced only with --force.",
        HelpName = "FOLDER",
    };

    public Option<bool> NoVerify { get; } = MemoryFileOptions.NoVerify();

    public Option<string[]> Models { get; } = MemoryFileOptions.Models();

    public Option<bool> Force { get; } = OutputOptions.Force();

    public Option<int> RunnersUp { get; } = new Option<int>("--runners-up") { Description = "How many of the heaviest memories to list (at least 1).", DefaultValueFactory = _ => 5 }.Between(1, 10_000);
}

/// <summary><c>engram recall --memory M</c>: one cue, one recalled item, with its weight, steps, metastability and runners-up.</summary>
internal static class MemoryRecallCommand
{
    public static int Run(
        CliContext context, ParseResult parse, string path, MemoryRecallOptions o, float? beta, int? steps,
        string? similarity, string? cueMode, string? occlude, string? jsonPath)
    {
        // Outputs are checked before the memory is opened, so a refusal costs nothing.
        bool force = parse.GetValue(o.Force);
        JsonTarget? json = JsonOutput.Target(jsonPath, force);
        string? savePath = parse.GetValue(o.Save);
        if (savePath is not null)
        {
            OutputPath.CheckReplaceable(savePath, OutputFileKind.EngramImage, force, "--save");
        }

        string? originals = parse.GetValue(o.Originals);
        if (originals is not null)
        {
            if (!MemoryStore.IsStore(path))
            {
                throw new ArgumentException($"--originals writes what a store kept of the recalled item, but {path} is a memory file, which keeps codes only. Make a store (engram build --store, or engram import) to keep the originals.");
            }

            OutputPath.CheckFolder(originals, "--originals");
        }

        MultimodalMemory memory = MemoryFileOptions.Load(context, path, parse.GetValue(o.NoVerify), parse.GetValue(o.Models));
        string? imagePath = parse.GetValue(o.Image), item = parse.GetValue(o.Item), text = parse.GetValue(o.Text), audioPath = parse.GetValue(o.Audio);
        if (imagePath is not null && item is not null)
        {
            throw new ArgumentException("Give either --image or --item as the image cue, not both.");
        }

        float[]? image = null;
        if (imagePath is not null || item is not null)
        {
            var codec = memory.Encoders.Image ?? throw new ArgumentException(
                $"{path} has no image slot (it has {string.Join(", ", memory.Network.Layout.Slots.Select(s => s.Name))}): cue it with one of those.");
            ImageDecodeOptions decode = DatasetImages.CueDecodeOptions(codec.Shape.Width);
            if (imagePath is not null)
            {
                image = ImageOps.Prepare(ImageFiles.Decode(imagePath, decode), codec.Shape.Width, codec.Shape.Channels == 1);
            }
            else if (codec.Decodes)
            {
                image = memory.StoredImage(Find(memory, item!))!;
            }
            else
            {
                // An encoder without a decoder cannot show a stored code as an image: a store's original stands in for it.
                string id = memory.Items[Find(memory, item!)].Id;
                byte[] png = OriginalImages.Png(path, id, parse.GetValue(o.Models) ?? [])
                    ?? throw new ArgumentException(OriginalImages.NoDecoder(path, codec.Name, $"--item {item} cues with the item's stored image"));
                image = ImageOps.Prepare(ImageFiles.Decode(png, $"the original image of {id}", decode), codec.Shape.Width, codec.Shape.Channels == 1);
            }
        }

        float[]? pixelMask = null;
        if (image is not null)
        {
            var shape = memory.Encoders.Image!.Shape;
            double sigma = parse.GetValue(o.Noise);
            if (sigma > 0)
            {
                image = Data.Cues.Noise.Gaussian(image, sigma, new Random(parse.GetValue(o.Seed))).Content;
            }

            if (occlude is not null)
            {
                float[] mask = Occlusion.Mask(Occlusion.Parse(occlude), shape.Height, shape.Width);
                pixelMask = mask.SelectMany(m => Enumerable.Repeat(m, shape.Channels)).ToArray();
                for (int i = 0; i < image.Length; i++)
                {
                    image[i] *= pixelMask[i];
                }
            }
        }
        else if (occlude is not null || parse.GetValue(o.Noise) > 0)
        {
            throw new ArgumentException("--occlude and --noise change an image cue: give --image or --item too.");
        }

        AudioClip? audio = audioPath is null ? null : AudioFiles.Read(audioPath);
        // What the command line gives replaces the memory's own option; everything else stays the memory's.
        var hopfield = new HopfieldSettings
        {
            Beta = beta,
            Similarity = similarity is null ? null : CommonOptions.ParseSimilarity(similarity),
            CueMode = cueMode is null ? null : CommonOptions.ParseCueMode(cueMode),
        };
        var settings = new RecallSettings { Steps = steps, Hopfield = hopfield.Any ? hopfield : null };
        var memoryCue = new MemoryCue(image, pixelMask, text, audio);
        MemoryRecall recall;
        try
        {
            recall = memory.Recall(memoryCue, settings, runnersUp: parse.GetValue(o.RunnersUp));
        }
        catch (ArgumentException e) when (audioPath is not null && e.ParamName == "clip")
        {
            // The speech encoder refuses the clip without knowing where it came from: name the file.
            throw new ArgumentException($"--audio {audioPath}: {ExceptionMessages.WithoutParameter(e)}", e);
        }

        string cue = string.Join(" + ", new[]
        {
            imagePath is not null ? $"image {Path.GetFileName(imagePath)}" : item is not null ? $"stored image of {item}" : null,
            occlude is not null ? occlude : null,
            parse.GetValue(o.Noise) > 0 ? string.Create(CultureInfo.InvariantCulture, $"noise σ {parse.GetValue(o.Noise):G3}") : null,
            text is not null ? $"\"{text}\"" : null,
            audioPath is not null ? $"sound {Path.GetFileName(audioPath)}" : null,
        }.OfType<string>());
        context.Console.MarkupLine(Markup.Escape($"Cue: {cue}. Recalled item {recall.Id}{(recall.Caption is null ? "" : $" \"{recall.Caption}\"")}" +
            $"{(recall.Metastable ? " — a mixture (metastable), not one stored item" : "")}."));
        // The columns every engine has, then those of the settings it recalled with and of the modalities it held.
        HopfieldSettings? used = recall.Settings.Hopfield;
        string[] clamped = recall.Clamped.Select(m => m.Name).ToArray();
        RecallConfidence confidence = recall.Confidence;
        var summary = new Table().Border(TableBorder.Rounded).AddColumn("item").AddColumn("caption").AddColumn("similarity").AddColumn("margin")
            .AddColumn("top weight").AddColumn("steps").AddColumn("metastable");
        var cells = new List<string>
        {
            Markup.Escape(recall.Id), Markup.Escape(recall.Caption ?? "—"),
            string.Join(", ", confidence.Slots.Select(s => $"{s.Slot} {F(s.Similarity)}")), confidence.Margin is { } margin ? F(margin) : "—",
            recall.TopWeight.ToString("F4", CultureInfo.InvariantCulture), recall.Steps.ToString(CultureInfo.InvariantCulture), recall.Metastable ? "yes" : "no",
        };
        if (used is { CueMode: { } usedMode, Beta: { } usedBeta })
        {
            summary.AddColumn("cue mode").AddColumn("β");
            cells.AddRange([ImageTrial.Name(usedMode), usedBeta.ToString("G4", CultureInfo.InvariantCulture)]);
        }

        if (clamped.Length > 0)
        {
            summary.AddColumn("clamped");
            cells.Add(string.Join(", ", clamped));
        }

        summary.AddRow(cells.ToArray());
        context.Console.Write(summary);
        if (!confidence.IsMatch)
        {
            // A cue unlike everything stored still settles on some item; say so, and what to do.
            context.Console.MarkupLine(Markup.Escape(
                $"no match: {confidence.Reason}. {recall.Id} is only the least unlike of the {memory.Count} stored items, not a recognised one: " +
                "check the cue (its spelling, the image), or add the item to the memory (`engram build`)."));
        }

        if (recall.Completed.Count > 1 || clamped.Length > 0)
        {
            var modalities = new Table().Border(TableBorder.Rounded).AddColumn("completed").AddColumn("item").AddColumn("caption").AddColumn("cosine").AddColumn("top weight").AddColumn("metastable");
            foreach (CompletedModality c in recall.Completed)
            {
                modalities.AddRow(c.Modality.Name, Markup.Escape(c.Id), Markup.Escape(c.Caption ?? "—"), c.Attractor.Cosine.ToString("F4", CultureInfo.InvariantCulture),
                    c.Attractor.TopWeight.ToString("F4", CultureInfo.InvariantCulture), c.Attractor.Metastable ? "yes" : "no");
            }

            context.Console.Write(modalities);
        }

        var runners = new Table().Border(TableBorder.Rounded).Title("most similar to the cue").AddColumn("rank").AddColumn("item").AddColumn("caption").AddColumn("similarity").AddColumn("weight");
        int rank = 1;
        foreach (RunnerUp r in recall.RunnersUp)
        {
            runners.AddRow((rank++).ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Id), Markup.Escape(r.Caption ?? "—"), r.Similarity is { } similar ? F(similar) : "—",
                r.Weight.ToString("G4", CultureInfo.InvariantCulture));
        }

        context.Console.Write(runners);
        if (savePath is not null)
        {
            if (memory.Encoders.Image is not { } codec)
            {
                throw new ArgumentException($"--save writes the recalled image, but {path} has no image slot.");
            }

            if (recall.Image is not null)
            {
                PngEncoder.Save(savePath, ImageTrial.ToImage(Tensor.FromArray(recall.Image, 1, recall.Image.Length), 0, codec.Shape), OutputPath.PngText);
                context.Output.WriteLine($"Wrote the recalled image to {savePath}.");
            }
            else
            {
                // Nothing to decode: the recalled item's original, as the store keeps it, is the recalled image.
                byte[] png = OriginalImages.Png(path, recall.Id, parse.GetValue(o.Models) ?? [])
                    ?? throw new ArgumentException(OriginalImages.NoDecoder(path, codec.Name, "--save writes the recalled image"));
                PngEncoder.Save(savePath, ImageFiles.Decode(png, $"the original image of {recall.Id}"), OutputPath.PngText);
                context.Output.WriteLine($"Wrote the recalled item's original image (kept by the store; {codec.Name} has no decoder) to {savePath}.");
            }
        }

        string[] written = originals is null ? [] : WriteOriginals(context, path, recall.Id, originals, force);
        if (json is not null)
        {
            json.Write(new
            {
                originals = written,
                item_id = recall.Id,
                item_index = recall.Index,
                caption = recall.Caption,
                top_weight = recall.TopWeight,
                steps = recall.Steps,
                metastable = recall.Metastable,
                runners_up = recall.RunnersUp.Select(r => new { item_id = r.Id, item_index = r.Index, caption = r.Caption, similarity = r.Similarity, weight = r.Weight }),
                confidence = new
                {
                    verdict = confidence.IsMatch ? "match" : "no-match",
                    reason = confidence.Reason,
                    similarity = confidence.Similarity,
                    margin = confidence.Margin,
                    best_item_id = memory.Items[confidence.BestIndex].Id,
                    best_similarity = confidence.BestSimilarity,
                    slots = confidence.Slots.Select(c => new
                    {
                        slot = c.Slot, similarity = c.Similarity, nearest_similarity = c.Nearest, nearest_item_id = memory.Items[c.NearestIndex].Id,
                        threshold = c.Threshold, novel = c.Novel, observed_components = c.Observed,
                    }),
                },
                energies = recall.Energies,
                engine = memory.Engine.Name,
                clamped,
                completed = recall.Completed.Select(c => new
                {
                    modality = c.Modality.Name, item_id = c.Id, item_index = c.Index, caption = c.Caption, cosine = c.Attractor.Cosine, top_weight = c.Attractor.TopWeight,
                    metastable = c.Attractor.Metastable, steps = c.Steps,
                }),
                cue_mode = used?.CueMode is { } jsonMode ? ImageTrial.Name(jsonMode) : null,
                beta = used?.Beta,
                similarity = used?.Similarity is { } jsonSimilarity ? ImageTrial.Name(jsonSimilarity) : null,
                memory = path,
            }, context);
        }

        return 0;
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    private static int Find(MultimodalMemory memory, string item)
    {
        for (int i = 0; i < memory.Count; i++)
        {
            if (memory.Items[i].Id == item)
            {
                return i;
            }
        }

        return int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < memory.Count
            ? index
            : throw new ArgumentException($"--item {item}: no item has that id, and it is not an index below {memory.Count}.");
    }

    // The recalled item's originals, as the store kept them (bytes, or the file a reference names), into the folder.
    private static string[] WriteOriginals(CliContext context, string path, string id, string folder, bool force)
    {
        using MemoryStore store = MemoryStore.Open(path);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (string kind in (string[])[Engines.Modality.ImageName, Engines.Modality.AudioName])
        {
            if (store.Media(id, kind) is not { } media)
            {
                continue;
            }

            byte[]? bytes = media.Bytes ?? (media.Reference is { } reference && File.Exists(reference) ? File.ReadAllBytes(reference) : null);
            if (bytes is null)
            {
                context.Error.WriteLine($"The {kind} of {id} was kept as a reference to {media.Reference}, which is gone: it is not written.");
                continue;
            }

            string target = Path.Combine(folder, $"{OutputName(id)}{StoredMedia.Extension(bytes, kind)}");
            OutputPath.CheckReplaceable(target, OutputFileKind.Original, force, "--originals");
            Engram.Data.AtomicFile.WriteAllBytes(target, bytes);
            written.Add(target);
            context.Output.WriteLine($"Wrote the recalled item's original {kind} to {target}.");
        }

        if (written.Count == 0)
        {
            context.Error.WriteLine($"{path} kept no original image or sound of {id}.");
        }

        return written.ToArray();
    }

    // An id as a file name: folder items' ids hold '/', which becomes '_'.
    private static string OutputName(string id) => string.Concat(id.Select(c => Path.GetInvalidFileNameChars().Contains(c) || c == '/' ? '_' : c));
}
