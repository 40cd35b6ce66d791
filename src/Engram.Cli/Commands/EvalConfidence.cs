using System.CommandLine;
using System.Globalization;
using Engram.Evaluation.Experiments;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram eval confidence</c>: how often a recall's "no match" verdict is right, on cues from stored items and from outside.</summary>
internal static class EvalConfidence
{
    private const int QuickEmoji = 300, QuickFashion = 6000, QuickCues = 300, QuickAudio = 100;

    public static Command Create(CliContext context)
    {
        var output = new Option<string?>("--out")
        {
            Description = "Folder for confidence.csv, .md and .json (default: eval-results/confidence). An earlier run's files there are replaced; " +
                "any other file of those names is refused unless --force.",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        var quick = new Option<bool>("--quick") { Description = $"A smaller run: {QuickEmoji} emoji, {QuickFashion} Fashion-MNIST images with {QuickCues} cues per set, {QuickAudio} spoken names." };
        var emoji = new Option<int?>("--emoji-items") { Description = $"Emoji stored (default all installed; --quick {QuickEmoji}).", HelpName = "N" };
        var fashion = new Option<int?>("--n") { Description = $"Fashion-MNIST training images stored (default 60000; --quick {QuickFashion}; 0 leaves that memory out).", HelpName = "N" };
        var cues = new Option<int?>("--cues") { Description = $"Cues per Fashion-MNIST cue set (default 1000; --quick {QuickCues}).", HelpName = "N" };
        var audio = new Option<int?>("--audio-items") { Description = $"Emoji in the memory with a speech slot, spoken by espeak-ng (default 300; --quick {QuickAudio}; 0 leaves it out).", HelpName = "N" };
        var noise = new Option<double>("--noise") { Description = "σ of the Gaussian noise of noisy image cues.", DefaultValueFactory = _ => 0.1 }.AtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Seed of the noise, random letters and typos.", DefaultValueFactory = _ => 1 };
        var models = new Option<string?>("--models") { Description = "Folder of trained weights (default: the shipped data/models).", HelpName = "FOLDER" };
        var command = new Command("confidence",
            "How sure a recall is: every recall says how similar the cue is to the recalled item in each slot it gives, the margin to the next item, and " +
            "\"no match\" when in some slot the cue is farther from every stored item than that slot's novelty threshold (calibrated from the stored items). " +
            "This measures the verdict: on the emoji memory (image+text; text+audio with espeak-ng) and a Fashion-MNIST memory, the fraction of cues from stored items " +
            "called \"no match\" (false alarms: the captions, partial, reordered and misspelt captions, half-hidden and noisy images, an unheard voice) and of cues " +
            "from outside (detections: random letters, words no caption uses, another data set's images, random pixels), and the same under other threshold rules.\n\n" +
            "Writes confidence.csv, confidence.md and confidence.json (with 'cue_sets') into --out.\n\n" +
            "Examples:\n  engram eval confidence --quick\n  engram eval confidence --out docs/results/confidence")
        {
            output, quick, emoji, fashion, cues, audio, noise, seed, models, force,
        };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            string folder = parse.GetValue(output) ?? Path.Combine("eval-results", "confidence");
            var settings = new ConfidenceSettings
            {
                ModelsFolder = parse.GetValue(models) ?? ExperimentEncoders.ShippedModels()
                    ?? throw new DirectoryNotFoundException("No trained weights found: run from the repository (data/models) or pass --models FOLDER."),
                EmojiItems = parse.GetValue(emoji) ?? (isQuick ? QuickEmoji : int.MaxValue),
                FashionItems = parse.GetValue(fashion) ?? (isQuick ? QuickFashion : 60_000),
                FashionCues = parse.GetValue(cues) ?? (isQuick ? QuickCues : 1000),
                AudioItems = parse.GetValue(audio) ?? (isQuick ? QuickAudio : 300),
                NoiseSigma = parse.GetValue(noise),
                Seed = parse.GetValue(seed),
                Log = line => context.Output.WriteLine(line),
            };
            settings.Validate();
            IReadOnlyList<ConfidenceExperiment.CueSetResult> sets = [];
            return EvalExperiments.RunAndWrite(context, "confidence", isQuick, folder, parse.GetValue(force), () =>
            {
                (ExperimentReport report, sets) = ConfidenceExperiment.Run(settings);
                return report;
            }, (c, _) => Print(c, sets));
        });
        return command;
    }

    private static void Print(CliContext context, IReadOnlyList<ConfidenceExperiment.CueSetResult> sets)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("memory").AddColumn("cues").AddColumn("from").AddColumn("n").AddColumn("no match")
            .AddColumn("median nearest").AddColumn("threshold").AddColumn("mean top weight");
        foreach (ConfidenceExperiment.CueSetResult r in sets)
        {
            table.AddRow(Markup.Escape(r.Memory), Markup.Escape(r.Name), r.From, r.Count.ToString(CultureInfo.InvariantCulture),
                $"{r.NoMatch} ({r.NoMatchRate.ToString("P1", CultureInfo.InvariantCulture)})",
                string.Join(", ", r.MedianNearest.Select(p => $"{p.Key} {p.Value.ToString("F3", CultureInfo.InvariantCulture)}")),
                string.Join(", ", r.Thresholds.Select(p => $"{p.Key} {p.Value.ToString("F3", CultureInfo.InvariantCulture)}")),
                r.MeanTopWeight.ToString("F4", CultureInfo.InvariantCulture));
        }

        context.Console.Write(table);
    }
}
