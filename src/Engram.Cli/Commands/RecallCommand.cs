using System.CommandLine;
using Engram.Data;
using Engram.Data.Cues;
using Engram.Evaluation;
using Engram.Memory;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram recall --memory M</c>: recall one item from a memory, with the memory's own options; and
/// <c>engram recall idx</c>: the IDX benchmark (store images, recall each from an occluded copy, score the recalls),
/// whose defaults are the paper's protocol. Each mode lists only its own options, and refuses the other's by name.
/// </summary>
internal static class RecallCommand
{
    private const string IdxMode = "the IDX benchmark, `engram recall idx`; a memory recall uses the memory's own options";
    private const string MemoryMode = "recall from a memory, `engram recall --memory FILE`; `engram recall idx` is the IDX benchmark";

    public static Command Create(CliContext context)
    {
        var memoryOptions = new MemoryRecallOptions();
        var occlude = new Option<string?>("--occlude")
        {
            Description = "Hide part of the image cue: bottom-half, top-half, left-half or right-half (default: nothing hidden).",
        }.AcceptOnlyFromAmong("bottom-half", "top-half", "left-half", "right-half");
        var similarity = new Option<string?>("--similarity")
        {
            Description = "dot (ξ·v), l2 (−‖ξ − v‖²) or cosine. Default: the memory's own (`engram build --similarity`, l2 unless given there).",
        }.AcceptOnlyFromAmong("dot", "l2", "cosine");
        var beta = new Option<float>("--beta")
        {
            Description = "Inverse temperature β > 0. Default: the memory's own (`engram build --beta`, 1000 unless given there).",
        }.Positive();
        var steps = new Option<int>("--steps")
        {
            Description = "The most update steps (a harmonic memory's sweeps). Default: the memory's own (`engram build --steps`, 10, or 20 sweeps for a harmonic memory).",
        }.Between(1, int.MaxValue);
        var cueMode = new Option<string?>("--cue-mode")
        {
            Description = "full, clamped, masked or masked-free (see `engram recall idx --help`). Default: masked-free, the similarity over the cue's own slots and visible pixels.",
        }.AcceptOnlyFromAmong("full", "clamped", "masked", "masked-free");
        Option<string?> json = CommonOptions.Json();

        var command = new Command(
            "recall",
            "Recall one item from a memory made by `engram build`, cued by an image (--image, or --item to use a stored one), " +
            "a caption (--text) or a sound (--audio), and print the recalled item, its weight, the steps, whether the state is a mixture, and the runners-up. " +
            "β, steps, similarity and cue mode are the memory's own unless given.\n\n" +
            "Examples:\n" +
            "  engram recall --memory emoji.engram --text \"red apple\" --save apple.png\n" +
            "  engram recall --memory emoji.engram --image cat.png --occlude bottom-half --json result.json\n" +
            "  engram recall --memory fmnist.engram --item 17 --occlude left-half --noise 0.1\n" +
            "  engram recall --memory photos.store --text \"the dog on the beach\" --originals found\n\n" +
            "The IDX benchmark (store the first N images of an IDX file, recall each from a copy with part hidden) is `engram recall idx`, with its own options and defaults.")
        {
            occlude, similarity, beta, steps, cueMode, json,
            memoryOptions.Memory, memoryOptions.Image, memoryOptions.Item, memoryOptions.Text, memoryOptions.Audio, memoryOptions.Noise, memoryOptions.Seed,
            memoryOptions.Save, memoryOptions.Originals, memoryOptions.RunnersUp, memoryOptions.NoVerify, memoryOptions.Models, memoryOptions.Force,
        };
        foreach (string name in (string[])["--idx", "--n", "--update", "--step-size", "--tolerance", "--top-k", "--backend"])
        {
            command.Options.Add(BelongsElsewhere(name, IdxMode));
        }

        command.SetAction(parse =>
        {
            string memoryPath = parse.GetValue(memoryOptions.Memory) ?? throw new ArgumentException(
                "engram recall needs --memory FILE, a memory made by `engram build` (for example: engram recall --memory emoji.engram --text cat); " +
                "the IDX benchmark is `engram recall idx`.");
            string? Given(Option<string?> option) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : null;
            float? givenBeta = parse.GetResult(beta) is { Implicit: false } ? parse.GetValue(beta) : null;
            int? givenSteps = parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : null;
            return MemoryRecallCommand.Run(
                context, parse, memoryPath, memoryOptions, givenBeta, givenSteps, Given(similarity), Given(cueMode), Given(occlude), parse.GetValue(json));
        });
        command.Subcommands.Add(CreateIdx(context));
        return command;
    }

    // engram recall idx: the benchmark of the paper's protocol, over an IDX file.
    private static Command CreateIdx(CliContext context)
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
        Option<bool> force = OutputOptions.Force();

        var command = new Command(
            "idx",
            "The IDX benchmark: store the first N images of an IDX file (pixels scaled to [0, 1]), recall each from a copy with part hidden, " +
            "and print retrieval accuracy, the metastable fraction and the MSE between image and final state. " +
            "Its defaults (β 1, 10 steps, cue mode full, similarity dot) are the paper's protocol; a memory recall (`engram recall --memory`) uses the memory's own.\n\n" +
            "Examples:\n" +
            "  engram recall idx --idx data/fashion-mnist/train-images-idx3-ubyte.gz --n 2000 --similarity l2 --cue-mode masked\n" +
            "  engram recall idx --n 6000 --similarity dot --beta 1 --steps 10 --cue-mode full --json raw-dot.json")
        {
            idx, n, occlude, similarity, beta, steps, cueMode, update, stepSize, tolerance, topK, backend, json, force,
        };
        foreach (string name in (string[])["--memory", "--image", "--item", "--text", "--audio", "--noise", "--seed", "--save", "--runners-up", "--no-verify", "--models"])
        {
            command.Options.Add(BelongsElsewhere(name, MemoryMode));
        }

        command.SetAction(parse =>
        {
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
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));

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
                }, context);
            }

            return 0;
        });
        return command;
    }

    // An option of the other mode: hidden from this mode's help, and refused by name when given.
    private static Option<string?> BelongsElsewhere(string name, string mode)
    {
        var option = new Option<string?>(name) { Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        option.Validators.Add(result => result.AddError($"{name} belongs to {mode}."));
        return option;
    }

    private static IFormatProvider Inv => System.Globalization.CultureInfo.InvariantCulture;

    private static string Name<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
