using System.CommandLine;
using Engram.Evaluation;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram bench</c>: speed, measured as ratios taken in one run.</summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Measure speed. Every figure is compared with a reference measured in the same run.");
        bench.Subcommands.Add(CreateGemm(context));
        bench.Subcommands.Add(CreateRecall(context));
        bench.Subcommands.Add(CreatePng(context));
        bench.Subcommands.Add(CreateImages(context));
        bench.Subcommands.Add(CreateConv(context));
        bench.Subcommands.Add(CreateStore(context));
        bench.Subcommands.Add(CreateEncoders(context));
        return bench;
    }

    private static Command CreateGemm(CliContext context)
    {
        var size = new Option<int>("--size")
        {
            Description = "Multiply two size×size matrices (2·size³ flops).",
            DefaultValueFactory = _ => 2048,
        }.Between(1, 65_536);
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "gemm",
            "Single-precision GEMM rate of the managed kernels and of OpenBLAS (when libopenblas.so.0 loads) on the same product, " +
            "in one run, and their ratio; the processor core OpenBLAS detected (OPENBLAS_CORETYPE overrides it), and which backend " +
            "the default is and why (ENGRAM_GEMM, or a short measurement on first use, cached).\n\nExample:\n  engram bench gemm --size 2048 --json gemm.json")
        {
            size, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            int n = parse.GetValue(size);
            GemmMeasurement managed = GemmBenchmark.Measure(Gemm.Managed, n);
            GemmMeasurement? openBlas = Gemm.OpenBlas is { } blas ? GemmBenchmark.Measure(blas, n) : null;
            double? ratio = openBlas is null ? null : managed.Gflops / openBlas.Gflops;

            var table = new Table().Border(TableBorder.Rounded).AddColumn("backend").AddColumn("GFLOP/s").AddColumn("seconds per product");
            table.AddRow("managed", F(managed.Gflops, "F1"), F(managed.Seconds, "F4"));
            table.AddRow("openblas", openBlas is null ? "not available" : F(openBlas.Gflops, "F1"), openBlas is null ? "-" : F(openBlas.Seconds, "F4"));
            context.Console.MarkupLine($"SGEMM {n}×{n}×{n}, {Environment.ProcessorCount} threads");
            context.Console.Write(table);
            context.Console.MarkupLine(ratio is double r
                ? $"managed / OpenBLAS = [bold]{F(r, "F3")}[/]"
                : "OpenBLAS could not be loaded (Debian: apt-get install libopenblas0-pthread); no ratio.");
            OpenBlasInfo? library = Gemm.OpenBlasLibrary;
            if (library is not null)
            {
                context.Console.MarkupLine(Markup.Escape(
                    $"OpenBLAS: {library.LibraryFile}; core {library.CoreName ?? "(not reported)"}" +
                    $"{(library.RequestedCoreType is { } forced ? $" (OPENBLAS_CORETYPE={forced})" : " (detected)")}; config {library.Config ?? "(not reported)"}"));
            }

            GemmChoice choice = Gemm.DefaultChoice;
            context.Console.MarkupLine(Markup.Escape($"Default backend: {choice.Describe()}."));

            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    managed_gflops = managed.Gflops,
                    openblas_gflops = openBlas?.Gflops,
                    ratio,
                    size = n,
                    threads = Environment.ProcessorCount,
                    openblas_core = library?.CoreName,
                    openblas_config = library?.Config,
                    openblas_library = library?.LibraryFile,
                    openblas_coretype_env = library?.RequestedCoreType,
                    default_backend = choice.Backend,
                    default_reason = choice.Source.ToString().ToLowerInvariant(),
                    default_trial_seconds = choice.Seconds,
                    default_explained = choice.Describe(),
                }, context);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateRecall(CliContext context)
    {
        var n = new Option<int>("--n") { Description = "Stored patterns N.", DefaultValueFactory = _ => 60000 }.Between(1, int.MaxValue);
        var dim = new Option<int>("--dim") { Description = "Pattern dimension K.", DefaultValueFactory = _ => 784 }.Between(1, int.MaxValue);
        var queries = new Option<int>("--queries") { Description = "Cues Q recalled together.", DefaultValueFactory = _ => 1000 }.Between(1, int.MaxValue);
        var gemmSize = new Option<int>("--gemm-size") { Description = "Size of the square GEMM whose rate the step is compared with.", DefaultValueFactory = _ => 2048 }.Between(1, 65_536);
        Option<string> backend = CommonOptions.Backend();
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "recall",
            "Time one recall step (Q×K·K×N, softmax, Q×N·N×K: 4·Q·N·K flops) over a random bank, and compare its rate with the " +
            "same backend's GEMM rate (size³, 2048 by default) measured in the same run.\n\nExample:\n  engram bench recall --n 60000 --dim 784 --queries 1000 --json recall.json")
        {
            n, dim, queries, gemmSize, backend, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            IGemmBackend gemm = CommonOptions.ResolveBackend(parse.GetValue(backend)!);
            int patterns = parse.GetValue(n), k = parse.GetValue(dim), q = parse.GetValue(queries);
            RecallBenchmarkResult step = RecallBenchmark.Run(patterns, k, q, gemm);
            int size = parse.GetValue(gemmSize);
            GemmMeasurement rate = GemmBenchmark.Measure(gemm, size);
            double ratio = step.StepGflops / rate.Gflops;

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("N").AddColumn("K").AddColumn("Q").AddColumn("backend").AddColumn("step seconds")
                .AddColumn("step GFLOP/s").AddColumn("GEMM GFLOP/s").AddColumn("step / GEMM");
            table.AddRow(F(patterns, "D"), F(k, "D"), F(q, "D"), gemm.Name, F(step.StepSeconds, "F3"),
                F(step.StepGflops, "F1"), F(rate.Gflops, "F1"), F(ratio, "F3"));
            context.Console.Write(table);

            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    step_seconds = step.StepSeconds,
                    step_gflops = step.StepGflops,
                    gemm_gflops = rate.Gflops,
                    gemm_size = size,
                    step_vs_gemm = ratio,
                    backend = gemm.Name,
                    n = patterns,
                    dim = k,
                    queries = q,
                }, context);
            }

            return 0;
        });
        return command;
    }

    private static Command CreatePng(CliContext context)
    {
        var folder = new Option<string?>("--folder") { Description = "Folder of PNG files (default: the emoji images, npm package or data/emoji).", HelpName = "DIR" };
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "png",
            "Decode every PNG in a folder and compare the time with .NET's ZLibStream inflating the same IDAT bytes (the floor), " +
            "in one run.\n\nExample:\n  engram bench png --json png.json")
        {
            folder, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            string dir = parse.GetValue(folder) ?? DefaultPngFolder();
            string[] files = PngFiles(dir);
            PngDecodeBenchmarkResult r = PngDecodeBenchmark.Run(files);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("files").AddColumn("pixels").AddColumn("decode s")
                .AddColumn("inflate s").AddColumn("decode / inflate");
            table.AddRow(F(r.Files, "D"), r.Pixels.ToString(System.Globalization.CultureInfo.InvariantCulture), F(r.DecodeSeconds, "F4"), F(r.InflateSeconds, "F4"), F(r.Ratio, "F2"));
            context.Console.MarkupLine($"PNG decoding of {Markup.Escape(dir)} against ZLibStream inflating the same IDAT bytes");
            context.Console.Write(table);
            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    files = r.Files,
                    pixels = r.Pixels,
                    decode_seconds = r.DecodeSeconds,
                    inflate_seconds = r.InflateSeconds,
                    ratio = r.Ratio,
                    folder = dir,
                }, context);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateImages(CliContext context)
    {
        var folder = new Option<string?>("--folder") { Description = "Folder of PNG files (default: the emoji images, npm package or data/emoji).", HelpName = "DIR" };
        var maxSide = new Option<int>("--max-side") { Description = "The longest side the shrink and resize tasks go to.", DefaultValueFactory = _ => 32 }.Between(1, 65_536);
        var passes = new Option<int>("--passes") { Description = "Timed passes over the whole set per task; the median is reported.", DefaultValueFactory = _ => 7 }.Between(1, 1000);
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "images",
            "Engram's PNG decoder and area resize against SixLabors.ImageSharp doing the same work on the same files, " +
            "in one run: the median time of each and the ratio ours / ImageSharp's (below 1: ours is faster).\n\n" +
            "Example:\n  engram bench images --folder ~/photos --max-side 256 --json images.json")
        {
            folder, maxSide, passes, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            string dir = parse.GetValue(folder) ?? DefaultPngFolder();
            string[] files = PngFiles(dir);
            ImageCodecBenchmarkResult r = ImageCodecBenchmark.Run(files, parse.GetValue(maxSide), parse.GetValue(passes));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("task").AddColumn("ours s (median)").AddColumn("ImageSharp s (median)").AddColumn("ours / ImageSharp");
            foreach (ImageCodecTiming t in r.Timings)
            {
                table.AddRow(Markup.Escape(t.Task), F(t.OursSeconds, "F4"), F(t.ImageSharpSeconds, "F4"), F(t.Ratio, "F2"));
            }

            context.Console.MarkupLine($"{r.Files:N0} PNG files of {Markup.Escape(dir)} ({r.Pixels:N0} pixels), median of {r.Passes} passes each");
            context.Console.Write(table);
            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    files = r.Files,
                    pixels = r.Pixels,
                    passes = r.Passes,
                    folder = dir,
                    timings = r.Timings.Select(t => new { task = t.Task, ours_seconds = t.OursSeconds, imagesharp_seconds = t.ImageSharpSeconds, ratio = t.Ratio }),
                }, context);
            }

            return 0;
        });
        return command;
    }

    private static string[] PngFiles(string dir)
    {
        string[] files = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray()
            : throw new DirectoryNotFoundException($"The folder {dir} does not exist.");
        return files.Length > 0 ? files
            : throw new ArgumentException($"The folder {dir} holds no .png files (subfolders are not searched): give --folder a folder of PNG images.");
    }

    private static Command CreateStore(CliContext context)
    {
        var open = new Option<int>("--open-items") { Description = "Synthetic items in the store that is opened against the same memory as a file.", DefaultValueFactory = _ => 100_000 }.Between(1, 10_000_000);
        var repeats = new Option<int>("--repeats") { Description = "Repeats of each timing; the median is reported.", DefaultValueFactory = _ => 5 }.Between(1, 1000);
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "store",
            "The living store's costs, in one run: adding every emoji one by one (one transaction each) with the shipped encoders and " +
            "without encoding; opening a store of --open-items items against the same memory as a memory file; one caption recall through " +
            "the store's memory, the file's memory and the bare engine (the caption encoded and settled, without read-out, diagnostics or confidence). Works in a temporary folder, removed afterwards.\n\n" +
            "Example:\n  engram bench store --json store.json")
        {
            open, repeats, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            string models = Engram.Data.ShippedData.Find("models") ?? throw new DirectoryNotFoundException("The shipped data/models folder was not found.");
            var encoders = Multimodal.MemoryEncoders.Open(Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"), null);
            Engram.Data.Datasets.IDataset emoji = Engram.Data.Datasets.EmojiDataset.Load(int.MaxValue);
            string folder = Directory.CreateTempSubdirectory("engram-bench-store-").FullName;
            StoreBenchmarkResult r;
            try
            {
                r = StoreBenchmark.Run(emoji, encoders, folder, parse.GetValue(open), parse.GetValue(repeats), Progress.Lines(context));
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn("store").AddColumn("reference").AddColumn("ratio");
            table.AddRow($"add {r.Items:N0} emoji one by one (items/s)", F(r.AddWithEncoders, "F1"), $"{F(r.AddCodesOnly, "F1")} without encoding", F(r.AddWithEncoders / r.AddCodesOnly, "F2"));
            table.AddRow($"open {r.OpenItems:N0} items (s)", F(r.OpenStoreSeconds, "F3"), $"{F(r.OpenFileSeconds, "F3")} memory file", F(r.OpenRatio, "F2"));
            table.AddRow("one caption recall (ms)", F(r.RecallStoreSeconds * 1000, "F3"), $"{F(r.RecallFileSeconds * 1000, "F3")} memory file", F(r.RecallRatio, "F3"));
            table.AddRow("one caption recall (ms)", F(r.RecallStoreSeconds * 1000, "F3"), $"{F(r.RecallEngineSeconds * 1000, "F3")} bare engine", F(r.EngineRatio, "F3"));
            context.Console.MarkupLine(Markup.Escape($"The living store against the memory file and the bare engine (medians of {parse.GetValue(repeats)}; ratio = reference time / store time, or store rate / reference rate)"));
            context.Console.Write(table);
            jsonTarget?.Write(new
            {
                items = r.Items, add_items_per_second = r.AddWithEncoders, add_codes_items_per_second = r.AddCodesOnly,
                open_items = r.OpenItems, open_store_seconds = r.OpenStoreSeconds, open_file_seconds = r.OpenFileSeconds, open_ratio = r.OpenRatio,
                recall_store_seconds = r.RecallStoreSeconds, recall_file_seconds = r.RecallFileSeconds, recall_engine_seconds = r.RecallEngineSeconds,
                recall_ratio = r.RecallRatio, engine_ratio = r.EngineRatio,
            }, context);
            return 0;
        });
        return command;
    }

    private static Command CreateEncoders(CliContext context)
    {
        var images = new Option<int>("--images") { Description = "Emoji images encoded per pass.", DefaultValueFactory = _ => 64 }.Between(1, 100_000);
        var sentences = new Option<int>("--sentences") { Description = "Emoji names encoded per pass.", DefaultValueFactory = _ => 1024 }.Between(1, 100_000);
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime's intra-op threads (default: every processor).", DefaultValueFactory = _ => Environment.ProcessorCount }.Between(1, 1024);
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "encoders",
            "Images per second through resnet18 and sentences per second through minilm (ONNX Runtime on the CPU), each against the shipped trained " +
            "encoder of its modality (emoji-autoencoder, emoji-text) on the same emoji, in one run; best of 3 passes after a warm-up. The images are " +
            "decoded and prepared before the clock starts.\n\nExample:\n  engram bench encoders --threads 2 --json encoders.json")
        {
            images, sentences, threads, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            string models = Engram.Data.ShippedData.Find("models") ?? throw new DirectoryNotFoundException("The shipped data/models folder was not found.");
            var settings = new Encoders.Onnx.OnnxRuntimeSettings { Threads = parse.GetValue(threads) };
            using Encoders.Onnx.OnnxImageEncoder resNet = Encoders.Onnx.PretrainedEncoders.ResNet18(settings);
            using Encoders.Onnx.OnnxTextEncoder miniLm = Encoders.Onnx.PretrainedEncoders.MiniLm(settings);
            Encoders.Images.ConvImageCodec autoencoder = Encoders.Images.ImageCodecs.Load(Path.Combine(models, "emoji-autoencoder.safetensors"));
            Encoders.Text.NgramTextEncoder ngram = Encoders.Text.NgramTextEncoder.Load(Path.Combine(models, "emoji-text.safetensors"));
            Engram.Data.Datasets.IDataset emoji = Engram.Data.Datasets.EmojiDataset.Load(Math.Max(parse.GetValue(images), parse.GetValue(sentences)));
            var pictured = emoji.Take(parse.GetValue(images)).ToArray();
            string[] names = emoji.Take(parse.GetValue(sentences)).Select(i => i.Caption ?? i.Id).ToArray();
            Tensor large = Engram.Data.Datasets.DatasetImages.Load(pictured, resNet.Shape.Width, grey: false);
            Tensor small = Engram.Data.Datasets.DatasetImages.Load(pictured, autoencoder.Shape.Width, grey: autoencoder.Shape.Channels == 1);
            context.Output.WriteLine($"timing {pictured.Length:N0} images and {names.Length:N0} sentences, ONNX Runtime on {settings.Threads} intra-op threads");
            EncoderSpeed image = EncoderBenchmark.Images(resNet, large, autoencoder, small);
            EncoderSpeed text = EncoderBenchmark.Sentences(miniLm, ngram, names);

            var table = new Table().Border(TableBorder.Rounded).AddColumn("encoder").AddColumn("inputs").AddColumn("per second").AddColumn("reference").AddColumn("per second").AddColumn("ratio");
            table.AddRow($"{image.Encoder} (224×224 RGB)", $"{image.Items:N0} images", F(image.PerSecond, "F1"), $"{image.Reference} ({autoencoder.Shape})", F(image.ReferencePerSecond, "F1"), F(image.Ratio, "F4"));
            table.AddRow($"{text.Encoder} (384-d)", $"{text.Items:N0} sentences", F(text.PerSecond, "F1"), $"{text.Reference} ({ngram.CodeLength}-d)", F(text.ReferencePerSecond, "F1"), F(text.Ratio, "F4"));
            context.Console.MarkupLine(Markup.Escape($"Pretrained encoders against the shipped trained ones, {settings.Threads} ONNX Runtime threads, {Environment.ProcessorCount} processors (ratio = pretrained rate / shipped rate)"));
            context.Console.Write(table);
            jsonTarget?.Write(new
            {
                threads = settings.Threads, processors = Environment.ProcessorCount,
                images = image.Items, resnet18_images_per_second = image.PerSecond, autoencoder_images_per_second = image.ReferencePerSecond, image_ratio = image.Ratio,
                sentences = text.Items, minilm_sentences_per_second = text.PerSecond, ngram_sentences_per_second = text.ReferencePerSecond, text_ratio = text.Ratio,
            }, context);
            return 0;
        });
        return command;
    }

    /// <summary>The Fashion-MNIST codec's layers: the stem, the first downsampling, a 7×7 block.</summary>
    private static readonly string[] s_codecLayers = ["1,16,28,28,3,1,1", "16,32,28,28,4,2,1", "32,32,7,7,3,1,1"];

    private static Command CreateConv(CliContext context)
    {
        var batch = new Option<int>("--batch") { Description = "Images per batch N.", DefaultValueFactory = _ => 256 }.Between(1, 1_000_000);
        var layers = new Option<string[]>("--layer")
        {
            Description = "A layer as CIN,COUT,H,W,KERNEL,STRIDE,PADDING; repeat for several " +
                "(default: the Fashion-MNIST codec's 1,16,28,28,3,1,1 16,32,28,28,4,2,1 32,32,7,7,3,1,1).",
            HelpName = "SHAPE",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string> backend = CommonOptions.Backend();
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "conv",
            "Time forward+backward of a float 2-D convolution (im2col and three GEMMs: 3·2·O·C·k²·N·outH·outW flops) and the same " +
            "three GEMMs alone on the same backend, in one run, and report conv rate / GEMM rate per layer.\n\nExamples:\n" +
            "  engram bench conv\n  engram bench conv --batch 64 --layer 16,32,28,28,4,2,1 --backend managed --json conv.json")
        {
            batch, layers, backend, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            IGemmBackend gemm = CommonOptions.ResolveBackend(parse.GetValue(backend)!);
            int n = parse.GetValue(batch);
            string[] specs = parse.GetValue(layers) is { Length: > 0 } given ? given : s_codecLayers;
            ConvLayerShape[] shapes = specs.Select(spec => ParseLayer(spec, n)).ToArray();
            ConvBenchmarkResult[] results = shapes.Select(shape => ConvBenchmark.Run(shape, gemm)).ToArray();
            double convSeconds = results.Sum(r => r.ConvSeconds), gemmSeconds = results.Sum(r => r.GemmSeconds);
            double overall = gemmSeconds / convSeconds;

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("layer").AddColumn("output").AddColumn("GFLOP").AddColumn("conv ms").AddColumn("conv GFLOP/s")
                .AddColumn("GEMMs ms").AddColumn("GEMM GFLOP/s").AddColumn("conv / GEMM");
            foreach (ConvBenchmarkResult r in results)
            {
                table.AddRow(Markup.Escape(r.Layer.ToString()), $"{r.Layer.OutHeight}×{r.Layer.OutWidth}", F(r.Layer.Flops / 1e9, "F3"),
                    F(r.ConvSeconds * 1e3, "F2"), F(r.ConvGflops, "F1"), F(r.GemmSeconds * 1e3, "F2"), F(r.GemmGflops, "F1"), F(r.Ratio, "F3"));
            }

            context.Console.MarkupLine($"Conv2d forward+backward (float, gradients of input, weight and bias), batch {n}, {gemm.Name} GEMM, {Environment.ProcessorCount} threads");
            context.Console.Write(table);
            context.Console.MarkupLine($"conv / GEMM over all layers (GEMM time / conv time) = [bold]{F(overall, "F3")}[/]");

            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    backend = gemm.Name,
                    batch = n,
                    threads = Environment.ProcessorCount,
                    conv_vs_gemm = overall,
                    layers = results.Select(r => new
                    {
                        in_channels = r.Layer.InChannels,
                        out_channels = r.Layer.OutChannels,
                        height = r.Layer.Height,
                        width = r.Layer.Width,
                        kernel = r.Layer.Kernel,
                        stride = r.Layer.Stride,
                        padding = r.Layer.Padding,
                        out_height = r.Layer.OutHeight,
                        out_width = r.Layer.OutWidth,
                        flops = r.Layer.Flops,
                        conv_seconds = r.ConvSeconds,
                        conv_gflops = r.ConvGflops,
                        gemm_seconds = r.GemmSeconds,
                        gemm_gflops = r.GemmGflops,
                        conv_vs_gemm = r.Ratio,
                    }).ToArray(),
                }, context);
            }

            return 0;
        });
        return command;
    }

    private static ConvLayerShape ParseLayer(string spec, int batch)
    {
        string[] parts = spec.Split(',');
        var values = new int[parts.Length];
        if (parts.Length != 7 || !parts.Select((p, i) => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
        {
            throw new ArgumentException($"--layer '{spec}' should be seven whole numbers CIN,COUT,H,W,KERNEL,STRIDE,PADDING, e.g. 16,32,28,28,4,2,1.");
        }

        var shape = new ConvLayerShape(batch, values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
        if (values[..6].Any(v => v == 0) || shape.Height + (2 * shape.Padding) < shape.Kernel || shape.Width + (2 * shape.Padding) < shape.Kernel)
        {
            throw new ArgumentException($"--layer '{spec}': channels, size, kernel and stride must be positive and the kernel no larger than the padded input.");
        }

        return shape;
    }

    private static string DefaultPngFolder()
    {
        (string? emoji, _) = Engram.Data.Datasets.EmojiDataset.Locate();
        return emoji is null
            ? throw new DirectoryNotFoundException("No emoji images were found; pass --folder.")
            : File.Exists(Path.Combine(emoji, "package.json")) ? Path.Combine(emoji, "img", "google", "64") : Path.Combine(emoji, "images");
    }

    private static string F(double value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    private static string F(int value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
