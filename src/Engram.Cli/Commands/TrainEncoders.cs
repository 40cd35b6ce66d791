using System.Globalization;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Evaluation;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Nn;
using Engram.Nn.Training;
using Engram.Tensors;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram train text</c> and <c>engram train audio</c>: the contrastive encoders.</summary>
internal static class TrainEncoders
{
    public static int Text(CliContext context, string datasetName, int max, string? codecPath, string outPath, TrainerOptions options, string commandLine, JsonTarget? json)
    {
        if (codecPath is null)
        {
            throw new ArgumentException("engram train text needs --image-codec PATH: the codes its captions are aligned with (train one with `engram train autoencoder --dataset emoji`).");
        }

        List<DatasetItem> items = CaptionedItems(datasetName, max);
        ConvImageCodec codec = ImageCodecs.Load(codecPath);
        Tensor images = TrainCommand.Load(context, items, codec.Config);
        Tensor imageCodes = codec.Encode(images);
        IReadOnlyList<IReadOnlyList<string>> captions = items.Select(i => i.Captions).ToArray();
        var encoder = new NgramTextEncoder(new NgramTextConfig { ImageCodeLength = codec.CodeLength }, new Rng(options.Seed));
        options = options.WithSetting("--image-codec", codec.WeightsHash ?? codec.ParameterHash());
        context.Console.MarkupLine(Markup.Escape(
            $"Training the text encoder ({encoder.ParameterCount:N0} parameters, {NgramTextEncoder.Describe(encoder.Config)}) against {codec.Name} codes of {items.Count:N0} images " +
            $"with {captions.Sum(c => c.Count):N0} captions: {options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate:G3}, seed {options.Seed}."));
        TrainingHistory history = TrainCommand.RunWithProgress(context, options, (progress, token) =>
            TextEncoderTraining.Train(encoder, captions, imageCodes, options, progress: progress, cancellation: token), CancellationToken.None);

        // Report: caption → image over all items, by the stored name and by every other wording.
        Tensor targets = encoder.EncodeImageCodes(imageCodes);
        int[] group = Groups(imageCodes);
        var (names, nameTruth) = Wordings(items, others: false);
        var (others, otherTruth) = Wordings(items, others: true);
        double nameAccuracy = Retrieval.Accuracy(encoder.Encode(names), targets, nameTruth, (a, b) => group[a] == group[b]);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["name_to_image_accuracy"] = nameAccuracy };
        var table = new Table().Border(TableBorder.Rounded).AddColumn("caption → image (top-1 of all)").AddColumn("queries").AddColumn("accuracy");
        table.AddRow("name", names.Count.ToString("N0", CultureInfo.InvariantCulture), TrainCommand.F(nameAccuracy, "F4"));
        if (others.Count > 0)
        {
            // Only items with more than one caption have other wordings (the emoji's short names).
            double otherAccuracy = Retrieval.Accuracy(encoder.Encode(others), targets, otherTruth, (a, b) => group[a] == group[b]);
            metrics["other_wording_to_image_accuracy"] = otherAccuracy;
            table.AddRow("other wordings (short names)", others.Count.ToString("N0", CultureInfo.InvariantCulture), TrainCommand.F(otherAccuracy, "F4"));
        }
        context.Console.Write(table);

        var metadata = Metadata(commandLine, options, $"{datasetName}: {items.Count} items", metrics);
        metadata["engram.image_codec_sha256"] = codec.WeightsHash ?? codec.ParameterHash();
        encoder.Save(outPath, metadata);
        return Finish(context, outPath, ModelWeights.ParameterHash(encoder), encoder.ParameterCount, encoder.CodeLength, "text", commandLine, options, metadata, history, metrics, json);
    }

    public static int Audio(
        CliContext context, string datasetName, int max, string? textPath, string voiceList, string heldOutVoice, string outPath, TrainerOptions options, string commandLine, JsonTarget? json)
    {
        if (textPath is null)
        {
            throw new ArgumentException("engram train audio needs --text-encoder PATH: the codes its speech is aligned with (train one with `engram train text`).");
        }

        NgramTextEncoder text = NgramTextEncoder.Load(textPath);
        SpeechSynthesizer speech = SpeechSynthesizer.TryCreate()
            ?? throw new InvalidOperationException("engram train audio speaks the captions with espeak-ng, which is not installed (Debian: apt-get install espeak-ng).");
        string[] voices = voiceList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (voices.Length == 0)
        {
            throw new ArgumentException("--voices names no voice; give one or more, e.g. en-us,en-us+f3.");
        }

        List<DatasetItem> items = CaptionedItems(datasetName, max);
        string[] names = items.Select(i => i.Captions[0]).ToArray();
        var encoder = new SpeechEncoder(new SpeechEncoderConfig { Dimension = text.CodeLength }, new Rng(options.Seed));
        options = options.WithSetting("--text-encoder", text.WeightsHash ?? ModelWeights.ParameterHash(text));
        string[] allVoices = [.. voices, heldOutVoice];
        float[][][] features = Progress.Run(context, "speaking captions (espeak-ng)", items.Count * allVoices.Length, (progress, token) =>
        {
            int done = 0;
            var result = new float[items.Count][][];
            // One espeak-ng process per core: more would only block thread-pool threads on processes.
            ParallelItems.For(items.Count, i =>
            {
                result[i] = allVoices.Select(v => encoder.Features(speech.Speak(names[i], v))).ToArray();
                progress.Report(Interlocked.Add(ref done, allVoices.Length));
            }, Environment.ProcessorCount, token);
            return result;
        });

        Tensor textCodes = text.Encode(names);
        IReadOnlyList<IReadOnlyList<float[]>> training = features.Select(f => (IReadOnlyList<float[]>)f[..voices.Length]).ToArray();
        context.Console.MarkupLine(Markup.Escape(
            $"Training the speech encoder ({encoder.ParameterCount:N0} parameters) against the text codes of {items.Count:N0} captions spoken by {string.Join(", ", voices)}: " +
            $"{options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate:G3}, seed {options.Seed}."));
        TrainingHistory history = TrainCommand.RunWithProgress(context, options, (progress, token) =>
            SpeechEncoderTraining.Train(encoder, training, textCodes, options, progress: progress, cancellation: token), CancellationToken.None);

        // Report: speech → caption over all items, per voice; identical captions count as the same target.
        string[] normalized = names.Select(NgramTextEncoder.Normalize).ToArray();
        int[] truth = Enumerable.Range(0, items.Count).ToArray();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("speech → caption (top-1 of all)").AddColumn("accuracy");
        for (int v = 0; v < allVoices.Length; v++)
        {
            int voice = v;
            Tensor codes = encoder.EncodeFeatures(features.SelectMany(f => f[voice]).ToArray(), items.Count);
            double accuracy = Retrieval.Accuracy(codes, textCodes, truth, (a, b) => normalized[a] == normalized[b]);
            string label = allVoices[v] + (v == voices.Length ? " (held out)" : " (trained)");
            metrics[$"speech_to_text_accuracy_{allVoices[v]}"] = accuracy;
            table.AddRow(Markup.Escape(label), TrainCommand.F(accuracy, "F4"));
        }

        context.Console.Write(table);
        var metadata = Metadata(commandLine, options, $"{datasetName}: {items.Count} captions spoken by {string.Join(", ", voices)} (espeak-ng {speech.Version})", metrics);
        metadata["engram.text_encoder_sha256"] = text.WeightsHash ?? ModelWeights.ParameterHash(text);
        encoder.Save(outPath, metadata);
        return Finish(context, outPath, ModelWeights.ParameterHash(encoder), encoder.ParameterCount, encoder.CodeLength, "audio", commandLine, options, metadata, history, metrics, json);
    }

    /// <summary>
    /// <c>engram train harmonic</c>: the adapters and couplings of a Cross-Modal Harmonic Network on the codes the
    /// source's encoders make, every pair of its slots coupled; reports each ordered cue → target pair on the
    /// training items, and records in the weight file the encoders whose codes it was trained on.
    /// </summary>
    public static int Harmonic(
        CliContext context, MemorySource source, string outPath, TrainerOptions options, string commandLine, JsonTarget? json,
        IReadOnlyList<string> augmentVoices, IReadOnlyList<Data.Cues.OcclusionRegion> augmentOcclusions)
    {
        MultimodalMemory codes = source.Build(MultimodalMemory.DefaultOptions, null);
        string[] slots = codes.Network.Layout.Slots.Select(s => s.Name).ToArray();
        if (slots.Length < 2)
        {
            throw new ArgumentException($"A harmonic model joins at least two modalities, and {source.Items.Name} gives only {slots[0]}: give it a second encoder.");
        }

        if (codes.Count < 2)
        {
            throw new ArgumentException($"{source.Items.Name} has {codes.Count} item; contrastive training needs at least 2.");
        }

        var baseCodes = slots.ToDictionary(s => s, s => codes.StoredCodes(s), StringComparer.Ordinal);
        Dictionary<string, IReadOnlyList<Tensor>> views = Views(context, source, baseCodes, augmentVoices, augmentOcclusions);
        HarmonicModelConfig config = HarmonicModelConfig.Coupled(
            slots.Select(s => new HarmonicModalityConfig { Name = s, BaseDimension = baseCodes[s].Shape[1] }).ToArray());
        var model = new HarmonicModel(config, new Rng(options.Seed));
        options = options with { BatchSize = Math.Min(options.BatchSize, codes.Count) };
        context.Console.MarkupLine(Markup.Escape(
            $"Training the harmonic model ({model.ParameterCount:N0} parameters; {HarmonicModel.Describe(config)}) on {codes.Count:N0} items of {source.Items.Name} " +
            $"({string.Join(", ", source.Encoders.Described.Select(e => $"{e.Slot} {e.Kind}"))}; views per item: {string.Join(", ", views.Select(v => $"{v.Key} {v.Value.Count}"))}): {options.Epochs} epochs, batch {options.BatchSize}, lr {options.LearningRate:G3}, seed {options.Seed}."));
        var training = new HarmonicTrainingOptions { Trainer = options };
        TrainingHistory history = TrainCommand.RunWithProgress(context, options, (progress, token) =>
            HarmonicTraining.Train(model, views, training, progress, token), CancellationToken.None);

        // Report: store every item, cue each modality with the stored code, and score every other modality.
        HarmonicNetwork network = model.Store(baseCodes);
        var adapted = slots.ToDictionary(s => s, s => model.Encode(s, baseCodes[s]), StringComparer.Ordinal);
        IReadOnlyList<PairAccuracy> pairs = Progress.Run(context, "recalling every item from every modality", slots.Length,
            (progress, token) =>
            {
                int done = 0;
                return network.Evaluate(adapted, progress: new TrainCommand.SynchronousProgress<string>(_ => progress.Report(done++)), cancellationToken: token);
            });
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["coupling_ratio"] = network.CouplingRatio };
        var table = new Table().Border(TableBorder.Rounded).AddColumn("cue → target").AddColumn("accuracy").AddColumn("coherence").AddColumn("metastable").AddColumn("sweeps");
        foreach (PairAccuracy pair in pairs)
        {
            metrics[$"{pair.Cue}_to_{pair.Target}_accuracy"] = pair.Accuracy;
            table.AddRow(Markup.Escape($"{pair.Cue} → {pair.Target}"), TrainCommand.F(pair.Accuracy, "F4"), TrainCommand.F(pair.Coherence, "F4"),
                TrainCommand.F(pair.Metastable, "F4"), TrainCommand.F(pair.MeanSweeps, "F2"));
        }

        context.Console.Write(table);
        string augmented = augmentVoices.Count + augmentOcclusions.Count == 0 ? ""
            : $"; also trained on {string.Join(" and ", new[] { augmentVoices.Count > 0 ? $"the names in {string.Join(", ", augmentVoices)}" : null, augmentOcclusions.Count > 0 ? $"the images with {string.Join(", ", augmentOcclusions.Select(Half))} hidden" : null }.OfType<string>())}";
        var metadata = Metadata(commandLine, options, $"{source.Items.Name}: {codes.Count} items, {source.Items.Source}{augmented}", metrics);
        metadata[HarmonicModel.BaseEncodersKey] = System.Text.Json.JsonSerializer.Serialize(
            source.Encoders.Described.ToDictionary(e => e.Slot, e => e.Sha256 ?? e.Kind, StringComparer.Ordinal));
        model.EnforceBound(training.CouplingLimit);
        model.Save(outPath, metadata);
        return Finish(context, outPath, ModelWeights.ParameterHash(model), model.ParameterCount, config.Modalities[0].Dimension, "harmonic", commandLine, options, metadata, history, metrics, json,
            new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["items"] = codes.Count,
                ["modalities"] = config.Modalities.Select(m => new { name = m.Name, base_dimension = m.BaseDimension, dimension = m.Dimension, beta = m.Beta, lambda = m.Lambda }),
                ["rank"] = config.Rank,
                ["pairs"] = pairs.Select(p => new { cue = p.Cue, target = p.Target, accuracy = p.Accuracy, coherence = p.Coherence, metastable = p.Metastable, sweeps = p.MeanSweeps }),
            });
    }

    private static string Half(Data.Cues.OcclusionRegion region) => region switch
    {
        Data.Cues.OcclusionRegion.TopHalf => "the top half",
        Data.Cues.OcclusionRegion.BottomHalf => "the bottom half",
        Data.Cues.OcclusionRegion.LeftHalf => "the left half",
        _ => "the right half",
    };

    // The stored codes are each modality's first view; other voices and hidden halves add more.
    private static Dictionary<string, IReadOnlyList<Tensor>> Views(
        CliContext context, MemorySource source, Dictionary<string, Tensor> baseCodes, IReadOnlyList<string> voices, IReadOnlyList<Data.Cues.OcclusionRegion> occlusions)
    {
        var views = baseCodes.ToDictionary(p => p.Key, p => new List<Tensor> { p.Value }, StringComparer.Ordinal);
        if (voices.Count > 0)
        {
            if (source.Encoders.Audio is not { } speechEncoder)
            {
                throw new ArgumentException("--augment-voices speaks the names in other voices for the audio slot, and there is no audio slot: leave out --audio-encoder none.");
            }

            SpeechSynthesizer speech = SpeechSynthesizer.TryCreate()
                ?? throw new InvalidOperationException("--augment-voices speaks the names with espeak-ng, which is not installed (Debian: apt-get install espeak-ng).");
            string[] names = source.Items.Select(i => i.Caption ?? throw new ArgumentException($"Item {i.Id} has no caption to speak for --augment-voices.")).ToArray();
            foreach (string voice in voices)
            {
                Data.Audio.AudioClip[] clips = Progress.Run(context, $"speaking the names in {voice}", names.Length, (progress, token) =>
                {
                    int done = 0;
                    var result = new Data.Audio.AudioClip[names.Length];
                    ParallelItems.For(names.Length, i =>
                    {
                        result[i] = speech.Speak(names[i], voice);
                        progress.Report(Interlocked.Increment(ref done));
                    }, Environment.ProcessorCount, token);
                    return result;
                });
                views["audio"].Add(speechEncoder.Encode(clips));
            }
        }

        if (occlusions.Count > 0)
        {
            if (source.Encoders.Image is not { } codec || source.Images is null)
            {
                throw new ArgumentException("--augment-occlusions hides halves of the images, and there is no image slot.");
            }

            // The stored codes were made as the images were decoded; the hidden halves need the pixels again, a batch at a time.
            var pixels = ImageSource.FromItems([.. source.Items], codec.Shape.Width, codec.Shape.Channels == 1);
            foreach (Data.Cues.OcclusionRegion region in occlusions)
            {
                float[] mask = Data.Cues.Occlusion.Mask(region, codec.Shape.Height, codec.Shape.Width).SelectMany(m => Enumerable.Repeat(m, codec.Shape.Channels)).ToArray();
                var hidden = new Tensor(pixels.Count, codec.CodeLength);
                for (int start = 0; start < pixels.Count; start += DatasetImages.EncodeBatch)
                {
                    int rows = Math.Min(DatasetImages.EncodeBatch, pixels.Count - start);
                    codec.Encode(Data.Cues.Occlusion.Apply(pixels.Read(start, rows), mask)).Span.CopyTo(hidden.Span.Slice(start * codec.CodeLength, rows * codec.CodeLength));
                }

                views["image"].Add(hidden);
            }
        }

        return views.ToDictionary(p => p.Key, p => (IReadOnlyList<Tensor>)p.Value, StringComparer.Ordinal);
    }

    private static List<DatasetItem> CaptionedItems(string datasetName, int max)
    {
        int limit = max > 0 ? max : int.MaxValue;
        IDataset dataset = datasetName switch
        {
            "emoji" => EmojiDataset.Load(limit),
            "fashion-mnist" => throw new ArgumentException("Fashion-MNIST's captions are its 10 class names, shared by thousands of images: contrastive training needs a caption per item. Use --dataset emoji or a folder with captions."),
            _ when Directory.Exists(datasetName) => FolderDataset.Load(datasetName),
            _ => throw new ArgumentException($"Unknown dataset '{datasetName}': use emoji or an existing folder of captioned PNG files."),
        };
        List<DatasetItem> items = dataset.Take(limit).ToList();
        if (items.FirstOrDefault(i => i.Captions.Count == 0) is { } bare)
        {
            throw new ArgumentException($"Item {bare.Id} of {dataset.Name} has no caption; every item needs one (captions.csv or the PNG's Title).");
        }

        if (items.Count < 2)
        {
            throw new ArgumentException($"{dataset.Name} has {items.Count} captioned item(s); contrastive training needs at least 2.");
        }

        return items;
    }

    /// <summary>The first caption of each item, or every other distinct wording, with the item each belongs to.</summary>
    private static (List<string> Captions, List<int> Truth) Wordings(List<DatasetItem> items, bool others)
    {
        var captions = new List<string>();
        var truth = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            string name = NgramTextEncoder.Normalize(items[i].Captions[0]);
            IEnumerable<string> chosen = others
                ? items[i].Captions.Skip(1).Where(c => NgramTextEncoder.Normalize(c.Replace('_', ' ')) != name).Distinct(StringComparer.Ordinal)
                : [items[i].Captions[0]];
            foreach (string c in chosen)
            {
                captions.Add(c);
                truth.Add(i);
            }
        }

        return (captions, truth);
    }

    /// <summary>Rows with byte-identical codes share a group (e.g. byte-identical emoji images).</summary>
    private static int[] Groups(Tensor codes)
    {
        int d = codes.Shape[1];
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var group = new int[codes.RowCount];
        for (int i = 0; i < group.Length; i++)
        {
            string key = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.Span.Slice(i * d, d)));
            group[i] = first.TryGetValue(key, out int g) ? g : first[key] = i;
        }

        return group;
    }

    /// <summary>Says where the weights went and writes the run's JSON summary (the same fields for every encoder, plus <paramref name="extra"/>).</summary>
    internal static int Finish(
        CliContext context, string outPath, string hash, long parameters, int codeLength, string kind, string commandLine, TrainerOptions options,
        Dictionary<string, string> metadata, TrainingHistory history, Dictionary<string, double> metrics, JsonTarget? json, Dictionary<string, object?>? extra = null)
    {
        context.Console.MarkupLine(Markup.Escape($"Wrote {outPath} (weights SHA-256 {hash[..16]}…)."));
        if (json is not null)
        {
            var summary = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["encoder"] = kind,
                ["command"] = commandLine,
                ["seed"] = options.Seed,
                ["data"] = metadata["engram.data"],
                ["weights"] = outPath,
                ["weights_sha256"] = hash,
                ["parameters"] = parameters,
                ["code_length"] = codeLength,
                ["epochs"] = history.Epochs.Select(e => new { epoch = e.Epoch, metrics = e.Metrics, seconds = e.Seconds, items_per_second = e.ItemsPerSecond }).ToArray(),
                ["resumed_at_step"] = history.ResumedAtStep,
                ["train_seconds"] = history.Seconds,
                ["metrics"] = metrics,
            };
            foreach (var (key, value) in extra ?? [])
            {
                summary[key] = value;
            }

            json.Write(summary, context);
        }

        return 0;
    }

    internal static Dictionary<string, string> Metadata(string commandLine, TrainerOptions options, string data, Dictionary<string, double> metrics) =>
        new(StringComparer.Ordinal)
        {
            ["engram.command"] = commandLine,
            ["engram.seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["engram.data"] = data,
            ["engram.metrics"] = System.Text.Json.JsonSerializer.Serialize(metrics),
        };
}
