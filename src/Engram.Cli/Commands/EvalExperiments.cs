using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engram.Data;
using Engram.Evaluation.Experiments;
using Engram.Memory;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram eval table1|beta-sweep|separability|cross-modal|uniqueness|progression</c>: the paper's experiments.</summary>
internal static class EvalExperiments
{
    // Per experiment: what it shows, and its defaults in a full and in a --quick run.
    private sealed record Spec(string Name, string Help, string Sizes, string QuickSizes, string Betas, string QuickBetas, string Similarities, Func<ExperimentSettings, ExperimentReport> Run);

    private static readonly Spec[] Specs =
    [
        new("table1", "The paper's Table 1: occluded Fashion-MNIST cues (bottom half hidden) recalled with N stored images, for raw pixels and every trained encoder, " +
            "dot and L2, full and masked cues (add 60000 to --n for the whole training set); 1 − SSIM and MSE between Dec(ξ_true) and Dec(v_T), accuracy and metastable fraction. Figures: accuracy and 1 − SSIM against N.",
            "6000,8000,10000,15000", "1000,2000", "1000", "1000", "dot,l2", PaperExperiments.Table1),
        new("beta-sweep", "The paper's Figure 2: 1 − SSIM, MSE and accuracy against β over several decades, dot and L2, every encoder, at one N.",
            "6000", "1000", "1,10,100,1000,10000", "1,10,100,1000,10000", "dot,l2", PaperExperiments.BetaSweep),
        new("separability", "The paper's Figure 3: histograms of cos(Enc(cue_i), ξ_j) for i = j and i ≠ j per encoder, their overlap, and recall at one β.",
            "6000", "1000", "1000", "1000", "dot,l2", PaperExperiments.Separability),
        new("cross-modal", "The paper's Table 2 and Figure 5: items [image; caption], recalled from the caption alone. Emoji with unique names (all of them), " +
            "and Fashion-MNIST with unique hashed captions at every N; captions pixelized and through the trained text encoder.",
            "6000,8000,10000,15000", "1000", "1000", "1000", "dot,l2", s => PaperExperiments.CrossModal(s)),
        new("uniqueness", "The paper's Figure 6: pairs of images that share one caption. The store-time check names the pairs; recall from the caption returns a mixture " +
            "(unique captions are the control). --n is the number of images (half as many pairs).",
            "400", "100", "1000", "1000", "dot", PaperExperiments.Uniqueness),
        new("progression", "The paper's Figures 1 and 7: the decoded state after chosen iterations (--iterations) for a few occluded cues per encoder, as an image table.",
            "6000", "1000", "100", "100", "l2", PaperExperiments.Progression),
    ];

    public static IEnumerable<Command> Create(CliContext context) => Specs.Select(spec => Create(context, spec));

    private static Command Create(CliContext context, Spec spec)
    {
        var output = new Option<string?>("--out")
        {
            Description = $"Folder for the CSV, Markdown, SVG and JSON files (default: eval-results/{spec.Name}). An earlier run's files there are replaced; " +
                "any other file of those names is refused unless --force.",
            HelpName = "FOLDER",
        };
        Option<bool> force = OutputOptions.Force();
        var quick = new Option<bool>("--quick") { Description = $"A smaller run (N = {spec.QuickSizes}, β = {spec.QuickBetas}), a few minutes on two cores." };
        var sizes = new Option<string?>("--n") { Description = $"Stored items, comma-separated (default {spec.Sizes}; --quick {spec.QuickSizes}).", HelpName = "N,N,…" };
        var encoders = new Option<string>("--encoders")
        {
            Description = $"Image encoders, comma-separated, from {string.Join(", ", ExperimentEncoders.All)} (raw = pixels).",
            DefaultValueFactory = _ => string.Join(',', ExperimentEncoders.All),
            HelpName = "LIST",
        };
        var similarities = new Option<string>("--similarity") { Description = "Similarities, comma-separated: dot, l2, cosine.", DefaultValueFactory = _ => spec.Similarities, HelpName = "LIST" };
        var betas = new Option<string?>("--beta") { Description = $"Inverse temperatures β, comma-separated (default {spec.Betas}). Every slot is scaled to mean norm 1, so β means the same for every encoder.", HelpName = "LIST" };
        var cueModes = new Option<string>("--cue-modes") { Description = "full (the paper's protocol), masked (compare only what the visible pixels determine), or both.", DefaultValueFactory = _ => "full,masked", HelpName = "LIST" };
        var steps = new Option<int>("--steps") { Description = "Update steps T.", DefaultValueFactory = _ => 10 }.Between(1, int.MaxValue);
        var iterations = new Option<string>("--iterations") { Description = "progression: the iterations to show.", DefaultValueFactory = _ => "1,2,3,5,10", HelpName = "LIST" };
        var examples = new Option<int>("--examples") { Description = "Examples drawn in image figures.", DefaultValueFactory = _ => 6 }.Between(1, 1000);
        var models = new Option<string?>("--models") { Description = "Folder of trained weights (default: the shipped data/models).", HelpName = "FOLDER" };
        var redraw = new Option<bool>("--redraw") { Description = $"table1 and beta-sweep: measure nothing; read {spec.Name}.json in --out and draw its figures and tables again." };
        var command = new Command(spec.Name,
            spec.Help + "\n\nWrites NAME.csv, NAME.md, NAME.json (the summary, whose 'rows' have experiment, dataset, encoder, similarity, cue_mode, beta, n, accuracy, " +
            "metastable_fraction, one_minus_ssim, mse) and SVG figures into --out, and prints each configuration as it finishes.\n\n" +
            $"Examples:\n  engram eval {spec.Name} --quick\n  engram eval {spec.Name} --encoders raw,local-autoencoder --similarity l2 --out results/{spec.Name}")
        {
            output, quick, sizes, encoders, similarities, betas, cueModes, steps, iterations, examples, models, redraw, force,
        };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            string folder = parse.GetValue(output) ?? Path.Combine("eval-results", spec.Name);
            if (parse.GetValue(redraw))
            {
                OutputPath.CheckFolder(folder, "--out");
                string summary = Path.Combine(folder, spec.Name + ".json");
                ExperimentReport read = File.Exists(summary)
                    ? ExperimentReport.Read(summary)
                    : throw new FileNotFoundException($"--redraw reads {summary}, which does not exist: run the experiment first.", summary);
                PaperExperiments.Redraw(read);
                CheckReportFiles(folder, read, parse.GetValue(force));
                IReadOnlyList<string> files = read.Write(folder);
                context.Output.WriteLine($"Redrew {string.Join(", ", files.Select(Path.GetFileName))} in {folder} from {read.Rows.Count} rows.");
                return 0;
            }

            var settings = new ExperimentSettings
            {
                ModelsFolder = parse.GetValue(models) ?? ExperimentEncoders.ShippedModels()
                    ?? throw new DirectoryNotFoundException("No trained weights found: run from the repository (data/models) or pass --models FOLDER."),
                Encoders = List(parse.GetValue(encoders)!, "--encoders", s => s),
                Sizes = List(parse.GetValue(sizes) ?? (isQuick ? spec.QuickSizes : spec.Sizes), "--n", s => int.Parse(s, CultureInfo.InvariantCulture)),
                Similarities = List(parse.GetValue(similarities)!, "--similarity", CommonOptions.ParseSimilarity),
                Betas = List(parse.GetValue(betas) ?? (isQuick ? spec.QuickBetas : spec.Betas), "--beta", s => float.Parse(s, CultureInfo.InvariantCulture)),
                CueModes = List(parse.GetValue(cueModes)!, "--cue-modes", s => s),
                Steps = parse.GetValue(steps),
                Iterations = List(parse.GetValue(iterations)!, "--iterations", s => int.Parse(s, CultureInfo.InvariantCulture)),
                Examples = parse.GetValue(examples),
                Log = line => context.Output.WriteLine(line),
            };
            settings.Validate();
            return RunAndWrite(context, spec.Name, isQuick, folder, parse.GetValue(force), () => spec.Run(settings), Print);
        });
        return command;
    }

    /// <summary>What every experiment command does once its settings are parsed: run, write the files, print the table and the time.</summary>
    internal static int RunAndWrite(
        CliContext context, string name, bool quick, string folder, bool force, Func<ExperimentReport> run, Action<CliContext, ExperimentReport> print)
    {
        string label = $"engram eval {name}{(quick ? " --quick" : "")}";
        var stopwatch = Stopwatch.StartNew();

        // Checked before the (long) run too, for the files whose names are known before it.
        OutputPath.CheckFolder(folder, "--out");
        CheckReportFiles(folder, name, [], force);
        context.Output.WriteLine($"{label}: writing into {folder}");
        ExperimentReport report = run();
        CheckReportFiles(folder, report, force);
        IReadOnlyList<string> written = report.Write(folder);
        print(context, report);
        context.Output.WriteLine($"Wrote {string.Join(", ", written.Select(Path.GetFileName))} into {folder}.");
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label} took {stopwatch.Elapsed.TotalSeconds:F1} s."));
        return 0;
    }

    private static void CheckReportFiles(string folder, ExperimentReport report, bool force) => CheckReportFiles(folder, report.Name, report.Figures.Keys, force);

    // An experiment's NAME.json, .csv and .md may replace an earlier run's (each is recognised by its content); its SVG
    // figures carry no mark of their own, so they may be replaced only beside an earlier run's NAME.json.
    private static void CheckReportFiles(string folder, string name, IEnumerable<string> figures, bool force)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        string summary = Path.Combine(folder, name + ".json");
        foreach (string file in new[] { summary, Path.Combine(folder, name + ".csv"), Path.Combine(folder, name + ".md") })
        {
            OutputPath.CheckReplaceable(file, OutputFileKind.ExperimentReport, force, "--out");
        }

        bool earlierRun = OutputPath.Identify(summary) == OutputFileKind.ExperimentReport;
        foreach (string figure in figures)
        {
            string path = Path.Combine(folder, figure);
            if (!earlierRun || OutputPath.Identify(path) == OutputFileKind.Folder)
            {
                OutputPath.CheckReplaceable(path, OutputFileKind.ExperimentReport, force, "--out");
            }
        }
    }

    private static void Print(CliContext context, ExperimentReport report)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (string column in new[] { "dataset", "encoder", "sim.", "cue", "β", "N", "accuracy", "metastable", "1 − SSIM", "MSE", "s" })
        {
            table.AddColumn(column);
        }

        foreach (ExperimentRow r in report.Rows)
        {
            table.AddRow(
                Markup.Escape(r.Dataset), Markup.Escape(r.Encoder), r.Similarity, r.CueMode, r.Beta.ToString("G", CultureInfo.InvariantCulture), r.N.ToString(CultureInfo.InvariantCulture),
                TrainCommand.F(r.Accuracy, "F4"), TrainCommand.F(r.MetastableFraction, "F4"), TrainCommand.F(r.OneMinusSsim, "F4"), TrainCommand.F(r.Mse, "F5"), TrainCommand.F(r.Seconds, "F1"));
        }

        context.Console.Write(table);
    }

    private static T[] List<T>(string text, string option, Func<string, T> parse)
    {
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"{option} needs at least one value.");
        }

        return parts.Select(p =>
        {
            try
            {
                return parse(p);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"{option}: '{p}' is not a valid value.");
            }
        }).ToArray();
    }
}
