using System.Diagnostics;
using System.Globalization;
using System.Text;
using Engram.Data.Audio;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Evaluation.Experiments;

/// <summary>What <see cref="ConfidenceExperiment.Run"/> measures on.</summary>
public sealed record ConfidenceSettings
{
    /// <summary>The folder with emoji-autoencoder, emoji-text, emoji-speech and fmnist-local-autoencoder weights.</summary>
    public required string ModelsFolder { get; init; }

    /// <summary>At most this many emoji are stored (the first, in the package's order).</summary>
    public int EmojiItems { get; init; } = int.MaxValue;

    /// <summary>Fashion-MNIST training images stored (the first, in file order); 0 leaves the Fashion-MNIST memory out.</summary>
    public int FashionItems { get; init; } = 60_000;

    /// <summary>Cues per Fashion-MNIST cue set (evenly spaced stored items, the first test images, the first emoji).</summary>
    public int FashionCues { get; init; } = 1000;

    /// <summary>Emoji stored in the memory with a speech slot (spoken by espeak-ng); 0 leaves it out.</summary>
    public int AudioItems { get; init; } = 300;

    /// <summary>σ of the Gaussian pixel noise of noisy image cues (pixels in [0, 1]).</summary>
    public double NoiseSigma { get; init; } = 0.1;

    /// <summary>Seeds the noise, the random letters and the typos: the same seed gives the same run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Receives a line per stage.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Checks the values, naming the setting that is wrong.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(ModelsFolder);
        ArgumentOutOfRangeException.ThrowIfLessThan(EmojiItems, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(FashionItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FashionCues);
        ArgumentOutOfRangeException.ThrowIfNegative(AudioItems);
        if (!(NoiseSigma >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseSigma), NoiseSigma, "σ must be ≥ 0.");
        }
    }

    internal void Say(string line) => Log?.Invoke(line);
}

/// <summary>
/// Whether a recall's "no match" verdict (<see cref="RecallConfidence"/>) tells cues from stored items from cues
/// from outside: on the emoji memory (image + caption) and on a Fashion-MNIST memory (image), every cue set is
/// recalled through <see cref="MultimodalMemory.Recall"/> as a user would, and the verdicts counted. Cues from stored
/// items (the captions themselves, captions with a word dropped, reordered or misspelt, half-hidden and noisy stored
/// images, names spoken in an unheard voice) should be matches: the fraction called "no match" is the false-alarm
/// rate. Cues from outside (random letters, words no caption uses, another data set's images, random pixels) should
/// be "no match": that fraction is the detection rate.
/// </summary>
public static class ConfidenceExperiment
{
    /// <summary>Words no emoji caption uses (checked at run time against the stored captions: any that one does is dropped).</summary>
    private static readonly string[] s_foreignWords =
    [
        "democracy", "algorithm", "mortgage", "philosophy", "spreadsheet", "carburetor", "photosynthesis", "bureaucracy", "syntax", "invoice",
        "thermostat", "jurisdiction", "subpoena", "amortization", "paradigm", "epistemology", "legislature", "compiler", "referendum", "pension",
        "voltage", "molecule", "tariff", "quarterly", "warranty", "affidavit", "semicolon", "inflation", "hypothesis", "parliament",
        "ligament", "catalyst", "audit", "sonnet", "gravel", "asphalt", "reservoir", "treaty", "thesis", "velocity",
    ];

    /// <summary>Runs every cue set and returns the report (one row per cue set, a Markdown table, the rule variants) and the cue sets' results.</summary>
    public static (ExperimentReport Report, IReadOnlyList<CueSetResult> CueSets) Run(ConfidenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var stopwatch = Stopwatch.StartNew();
        var report = new ExperimentReport("confidence",
            "How sure a recall is: the verdict \"no match\" (some cued slot's nearest stored item is below that slot's novelty threshold) on cues " +
            "made from stored items (false alarms) and cues from outside (detections), recalled through the memory as a user would.");
        var results = new List<CueSetResult>();
        Emoji(settings, results);
        if (settings.AudioItems > 0)
        {
            Audio(settings, results);
        }

        if (settings.FashionItems > 0)
        {
            Fashion(settings, results);
        }

        foreach (CueSetResult r in results)
        {
            report.Add(new ExperimentRow
            {
                Experiment = "confidence", Dataset = $"{r.Memory}: {r.From}", Encoder = string.Join("+", r.Slots), Similarity = "cosine", CueMode = r.Name, Beta = double.NaN, N = r.Count,
                Accuracy = r.CorrectRate, MetastableFraction = r.MetastableFraction, OneMinusSsim = double.NaN, Mse = double.NaN, TopWeight = r.MeanTopWeight,
            });
        }

        report.AddTable("verdicts", "Verdicts per cue set (no match: the fraction of cues called \"no match\"; for cues from stored items it is the false-alarm rate, for cues from outside the detection rate).", Markdown(results));
        report.AddTable("variants", "The same cues under other threshold rules (quantile q of the stored items' nearest-other-item cosines, less a margin): fraction called \"no match\".", VariantsMarkdown(results));
        report.AddSummary("cue_sets", results.Select(r => new
        {
            memory = r.Memory, cues = r.Name, from = r.From, slots = r.Slots, n = r.Count, no_match = r.NoMatch, no_match_rate = r.NoMatchRate,
            thresholds = r.Thresholds, median_nearest = r.MedianNearest, mean_margin = r.MeanMargin, mean_top_weight = r.MeanTopWeight,
            metastable_fraction = r.MetastableFraction, variants = r.Variants,
        }).ToArray());
        report.Settings["emoji_items"] = settings.EmojiItems;
        report.Settings["fashion_items"] = settings.FashionItems;
        report.Settings["fashion_cues"] = settings.FashionCues;
        report.Settings["audio_items"] = settings.AudioItems;
        report.Settings["noise_sigma"] = settings.NoiseSigma;
        report.Settings["seed"] = settings.Seed;
        report.Settings["rule"] = $"quantile {NoveltyThresholds.DefaultQuantile} of the nearest-other-item cosines of at most {NoveltyThresholds.DefaultSample} stored items, less {NoveltyThresholds.DefaultMargin}";
        report.Seconds = stopwatch.Elapsed.TotalSeconds;
        return (report, results);
    }

    /// <summary>The results of one cue set.</summary>
    public sealed record CueSetResult(
        string Memory, string Name, string From, IReadOnlyList<string> Slots, int Count, int NoMatch, int Metastable, double MeanTopWeight, double MeanMargin,
        IReadOnlyDictionary<string, double> Thresholds, IReadOnlyDictionary<string, double> MedianNearest, IReadOnlyDictionary<string, double> Variants)
    {
        /// <summary>The fraction called "no match".</summary>
        public double NoMatchRate => (double)NoMatch / Count;

        /// <summary>The fraction with the right verdict: match for cues from stored items, no match for cues from outside; NaN for held-out items of the stored kind, which may be either.</summary>
        public double CorrectRate => From switch { "stored" => 1 - NoMatchRate, "outside" => NoMatchRate, _ => double.NaN };

        /// <summary>The fraction whose final state was a mixture.</summary>
        public double MetastableFraction => (double)Metastable / Count;
    }

    private static (double Quantile, double Margin)[] Variants => [(0.05, 0.1), (0.05, 0), (0.1, 0), (0.25, 0), (0.5, 0), (0.75, 0)];

    private static void Emoji(ConfidenceSettings settings, List<CueSetResult> results)
    {
        IDataset dataset = EmojiDataset.Load(settings.EmojiItems);
        DatasetItem[] items = [.. dataset];
        string label = string.Create(CultureInfo.InvariantCulture, $"emoji {items.Length} (image+text)");
        settings.Say($"{label}: building from {dataset.Source}");
        MemoryEncoders encoders = MemoryEncoders.Open(Weights(settings, "emoji-autoencoder"), Weights(settings, "emoji-text"), null);
        var shape = encoders.Image!.Shape;
        Tensor images = DatasetImages.Load(items, shape.Height, grey: shape.Channels == 1);
        MultimodalMemory memory = MultimodalMemory.Build(items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray(), encoders, images);
        string[] captions = items.Select(i => i.Caption!).ToArray();
        var random = new Random(settings.Seed);
        string[] multiWord = captions.Where(c => Words(c).Length >= 2).ToArray();
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, shape.Height, shape.Width).SelectMany(m => Enumerable.Repeat(m, shape.Channels)).ToArray();

        var vocabulary = new HashSet<string>(captions.SelectMany(Words), StringComparer.Ordinal);
        string[] foreign = s_foreignWords.Where(w => !vocabulary.Contains(w)).ToArray();
        string[] foreignCaptions = foreign.Concat(foreign.Select((w, i) => $"{w} {foreign[(i + 7) % foreign.Length]}")).ToArray();
        string[] randomLetters = ["qwertyuiop zzz", .. Enumerable.Range(0, 199).Select(_ => RandomWords(random))];

        var cues = new List<(string Name, string From, MemoryCue[] Cues)>
        {
            ("stored captions", "stored", captions.Select(c => new MemoryCue(Text: c)).ToArray()),
            ("captions without their first word", "stored", multiWord.Select(c => new MemoryCue(Text: string.Join(' ', Words(c).Skip(1)))).ToArray()),
            ("captions in reverse word order", "stored", multiWord.Select(c => new MemoryCue(Text: string.Join(' ', Words(c).Reverse()))).ToArray()),
            ("captions with two letters swapped", "stored", captions.Select(c => new MemoryCue(Text: Typo(c, random))).ToArray()),
            ("stored images, bottom half hidden", "stored", Enumerable.Range(0, items.Length).Select(i => new MemoryCue(Image: Hidden(images.Row(i), mask), PixelMask: mask)).ToArray()),
            (Invariant($"stored images, noise σ {settings.NoiseSigma}"), "stored", Enumerable.Range(0, items.Length).Select(i => new MemoryCue(Image: Noise.Gaussian(images.Row(i), settings.NoiseSigma, random).Content)).ToArray()),
            ("half image + caption without first word", "stored", Enumerable.Range(0, items.Length).Where(i => Words(captions[i]).Length >= 2)
                .Select(i => new MemoryCue(Image: Hidden(images.Row(i), mask), PixelMask: mask, Text: string.Join(' ', Words(captions[i]).Skip(1)))).ToArray()),
            ("random letters (and \"qwertyuiop zzz\")", "outside", randomLetters.Select(c => new MemoryCue(Text: c)).ToArray()),
            (Invariant($"words no caption uses ({foreign.Length} words, alone and in pairs)"), "outside", foreignCaptions.Select(c => new MemoryCue(Text: c)).ToArray()),
        };
        if (settings.FashionItems > 0)
        {
            IDataset fashion = FashionMnistDataset.Load(train: false, Math.Min(settings.FashionCues, items.Length));
            Tensor foreignImages = DatasetImages.Load([.. fashion], shape.Height, grey: shape.Channels == 1);
            cues.Add(("Fashion-MNIST test images, resized", "outside", Enumerable.Range(0, foreignImages.RowCount).Select(i => new MemoryCue(Image: foreignImages.Row(i).ToArray())).ToArray()));
        }

        cues.Add(("random pixels", "outside", Enumerable.Range(0, 200).Select(_ => new MemoryCue(Image: RandomPixels(shape.Length, random))).ToArray()));
        Rules rules = VariantRules(memory);
        foreach (SlotNovelty slot in memory.NoveltyThresholds.Slots.Values)
        {
            settings.Say(Invariant($"{label}: {slot.Slot} stored items' nearest-other-item cosine deciles {string.Join(" ", slot.NearestDeciles.Select(d => d.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }

        foreach (var (name, from, set) in cues)
        {
            results.Add(Measure(settings, memory, rules, label, name, from, set));
        }
    }

    private static void Audio(ConfidenceSettings settings, List<CueSetResult> results)
    {
        SpeechSynthesizer? speech = SpeechSynthesizer.TryCreate();
        if (speech is null)
        {
            settings.Say("espeak-ng is not installed (Debian: apt-get install espeak-ng): the memory with a speech slot is left out.");
            return;
        }

        IDataset dataset = EmojiDataset.Load(settings.AudioItems);
        DatasetItem[] items = [.. dataset];
        string label = string.Create(CultureInfo.InvariantCulture, $"emoji {items.Length} (text+audio)");
        settings.Say($"{label}: speaking {items.Length} names in en-us");
        MemoryEncoders encoders = MemoryEncoders.Open(null, Weights(settings, "emoji-text"), Weights(settings, "emoji-speech"));
        string[] captions = items.Select(i => i.Caption!).ToArray();
        AudioClip[] stored = captions.Select(c => speech.Speak(c, "en-us")).ToArray();
        MultimodalMemory memory = MultimodalMemory.Build(items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray(), encoders, audio: stored);
        var random = new Random(settings.Seed);
        settings.Say($"{label}: speaking the cues (en-gb+f2, en-us+m3, random letters)");
        var cues = new List<(string Name, string From, MemoryCue[] Cues)>
        {
            ("names spoken in the stored voice (en-us)", "stored", stored.Select(a => new MemoryCue(Audio: a)).ToArray()),
            ("names spoken in an unheard voice (en-gb+f2)", "stored", captions.Select(c => new MemoryCue(Audio: speech.Speak(c, "en-gb+f2"))).ToArray()),
            ("random letters spoken (en-us)", "outside", Enumerable.Range(0, 100).Select(_ => new MemoryCue(Audio: speech.Speak(RandomWords(random), "en-us"))).ToArray()),
        };
        Rules rules = VariantRules(memory);
        foreach (SlotNovelty slot in memory.NoveltyThresholds.Slots.Values)
        {
            settings.Say(Invariant($"{label}: {slot.Slot} stored items' nearest-other-item cosine deciles {string.Join(" ", slot.NearestDeciles.Select(d => d.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }

        foreach (var (name, from, set) in cues)
        {
            results.Add(Measure(settings, memory, rules, label, name, from, set));
        }
    }

    private static void Fashion(ConfidenceSettings settings, List<CueSetResult> results)
    {
        IDataset dataset = FashionMnistDataset.Load(train: true, settings.FashionItems);
        DatasetItem[] items = [.. dataset];
        string label = string.Create(CultureInfo.InvariantCulture, $"Fashion-MNIST {items.Length} (image)");
        settings.Say($"{label}: building from {dataset.Source}");
        MemoryEncoders encoders = MemoryEncoders.Open(Weights(settings, "fmnist-local-autoencoder"), null, null, new Encoders.ImageShape(1, 28, 28));
        var shape = encoders.Image!.Shape;
        Tensor images = DatasetImages.Load(items, shape.Height, grey: true);
        MultimodalMemory memory = MultimodalMemory.Build(items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray(), encoders, images);
        int count = Math.Min(settings.FashionCues, items.Length);
        int[] picked = Enumerable.Range(0, count).Select(i => (int)((long)i * items.Length / count)).ToArray();
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, shape.Height, shape.Width);
        var random = new Random(settings.Seed);
        IDataset test = FashionMnistDataset.Load(train: false, count);
        Tensor testImages = DatasetImages.Load([.. test], shape.Height, grey: true);
        IDataset emoji = EmojiDataset.Load(count);
        Tensor emojiImages = DatasetImages.Load([.. emoji], shape.Height, grey: true);
        var cues = new List<(string Name, string From, MemoryCue[] Cues)>
        {
            ("stored images", "stored", picked.Select(i => new MemoryCue(Image: images.Row(i).ToArray())).ToArray()),
            ("stored images, bottom half hidden", "stored", picked.Select(i => new MemoryCue(Image: Hidden(images.Row(i), mask), PixelMask: mask)).ToArray()),
            (Invariant($"stored images, noise σ {settings.NoiseSigma}"), "stored", picked.Select(i => new MemoryCue(Image: Noise.Gaussian(images.Row(i), settings.NoiseSigma, random).Content)).ToArray()),
            ("test images (not stored, same kind)", "held out", Enumerable.Range(0, testImages.RowCount).Select(i => new MemoryCue(Image: testImages.Row(i).ToArray())).ToArray()),
            ("emoji images, resized to 28×28 grey", "outside", Enumerable.Range(0, emojiImages.RowCount).Select(i => new MemoryCue(Image: emojiImages.Row(i).ToArray())).ToArray()),
            ("random pixels", "outside", Enumerable.Range(0, Math.Min(200, count)).Select(_ => new MemoryCue(Image: RandomPixels(shape.Length, random))).ToArray()),
        };
        Rules rules = VariantRules(memory);
        foreach (SlotNovelty slot in memory.NoveltyThresholds.Slots.Values)
        {
            settings.Say(Invariant($"{label}: {slot.Slot} stored items' nearest-other-item cosine deciles {string.Join(" ", slot.NearestDeciles.Select(d => d.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }

        foreach (var (name, from, set) in cues)
        {
            results.Add(Measure(settings, memory, rules, label, name, from, set));
        }
    }

    private sealed record Rules(IReadOnlyList<(string Name, NoveltyThresholds Thresholds)> Variants);

    // The memory's thresholds under every variant rule, calibrated once from its stored codes.
    private static Rules VariantRules(MultimodalMemory memory)
    {
        return new Rules(Variants.Select(v => (Invariant($"q {v.Quantile} − {v.Margin}"), memory.CalibrateNovelty(v.Quantile, v.Margin))).ToArray());
    }

    // Recalls every cue as a user would, counting verdicts; the nearest cosines also give the verdicts under the other rules.
    private static CueSetResult Measure(ConfidenceSettings settings, MultimodalMemory memory, Rules rules, string label, string name, string from, MemoryCue[] cues)
    {
        var recalls = new MemoryRecall[cues.Length];
        for (int i = 0; i < cues.Length; i++)
        {
            recalls[i] = memory.Recall(cues[i], runnersUp: 2);
        }

        string[] slots = recalls[0].Confidence.Slots.Select(s => s.Slot).ToArray();
        var variants = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (rule, thresholds) in rules.Variants)
        {
            int novel = recalls.Count(r => r.Confidence.Slots.Any(s => s.Nearest < thresholds[s.Slot].Threshold));
            variants[rule] = (double)novel / cues.Length;
        }

        var result = new CueSetResult(
            label, name, from, slots, cues.Length,
            recalls.Count(r => !r.Confidence.IsMatch),
            recalls.Count(r => r.Metastable),
            recalls.Average(r => r.TopWeight),
            recalls.Average(r => r.Confidence.Margin ?? 0),
            slots.ToDictionary(s => s, s => memory.NoveltyThresholds[s].Threshold, StringComparer.Ordinal),
            slots.ToDictionary(s => s, s => Median(recalls.Select(r => r.Confidence.Slots.Single(x => x.Slot == s).Nearest)), StringComparer.Ordinal),
            variants);
        settings.Say(Invariant($"  {label}, {name} ({from}): {result.NoMatch} of {result.Count} called no match ({result.NoMatchRate:P1}); ") +
            string.Join(", ", slots.Select(s => Invariant($"{s} nearest deciles {Deciles(recalls.Select(r => r.Confidence.Slots.Single(x => x.Slot == s).Nearest))}, threshold {result.Thresholds[s]:F3}"))));
        return result;
    }

    private static string Markdown(List<CueSetResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| memory | cues | from | slots | n | no match | rate | median nearest cosine | threshold | mean margin | mean top weight | metastable |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (CueSetResult r in results)
        {
            string nearest = string.Join(", ", r.MedianNearest.Select(p => Invariant($"{p.Key} {p.Value:F3}")));
            string thresholds = string.Join(", ", r.Thresholds.Select(p => Invariant($"{p.Key} {p.Value:F3}")));
            text.AppendLine(Invariant(
                $"| {r.Memory} | {r.Name} | {r.From} | {string.Join("+", r.Slots)} | {r.Count} | {r.NoMatch} | {r.NoMatchRate:P1} | {nearest} | {thresholds} | {r.MeanMargin:F3} | {r.MeanTopWeight:F4} | {r.MetastableFraction:P1} |"));
        }

        return text.ToString();
    }

    private static string VariantsMarkdown(List<CueSetResult> results)
    {
        var text = new StringBuilder();
        string[] names = results[0].Variants.Keys.ToArray();
        text.AppendLine("| memory | cues | from | " + string.Join(" | ", names) + " |");
        text.AppendLine("|---|---|---|" + string.Concat(names.Select(_ => "---|")));
        foreach (CueSetResult r in results)
        {
            text.AppendLine($"| {r.Memory} | {r.Name} | {r.From} | " + string.Join(" | ", names.Select(n => Invariant($"{r.Variants[n]:P1}"))) + " |");
        }

        return text.ToString();
    }

    private static string Weights(ConfidenceSettings settings, string name)
    {
        string path = Path.Combine(settings.ModelsFolder, name + ".safetensors");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"No trained weights at {path}: train them with `engram train` (see data/models/MANIFEST.md) or pass --models FOLDER.", path);
    }

    private static string[] Words(string caption) => caption.ToLowerInvariant().Split([' ', '-', ':', ',', '.', '(', ')', '&', '!', '’', '\''], StringSplitOptions.RemoveEmptyEntries);

    private static float[] Hidden(ReadOnlySpan<float> image, float[] mask)
    {
        float[] hidden = image.ToArray();
        for (int i = 0; i < hidden.Length; i++)
        {
            hidden[i] *= mask[i];
        }

        return hidden;
    }

    // Two adjacent letters of the caption's longest word swapped (a typo); a caption without a word of two letters stays as it is.
    private static string Typo(string caption, Random random)
    {
        string[] words = caption.Split(' ');
        int longest = Array.IndexOf(words, words.MaxBy(w => w.Length));
        string word = words[longest];
        if (word.Length < 2)
        {
            return caption;
        }

        int at = random.Next(word.Length - 1);
        char[] letters = word.ToCharArray();
        (letters[at], letters[at + 1]) = (letters[at + 1], letters[at]);
        words[longest] = new string(letters);
        return string.Join(' ', words);
    }

    // One to three words of three to nine random lowercase letters.
    private static string RandomWords(Random random) =>
        string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => new string(Enumerable.Range(0, random.Next(3, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray())));

    private static float[] RandomPixels(int length, Random random) => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();

    private static string Deciles(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return string.Join(" ", Enumerable.Range(1, 9).Select(d => sorted[(int)Math.Round(d / 10.0 * (sorted.Length - 1))].ToString("F2", CultureInfo.InvariantCulture)));
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
