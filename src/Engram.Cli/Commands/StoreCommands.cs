using System.CommandLine;
using System.Globalization;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Multimodal;
using Engram.Store;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// The commands of a living store (<see cref="MemoryStore"/>): import a memory file into one, add items to it, forget
/// them, list them, and export the store back to a memory file. `recall --memory` and `serve` open stores as they open
/// memory files.
/// </summary>
internal static class StoreCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Import(context), Add(context), Forget(context), List(context), Export(context)];

    private static Option<string> StorePath() =>
        new("--memory") { Description = "The store (made by `engram build --store` or `engram import`).", Required = true, HelpName = "STORE" };

    /// <summary>--media copy|reference: how a store keeps the items' original PNGs and WAVs.</summary>
    public static Option<MediaKeeping> MediaOption() => new("--media")
    {
        Description = "How the store keeps each item's original PNG and WAV: copy (their bytes, in the store: they survive the files being moved) " +
            "or reference (only their full paths: the store stays small). Images unpacked from a dataset file (Fashion-MNIST) and generated speech have no original.",
        DefaultValueFactory = _ => MediaKeeping.Copy,
        CustomParser = result => result.Tokens[0].Value.ToLowerInvariant() switch
        {
            "copy" => MediaKeeping.Copy,
            "reference" => MediaKeeping.Reference,
            var other => Refuse(result, $"--media takes copy or reference, not '{other}'."),
        },
        HelpName = "copy|reference",
    };

    private static MediaKeeping Refuse(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }

    private static Command Import(CliContext context)
    {
        var memory = new Option<string>("--memory") { Description = "The memory file to convert (from `engram build`).", Required = true, HelpName = "FILE" };
        var output = new Option<string>("--out") { Description = "The store to create; refused when something is already there.", Required = true, HelpName = "STORE" };
        Option<string[]> models = MemoryFileOptions.Models();
        var command = new Command(
            "import",
            "Convert a memory file into a living store: one SQLite database that `engram add` and `engram forget` change item by item, without " +
            "re-encoding anything already stored, while `recall --memory` and `serve` read it. The codes come from the file (each slot's scale " +
            "undone); the encoders, options and engine with them.\n\n" +
            "Examples:\n" +
            "  engram build --dataset emoji --out emoji.engram && engram import --memory emoji.engram --out emoji.store")
        {
            memory, output, models,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            if (File.Exists(path) || Directory.Exists(path))
            {
                throw new IOException($"{path} already exists: the store to create needs a path of its own (add to an existing store with engram add).");
            }

            MultimodalMemory source = MemoryFileOptions.Load(context, parse.GetValue(memory)!, noVerify: false, parse.GetValue(models));
            MemoryStore.CreateFrom(path, source);
            context.Output.WriteLine($"Imported {source.Count:N0} items into {path} ({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MB).");
            return 0;
        });
        return command;
    }

    private static Command Add(CliContext context)
    {
        Option<string> store = StorePath();
        var dataset = new Option<string?>("--dataset") { Description = "Add every item of a dataset: emoji, fashion-mnist or a folder of images (and sounds beside them, same name, any sound format, for a store with sounds).", HelpName = "NAME|FOLDER" };
        var n = new Option<int>("--n") { Description = "With --dataset: at most this many items, in order (0: all).", DefaultValueFactory = _ => 0 }.Between(0, int.MaxValue);
        var image = new Option<string?>("--image") { Description = "Add one item: its PNG (kept in the store as given).", HelpName = "PNG" };
        var caption = new Option<string?>("--caption") { Description = "Add one item: its caption.", HelpName = "TEXT" };
        var id = new Option<string?>("--id") { Description = "Add one item: its id (default: the PNG's file name without extension)." };
        var audio = new Option<string?>("--audio") { Description = "Add one item: its sound, any sound format read by its content (WAV, MP3, OGG; others through ffmpeg), kept in the store as given.", HelpName = "SOUND" };
        var replace = new Option<bool>("--replace")
        {
            Description = "Update items whose id the store already holds: each is forgotten and added again in the same transaction " +
                "(its codes and media replaced; it then comes last in `engram list`). Without it such an id is refused.",
        };
        Option<MediaKeeping> keeping = MediaOption();
        var oneByOne = new Option<bool>("--one-by-one")
        {
            Description = "With --dataset: store each item in a transaction of its own and print its id once it is stored, so that what was " +
                "printed is kept even if the command is stopped; without it the dataset is stored in one transaction, all or nothing.",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "With --dataset: refuse when anything in it cannot be used (an image that does not decode, an item without a caption or a sound), " +
                "naming every problem; without it such items are left out and listed at the end.",
        };
        var command = new Command(
            "add",
            "Add items to a store: encoded with the store's encoders and written in one transaction, so a crash leaves all of them or none; " +
            "nothing already stored is re-encoded. An id already in the store is refused (forget it first).\n\n" +
            "Examples:\n" +
            "  engram add --memory photos.store --image beach.png --caption \"dog running on the beach\"\n" +
            "  engram add --memory emoji.store --dataset ~/more-emoji\n" +
            "  engram add --memory photos.store --image beach.png --caption \"my dog on the beach\" --replace")
        {
            store, dataset, n, image, caption, id, audio, replace, keeping, oneByOne, strict,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(store)!;
            bool update = parse.GetValue(replace);
            MediaKeeping keep = parse.GetValue(keeping);
            using MemoryStore opened = MemoryStore.Open(path);
            string? imagePath = parse.GetValue(image), name = parse.GetValue(dataset);
            if ((name is null) == (imagePath is null && parse.GetValue(caption) is null))
            {
                throw new ArgumentException("Give either --dataset, or one item's --image and/or --caption.");
            }

            if (name is not null)
            {
                IDataset given = MemorySource.Open(name, parse.GetValue(n) is > 0 and var max ? max : int.MaxValue);
                MemorySource source = MemorySource.Prepare(context, given, opened.Encoders, given.Problems, parse.GetValue(strict), name);
                IDataset items = source.Items;
                ImageSource? images = source.Images;
                MemoryItem[] adding = items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();
                Engram.Data.Audio.AudioClip[]? sounds = source.Sounds?.ToArray();

                StoredMedia[][] originals = items.Select(i => StoredMedia.Of(i, keep).ToArray()).ToArray();
                if (parse.GetValue(oneByOne))
                {
                    for (int i = 0; i < adding.Length; i++)
                    {
                        opened.Add([adding[i]], images?.Slice(i, 1), sounds is null ? null : [sounds[i]], [originals[i]], replace: update);
                        context.Output.WriteLine($"stored {adding[i].Id}");
                        context.Output.Flush();
                    }
                }
                else
                {
                    opened.Add(adding, images, sounds, originals, Progress.Lines(context), update);
                }

                BuildCommand.WriteProblems(context, source);
                context.Output.WriteLine($"Added {items.Count:N0} items from {items.Source} to {path}; it holds {opened.Count:N0}.");
                return 0;
            }

            string itemId = parse.GetValue(id) ?? (imagePath is null ? throw new ArgumentException("An item without an image needs --id.") : Path.GetFileNameWithoutExtension(imagePath));
            Tensor? pixels = null;
            List<StoredMedia> media = [];
            if (imagePath is null && opened.Encoders.Image is not null)
            {
                throw new ArgumentException($"{path} stores an image for every item: give the new item's --image too.");
            }

            if (imagePath is not null)
            {
                if (opened.Encoders.Image is not { } codec)
                {
                    throw new ArgumentException($"{path} has no image slot: add the item with --caption alone.");
                }

                byte[] bytes = File.ReadAllBytes(imagePath);
                Image decoded = ImageFiles.Decode(bytes, imagePath, DatasetImages.CueDecodeOptions(codec.Shape.Width));
                float[] prepared = ImageOps.Prepare(decoded, codec.Shape.Width, codec.Shape.Channels == 1);
                pixels = Tensor.FromArray(prepared, 1, prepared.Length);
                media.Add(keep == MediaKeeping.Copy ? new StoredMedia(Engines.Modality.ImageName, bytes) : new StoredMedia(Engines.Modality.ImageName, null, Path.GetFullPath(imagePath)));
            }

            Engram.Data.Audio.AudioClip[]? sound = null;
            if (parse.GetValue(audio) is { } wav)
            {
                if (opened.Encoders.Audio is null)
                {
                    throw new ArgumentException($"{path} has no audio slot: add the item without --audio.");
                }

                sound = [Engram.Data.Audio.AudioFiles.Read(wav)];
                media.Add(keep == MediaKeeping.Copy ? new StoredMedia(Engines.Modality.AudioName, File.ReadAllBytes(wav)) : new StoredMedia(Engines.Modality.AudioName, null, Path.GetFullPath(wav)));
            }
            else if (opened.Encoders.Audio is not null)
            {
                throw new ArgumentException($"{path} stores a sound for every item: give the new item's --audio too.");
            }

            bool existed = update && opened.List().Any(i => i.Id == itemId);
            opened.Add([new MemoryItem(itemId, parse.GetValue(caption))], pixels, sound, media: [media], replace: update);
            context.Output.WriteLine($"{(existed ? "Updated" : "Added")} {itemId} {(existed ? "in" : "to")} {path}; it holds {opened.Count:N0}.");
            return 0;
        });
        return command;
    }

    private static Command Forget(CliContext context)
    {
        Option<string> store = StorePath();
        var item = new Option<string>("--item") { Description = "The id of the item to forget (its codes and media go with it).", Required = true, HelpName = "ID" };
        var command = new Command("forget", "Forget one item of a store, in one transaction.\n\nExample:\n  engram forget --memory emoji.store --item 1F600") { store, item };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(store)!;
            using MemoryStore opened = MemoryStore.Open(path);
            opened.Forget(parse.GetValue(item)!);
            context.Output.WriteLine($"Forgot {parse.GetValue(item)} in {path}; it holds {opened.Count:N0}.");
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        Option<string> store = StorePath();
        Option<string?> json = CommonOptions.Json();
        var command = new Command("list", "List a store's items in the order they were added.\n\nExample:\n  engram list --memory emoji.store --json -") { store, json };
        command.SetAction(parse =>
        {
            JsonTarget? target = JsonOutput.Target(parse.GetValue(json), false);

            string path = parse.GetValue(store)!;
            using MemoryStore opened = MemoryStore.Open(path);
            IReadOnlyList<MemoryItem> items = opened.List();
            var table = new Table().Border(TableBorder.Rounded).AddColumn("#").AddColumn("id").AddColumn("caption");
            for (int i = 0; i < items.Count; i++)
            {
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(items[i].Id), Markup.Escape(items[i].Caption ?? "—"));
            }

            context.Console.Write(table);
            context.Output.WriteLine($"{items.Count:N0} items in {path}.");
            target?.Write(new { memory = path, count = items.Count, items = items.Select(i => new { id = i.Id, caption = i.Caption }) }, context);
            return 0;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        Option<string> store = StorePath();
        var output = new Option<string>("--out") { Description = "The memory file to write (what `engram build` writes).", Required = true, HelpName = "FILE" };
        Option<bool> force = OutputOptions.Force();
        var command = new Command("export", "Write a store's items as one memory file, as `engram build` would have made from them.\n\nExample:\n  engram export --memory emoji.store --out emoji.engram")
        {
            store, output, force,
        };
        command.SetAction(parse =>
        {
            string outPath = parse.GetValue(output)!;
            OutputPath.CheckReplaceable(outPath, OutputFileKind.Memory, parse.GetValue(force), "--out");
            using MemoryStore opened = MemoryStore.Open(parse.GetValue(store)!);
            MultimodalMemory memory = opened.Snapshot();
            memory.Save(outPath);
            context.Output.WriteLine($"Exported {memory.Count:N0} items to {outPath}.");
            return 0;
        });
        return command;
    }
}
