using System.CommandLine;
using Engram.Evaluation.Experiments;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram eval zero-shot</c>: held-out images without captions, found by their captions through a learned image–text link.</summary>
internal static class EvalZeroShot
{
    private const string OpenClipart = "/usr/share/openclipart/png";
    private const int QuickItems = 1200, QuickHeldOut = 200, QuickEpochs = 10;

    public static Command Create(CliContext context)
    {
        var output = new Option<string?>("--out")
        {
            Description = "Folder for zero-shot.csv, .md and .json (default: eval-results/zero-shot). An earlier run's files there are replaced; any other file of those names is refused unless --force.",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        var quick = new Option<bool>("--quick") { Description = $"A smaller run: {QuickItems} items, {QuickHeldOut} held out, {QuickEpochs} epochs." };
        var folder = new Option<string>("--folder")
        {
            Description = $"A folder of captioned images (default {OpenClipart}, from Debian's openclipart-png: 8,121 clip-art PNGs whose Title chunks are captions).",
            DefaultValueFactory = _ => OpenClipart,
            HelpName = "FOLDER",
        };
        var heldOut = new Option<int?>("--held-out") { Description = $"Items held out: never trained on, stored without captions, cued with them (default 1500; --quick {QuickHeldOut}).", HelpName = "N" };
        var items = new Option<int?>("--n") { Description = $"At most this many captioned items in all, drawn at random (default all; --quick {QuickItems}).", HelpName = "N" };
        var epochs = new Option<int?>("--epochs") { Description = $"Training epochs of the link (default 60; --quick {QuickEpochs}).", HelpName = "N" };
        var encoders = new Option<string[]>("--encoders")
        {
            Description = "An encoder pair to compare, as LABEL=IMAGE,TEXT (weight files or encoder names), repeatable. " +
                "Default: in-project=data/models/emoji-autoencoder.safetensors,data/models/emoji-text.safetensors.",
            HelpName = "LABEL=IMAGE,TEXT",
            AllowMultipleArgumentsPerToken = false,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seeds the split, the weights and the batch order.", DefaultValueFactory = _ => 1 };
        var command = new Command("zero-shot",
            "A photo without a caption found by a sentence. A Cross-Modal Harmonic Network learns the link between an image encoder's space and a text " +
            "encoder's on the captioned images of a folder, except a held-out set it never sees. The held-out images are stored without their captions; " +
            "each held-out caption is then the cue (text clamped, image completed), and recall@1, @5 and @10 count the captions whose own image ranks " +
            "in the first k of the held-out images by cosine to the completed image state.\n\n" +
            "Writes zero-shot.csv, zero-shot.md and zero-shot.json (with 'results') into --out.\n\n" +
            "Examples:\n  engram eval zero-shot --quick\n  engram eval zero-shot --out docs/results/zero-shot")
        {
            output, quick, folder, heldOut, items, epochs, encoders, seed, force,
        };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            string models = ExperimentEncoders.ShippedModels()
                ?? throw new DirectoryNotFoundException("No trained weights found: run from the repository (data/models), or name every encoder pair with --encoders.");
            string root = parse.GetValue(folder)!;
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException(root == OpenClipart
                    ? $"{OpenClipart} does not exist: install Debian's openclipart-png (apt-get install openclipart-png), or give --folder a folder of captioned images."
                    : $"--folder {root}: there is no such folder.");
            }

            string[] given = parse.GetValue(encoders) ?? [];
            IReadOnlyList<ZeroShotEncoders> pairs = given.Length == 0
                ? [new ZeroShotEncoders("in-project", Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"))]
                : given.Select(ParsePair).ToArray();
            var settings = new ZeroShotSettings
            {
                Folder = root,
                Encoders = pairs,
                HeldOut = parse.GetValue(heldOut) ?? (isQuick ? QuickHeldOut : 1500),
                MaxItems = parse.GetValue(items) ?? (isQuick ? QuickItems : int.MaxValue),
                Epochs = parse.GetValue(epochs) ?? (isQuick ? QuickEpochs : 60),
                Seed = parse.GetValue(seed),
                Log = line => context.Output.WriteLine(line),
            };
            settings.Validate();
            IReadOnlyList<ZeroShotResult> results = [];
            string outFolder = parse.GetValue(output) ?? Path.Combine("eval-results", "zero-shot");
            return EvalExperiments.RunAndWrite(context, "zero-shot", isQuick, outFolder, parse.GetValue(force), () =>
            {
                (ExperimentReport report, results) = ZeroShotExperiment.Run(settings);
                return report;
            }, (c, _) => c.Console.WriteLine(ZeroShotExperiment.Table(results)));
        });
        return command;
    }

    /// <summary><c>engram eval paraphrase</c>: the emoji's other wordings as cues, through each text encoder.</summary>
    public static Command Paraphrase(CliContext context)
    {
        var output = new Option<string?>("--out")
        {
            Description = "Folder for paraphrase.csv, .md and .json (default: eval-results/paraphrase). An earlier run's files there are replaced; any other file of those names is refused unless --force.",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        var encoders = new Option<string[]>("--text-encoder")
        {
            Description = "A text encoder to compare (a weight file or an encoder name), repeatable. Default: data/models/emoji-text.safetensors.",
            HelpName = "PATH|NAME",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("paraphrase",
            "Other wordings as cues: every emoji's name is stored through a text encoder, and every short name that differs from it (979 of them, such as " +
            "\"grinning\" for \"grinning face\") is a cue, found when its nearest stored name (cosine, the text slot alone) is its own emoji's. The in-project " +
            "n-gram encoder was trained on those very names; a pretrained encoder meets them zero-shot.\n\n" +
            "Examples:\n  engram eval paraphrase\n  engram eval paraphrase --text-encoder data/models/emoji-text.safetensors --text-encoder minilm")
        {
            output, encoders, force,
        };
        command.SetAction(parse =>
        {
            string[] given = parse.GetValue(encoders) ?? [];
            string[] chosen = given.Length > 0
                ? given
                : [Path.Combine(ExperimentEncoders.ShippedModels() ?? throw new DirectoryNotFoundException("No trained weights found: run from the repository (data/models), or name the encoders with --text-encoder."), "emoji-text.safetensors")];
            Engram.Data.Datasets.IDataset emoji = Engram.Data.Datasets.EmojiDataset.Load();
            IReadOnlyList<ParaphraseResult> results = [];
            return EvalExperiments.RunAndWrite(context, "paraphrase", false, parse.GetValue(output) ?? Path.Combine("eval-results", "paraphrase"), parse.GetValue(force), () =>
            {
                (ExperimentReport report, results) = ParaphraseExperiment.Run(emoji, chosen, line => context.Output.WriteLine(line));
                return report;
            }, (c, _) => c.Console.WriteLine(ParaphraseExperiment.Table(results)));
        });
        return command;
    }

    private static ZeroShotEncoders ParsePair(string value)
    {
        int equals = value.IndexOf('=', StringComparison.Ordinal);
        string[] parts = equals < 0 ? [] : value[(equals + 1)..].Split(',');
        if (equals <= 0 || parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"--encoders {value}: give LABEL=IMAGE,TEXT, such as pretrained=resnet18,minilm.");
        }

        return new ZeroShotEncoders(value[..equals], parts[0].Trim(), parts[1].Trim());
    }
}
