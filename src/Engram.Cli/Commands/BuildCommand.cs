using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Encoders.Onnx;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Store;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram build</c>: a memory from a dataset or a folder of the user's files, saved to one file.</summary>
internal static class BuildCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "fashion-mnist, emoji, or a FOLDER of images, nested as you keep them (JPEG, PNG, GIF, BMP, TIFF, WebP, TGA; captions from " +
                "captions.csv, a .txt beside the image, or the file's own title: PNG Title/Description, XMP dc:title/dc:description, EXIF ImageDescription; " +
                "a sound beside an image, same name, is its sound: WAV, MP3, OGG, or others through ffmpeg, the first of .wav .mp3 .ogg .flac .m4a .opus … when several). An item that cannot be stored is left out and named at the end (see --strict). " +
                "A folder is encoded with the pretrained encoders (resnet18, minilm) and made a living store that keeps the originals, unless you choose otherwise.",
            DefaultValueFactory = _ => "emoji",
            HelpName = "NAME|FOLDER",
        };
        var n = new Option<int>("--n") { Description = "Store at most this many items, in order (0: all).", DefaultValueFactory = _ => 0 }.Between(0, int.MaxValue);
        var imageCodec = new Option<string?>("--image-codec")
        {
            Description = "The image slot's codec: a weight file from `engram train`, 'raw' for pixels, 'resnet18' (ImageNet ResNet-18 features through ONNX Runtime; " +
                "an encoder only, so nothing is decoded), 'onnx:MODEL.onnx' (your own model, described by MODEL.onnx.json), or 'none'. " +
                "Default: fashion-mnist → data/models/fmnist-local-autoencoder, emoji → data/models/emoji-autoencoder, a folder → resnet18.",
            HelpName = "PATH|raw|resnet18|onnx:PATH|none",
        };
        var textEncoder = new Option<string?>("--text-encoder")
        {
            Description = "The caption slot's encoder: an n-gram weight file, 'pixelized' (the caption's digest drawn and passed through the image codec), " +
                "'minilm' (all-MiniLM-L6-v2 sentence embeddings through ONNX Runtime), 'onnx:MODEL.onnx' (your own model, described by MODEL.onnx.json), or 'none'. " +
                "Default: a folder → minilm; emoji → data/models/emoji-text; fashion-mnist → none (its captions, the class names, are shared by thousands of images).",
            HelpName = "PATH|pixelized|minilm|onnx:PATH|none",
        };
        var audioEncoder = new Option<string?>("--audio-encoder")
        {
            Description = "The sound slot's encoder: a speech weight file, or 'none' (the default, unless every item of a folder has a sound: then data/models/emoji-speech, trained on spoken emoji names). " +
                "For emoji, the names are spoken by espeak-ng in --voice.",
            HelpName = "PATH|none",
        };
        var voice = new Option<string>("--voice")
        {
            Description = "espeak-ng voice for emoji sounds. The spoken names are cached as WAV files in $ENGRAM_CACHE/speech " +
                "(default ~/.cache/engram/speech), and the run prints the folder and its size.",
            DefaultValueFactory = _ => "en-us",
        };
        var imageSize = new Option<int>("--image-size") { Description = "Raw images: the side the images are resized to.", DefaultValueFactory = _ => 32 }.Between(1, 4096);
        var grey = new Option<bool>("--grey") { Description = "Raw images: store grey rather than RGB." };
        var similarity = new Option<string>("--similarity") { Description = "dot, l2 or cosine (saved with the memory).", DefaultValueFactory = _ => "l2" }
            .AcceptOnlyFromAmong("dot", "l2", "cosine");
        var beta = new Option<float>("--beta") { Description = "Inverse temperature β (every slot is scaled to mean norm 1).", DefaultValueFactory = _ => 1000f }.Positive();
        var steps = new Option<int>("--steps") { Description = "Most update steps per recall (a harmonic memory's sweeps: default 20).", DefaultValueFactory = _ => 10 }.Between(1, int.MaxValue);
        var harmonic = new Option<string?>("--harmonic")
        {
            Description = "Make a harmonic memory: a model from `engram train harmonic` (data/models/emoji-harmonic.safetensors for emoji) adapts every slot's codes " +
                "into its modality space and couples them, so that a cue in one modality completes the others. Its modalities must cover the memory's slots; " +
                "an audio slot is added by default when the model has one. --similarity and --beta do not apply (the model has its own β).",
            HelpName = "PATH",
        };
        var engine = new Option<string?>("--engine")
        {
            Description = "The engine that recalls (default: harmonic with --harmonic, else hen): " +
                string.Join("; ", EngineCatalog.Kinds.Select(k => $"{k.Name}, {k.Summary}")) + ".",
        }.AcceptOnlyFromAmong(EngineCatalog.Kinds.Select(k => k.Name).ToArray());
        var output = new Option<string>("--out")
        {
            Description = "The memory file to write. An existing memory there is replaced; any other file (a model, a data file) is refused unless --force.",
            Required = true,
            HelpName = "PATH",
        };
        var embedEncoders = new Option<bool>("--embed-encoders")
        {
            Description = "Store the encoders' (and the harmonic model's) weights inside the memory file, so that the one file opens on any machine " +
                "without them (it grows by their size). Without it, the file records each encoder's path and SHA-256, and recall and serve look for " +
                "the weights by that hash (see --models there). For a folder it writes such a memory file rather than the default store.",
        };
        var store = new Option<bool>("--store")
        {
            Description = "Make a living store at --out rather than a memory file: one SQLite database that `engram add` and `engram forget` change " +
                "item by item while `recall` and `serve` read it. It keeps each item's original image and sound too (see --media), which is what recall " +
                "returns when the image codec has no decoder. The default for a folder; an existing store is never replaced without --force.",
        };
        var memoryFile = new Option<bool>("--memory-file")
        {
            Description = "For a folder: write a memory file of codes only rather than the default living store (it keeps no originals, so with " +
                "resnet18, which has no decoder, recall names the item but shows no image). The default for fashion-mnist and emoji.",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Refuse to build when anything in the dataset cannot be used (an image that does not decode, an item without a caption or a " +
                "sound, a captions.csv row that matches no file), naming every problem; without it such items are left out and listed at the end.",
        };
        Option<MediaKeeping> media = StoreCommands.MediaOption();
        Option<bool> force = OutputOptions.Force();
        Option<string?> json = CommonOptions.Json();
        var command = new Command(
            "build",
            "Build a memory: encode every item's image, caption and sound with the chosen encoders, store them as one Hopfield Encoding Network, " +
            "check that no two items share a cue (and warn, naming them, when they do), and save it to one file that `engram recall --memory` and " +
            "`engram serve` open, or with --store as a living store that grows and forgets. Either records which encoders made the codes, with a hash of their weights.\n\n" +
            "Examples:\n" +
            "  engram build --dataset emoji --out emoji.engram\n" +
            "  engram build --dataset fashion-mnist --n 6000 --out fmnist.engram\n" +
            "  engram build --dataset ~/photos --out photos.store\n" +
            "  engram build --dataset ~/photos --image-codec raw --image-size 48 --memory-file --out photos.engram\n" +
            "  engram build --dataset emoji --harmonic data/models/emoji-harmonic.safetensors --out emoji-harmonic.engram\n" +
            "  engram build --dataset emoji --text-encoder minilm --image-codec resnet18 --out emoji-pretrained.engram\n" +
            "  engram build --dataset ~/photos --media reference --out photos.store")
        {
            dataset, n, imageCodec, textEncoder, audioEncoder, voice, imageSize, grey, similarity, beta, steps, harmonic, engine, output, embedEncoders, store, memoryFile, strict, media, force, json,
        };
        command.SetAction(parse =>
        {
            var stopwatch = Stopwatch.StartNew();
            string name = parse.GetValue(dataset)!;
            int max = parse.GetValue(n);
            string outPath = parse.GetValue(output)!;
            bool replace = parse.GetValue(force), codesOnly = parse.GetValue(memoryFile);
            if (codesOnly && parse.GetValue(store))
            {
                throw new ArgumentException("--store makes a living store and --memory-file a memory file of codes: give one of them.");
            }

            // A folder becomes a store by default: its originals are what recall shows, since the pretrained image encoder has no decoder.
            bool folderStore = MemorySource.IsFolder(name) && !codesOnly && !parse.GetValue(store) && !parse.GetValue(embedEncoders);
            bool asStore = parse.GetValue(store) || folderStore;
            if (asStore && parse.GetValue(embedEncoders))
            {
                throw new ArgumentException("--embed-encoders applies to a memory file: a store records each encoder's path and SHA-256. Leave out one of --store and --embed-encoders.");
            }

            if (!asStore && parse.GetResult(media) is { Implicit: false })
            {
                throw new ArgumentException(MemorySource.IsFolder(name)
                    ? "--media says how a store keeps the originals, and --memory-file (or --embed-encoders) writes a memory file, which keeps only codes: leave out one of them."
                    : "--media says how a store keeps the originals: it goes with --store (a memory file keeps only codes).");
            }

            OutputPath.CheckReplaceable(outPath, asStore ? OutputFileKind.Store : OutputFileKind.Memory, replace, "--out");
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), replace);
            var options = new RecallOptions
            {
                Similarity = CommonOptions.ParseSimilarity(parse.GetValue(similarity)!),
                Beta = parse.GetValue(beta),
                MaxSteps = parse.GetValue(steps),
            };
            options.Validate();

            // Refused before the (slower) encoding, so the mistake is reported at once.
            bool isHarmonic = parse.GetValue(harmonic) is not (null or "none");
            if (isHarmonic && new Option[] { similarity, beta }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
            {
                throw new ArgumentException($"{given.Name} does not apply to a harmonic memory: its model has its own β per modality, and compares states by cosine. Leave it out.");
            }

            MemorySource source = MemorySource.Load(
                context, name, max, parse.GetValue(imageCodec), parse.GetValue(textEncoder), parse.GetValue(audioEncoder), parse.GetValue(harmonic),
                parse.GetValue(voice)!, parse.GetValue(imageSize), parse.GetValue(grey), strict: parse.GetValue(strict));
            IDataset items = source.Items;
            MemoryEncoders encoders = source.Encoders;

            // What the command line leaves out is the engine's own default (a harmonic memory sweeps 20 times, say).
            IEngineKind kind = EngineCatalog.Choose(parse.GetValue(engine), encoders.Harmonic);
            options = options with
            {
                Similarity = parse.GetResult(similarity) is { Implicit: false } ? options.Similarity : kind.DefaultOptions.Similarity,
                Beta = parse.GetResult(beta) is { Implicit: false } ? options.Beta : kind.DefaultOptions.Beta,
                MaxSteps = parse.GetResult(steps) is { Implicit: false } ? options.MaxSteps : kind.DefaultOptions.MaxSteps,
            };

            MultimodalMemory memory = source.Build(options, Progress.Lines(context), kind.Name);
            if (asStore)
            {
                MediaKeeping keeping = parse.GetValue(media);
                StoredMedia[][] originals = items.Select(i => StoredMedia.Of(i, keeping).ToArray()).ToArray();
                MemoryStore.CreateFrom(outPath, memory, originals, replace: OutputPath.Identify(outPath) is not (OutputFileKind.Absent or OutputFileKind.Empty));
            }
            else
            {
                memory.Save(outPath, new MemorySaveOptions { EmbedEncoders = parse.GetValue(embedEncoders) });
            }

            string[] warnings = memory.Warnings.ToArray();
            foreach (string warning in warnings.Take(20))
            {
                Warn(context, warning);
            }

            if (warnings.Length > 20)
            {
                Warn(context, $"… and {warnings.Length - 20:N0} more groups of items that share a cue.");
            }

            WriteProblems(context, source);

            var table = new Table().Border(TableBorder.Rounded).AddColumn("slot").AddColumn("encoder").AddColumn("code length").AddColumn("weights");
            foreach (SlotEncoder e in encoders.Described.Where(e => e.Slot != MemoryEncoders.HarmonicEntry))
            {
                table.AddRow(e.Slot, e.Kind, memory.Network.Layout[e.Slot].Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(e.Weights is null
                        ? e.Sha256 is null ? "—" : $"{PretrainedEncoders.Package(e.Kind)} ({e.Sha256[..12]}…)"
                        : $"{Path.GetFileName(e.Weights)} ({e.Sha256![..12]}…)"));
            }

            context.Console.Write(table);
            if (memory.Engine is HarmonicEngine { Network: var network })
            {
                SlotEncoder model = encoders.Described.Single(e => e.Slot == MemoryEncoders.HarmonicEntry);
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Harmonic network: {string.Join(", ", network.Modalities)}; {network.Couplings.Count} couplings, ratio ρ = {network.CouplingRatio:F3} " +
                    $"({Path.GetFileName(model.Weights)}, {model.Sha256![..12]}…). Recall clamps the cued modalities and completes the others."));
            }

            long bytes = new FileInfo(outPath).Length;
            int leftOut = source.Problems.Count(p => p.LeavesItemOut);
            string kept = asStore ? $"the living store {outPath}, with their originals" : outPath;
            context.Output.WriteLine($"Stored {memory.Count:N0} items from {items.Source} in {kept} ({bytes / 1024.0 / 1024.0:F1} MB, {stopwatch.Elapsed.TotalSeconds:F1} s); " +
                $"{(warnings.Length == 0 ? "every item's cues are unique" : $"{warnings.Length:N0} {(warnings.Length == 1 ? "group" : "groups")} of items share a cue")}" +
                $"{(leftOut > 0 ? $"; {leftOut:N0} left out" : "")}.");
            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    memory = outPath,
                    store = asStore,
                    items = memory.Count,
                    source = items.Source,
                    slots = memory.Network.Layout.Slots.Select(s => new { name = s.Name, length = s.Length }),
                    encoders = encoders.Described,
                    engine = memory.Engine.Name,
                    warnings,
                    problems = source.Problems.Select(p => new { kind = p.Kind.ToString(), subject = p.Subject, detail = p.Detail }),
                    bytes,
                    seconds = stopwatch.Elapsed.TotalSeconds,
                }, context);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// The one summary of what was wrong with the dataset, grouped by kind (<see cref="DatasetProblems"/>): a line saying how many
    /// items were left out of how many, then a line per kind naming the files.
    /// </summary>
    internal static void WriteProblems(CliContext context, MemorySource source)
    {
        IReadOnlyList<string> lines = DatasetProblems.Lines(source.Problems);
        if (lines.Count == 0)
        {
            return;
        }

        int left = source.Problems.Count(p => p.LeavesItemOut);
        Warn(context, left == 0
            ? $"{source.Items.Location} had problems, though no item was left out (--strict refuses instead):"
            : string.Create(CultureInfo.InvariantCulture, $"{source.Items.Location} had problems; {left:N0} of {source.Items.Count + left:N0} items were left out (--strict refuses instead):"));
        foreach (string line in lines)
        {
            context.Output.WriteLine($"  {line}.");
        }
    }

    // "warning:" in yellow where the console has colours, then the text as it is: long lines of file names are not wrapped.
    private static void Warn(CliContext context, string text)
    {
        context.Console.Markup("[yellow]warning:[/] ");
        context.Output.WriteLine(text);
    }
}
