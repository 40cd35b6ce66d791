using System.CommandLine;
using Engram.Data;
using Engram.Data.Cues;
using Engram.Evaluation;
using Engram.Memory;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram recall</c>: store images, recall each from an occluded copy, score the recalls.</summary>
internal static class RecallCommand
{
    public static Command Create(CliContext context)
    {
        var idx = new Option<string?>("--idx")
        {
            Description = "IDX image file (gzipped or not). Default: Fashion-MNIST train images, from Debian's dataset-fashion-mnist or else the subset in data/.",
            HelpName = "FILE",
        };
        var n = new Option<int>("--n")
        {
            Description = "Store the first N images of the file (and recall each of them).",
            DefaultValueFactory = _ => 6000,
        }.Between(1, int.MaxValue);
        var occlude = new Option<string>("--occlude")
        {
            Description = "What the cue hides: bottom-half, top-half, left-half or right-half.",
            DefaultValueFactory = _ => "bottom-half",
        }.AcceptOnlyFromAmong("bottom-half", "top-half", "left-half", "right-half");
        var similarity = new Option<string>("--similarity")
        {
            Description = "dot (ξ·v), l2 (−‖ξ − v‖²) or cosine.",
            DefaultValueFactory = _ => "dot",
        }.AcceptOnlyFromAmong("dot", "l2", "cosine");
        var beta = new Option<float>("--beta")
        {
            Description = "Inverse temperature β > 0.",
            DefaultValueFactory = _ => 1f,
        }.Positive();
        var steps = new Option<int>("--steps")
        {
            Description = "T, the most update steps per cue (a cue stops earlier once its state settles, see --tolerance).",
            DefaultValueFactory = _ => 10,
        }.Between(1, int.MaxValue);
        var cueMode = new Option<string>("--cue-mode")
        {
            Description = "full: hidden pixels are zeros that take part in the similarity (the paper's protocol); " +
                "clamped: as full, visible pixels reset to the cue after each step; masked: similarity over visible pixels only, which stay clamped; masked-free: similarity over visible pixels only, nothing clamped.",
            DefaultValueFactory = _ => "full",
        }.AcceptOnlyFromAmong("full", "clamped", "masked", "masked-free");
        var update = new Option<string>("--update")
        {
            Description = "fixed-point (v ← Xᵀp) or gradient (v ← v − (Δt/τ)∇E).",
            DefaultValueFactory = _ => "fixed-point",
        }.AcceptOnlyFromAmong("fixed-point", "gradient");
        var stepSize = new Option<float>("--step-size")
        {
            Description = "Δt/τ for gradient steps (> 0).",
            DefaultValueFactory = _ => 0.1f,
        }.Positive();
        var tolerance = new Option<float>("--tolerance")
        {
            Description = "ε: a cue stops once ‖v_{t+1} − v_t‖ ≤ ε‖v_t‖ (0 runs every step).",
            DefaultValueFactory = _ => 1e-6f,
        }.AtLeast(0f);
        var topK = new Option<int>("--top-k")
        {
            Description = "Keep only the k largest softmax weights (0 keeps all).",
            DefaultValueFactory = _ => 0,
        }.Between(0, int.MaxValue);
        Option<string> backend = CommonOptions.Backend();
        Option<string?> json = CommonOptions.Json();
        var memoryOptions = new MemoryRecallOptions();

        var command = new Command(
            "recall",
            "Recall from a memory file (--memory), or, without one, store the first N images of an IDX file (pixels scaled to [0, 1]), recall each from a copy with part hidden, " +
            "and print retrieval accuracy, the metastable fraction and the MSE between image and final state.\n\n" +
            "Examples:\n" +
            "  engram recall --idx data/fashion-mnist/train-images-idx3-ubyte.gz --n 2000 --similarity l2 --cue-mode masked\n" +
            "  engram recall --n 6000 --similarity dot --beta 1 --steps 10 --cue-mode full --json raw-dot.json\n\n" +
            "With --memory, recall one item from a memory made by `engram build`, cued by an image (--image, or --item to use a stored one), " +
            "a caption (--text) or a sound (--audio), and print the recalled item, its weight, the steps, whether the state is a mixture, and the runners-up:\n" +
            "  engram recall --memory emoji.engram --text \"red apple\" --save apple.png\n" +
            "  engram recall --memory emoji.engram --image cat.png --occlude bottom-half --json result.json\n" +
            "  engram recall --memory fmnist.engram --item 17 --occlude left-half --noise 0.1")
        {
            idx, n, occlude, similarity, beta, steps, cueMode, update, stepSize, tolerance, topK, backend, json,
            memoryOptions.Memory, memoryOptions.Image, memoryOptions.Item, memoryOptions.Text, memoryOptions.Audio, memoryOptions.Noise, memoryOptions.Seed,
            memoryOptions.Save, memoryOptions.RunnersUp, memoryOptions.NoVerify, memoryOptions.Models, memoryOptions.Force,
        };

        command.SetAction(parse =>
        {
            if (parse.GetValue(memoryOptions.Memory) is string memoryPath)
            {
                string? Given(Option<string> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
                float? givenBeta = parse.GetResult(beta) is { Implicit: false } ? parse.GetValue(beta) : null;
                int? givenSteps = parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : null;
                return MemoryRecallCommand.Run(
                    context, parse, memoryPath, memoryOptions, givenBeta, givenSteps, Given(similarity), Given(cueMode), Given(occlude), parse.GetValue(json));
            }

            string path = parse.GetValue(idx) ?? FashionMnist.TrainImages()
                ?? throw new FileNotFoundException(
                    "No --idx file was given and Fashion-MNIST was not found: install Debian's dataset-fashion-mnist, " +
                    "or run from the repository so that data/fashion-mnist is found.");
            int count = parse.GetValue(n);
            var options = new RecallOptions
            {
                Beta = parse.GetValue(beta),
                Similarity = CommonOptions.ParseSimilarity(parse.GetValue(similarity)!),
                MaxSteps = parse.GetValue(steps),
                CueMode = CommonOptions.ParseCueMode(parse.GetValue(cueMode)!),
                UpdateRule = CommonOptions.ParseUpdateRule(parse.GetValue(update)!),
                StepSize = parse.GetValue(stepSize),
                Tolerance = parse.GetValue(tolerance),
                TopK = parse.GetValue(topK),
            };
            options.Validate();
            IGemmBackend gemm = CommonOptions.ResolveBackend(parse.GetValue(backend)!);
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(memoryOptions.Force));

            IdxData data = IdxFile.Read(path, count, scale: 1.0 / 255);
            if (data.ItemShape.Count != 2)
            {
                throw new ArgumentException(
                    $"{path} holds items of shape [{string.Join(", ", data.ItemShape)}]; --occlude needs images (two dimensions per item).");
            }

            if (data.Count < count)
            {
                throw new ArgumentException($"--n {count} asks for more images than {path} holds ({data.Count}); use --n {data.Count} or less.");
            }

            OcclusionRegion region = Occlusion.Parse(parse.GetValue(occlude)!);
            OcclusionRecallSummary summary = Progress.Run(context, $"Recalling {count} occluded images", count,
                (progress, ct) => OcclusionRecall.Run(data.Items, data.ItemShape[0], data.ItemShape[1], region, options, gemm, progress, ct));

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("N").AddColumn("similarity").AddColumn("β").AddColumn("cue mode").AddColumn("T")
                .AddColumn("accuracy").AddColumn("metastable").AddColumn("MSE").AddColumn("mean steps").AddColumn("seconds");
            table.AddRow(
                count.ToString(Inv), Name(options.Similarity), options.Beta.ToString("G4", Inv), Name(options.CueMode),
                options.MaxSteps.ToString(Inv), summary.Accuracy.ToString("F4", Inv), summary.MetastableFraction.ToString("F4", Inv),
                summary.Mse.ToString("F5", Inv), summary.MeanSteps.ToString("F2", Inv), summary.Seconds.ToString("F2", Inv));
            context.Console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(path))}[/]: first {count} images stored, each recalled from its {Markup.Escape(parse.GetValue(occlude)!)} cue ({gemm.Name} GEMM).");
            context.Console.Write(table);

            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    accuracy = summary.Accuracy,
                    metastable_fraction = summary.MetastableFraction,
                    mse = summary.Mse,
                    n = count,
                    seconds = summary.Seconds,
                    mean_steps = summary.MeanSteps,
                    idx = path,
                    occlude = parse.GetValue(occlude),
                    similarity = Name(options.Similarity),
                    beta = options.Beta,
                    steps = options.MaxSteps,
                    cue_mode = Name(options.CueMode),
                    update = parse.GetValue(update),
                    top_k = options.TopK,
                    backend = gemm.Name,
                }, context.Output);
            }

            return 0;
        });
        return command;
    }

    private static IFormatProvider Inv => System.Globalization.CultureInfo.InvariantCulture;

    private static string Name<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
