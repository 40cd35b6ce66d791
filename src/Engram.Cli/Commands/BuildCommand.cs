using System.CommandLine;
using System.Diagnostics;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Hen;
using Engram.Memory;
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
            Description = "fashion-mnist, emoji, or a FOLDER of PNG files (captions from captions.csv or each PNG's tEXt Title/Description; " +
                "a WAV beside a PNG, same name, is its sound).",
            DefaultValueFactory = _ => "emoji",
            HelpName = "NAME|FOLDER",
        };
        var n = new Option<int>("--n") { Description = "Store at most this many items, in order (0: all).", DefaultValueFactory = _ => 0 };
        var imageCodec = new Option<string?>("--image-codec")
        {
            Description = "The image slot's codec: a weight file from `engram train`, 'raw' for pixels, or 'none'. " +
                "Default: fashion-mnist → data/models/fmnist-local-autoencoder, emoji → data/models/emoji-autoencoder, a folder → raw.",
            HelpName = "PATH|raw|none",
        };
        var textEncoder = new Option<string?>("--text-encoder")
        {
            Description = "The caption slot's encoder: an n-gram weight file, 'pixelized' (the caption's digest drawn and passed through the image codec), or 'none'. " +
                "Default: emoji and folders → data/models/emoji-text; fashion-mnist → none (its captions, the class names, are shared by thousands of images).",
            HelpName = "PATH|pixelized|none",
        };
        var audioEncoder = new Option<string?>("--audio-encoder")
        {
            Description = "The sound slot's encoder: a speech weight file, or 'none' (the default unless every item of a folder has a WAV). " +
                "For emoji, the names are spoken by espeak-ng in --voice.",
            HelpName = "PATH|none",
        };
        var voice = new Option<string>("--voice") { Description = "espeak-ng voice for emoji sounds.", DefaultValueFactory = _ => "en-us" };
        var imageSize = new Option<int>("--image-size") { Description = "Raw images: the side the images are resized to.", DefaultValueFactory = _ => 32 };
        var grey = new Option<bool>("--grey") { Description = "Raw images: store grey rather than RGB." };
        var similarity = new Option<string>("--similarity") { Description = "dot, l2 or cosine (saved with the memory).", DefaultValueFactory = _ => "l2" }
            .AcceptOnlyFromAmong("dot", "l2", "cosine");
        var beta = new Option<float>("--beta") { Description = "Inverse temperature β (every slot is scaled to mean norm 1).", DefaultValueFactory = _ => 1000f };
        var steps = new Option<int>("--steps") { Description = "Most update steps per recall.", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--out") { Description = "The memory file to write.", Required = true, HelpName = "PATH" };
        Option<string?> json = CommonOptions.Json();
        var command = new Command(
            "build",
            "Build a memory: encode every item's image, caption and sound with the chosen encoders, store them as one Hopfield Encoding Network, " +
            "check that no two items share a cue (and warn, naming them, when they do), and save it to one file that `engram recall --memory` and " +
            "`engram serve` open. The file records which encoders made the codes, with a hash of their weights.\n\n" +
            "Examples:\n" +
            "  engram build --dataset emoji --out emoji.engram\n" +
            "  engram build --dataset fashion-mnist --n 6000 --out fmnist.engram\n" +
            "  engram build --dataset ~/photos --image-codec raw --image-size 48 --out photos.engram")
        {
            dataset, n, imageCodec, textEncoder, audioEncoder, voice, imageSize, grey, similarity, beta, steps, output, json,
        };
        command.SetAction(parse =>
        {
            var stopwatch = Stopwatch.StartNew();
            string name = parse.GetValue(dataset)!;
            int max = parse.GetValue(n);
            ArgumentOutOfRangeException.ThrowIfNegative(max, "--n");
            string outPath = parse.GetValue(output)!;
            TrainCommand.CheckWritable(outPath, "--out");
            var options = new RecallOptions
            {
                Similarity = CommonOptions.ParseSimilarity(parse.GetValue(similarity)!),
                Beta = parse.GetValue(beta),
                MaxSteps = parse.GetValue(steps),
            };
            options.Validate();

            IDataset items = Open(name, max > 0 ? max : int.MaxValue);
            if (items.Count == 0)
            {
                throw new ArgumentException($"{name} holds no items.");
            }

            string? models = ShippedData.Find("models");
            string? Shipped(string file) => models is null ? null : Path.Combine(models, file);
            bool folder = name is not ("fashion-mnist" or "emoji");
            string? image = Choice(parse.GetValue(imageCodec), name switch
            {
                "fashion-mnist" => Shipped("fmnist-local-autoencoder.safetensors"),
                "emoji" => Shipped("emoji-autoencoder.safetensors"),
                _ => "raw",
            });
            string? text = Choice(parse.GetValue(textEncoder), name == "fashion-mnist" ? null : Shipped("emoji-text.safetensors") ?? "pixelized");
            string? audio = Choice(parse.GetValue(audioEncoder), folder && items.All(i => i.HasAudio) ? Shipped("emoji-speech.safetensors") : null);
            int size = parse.GetValue(imageSize);
            bool isGrey = name == "fashion-mnist" || parse.GetValue(grey);
            MemoryEncoders encoders = MemoryEncoders.Open(image, text, audio, new ImageShape(isGrey ? 1 : 3, size, size));

            if (encoders.Audio is not null && !items.All(i => i.HasAudio))
            {
                if (name != "emoji")
                {
                    string without = items.First(i => !i.HasAudio).Id;
                    throw new ArgumentException($"--audio-encoder needs a sound for every item, and {without} has none (put {without}.wav beside its PNG).");
                }

                SpeechSynthesizer speech = SpeechSynthesizer.TryCreate()
                    ?? throw new InvalidOperationException("Speaking the emoji names needs espeak-ng (Debian package espeak-ng); install it or leave out --audio-encoder.");
                items = SpokenDataset.Add(items, speech, parse.GetValue(voice)!);
            }

            Tensor? images = null;
            if (encoders.Image is { } codec)
            {
                images = Progress.Run(context, "decoding images", items.Count,
                    (progress, _) => DatasetImages.Load(items, codec.Shape.Width, codec.Shape.Channels == 1, progress));
            }

            IReadOnlyList<AudioClip>? sounds = encoders.Audio is null ? null
                : Progress.Run(context, "reading sounds", items.Count, (progress, _) => items.Select((item, i) =>
                {
                    progress.Report(i + 1);
                    return item.Audio!;
                }).ToArray());
            MemoryItem[] memoryItems = items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();
            MultimodalMemory memory = MultimodalMemory.Build(memoryItems, encoders, images, sounds, options, new Progress<string>(line => context.Output.WriteLine(line)));
            memory.Save(outPath);

            string[] warnings = memory.Warnings.ToArray();
            foreach (string warning in warnings.Take(20))
            {
                context.Console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
            }

            if (warnings.Length > 20)
            {
                context.Console.MarkupLine($"[yellow]warning:[/] … and {warnings.Length - 20:N0} more pairs of items that share a cue.");
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("slot").AddColumn("encoder").AddColumn("code length").AddColumn("weights");
            foreach (SlotEncoder e in encoders.Described)
            {
                table.AddRow(e.Slot, e.Kind, memory.Network.Layout[e.Slot].Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(e.Weights is null ? "—" : $"{Path.GetFileName(e.Weights)} ({e.Sha256![..12]}…)"));
            }

            context.Console.Write(table);
            long bytes = new FileInfo(outPath).Length;
            context.Output.WriteLine($"Stored {memory.Count:N0} items from {items.Source} in {outPath} ({bytes / 1024.0 / 1024.0:F1} MB, {stopwatch.Elapsed.TotalSeconds:F1} s); " +
                $"{(warnings.Length == 0 ? "every item's cues are unique" : $"{warnings.Length:N0} pairs share a cue")}.");
            if (parse.GetValue(json) is string path)
            {
                JsonOutput.Write(path, new
                {
                    memory = outPath,
                    items = memory.Count,
                    source = items.Source,
                    slots = memory.Network.Layout.Slots.Select(s => new { name = s.Name, length = s.Length }),
                    encoders = encoders.Described,
                    warnings,
                    bytes,
                    seconds = stopwatch.Elapsed.TotalSeconds,
                }, context.Output);
            }

            return 0;
        });
        return command;
    }

    /// <summary>A dataset by name, or a folder of the user's files.</summary>
    internal static IDataset Open(string name, int max) => name switch
    {
        "fashion-mnist" => FashionMnistDataset.Load(train: true, max),
        "emoji" => EmojiDataset.Load(max),
        _ when Directory.Exists(name) => Take(FolderDataset.Load(name), max),
        _ => throw new DirectoryNotFoundException($"Unknown dataset '{name}': use fashion-mnist, emoji or an existing folder of PNG files."),
    };

    private static IDataset Take(IDataset dataset, int max) =>
        max >= dataset.Count ? dataset : new ListDataset(dataset.Name, dataset.Source, dataset.Location, dataset.Take(max).ToList());

    // An option's value, with "none" meaning the slot is left out and no value meaning the default.
    private static string? Choice(string? given, string? fallback) => given switch
    {
        null => fallback,
        "none" => null,
        _ => given,
    };
}
