using System.CommandLine;
using Engram.Evaluation.Experiments;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram eval harmonic</c>: the Cross-Modal Harmonic Network on emoji (image, name, spoken name).</summary>
internal static class EvalHarmonic
{
    private const int QuickItems = 300, QuickEpochs = 25;

    public static Command Create(CliContext context)
    {
        var output = new Option<string?>("--out")
        {
            Description = "Folder for harmonic.csv, .md, .json and the SVG figures (default: eval-results/harmonic). An earlier run's files there are replaced; " +
                "any other file of those names is refused unless --force.",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        var quick = new Option<bool>("--quick") { Description = $"A smaller run: the first {QuickItems} emoji (or the shipped 239) and {QuickEpochs} epochs, about a minute." };
        var epochs = new Option<int?>("--epochs") { Description = $"Training epochs of each model (default 60; --quick {QuickEpochs})." };
        var maxItems = new Option<int?>("--max-items") { Description = $"Use only the first N emoji (default all; --quick {QuickItems}).", HelpName = "N" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial weights, the batches and the image noise.", DefaultValueFactory = _ => 1 };
        var models = new Option<string?>("--models") { Description = "Folder of trained weights (default: the shipped data/models).", HelpName = "FOLDER" };
        var command = new Command("harmonic",
            "The Cross-Modal Harmonic Network on emoji items (image, name, the name spoken by espeak-ng in en-us), with codes from the shipped emoji-autoencoder, " +
            "emoji-text and emoji-speech: linear adapters to d = 64, rank-32 couplings, β = 100, λ = 1, trained contrastively (batch 256, lr 5e-3). Measures retrieval accuracy " +
            "and coherence for every ordered cue → target pair; the unseen combination (couplings image–text and text–audio only, then image ↔ audio); cues from outside " +
            "what was stored (other short names, the voice en-gb+f2, noisy and occluded images); ablations (HEN over the concatenation; the learned projection with " +
            "nearest-neighbour search); time and memory per recall; and the top singular directions of each coupling with the emoji categories at their ends.\n\n" +
            "Writes harmonic.csv, harmonic.md, harmonic.json (with 'matrix', 'unseen', 'held_out', 'ablations', 'couplings', 'cost') and SVG figures into --out. Needs espeak-ng.\n\n" +
            "Examples:\n  engram eval harmonic --quick\n  engram eval harmonic --out docs/results/harmonic")
        {
            output, quick, epochs, maxItems, seed, models, force,
        };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            string folder = parse.GetValue(output) ?? Path.Combine("eval-results", "harmonic");
            var settings = new HarmonicSettings
            {
                ModelsFolder = parse.GetValue(models) ?? ExperimentEncoders.ShippedModels()
                    ?? throw new DirectoryNotFoundException("No trained weights found: run from the repository (data/models) or pass --models FOLDER."),
                Epochs = parse.GetValue(epochs) ?? (isQuick ? QuickEpochs : 60),
                MaxItems = parse.GetValue(maxItems) ?? (isQuick ? QuickItems : int.MaxValue),
                Seed = parse.GetValue(seed),
                Log = line => context.Output.WriteLine(line),
            };
            settings.Validate();
            return EvalExperiments.RunAndWrite(context, "harmonic", isQuick, folder, parse.GetValue(force), () => HarmonicExperiment.Run(settings), Print);
        });
        return command;
    }

    // The cue → target matrix of the fully coupled model: cue modalities as rows, targets as columns.
    private static void Print(CliContext context, ExperimentReport report)
    {
        string[] modalities = ["image", "text", "audio"];
        var table = new Table().Border(TableBorder.Rounded).Title("retrieval accuracy, cue → target").AddColumn("cue");
        foreach (string target in modalities)
        {
            table.AddColumn(target);
        }

        foreach (string cue in modalities)
        {
            var cells = new List<string> { cue };
            foreach (string target in modalities)
            {
                ExperimentRow? row = report.Rows.FirstOrDefault(r => r.Encoder == "harmonic" && r.Dataset == "emoji/stored" && r.CueMode == $"{cue}→{target}");
                cells.Add(row is null ? "–" : TrainCommand.F(row.Accuracy, "F4"));
            }

            table.AddRow(cells.ToArray());
        }

        context.Console.Write(table);
        var others = new Table().Border(TableBorder.Rounded).AddColumn("model").AddColumn("cue").AddColumn("cue → target").AddColumn("accuracy").AddColumn("1 − SSIM");
        foreach (ExperimentRow r in report.Rows.Where(r => !(r.Encoder == "harmonic" && r.Dataset == "emoji/stored")))
        {
            others.AddRow(Markup.Escape(r.Encoder), Markup.Escape(r.Dataset), Markup.Escape(r.CueMode), TrainCommand.F(r.Accuracy, "F4"), double.IsNaN(r.OneMinusSsim) ? "–" : TrainCommand.F(r.OneMinusSsim, "F4"));
        }

        context.Console.Write(others);
    }
}
