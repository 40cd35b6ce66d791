using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Evaluation;
using Engram.Nn.Training;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram train</c>: train an encoder, with progress, resumable checkpoints and a final report.</summary>
internal static class TrainCommand
{
    public static readonly string[] Encoders = [.. ImageCodecs.Kinds, "text", "audio", "harmonic"];

    public static Command Create(CliContext context)
    {
        var encoder = new Argument<string>("ENCODER")
        {
            Description = "What to train: autoencoder (continuous latent, the paper's KL family), vq-vae (codebook, VQ family), dvae (Gumbel-softmax tokens, D-VAE family), " +
                "text (hashed character n-grams → MLP, aligned with an image codec's codes), audio (log-mel → CNN, aligned with a text encoder's codes) " +
                "or harmonic (a Cross-Modal Harmonic Network's adapters and couplings, on the codes of an image codec, a text encoder and a speech encoder).",
        }.AcceptOnlyFromAmong(Encoders);
        var dataset = new Option<string?>("--dataset")
        {
            Description = "fashion-mnist (Debian's 60,000 when installed, else the 2,000 shipped), emoji (the npm set when installed, else the 239 shipped) or a folder of PNGs. " +
                "Default: fashion-mnist for image codecs, emoji for text, audio and harmonic.",
            HelpName = "NAME|FOLDER",
        };
        var imageCodec = new Option<string?>("--image-codec")
        {
            Description = "text: the image codec whose codes the captions are aligned with. harmonic: the image slot's codec (default: data/models/emoji-autoencoder; 'none' leaves it out).",
            HelpName = "PATH",
        };
        var textEncoder = new Option<string?>("--text-encoder")
        {
            Description = "audio: the text encoder whose codes the speech is aligned with. harmonic: the text slot's encoder (default: data/models/emoji-text; 'none' leaves it out).",
            HelpName = "PATH",
        };
        var audioEncoder = new Option<string?>("--audio-encoder")
        {
            Description = "harmonic: the audio slot's speech encoder (default for emoji: data/models/emoji-speech, the names spoken by espeak-ng in --voice; 'none' leaves it out).",
            HelpName = "PATH",
        };
        var voice = new Option<string>("--voice") { Description = "harmonic: the espeak-ng voice that speaks the emoji names.", DefaultValueFactory = _ => "en-us" };
        var augmentVoices = new Option<string?>("--augment-voices")
        {
            Description = "harmonic: also train on the names spoken in these espeak-ng voices (comma-separated), so that the audio adapter learns to ignore the voice. " +
                "More views trade a little accuracy on the stored sounds for robustness to voices never heard (see the README's harmonic section).",
            HelpName = "VOICES",
        };
        var augmentOcclusions = new Option<string?>("--augment-occlusions")
        {
            Description = "harmonic: also train on each image with these halves hidden (comma-separated: top-half, bottom-half, left-half, right-half).",
            HelpName = "HALVES",
        };
        var voices = new Option<string>("--voices")
        {
            Description = "audio: espeak-ng voices that speak the training captions, comma-separated.",
            DefaultValueFactory = _ => "en-us,en-us+f3,en-us+m3",
        };
        var heldOutVoice = new Option<string>("--held-out-voice")
        {
            Description = "audio: a voice not trained on, for the report.",
            DefaultValueFactory = _ => "en-gb+f2",
        };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training items (harmonic: default 60).", DefaultValueFactory = _ => 5 }.Between(1, 1_000_000);
        var batchSize = new Option<int>("--batch-size") { Description = "Items per step (harmonic: default 256).", DefaultValueFactory = _ => 128 }.Between(1, 1_000_000);
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate (AdamW, warm-up then cosine decay; harmonic: default 5e-3).", DefaultValueFactory = _ => 2e-3 }.Positive();
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation, shuffling and noise: the same seed on the same machine gives the same weights.", DefaultValueFactory = _ => 1UL };
        var maxItems = new Option<int>("--max-items") { Description = "Train on at most this many items (0: all).", DefaultValueFactory = _ => 0 }.Between(0, int.MaxValue);
        var testItems = new Option<int>("--test-items") { Description = "Image codecs: report on at most this many held-out images (0: all).", DefaultValueFactory = _ => 0 }.Between(0, int.MaxValue);
        var output = new Option<string?>("--out")
        {
            Description = "Weight file to write (safetensors). Default: DATASET-ENCODER.safetensors. Weights of the same kind there are replaced; " +
                "any other file (a memory, a model of another kind, a data file) is refused unless --force.",
            HelpName = "PATH",
        };
        Option<bool> force = OutputOptions.Force();
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint file (default: OUT.checkpoint). An interrupted run started again with the same settings resumes from it.", HelpName = "PATH" };
        var localEncoder = new Option<bool>("--local-encoder")
        {
            Description = "Image codecs: an encoder that reads each latent cell's own pixels only (a patch embedding and 1×1 convolutions), " +
                "so that the code of a partly hidden image is exact where it is visible: the encoder for recall from occluded images.",
        };
        var fresh = new Option<bool>("--fresh") { Description = "Ignore an existing checkpoint and start from scratch." };
        Option<string?> json = CommonOptions.Json();
        var command = new Command(
            "train",
            "Train an encoder and write its weights. Shows loss, items/s and the time left; writes a checkpoint every epoch " +
            "(and every 200 steps), from which the same command resumes after an interruption; ends with a report on held-out data " +
            "(image codecs: reconstruction MSE and SSIM on the Fashion-MNIST test split; harmonic: recall of every ordered cue → target pair over the training items).\n\n" +
            "Examples:\n" +
            "  engram train autoencoder --dataset fashion-mnist --epochs 5 --out fmnist-autoencoder.safetensors\n" +
            "  engram train vq-vae --max-items 2000 --epochs 1 --json vq.json\n" +
            "  engram train autoencoder --local-encoder --epochs 2 --out fmnist-local-autoencoder.safetensors\n" +
            "  engram train dvae --dataset emoji --out emoji-dvae.safetensors\n" +
            "  engram train text --image-codec emoji-autoencoder.safetensors --epochs 60 --out emoji-text.safetensors\n" +
            "  engram train audio --text-encoder emoji-text.safetensors --epochs 40 --out emoji-speech.safetensors\n" +
            "  engram train harmonic --dataset emoji --out emoji-harmonic.safetensors\n" +
            "  engram train harmonic --augment-voices en-us+f3,en-us+m3 --augment-occlusions top-half,left-half,right-half --epochs 120 --out robust.safetensors")
        {
            encoder, dataset, epochs, batchSize, learningRate, seed, maxItems, testItems, output, checkpoint, fresh, localEncoder, imageCodec, textEncoder, audioEncoder,
            voices, heldOutVoice, voice, augmentVoices, augmentOcclusions, force, json,
        };
        command.SetAction(parse =>
        {
            string kind = parse.GetValue(encoder)!;
            string datasetName = parse.GetValue(dataset) ?? (kind is "text" or "audio" or "harmonic" ? "emoji" : "fashion-mnist");
            int max = parse.GetValue(maxItems);
            string outPath = parse.GetValue(output) ?? $"{DatasetLabel(datasetName)}-{kind}.safetensors";
            bool replace = parse.GetValue(force);
            OutputPath.CheckReplaceable(outPath, Writes(kind), replace, "--out");
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), replace);
            // The harmonic model has its own defaults (those of `engram eval harmonic`), used unless the option is given.
            T Pick<T>(Option<T> option, T harmonic) => kind == "harmonic" && parse.GetResult(option) is not { Implicit: false } ? harmonic : parse.GetValue(option)!;
            var options = new TrainerOptions
            {
                Epochs = Pick(epochs, Harmonic.HarmonicTraining.DefaultEpochs),
                BatchSize = Pick(batchSize, Harmonic.HarmonicTraining.DefaultBatchSize),
                LearningRate = Pick(learningRate, Harmonic.HarmonicTraining.DefaultLearningRate),
                Seed = parse.GetValue(seed),
                CheckpointPath = parse.GetValue(checkpoint) ?? outPath + ".checkpoint",
                Resume = !parse.GetValue(fresh),

                // With the loop's settings, the data's fingerprint and the model's initial weights, the checkpoint
                // records these choices by their flags, so that a resume refused for them says which flag differs.
                Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["encoder"] = kind },
            };
            options.Validate();
            OutputPath.CheckReplaceable(options.CheckpointPath, OutputFileKind.TrainingCheckpoint, replace, "--checkpoint");
            string commandLine = "engram " + string.Join(' ', parse.Tokens.Select(t => t.Value));
            if (kind == "text")
            {
                return TrainEncoders.Text(context, datasetName, max, parse.GetValue(imageCodec), outPath, options, commandLine, jsonTarget);
            }

            if (kind == "harmonic")
            {
                string[] List(Option<string?> option) => (parse.GetValue(option) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                Data.Cues.OcclusionRegion[] occlusions = List(augmentOcclusions).Select(Data.Cues.Occlusion.Parse).ToArray();
                MemorySource items = MemorySource.Load(
                    context, datasetName, max, parse.GetValue(imageCodec), parse.GetValue(textEncoder), parse.GetValue(audioEncoder), harmonic: null,
                    parse.GetValue(voice)!, imageSize: 32, grey: false, withAudio: true);
                options = options
                    .WithSetting("--voice", parse.GetValue(voice)!)
                    .WithSetting("--augment-voices", string.Join(',', List(augmentVoices)))
                    .WithSetting("--augment-occlusions", string.Join(',', List(augmentOcclusions)))
                    .WithSetting("base encoders", string.Join(", ", items.Encoders.Described.Select(e => $"{e.Slot} {e.Sha256 ?? e.Kind}")));
                return TrainEncoders.Harmonic(context, items, outPath, options, commandLine, jsonTarget, List(augmentVoices), occlusions);
            }

            if (kind == "audio")
            {
                return TrainEncoders.Audio(
                    context, datasetName, max, parse.GetValue(textEncoder), parse.GetValue(voices)!, parse.GetValue(heldOutVoice)!, outPath,
                    options.WithSetting("--voices", parse.GetValue(voices)!), commandLine, jsonTarget);
            }

            int maxTest = parse.GetValue(testItems);
            var (train, test, config, source) = LoadImages(context, datasetName, kind, max, maxTest > 0 ? maxTest : int.MaxValue);
            config = parse.GetValue(localEncoder) ? config.Local() : config;
            options = options.WithSetting("--local-encoder", config.LocalEncoder ? "yes" : "no");
            ConvImageCodec codec = ImageCodecs.Create(config, options.Seed);
            context.Console.MarkupLine(Markup.Escape(
                $"Training {kind}{(config.LocalEncoder ? " with a local encoder" : "")} ({codec.ParameterCount:N0} parameters, code length {codec.CodeLength}) on {train.RowCount:N0} {config.Shape} images from {source}: " +
                $"{options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate:G3}, seed {options.Seed}."));
            TrainingHistory history = RunWithProgress(context, options, (progress, token) =>
                ImageCodecTraining.Train(codec, train, options, progress, token), CancellationToken.None);
            if (history.ResumedAtStep > 0)
            {
                context.Console.MarkupLine(Markup.Escape($"Resumed from {options.CheckpointPath} at step {history.ResumedAtStep:N0}."));
            }

            ReconstructionReport report = ReconstructionReport.Measure(codec, test.Images);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["test_mse"] = report.Mse,
                ["test_ssim"] = report.Ssim,
            };
            var table = new Table().Border(TableBorder.Rounded).AddColumn("held-out images").AddColumn("MSE").AddColumn("SSIM");
            table.AddRow(Markup.Escape($"{report.Images:N0} ({test.Source})"), F(report.Mse, "F5"), F(report.Ssim, "F4"));
            context.Console.Write(table);

            var metadata = TrainEncoders.Metadata(commandLine, options, $"{source}: {train.RowCount} training images", metrics);
            codec.Save(outPath, metadata);
            return TrainEncoders.Finish(
                context, outPath, codec.ParameterHash(), codec.ParameterCount, codec.CodeLength, kind, commandLine, options, metadata, history, metrics, jsonTarget,
                new Dictionary<string, object?>(StringComparer.Ordinal) { ["test_images"] = report.Images, ["test_source"] = test.Source });
        });
        return command;
    }

    internal static TrainingHistory RunWithProgress(
        CliContext context, TrainerOptions options, Func<IProgress<TrainingProgress>, CancellationToken, TrainingHistory> work, CancellationToken cancellation)
    {
        if (!context.Interactive)
        {
            // No live bar (tests, pipes, CI): one line per epoch.
            int lastEpoch = -1;
            var lines = new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.Step == p.StepsPerEpoch && p.Epoch != lastEpoch)
                {
                    lastEpoch = p.Epoch;
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch + 1}/{p.Epochs}: loss {p.Loss:G4}, {p.ItemsPerSecond:N0} items/s, {p.Remaining:hh\\:mm\\:ss} left"));
                }
            });
            return work(lines, cancellation);
        }

        return context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("training", maxValue: 1);
                var bar = new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.GlobalStep;
                    task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:G4} {p.ItemsPerSecond:N0} items/s"));
                });
                return work(bar, cancellation);
            });
    }

    private static (Tensor Train, (Tensor Images, string Source) Test, ConvCodecConfig Config, string Source) LoadImages(
        CliContext context, string datasetName, string kind, int max, int maxTest)
    {
        int limit = max > 0 ? max : int.MaxValue;
        if (datasetName == "fashion-mnist")
        {
            ConvCodecConfig config = ConvCodecConfig.FashionMnist(kind);
            IDataset train = FashionMnistDataset.Load(train: true, limit);
            IDataset test = FashionMnistDataset.Load(train: false, maxTest);
            return (Load(context, train, config), (Load(context, test, config), $"Fashion-MNIST test, {test.Source}"), config, $"Fashion-MNIST train, {train.Source}");
        }

        IDataset items = datasetName == "emoji" ? EmojiDataset.Load(limit)
            : Directory.Exists(datasetName) ? FolderDataset.Load(datasetName)
            : throw new ArgumentException($"Unknown dataset '{datasetName}': use fashion-mnist, emoji or an existing folder of PNG files.");
        ConvCodecConfig rgb = ConvCodecConfig.Emoji(kind);
        Tensor all = Load(context, items.Take(limit).ToList(), rgb);

        // No test split ships with these sets: the report is on the training images, and says so.
        Tensor report = maxTest >= all.RowCount ? all : Tensor.FromArray(all.Span[..(maxTest * rgb.Shape.Length)].ToArray(), maxTest, rgb.Shape.Length);
        return (all, (report, $"{items.Name} training images (no held-out split)"), rgb, $"{items.Name}, {items.Source}");
    }

    internal static Tensor Load(CliContext context, IReadOnlyList<DatasetItem> items, ConvCodecConfig config) =>
        Progress.Run(context, "decoding images", items.Count, (progress, _) => DatasetImages.Load(items, config.Width, config.Channels == 1, progress));

    private static string DatasetLabel(string dataset) => dataset switch
    {
        "fashion-mnist" => "fmnist",
        "emoji" => "emoji",
        _ => Path.GetFileName(Path.TrimEndingDirectorySeparator(dataset)),
    };

    // What an encoder's weight file is, so that --out replaces only weights of the same kind.
    private static OutputFileKind Writes(string kind) => kind switch
    {
        "text" => OutputFileKind.TextEncoder,
        "audio" => OutputFileKind.SpeechEncoder,
        "harmonic" => OutputFileKind.HarmonicModel,
        _ => OutputFileKind.ImageCodec,
    };

    internal static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
