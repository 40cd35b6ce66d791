using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Encoders.Audio;
using Engram.Encoders.Text;
using Engram.Engines;
using Engram.Evaluation.Figures;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Nn;
using Engram.Nn.Training;
using Engram.Tensors;

namespace Engram.Evaluation.Experiments;

/// <summary>What <see cref="HarmonicExperiment.Run"/> trains and measures.</summary>
public sealed record HarmonicSettings
{
    /// <summary>The folder with emoji-autoencoder, emoji-text and emoji-speech weights.</summary>
    public required string ModelsFolder { get; init; }

    /// <summary>At most this many emoji (the first, in the package's order).</summary>
    public int MaxItems { get; init; } = int.MaxValue;

    /// <summary>Training epochs of the harmonic model.</summary>
    public int Epochs { get; init; } = HarmonicTraining.DefaultEpochs;

    /// <summary>Items per training batch.</summary>
    public int BatchSize { get; init; } = HarmonicTraining.DefaultBatchSize;

    /// <summary>The AdamW learning rate.</summary>
    public double LearningRate { get; init; } = HarmonicTraining.DefaultLearningRate;

    /// <summary>Seeds the weights, the batch order and the cue draws: the same seed gives the same run.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>d_m of every modality space.</summary>
    public int Dimension { get; init; } = 64;

    /// <summary>r of every coupling.</summary>
    public int Rank { get; init; } = 32;

    /// <summary>β_m of every modality.</summary>
    public double Beta { get; init; } = 100;

    /// <summary>λ_m of every modality.</summary>
    public double Lambda { get; init; } = 1;

    /// <summary>The espeak-ng voice the stored sounds are spoken in.</summary>
    public string Voice { get; init; } = "en-us";

    /// <summary>A voice the speech encoder never heard, for audio cues from outside what was stored.</summary>
    public string HeldOutVoice { get; init; } = "en-gb+f2";

    /// <summary>
    /// The augmented model's extra audio views: the names spoken in these voices (the speech encoder's other
    /// training voices by default; the held-out voice is never among them). Empty skips the augmented model.
    /// </summary>
    public IReadOnlyList<string> AugmentVoices { get; init; } = ["en-us+f3", "en-us+m3"];

    /// <summary>The augmented model's extra image views: each stored image with this half hidden (never the bottom half, the occluded test cue).</summary>
    public IReadOnlyList<OcclusionRegion> AugmentOcclusions { get; init; } = [OcclusionRegion.TopHalf, OcclusionRegion.LeftHalf, OcclusionRegion.RightHalf];

    /// <summary>The augmented model's adapter hidden width (a GELU layer; 0: linear adapters, as the other models have).</summary>
    public int AugmentedHidden { get; init; }

    /// <summary>The augmented model's epochs (null: twice <see cref="Epochs"/>): each epoch shows one view of each item, so more views want more epochs.</summary>
    public int? AugmentedEpochs { get; init; }

    /// <summary>σ of the Gaussian pixel noise of noisy image cues.</summary>
    public double NoiseSigma { get; init; } = 0.1;

    /// <summary>Examples drawn in the image figure.</summary>
    public int Examples { get; init; } = 6;

    /// <summary>Receives a line per stage (progress for a terminal).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Cancels the experiment: a cancelled run throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Checks the values, naming the setting that is wrong.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(ModelsFolder);
        if (MaxItems < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxItems), MaxItems, "At least 2 items are needed for contrastive training.");
        }

        if (Epochs < 1 || BatchSize < 2 || Dimension < 1 || Rank < 1 || Examples < 0 || AugmentedEpochs < 1 || AugmentedHidden < 0)
        {
            throw new ArgumentException($"Epochs, batch size (≥ 2), dimension and rank must be positive; got epochs {Epochs}, batch {BatchSize}, d {Dimension}, rank {Rank}.");
        }

        if (!(LearningRate > 0) || !(Beta > 0) || !(Lambda > 0) || !(NoiseSigma >= 0))
        {
            throw new ArgumentException("The learning rate, β and λ must be positive and σ non-negative.");
        }

        if (AugmentVoices.Contains(HeldOutVoice, StringComparer.Ordinal) || AugmentOcclusions.Contains(OcclusionRegion.BottomHalf))
        {
            throw new ArgumentException($"The augmented model must not train on the held-out cues: leave {HeldOutVoice} out of AugmentVoices and the bottom half out of AugmentOcclusions.");
        }
    }

    internal void Say(string line) => Log?.Invoke(line);
}

/// <summary>How well one cue recalled one target modality.</summary>
/// <param name="Model">"harmonic" (every coupling trained), "unseen" (image–text and text–audio only), "hen" or "projection".</param>
/// <param name="Cue">The cue modality.</param>
/// <param name="Target">The target modality.</param>
/// <param name="CueKind">"stored" (the stored code itself), "other-name", "other-voice", "noisy", "occluded".</param>
/// <param name="Count">Cues.</param>
/// <param name="Accuracy">Fraction whose nearest target slot is the item's own (or identical to it).</param>
/// <param name="Coherence">Mean cosine of the completed target state and the item's true target slot code.</param>
/// <param name="Ssim">Image targets: mean SSIM of Dec(read-out) against Dec(true code); NaN otherwise.</param>
/// <param name="Metastable">Fraction of read-outs that are mixtures.</param>
/// <param name="MeanSweeps">Mean sweeps (HEN: steps).</param>
/// <param name="MicrosecondsPerRecall">Wall time of one recall (one cue completing every free modality).</param>
public sealed record HarmonicPairResult(
    string Model, string Cue, string Target, string CueKind, int Count, double Accuracy, double Coherence, double Ssim, double Metastable, double MeanSweeps, double MicrosecondsPerRecall);

/// <summary>One singular direction of a coupling and the emoji categories at its two ends.</summary>
public sealed record CouplingDirection(
    string Coupling, int Index, double SingularValue, double Separation, string LowCategory, double LowMean, string HighCategory, double HighMean,
    IReadOnlyDictionary<string, double> CategoryMeans);

/// <summary>
/// <c>engram eval harmonic</c>: the Cross-Modal Harmonic Network on emoji items (image, name, the name spoken
/// by espeak-ng), with codes from the shipped encoders. Trains the adapters and couplings, stores every
/// item, and measures every ordered cue → target pair; the unseen combination (image–text and text–audio
/// couplings only); cues from outside what was stored (other names, another voice, noisy and occluded
/// images); the HEN concatenation and projection + nearest-neighbour ablations; and what the couplings learned.
/// </summary>
public static class HarmonicExperiment
{
    private static readonly string[] s_modalities = [Modality.ImageName, Modality.TextName, Modality.AudioName];

    /// <summary>Runs the whole experiment and returns its report (files are written by the caller).</summary>
    public static ExperimentReport Run(HarmonicSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        CancellationToken cancel = settings.Cancellation;

        // Items and base codes
        IDataset dataset = EmojiDataset.Load(settings.MaxItems);
        DatasetItem[] items = [.. dataset];
        int n = items.Length;
        settings.Say($"emoji: {n:N0} items ({dataset.Source})");
        SpeechSynthesizer speech = SpeechSynthesizer.TryCreate()
            ?? throw new InvalidOperationException("espeak-ng is not installed (Debian: apt-get install espeak-ng); the audio codes need it.");
        IImageCodec codec = ExperimentEncoders.Emoji("autoencoder", settings.ModelsFolder);
        NgramTextEncoder text = NgramTextEncoder.Load(Weights(settings.ModelsFolder, "emoji-text"));
        SpeechEncoder audio = SpeechEncoder.Load(Weights(settings.ModelsFolder, "emoji-speech"));
        ImageShape shape = codec.Shape;
        Tensor images = DatasetImages.Load(items, shape.Height, grey: shape.Channels == 1);
        string[] names = items.Select(i => i.Caption ?? i.Id).ToArray();
        string[] categories = items.Select(i => i.LabelName ?? "?").ToArray();
        settings.Say($"encoding {n:N0} images ({codec.Name}), names (emoji-text) and names spoken in {settings.Voice} (emoji-speech)");
        var baseCodes = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [Modality.ImageName] = codec.Encode(images),
            [Modality.TextName] = text.Encode(names),
            [Modality.AudioName] = audio.Encode(Speak(speech, names, settings.Voice, settings, cancel)),
        };

        var report = new ExperimentReport("harmonic",
            $"Cross-Modal Harmonic Network on {n:N0} emoji ({dataset.Source}): items are (image, name, the name spoken by espeak-ng in '{settings.Voice}'), " +
            $"base codes from the shipped emoji-autoencoder, emoji-text and emoji-speech; linear adapters to d = {settings.Dimension}, rank-{settings.Rank} couplings, " +
            $"β = {settings.Beta:G}, λ = {settings.Lambda:G}; trained {settings.Epochs} epochs (batch {settings.BatchSize}, lr {settings.LearningRate:G}, seed {settings.Seed}). " +
            "A cue clamps one modality; the others descend the energy (block fixed-point sweeps, coupling start, T = 20, ε = 1e-6). Accuracy: the free state's nearest stored slot " +
            "(cosine) is the item's own or identical to it. Coherence: cosine of the completed and true target codes. Image SSIM: Dec of the attractor's read-out mapped to the " +
            "emoji-autoencoder code space as Σₙ pₙ zₙ (p = softmax(β ξₙ·x), zₙ the stored items' base codes) against Dec(z_true).");
        report.Settings["items"] = n;
        report.Settings["emoji_source"] = dataset.Source;
        report.Settings["voice"] = settings.Voice;
        report.Settings["held_out_voice"] = settings.HeldOutVoice;
        report.Settings["dimension"] = settings.Dimension;
        report.Settings["rank"] = settings.Rank;
        report.Settings["beta"] = settings.Beta;
        report.Settings["lambda"] = settings.Lambda;
        report.Settings["epochs"] = settings.Epochs;
        report.Settings["batch_size"] = settings.BatchSize;
        report.Settings["learning_rate"] = settings.LearningRate;
        report.Settings["seed"] = settings.Seed;
        report.Settings["base_dimensions"] = s_modalities.ToDictionary(m => m, m => baseCodes[m].Shape[1], StringComparer.Ordinal);
        var options = new HarmonicRecallOptions();
        var context = new Context(settings, codec, baseCodes, categories, options);

        // 1. Every coupling trained: the cue → target matrix
        HarmonicModelConfig config = Config(settings, baseCodes, pairs: null);
        settings.Say($"training {HarmonicModel.Describe(config)} on {n:N0} items");
        (HarmonicModel model, double trainSeconds) = Train(config, null, One(baseCodes), settings);
        HarmonicNetwork network = model.Store(baseCodes);
        Dictionary<string, Tensor> adapted = s_modalities.ToDictionary(m => m, m => model.Encode(m, baseCodes[m]), StringComparer.Ordinal);
        settings.Say(string.Create(CultureInfo.InvariantCulture, $"trained in {trainSeconds:F1} s; coupling ratio ρ = {network.CouplingRatio:F3}"));
        var matrix = new List<HarmonicPairResult>();
        int[] all = Enumerable.Range(0, n).ToArray();
        var shown = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string cue in s_modalities)
        {
            matrix.AddRange(Score(context, network, "harmonic", cue, "stored", adapted[cue], all, shown, $"{cue} cue"));
        }

        long modelBytes = model.NamedParameters().Sum(p => (long)p.Parameter.Value.Data.Length) * sizeof(float);
        long stateBytes = (long)n * settings.Dimension * s_modalities.Length * sizeof(float)
            + (network.Couplings.Sum(c => (long)c.U.Length + c.V.Length) * sizeof(float));
        long baseBytes = s_modalities.Sum(m => (long)baseCodes[m].Length) * sizeof(float);

        // 2. The unseen combination: couplings image–text and text–audio only
        CouplingPair[] seen = [new(Modality.ImageName, Modality.TextName), new(Modality.TextName, Modality.AudioName)];
        HarmonicModelConfig unseenConfig = Config(settings, baseCodes, seen);
        settings.Say($"training the unseen-combination model ({string.Join(", ", seen.Select(p => p.ToString()))} only)");
        (HarmonicModel unseenModel, double unseenSeconds) = Train(unseenConfig, seen, One(baseCodes), settings);
        HarmonicNetwork unseenNetwork = unseenModel.Store(baseCodes);
        var unseen = new List<HarmonicPairResult>();
        foreach (string cue in s_modalities)
        {
            unseen.AddRange(Score(context, unseenNetwork, "unseen", cue, "stored", unseenModel.Encode(cue, baseCodes[cue]), all, null, null));
        }

        // 3. Cues from outside what was stored
        var heldOut = new List<HarmonicPairResult>();
        var wordings = items.SelectMany((item, i) => item.Captions.Skip(1).Select(c => (Caption: c, Item: i))).ToArray();
        Tensor? wordingCodes = null;
        if (wordings.Length > 0)
        {
            settings.Say($"other names: {wordings.Length:N0} short names that differ from the name");
            wordingCodes = text.Encode(wordings.Select(w => w.Caption).ToArray());
            Tensor codes = model.Encode(Modality.TextName, wordingCodes);
            heldOut.Add(Identify(baseCodes[Modality.TextName], Modality.TextName, "other-name", wordingCodes, wordings.Select(w => w.Item).ToArray(), context));
            heldOut.AddRange(Score(context, network, "harmonic", Modality.TextName, "other-name", codes, wordings.Select(w => w.Item).ToArray(), null, null));
        }

        settings.Say($"other voice: the names spoken in {settings.HeldOutVoice}");
        Tensor otherVoiceCodes = audio.Encode(Speak(speech, names, settings.HeldOutVoice, settings, cancel));
        Tensor otherVoice = model.Encode(Modality.AudioName, otherVoiceCodes);
        heldOut.Add(Identify(baseCodes[Modality.AudioName], Modality.AudioName, "other-voice", otherVoiceCodes, all, context));
        heldOut.AddRange(Score(context, network, "harmonic", Modality.AudioName, "other-voice", otherVoice, all, shown, settings.HeldOutVoice));
        var random = new Random((int)settings.Seed);
        Tensor noisy = images.Clone(), occluded = images.Clone();
        for (int i = 0; i < n; i++)
        {
            Noise.Gaussian(images.Row(i), settings.NoiseSigma, random).Content.CopyTo(noisy.Row(i));
            Occlusion.Hide(images.Row(i), shape.Height, shape.Width, shape.Channels, OcclusionRegion.BottomHalf).Content.CopyTo(occluded.Row(i));
        }

        settings.Say(string.Create(CultureInfo.InvariantCulture, $"noisy (σ {settings.NoiseSigma:G}) and bottom-half-occluded images"));
        var imageCues = new List<(string Kind, Tensor Codes)>();
        foreach (var (kind, pixels) in new[] { ("noisy", noisy), ("occluded", occluded) })
        {
            Tensor cueCodes = codec.Encode(pixels);
            imageCues.Add((kind, cueCodes));
            heldOut.Add(Identify(baseCodes[Modality.ImageName], Modality.ImageName, kind, cueCodes, all, context));
            heldOut.AddRange(Score(context, network, "harmonic", Modality.ImageName, kind, model.Encode(Modality.ImageName, cueCodes), all, null, null));
        }

        // 3b. The same model trained on more views of each item: other voices, other halves hidden
        var augmented = new List<HarmonicPairResult>();
        double augmentedSeconds = double.NaN;
        if (settings.AugmentVoices.Count > 0 || settings.AugmentOcclusions.Count > 0)
        {
            settings.Say($"augmented model: audio also in {(settings.AugmentVoices.Count == 0 ? "no other voice" : string.Join(", ", settings.AugmentVoices))}; " +
                $"images also with {(settings.AugmentOcclusions.Count == 0 ? "nothing" : string.Join(", ", settings.AugmentOcclusions))} hidden");
            var imageViews = new List<Tensor> { baseCodes[Modality.ImageName] };
            foreach (OcclusionRegion region in settings.AugmentOcclusions)
            {
                Tensor hidden = images.Clone();
                for (int i = 0; i < n; i++)
                {
                    Occlusion.Hide(images.Row(i), shape.Height, shape.Width, shape.Channels, region).Content.CopyTo(hidden.Row(i));
                }

                imageViews.Add(codec.Encode(hidden));
            }

            var audioViews = new List<Tensor> { baseCodes[Modality.AudioName] };
            audioViews.AddRange(settings.AugmentVoices.Select(v => audio.Encode(Speak(speech, names, v, settings, cancel))));
            var views = new Dictionary<string, IReadOnlyList<Tensor>>(StringComparer.Ordinal)
            {
                [Modality.ImageName] = imageViews,
                [Modality.TextName] = [baseCodes[Modality.TextName]],
                [Modality.AudioName] = audioViews,
            };
            HarmonicModelConfig augmentedConfig = config with { Modalities = config.Modalities.Select(m => m with { Hidden = settings.AugmentedHidden }).ToArray() };
            (HarmonicModel augmentedModel, augmentedSeconds) = Train(augmentedConfig, null, views, settings with { Epochs = settings.AugmentedEpochs ?? 2 * settings.Epochs });
            HarmonicNetwork augmentedNetwork = augmentedModel.Store(baseCodes);
            foreach (string cue in s_modalities)
            {
                augmented.AddRange(Score(context, augmentedNetwork, "augmented", cue, "stored", augmentedModel.Encode(cue, baseCodes[cue]), all, null, null));
            }

            if (wordingCodes is not null)
            {
                augmented.AddRange(Score(context, augmentedNetwork, "augmented", Modality.TextName, "other-name", augmentedModel.Encode(Modality.TextName, wordingCodes), wordings.Select(w => w.Item).ToArray(), null, null));
            }

            augmented.AddRange(Score(context, augmentedNetwork, "augmented", Modality.AudioName, "other-voice", augmentedModel.Encode(Modality.AudioName, otherVoiceCodes), all, null, null));
            foreach (var (kind, cueCodes) in imageCues)
            {
                augmented.AddRange(Score(context, augmentedNetwork, "augmented", Modality.ImageName, kind, augmentedModel.Encode(Modality.ImageName, cueCodes), all, null, null));
            }
        }

        // 4. Ablations on the same items
        settings.Say("ablation: HEN over the concatenation [image; text; audio] (L2, β 1000, T 10, MaskedFree)");
        var ablations = new List<HarmonicPairResult>(Hen(baseCodes, names, cancel));
        settings.Say("ablation: the learned projection with plain nearest-neighbour search (argmax of φ_cueᵀ A φ_target, no dynamics)");
        ablations.AddRange(Projection(network, adapted, "projection"));
        ablations.AddRange(Projection(unseenNetwork, s_modalities.ToDictionary(m => m, m => unseenModel.Encode(m, baseCodes[m]), StringComparer.Ordinal), "projection-unseen"));

        // 5. What the couplings learned
        var directions = new List<CouplingDirection>();
        var spectra = new List<Series>();
        var singularValues = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (HarmonicCoupling coupling in network.Couplings)
        {
            (double[] sigma, List<CouplingDirection> top) = Directions(coupling, adapted, categories);
            directions.AddRange(top);
            singularValues[coupling.Pair.ToString()] = sigma.Take(settings.Rank).Select(v => Math.Round(v, 4)).ToArray();
            spectra.Add(new Series(coupling.Pair.ToString(), Enumerable.Range(1, sigma.Length).Select(i => (double)i).ToArray(), sigma));
            settings.Say(string.Create(CultureInfo.InvariantCulture,
                $"{coupling.Pair}: σ₁…σ₄ = {string.Join(", ", sigma.Take(4).Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}; direction 1 runs from {top[0].LowCategory} ({top[0].LowMean:F3}) to {top[0].HighCategory} ({top[0].HighMean:F3}), η² {top[0].Separation:F3}"));
        }

        // The report
        foreach (HarmonicPairResult r in matrix.Concat(unseen).Concat(heldOut).Concat(augmented).Concat(ablations))
        {
            report.Add(Row(r, settings, n));
        }

        report.AddTable("matrix", "Every ordered cue → target pair (every coupling trained; the stored codes as cues):", PairTable(matrix));
        report.AddTable("unseen", "The unseen combination: couplings image–text and text–audio only, trained on those pairs (image ↔ audio goes through text):", PairTable(unseen));
        report.AddTable("held-out", "Cues from outside what was stored (the model with every coupling). encoder-nn rows: the cue's base code matched (cosine) to the stored base codes of its own modality, no network, for reference:", PairTable(heldOut));
        if (augmented.Count > 0)
        {
            report.AddTable("augmented", $"The same model trained on more views of each item (audio also in {string.Join(", ", settings.AugmentVoices)}; " +
                $"images also with {string.Join(", ", settings.AugmentOcclusions)} hidden), then stored and cued as above; the held-out voice {settings.HeldOutVoice}, " +
                "the bottom half, the noise and the other names stay unseen:", PairTable(augmented));
        }

        report.AddTable("ablations", "Ablations on the same items: HEN over the concatenation, and the learned projection with nearest-neighbour search (no dynamics):", PairTable(ablations));
        report.AddTable("couplings", "What the couplings learned: the top singular directions of each A, and the emoji categories at their two ends " +
            "(per-category mean projection of the first modality's adapted codes on the left singular vector, ends over categories of ≥ 10 items; η² = between-category share of the variance).", DirectionTable(directions));
        double perRecall = matrix.Average(r => r.MicrosecondsPerRecall);
        var cost = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["train_seconds"] = Math.Round(trainSeconds, 2),
            ["train_seconds_unseen"] = Math.Round(unseenSeconds, 2),
            ["train_seconds_augmented"] = double.IsNaN(augmentedSeconds) ? null! : Math.Round(augmentedSeconds, 2),
            ["microseconds_per_recall"] = Math.Round(perRecall, 1),
            ["model_parameter_bytes"] = modelBytes,
            ["stored_state_bytes"] = stateBytes,
            ["base_code_bytes"] = baseBytes,
            ["coupling_ratio"] = Math.Round(network.CouplingRatio, 4),
            ["coupling_ratio_unseen"] = Math.Round(unseenNetwork.CouplingRatio, 4),
        };
        report.AddTable("cost", "Cost:", string.Create(CultureInfo.InvariantCulture,
            $"| training | recall (one cue, every free modality) | stored state (slots + couplings) | adapter and coupling weights | base codes |\n|---|---|---|---|---|\n" +
            $"| {trainSeconds:F1} s (unseen model {unseenSeconds:F1} s) | {perRecall:F0} µs | {stateBytes / 1024.0:F0} KiB | {modelBytes / 1024.0:F0} KiB | {baseBytes / 1024.0:F0} KiB |\n"));
        report.AddSummary("matrix", matrix);
        report.AddSummary("unseen", unseen);
        report.AddSummary("held_out", heldOut);
        report.AddSummary("augmented", augmented);
        report.AddSummary("ablations", ablations);
        report.AddSummary("couplings", directions);
        report.AddSummary("cost", cost);
        report.AddSummary("singular_values", singularValues);
        report.AddFigure("harmonic-couplings.svg", SvgFigure.LineChart("Singular values of the learned couplings A = UVᵀ", "index", "singular value", spectra));
        if (settings.Examples > 0 && shown.Count > 0)
        {
            report.AddFigure("harmonic-examples.svg", ExampleGrid(codec, baseCodes[Modality.ImageName], shown, names, settings.Examples));
        }

        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return report;
    }

    private sealed record Context(HarmonicSettings Settings, IImageCodec Codec, Dictionary<string, Tensor> BaseCodes, string[] Categories, HarmonicRecallOptions Options);

    private static string Weights(string folder, string name)
    {
        string path = Path.Combine(folder, name + ".safetensors");
        return File.Exists(path) ? path : throw new FileNotFoundException($"No trained weights at {path} (see data/models/MANIFEST.md), or pass --models FOLDER.", path);
    }

    private static List<AudioClip> Speak(SpeechSynthesizer speech, string[] names, string voice, HarmonicSettings settings, CancellationToken cancel)
    {
        var clips = new List<AudioClip>(names.Length);
        for (int i = 0; i < names.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            clips.Add(speech.Speak(names[i], voice));
            if ((i + 1) % 500 == 0)
            {
                settings.Say($"  spoke {i + 1:N0} of {names.Length:N0} names in {voice}");
            }
        }

        return clips;
    }

    private static HarmonicModelConfig Config(HarmonicSettings settings, Dictionary<string, Tensor> baseCodes, IReadOnlyList<CouplingPair>? pairs) =>
        HarmonicModelConfig.Coupled(
            s_modalities.Select(m => new HarmonicModalityConfig
            {
                Name = m, BaseDimension = baseCodes[m].Shape[1], Dimension = settings.Dimension, Lambda = settings.Lambda, Beta = settings.Beta,
            }).ToArray(),
            pairs,
            settings.Rank);

    private static Dictionary<string, IReadOnlyList<Tensor>> One(Dictionary<string, Tensor> baseCodes) =>
        baseCodes.ToDictionary(p => p.Key, p => (IReadOnlyList<Tensor>)[p.Value], StringComparer.Ordinal);

    private static (HarmonicModel Model, double Seconds) Train(
        HarmonicModelConfig config, IReadOnlyList<CouplingPair>? pairs, Dictionary<string, IReadOnlyList<Tensor>> baseCodes, HarmonicSettings settings)
    {
        var model = new HarmonicModel(config, new Rng(settings.Seed));
        int n = baseCodes[Modality.ImageName][0].Shape[0];
        var options = new HarmonicTrainingOptions
        {
            Trainer = new TrainerOptions { Epochs = settings.Epochs, BatchSize = Math.Min(settings.BatchSize, n), LearningRate = settings.LearningRate, Seed = settings.Seed },
            Pairs = pairs,
        };
        int every = Math.Max(1, settings.Epochs / 6);
        var progress = new Reporter(p =>
        {
            // Epoch is counted from 0; say it from 1, at every sixth of the run and at the end.
            int epoch = p.Epoch + 1;
            if (p.Step == p.StepsPerEpoch && (epoch % every == 0 || epoch == p.Epochs))
            {
                settings.Say(string.Create(CultureInfo.InvariantCulture, $"  epoch {epoch}/{p.Epochs}: loss {p.Loss:F4}, {p.ItemsPerSecond:N0} items/s"));
            }
        });
        var stopwatch = Stopwatch.StartNew();
        HarmonicTraining.Train(model, baseCodes, options, progress, settings.Cancellation);
        return (model, stopwatch.Elapsed.TotalSeconds);
    }

    // Recalls every cue row (of item targets[i]) with `cue` clamped and scores each free modality.
    private static List<HarmonicPairResult> Score(
        Context context, HarmonicNetwork network, string model, string cue, string kind, Tensor cues, int[] targets, Dictionary<string, Tensor>? shown, string? label)
    {
        // A few cues first, untimed, so that the timing leaves out JIT compilation.
        network.Recall(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [cue] = cues.Rows(0, Math.Min(8, cues.Shape[0])) }, context.Options);
        var stopwatch = Stopwatch.StartNew();
        IReadOnlyList<HarmonicResult> results = network.Recall(
            new Dictionary<string, Tensor>(StringComparer.Ordinal) { [cue] = cues }, context.Options, targets, cancellationToken: context.Settings.Cancellation);
        double micro = stopwatch.Elapsed.TotalMilliseconds * 1000 / results.Count;
        var rows = new List<HarmonicPairResult>();
        foreach (ModalityRecall first in results[0].Free)
        {
            string target = first.Modality;
            Tensor slots = network.Slots(target);
            double retrieved = 0, coherence = 0, metastable = 0, sweeps = 0;
            for (int i = 0; i < results.Count; i++)
            {
                ModalityRecall r = results[i][target];
                retrieved += r.Retrieved == true ? 1 : 0;
                metastable += r.Metastable ? 1 : 0;
                sweeps += results[i].Sweeps;
                coherence += TensorPrimitives.CosineSimilarity(results[i].States[target], slots.Row(targets[i]));
            }

            double ssim = double.NaN;
            if (target == Modality.ImageName)
            {
                Tensor decoded = ImageReadOut(context, network, results.Select(r => r.States[Modality.ImageName]).ToArray());
                Tensor truth = context.Codec.Decode(Gather(context.BaseCodes[Modality.ImageName], targets));
                ImageShape s = context.Codec.Shape;
                ssim = Ssim.Mean(truth.Span, decoded.Span, targets.Length, s.Height, s.Width, s.Channels);
                if (shown is not null && label is not null)
                {
                    shown[label] = decoded;
                }
            }

            int count = results.Count;
            var row = new HarmonicPairResult(model, cue, target, kind, count, retrieved / count, coherence / count, ssim, metastable / count, sweeps / count, micro);
            rows.Add(row);
            context.Settings.Say(Line(row));
        }

        return rows;
    }

    // The encoder alone: is the cue's base code nearest (cosine) to its own item's stored base code in the same modality?
    private static HarmonicPairResult Identify(Tensor stored, string modality, string kind, Tensor cues, int[] targets, Context context)
    {
        int hits = 0;
        double coherence = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            hits += Same(stored, Nearest(stored, cues.Row(i), cosine: true), targets[i]) ? 1 : 0;
            coherence += TensorPrimitives.CosineSimilarity(cues.Row(i), stored.Row(targets[i]));
        }

        var row = new HarmonicPairResult("encoder-nn", modality, modality, kind, targets.Length, hits / (double)targets.Length, coherence / targets.Length, double.NaN, 0, 0, double.NaN);
        context.Settings.Say(Line(row));
        return row;
    }

    // Dec(Σₙ pₙ zₙ), p = softmax(β ξₙ·x): the image attractor's read-out taken to the codec's code space through the stored items' base codes.
    private static Tensor ImageReadOut(Context context, HarmonicNetwork network, float[][] states) =>
        context.Codec.Decode(network.ReadOut(Modality.ImageName, states, context.BaseCodes[Modality.ImageName]));

    private static Tensor Gather(Tensor rows, int[] indices)
    {
        var result = new Tensor(indices.Length, rows.Shape[1]);
        for (int i = 0; i < indices.Length; i++)
        {
            rows.Row(indices[i]).CopyTo(result.Row(i));
        }

        return result;
    }

    // HEN over [image; text; audio] base codes (each slot scaled to mean norm 1), recalled from one slot.
    private static List<HarmonicPairResult> Hen(Dictionary<string, Tensor> baseCodes, string[] names, CancellationToken cancel)
    {
        RecallOptions options = HenEngine.Kind.DefaultOptions with { CueMode = CueMode.MaskedFree };
        HopfieldEncodingNetwork hen = HopfieldEncodingNetwork.Store(s_modalities.Select(m => new SlotCodes(m, baseCodes[m])).ToArray(), options, names);
        int n = names.Length;
        int[] all = Enumerable.Range(0, n).ToArray();
        var rows = new List<HarmonicPairResult>();
        foreach (string cue in s_modalities)
        {
            hen.Recall(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [cue] = baseCodes[cue].Rows(0, Math.Min(8, n)) }, null, options, cancellationToken: cancel);
            var stopwatch = Stopwatch.StartNew();
            HenRecall recall = hen.Recall(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [cue] = baseCodes[cue] }, all, options, cancellationToken: cancel);
            double micro = stopwatch.Elapsed.TotalMilliseconds * 1000 / n;
            double steps = recall.Results.Average(r => r.Steps), metastable = recall.MetastableFraction;
            foreach (string target in s_modalities.Where(m => m != cue))
            {
                Tensor state = recall.SlotState(target), stored = baseCodes[target];
                double hits = 0, coherence = 0;
                for (int i = 0; i < n; i++)
                {
                    int nearest = Nearest(stored, state.Row(i), cosine: true);
                    hits += Same(stored, nearest, i) ? 1 : 0;
                    coherence += TensorPrimitives.CosineSimilarity(state.Row(i), stored.Row(i));
                }

                rows.Add(new HarmonicPairResult("hen", cue, target, "stored", n, hits / n, coherence / n, double.NaN, metastable, steps, micro));
            }
        }

        return rows;
    }

    // argmax over stored targets of φ_cueᵀ A φ_target; a pair with no coupling goes through the modality coupled to both (text).
    private static List<HarmonicPairResult> Projection(HarmonicNetwork network, Dictionary<string, Tensor> adapted, string label)
    {
        IReadOnlyList<HarmonicCoupling> couplings = network.Couplings;
        var rows = new List<HarmonicPairResult>();
        foreach (string cue in s_modalities)
        {
            foreach (string target in s_modalities.Where(m => m != cue))
            {
                Tensor stored = adapted[target];
                int n = stored.Shape[0];
                var stopwatch = Stopwatch.StartNew();
                int[] chosen;
                string kind;
                if (couplings.Any(c => c.Pair.Joins(cue, target)))
                {
                    chosen = Argmax(couplings, cue, target, adapted[cue], stored);
                    kind = "stored";
                }
                else
                {
                    string via = s_modalities.First(m => m != cue && m != target);
                    int[] middle = Argmax(couplings, cue, via, adapted[cue], adapted[via]);
                    chosen = Argmax(couplings, via, target, Gather(adapted[via], middle), stored);
                    kind = $"stored, via {via}";
                }

                double micro = stopwatch.Elapsed.TotalMilliseconds * 1000 / n;
                double hits = 0, coherence = 0;
                for (int i = 0; i < n; i++)
                {
                    hits += Same(stored, chosen[i], i) ? 1 : 0;
                    coherence += TensorPrimitives.CosineSimilarity(stored.Row(chosen[i]), stored.Row(i));
                }

                rows.Add(new HarmonicPairResult(label, cue, target, kind, n, hits / n, coherence / n, double.NaN, 0, 0, micro));
            }
        }

        return rows;
    }

    private static int[] Argmax(IReadOnlyList<HarmonicCoupling> couplings, string cue, string target, Tensor cues, Tensor stored)
    {
        HarmonicCoupling coupling = couplings.First(c => c.Pair.Joins(cue, target));
        Tensor a = coupling.Dense();

        // A is d_First × d_Second; the cue's field on the target is Aᵀx (cue first) or A x (cue second).
        bool cueFirst = coupling.First == cue;
        var field = new Tensor(cues.Shape[0], stored.Shape[1]);
        Gemm.Multiply(cues, a, field, transposeB: !cueFirst);
        var scores = new Tensor(cues.Shape[0], stored.Shape[0]);
        Gemm.Multiply(field, stored, scores, transposeB: true);
        var result = new int[cues.Shape[0]];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = TensorPrimitives.IndexOfMax(scores.Row(i));
        }

        return result;
    }

    private static int Nearest(Tensor stored, ReadOnlySpan<float> state, bool cosine)
    {
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int j = 0; j < stored.Shape[0]; j++)
        {
            double s = cosine ? TensorPrimitives.CosineSimilarity(stored.Row(j), state) : -TensorPrimitives.Distance(stored.Row(j), state);
            if (s > bestScore)
            {
                (best, bestScore) = (j, s);
            }
        }

        return best;
    }

    private static bool Same(Tensor stored, int a, int b) => a == b || stored.Row(a).SequenceEqual(stored.Row(b));

    // Top singular directions of A (from the eigenvectors of AᵀA) and the categories at their ends.
    private static (double[] Sigma, List<CouplingDirection> Top) Directions(HarmonicCoupling coupling, Dictionary<string, Tensor> adapted, string[] categories)
    {
        Tensor a = coupling.Dense();
        int rows = a.Shape[0], cols = a.Shape[1];
        var gram = new double[cols, cols];
        for (int i = 0; i < cols; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int r = 0; r < rows; r++)
                {
                    s += (double)a.Span[(r * cols) + i] * a.Span[(r * cols) + j];
                }

                gram[i, j] = s;
            }
        }

        (double[] values, double[,] vectors) = Jacobi(gram);
        int[] order = Enumerable.Range(0, cols).OrderByDescending(i => values[i]).ToArray();
        double[] sigma = order.Select(i => Math.Sqrt(Math.Max(0, values[i]))).ToArray();
        var top = new List<CouplingDirection>();
        Tensor codes = adapted[coupling.First];
        for (int t = 0; t < Math.Min(2, cols); t++)
        {
            // u = A v / σ: the direction in the first modality's space that the coupling reads.
            var u = new float[rows];
            for (int r = 0; r < rows; r++)
            {
                double s = 0;
                for (int c = 0; c < cols; c++)
                {
                    s += a.Span[(r * cols) + c] * vectors[c, order[t]];
                }

                u[r] = (float)(s / Math.Max(sigma[t], 1e-12));
            }

            double[] projection = Enumerable.Range(0, codes.Shape[0]).Select(i => (double)TensorPrimitives.Dot(codes.Row(i), u)).ToArray();
            double mean = projection.Average(), total = projection.Sum(p => (p - mean) * (p - mean));
            var groups = projection.Select((p, i) => (p, c: categories[i])).GroupBy(x => x.c, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (Mean: g.Average(x => x.p), Count: g.Count()), StringComparer.Ordinal);
            double between = groups.Values.Sum(g => g.Count * (g.Mean - mean) * (g.Mean - mean));
            // The ends are taken over categories of at least 10 items, whose means are not two or three items' noise.
            var large = groups.Where(g => g.Value.Count >= 10).DefaultIfEmpty(groups.First()).ToArray();
            var low = large.MinBy(g => g.Value.Mean);
            var high = large.MaxBy(g => g.Value.Mean);
            top.Add(new CouplingDirection(coupling.Pair.ToString(), t + 1, sigma[t], total > 0 ? between / total : 0, low.Key, low.Value.Mean, high.Key, high.Value.Mean,
                groups.OrderBy(g => g.Value.Mean).ToDictionary(g => g.Key, g => Math.Round(g.Value.Mean, 4), StringComparer.Ordinal)));
        }

        return (sigma, top);
    }

    // Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (small d: 64).
    private static (double[] Values, double[,] Vectors) Jacobi(double[,] matrix)
    {
        int d = matrix.GetLength(0);
        var m = (double[,])matrix.Clone();
        var v = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            v[i, i] = 1;
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < d; p++)
            {
                for (int q = p + 1; q < d; q++)
                {
                    off += m[p, q] * m[p, q];
                }
            }

            if (off < 1e-22)
            {
                break;
            }

            for (int p = 0; p < d; p++)
            {
                for (int q = p + 1; q < d; q++)
                {
                    if (Math.Abs(m[p, q]) < 1e-300)
                    {
                        continue;
                    }

                    double theta = (m[q, q] - m[p, p]) / (2 * m[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                    for (int k = 0; k < d; k++)
                    {
                        double mkp = m[k, p], mkq = m[k, q];
                        m[k, p] = (c * mkp) - (s * mkq);
                        m[k, q] = (s * mkp) + (c * mkq);
                    }

                    for (int k = 0; k < d; k++)
                    {
                        double mpk = m[p, k], mqk = m[q, k];
                        m[p, k] = (c * mpk) - (s * mqk);
                        m[q, k] = (s * mpk) + (c * mqk);
                    }

                    for (int k = 0; k < d; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = (c * vkp) - (s * vkq);
                        v[k, q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        return (Enumerable.Range(0, d).Select(i => m[i, i]).ToArray(), v);
    }

    private static ExperimentRow Row(HarmonicPairResult r, HarmonicSettings settings, int n) => new()
    {
        Experiment = "harmonic",
        Dataset = $"emoji/{r.CueKind}",
        Encoder = r.Model,
        Similarity = r.Model == "hen" ? "l2" : "dot",
        CueMode = $"{r.Cue}→{r.Target}",
        Beta = r.Model == "hen" ? HenEngine.Kind.DefaultOptions.Beta : settings.Beta,
        N = n,
        Accuracy = r.Accuracy,
        MetastableFraction = r.Metastable,
        OneMinusSsim = 1 - r.Ssim,
        Mse = double.NaN,
        Seconds = double.IsNaN(r.MicrosecondsPerRecall) ? 0 : r.MicrosecondsPerRecall * r.Count / 1e6,
    };

    private static string Line(HarmonicPairResult r) => string.Create(CultureInfo.InvariantCulture,
        $"  {r.Model} {r.CueKind} {r.Cue} → {r.Target}: accuracy {r.Accuracy:F4}, coherence {r.Coherence:F4}{(double.IsNaN(r.Ssim) ? "" : $", SSIM {r.Ssim:F4}")}, " +
        $"metastable {r.Metastable:F4}, sweeps {r.MeanSweeps:F2}, {r.MicrosecondsPerRecall:F0} µs/recall ({r.Count:N0} cues)");

    /// <summary>Pair results as a Markdown table.</summary>
    public static string PairTable(IEnumerable<HarmonicPairResult> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new System.Text.StringBuilder();
        text.AppendLine("| model | cue | cue → target | cues | accuracy | coherence | SSIM | metastable | sweeps | µs / recall |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (HarmonicPairResult r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Model} | {r.CueKind} | {r.Cue} → {r.Target} | {r.Count:N0} | {r.Accuracy:F4} | {r.Coherence:F4} | {(double.IsNaN(r.Ssim) ? "–" : r.Ssim.ToString("F4", CultureInfo.InvariantCulture))} | {r.Metastable:F4} | {r.MeanSweeps:F2} | {(double.IsNaN(r.MicrosecondsPerRecall) ? "–" : r.MicrosecondsPerRecall.ToString("F0", CultureInfo.InvariantCulture))} |"));
        }

        return text.ToString();
    }

    private static string DirectionTable(IEnumerable<CouplingDirection> rows)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("| coupling | direction | σ | η² | low end | mean | high end | mean |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (CouplingDirection r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Coupling} | {r.Index} | {r.SingularValue:F3} | {r.Separation:F3} | {r.LowCategory} | {r.LowMean:F3} | {r.HighCategory} | {r.HighMean:F3} |"));
        }

        return text.ToString();
    }

    private static string ExampleGrid(IImageCodec codec, Tensor imageCodes, Dictionary<string, Tensor> shown, string[] names, int examples)
    {
        int count = Math.Min(examples, names.Length);
        Tensor truth = codec.Decode(imageCodes.Rows(0, count));
        var cells = new List<IReadOnlyList<Image?>>();
        for (int i = 0; i < count; i++)
        {
            var row = new List<Image?> { ImageTrial.ToImage(truth, i, codec.Shape) };
            row.AddRange(shown.Values.Select(decoded => (Image?)ImageTrial.ToImage(decoded, i, codec.Shape)));

            cells.Add(row);
        }

        return SvgFigure.ImageGrid("Images completed from other modalities' cues (decoded attractor read-out)", names.Take(count).ToArray(), ["Dec(stored code)", .. shown.Keys], cells);
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
