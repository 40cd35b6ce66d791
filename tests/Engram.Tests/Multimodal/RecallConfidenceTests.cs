using Engram.Data;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Tests.Multimodal;

/// <summary>How sure a recall is: cosines per cued slot, the ranking, the margin, and novelty against calibrated thresholds.</summary>
public sealed class RecallConfidenceTests
{
    private static Tensor Rows(params float[][] rows) => Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    private static Dictionary<string, Tensor> Slots(params (string Name, Tensor Codes)[] slots) => slots.ToDictionary(s => s.Name, s => s.Codes, StringComparer.Ordinal);

    private static double Cosine(float[] a, float[] b, float[]? mask = null)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double m = mask?[i] ?? 1;
            dot += m * a[i] * b[i];
            na += m * a[i] * a[i];
            nb += m * b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    // Float64 restatement of the rule: each item's cosine to its nearest other item, sorted, the quantile interpolated, less the margin.
    private static double ReferenceThreshold(float[][] rows, double quantile, double margin)
    {
        double[] nearest = rows.Select((r, i) => rows.Where((_, j) => j != i).Max(o => Cosine(r, o))).Order().ToArray();
        double position = quantile * (nearest.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, nearest.Length - 1);
        return nearest[below] + ((position - below) * (nearest[above] - nearest[below])) - margin;
    }

    [Fact]
    public void Should_calibrate_each_slot_at_the_quantile_of_the_nearest_other_item_cosines()
    {
        // Given five stored items in one slot
        var random = new Random(3);
        float[][] rows = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 7).Select(_ => (float)random.NextDouble() - 0.3f).ToArray()).ToArray();

        // When the thresholds are calibrated at two rules
        NoveltyThresholds median = NoveltyThresholds.Calibrate(Slots(("image", Rows(rows))), quantile: 0.5, margin: 0);
        NoveltyThresholds low = NoveltyThresholds.Calibrate(Slots(("image", Rows(rows))), quantile: 0.1, margin: 0.05);

        // Then each is the float64 rule's value, and the same codes give the same thresholds
        Assert.Equal(ReferenceThreshold(rows, 0.5, 0), median["image"].Threshold, 5);
        Assert.Equal(ReferenceThreshold(rows, 0.1, 0.05), low["image"].Threshold, 5);
        Assert.Equal(5, median["image"].Sampled);
        Assert.Equal(median["image"].Threshold, NoveltyThresholds.Calibrate(Slots(("image", Rows(rows))), quantile: 0.5, margin: 0)["image"].Threshold);
    }

    [Fact]
    public void Should_leave_every_cue_a_match_when_the_memory_holds_one_item()
    {
        NoveltyThresholds one = NoveltyThresholds.Calibrate(Slots(("text", Rows([1f, 0f]))));
        Assert.Equal(0, one["text"].Sampled);

        RecallConfidence c = RecallConfidence.Assess(Slots(("text", Rows([0f, 1f]))), Slots(), Slots(("text", Rows([1f, 0f]))), one, 0, 5);
        Assert.True(c.IsMatch);
        Assert.Null(c.Margin);
    }

    [Fact]
    public void Should_rank_items_by_cue_similarity_and_give_the_margin_to_the_second()
    {
        // Given three stored items in two slots and a cue in one of them
        Tensor image = Rows([1f, 0f, 0f], [0.8f, 0.6f, 0f], [0f, 0f, 1f]);
        Tensor text = Rows([1f, 1f], [1f, -1f], [0f, 1f]);
        var stored = Slots(("image", image), ("text", text));
        NoveltyThresholds thresholds = NoveltyThresholds.Calibrate(stored, quantile: 0, margin: 0);
        float[] cue = [0.9f, 0.5f, 0.1f];

        // When a recall that returned item 2 is assessed
        RecallConfidence c = RecallConfidence.Assess(Slots(("image", Rows(cue))), Slots(), stored, thresholds, recalledIndex: 2, runnersUp: 3);

        // Then the similarity is the cue's cosine to item 2, the ranking is by cosine, and the margin is best minus second
        double[] cosines = [Cosine(cue, [1f, 0f, 0f]), Cosine(cue, [0.8f, 0.6f, 0f]), Cosine(cue, [0f, 0f, 1f])];
        Assert.Equal(cosines[2], c.Similarity, 5);
        Assert.Equal(cosines[2], Assert.Single(c.Slots).Similarity, 5);
        Assert.Equal([1, 0, 2], c.Ranked.Select(r => r.Index));
        Assert.Equal(1, c.BestIndex);
        Assert.Equal(cosines[1] - cosines[0], c.Margin!.Value, 5);
        Assert.Equal(1, c.Slots[0].NearestIndex);
        Assert.Equal(cosines[1], c.Slots[0].Nearest, 5);
    }

    [Fact]
    public void Should_compare_a_masked_cue_on_its_observed_components_only()
    {
        // Given a stored item and a cue equal to it on the observed half and unlike it on the hidden half
        float[] item = [0.3f, -0.2f, 0.9f, 0.4f, 0.1f, -0.7f];
        float[] cue = [0.3f, -0.2f, 0.9f, -5f, 3f, 2f];
        float[] mask = [1f, 1f, 1f, 0f, 0f, 0f];
        var stored = Slots(("image", Rows(item, [0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f])));

        // When it is assessed with and without its mask
        RecallConfidence masked = RecallConfidence.Assess(Slots(("image", Rows(cue))), Slots(("image", Rows(mask))), stored, NoveltyThresholds.Calibrate(stored), 0, 2);
        RecallConfidence whole = RecallConfidence.Assess(Slots(("image", Rows(cue))), Slots(), stored, NoveltyThresholds.Calibrate(stored), 0, 2);

        // Then over the observed components it is the item itself, and over all of them it is not
        Assert.Equal(1.0, masked.Similarity, 5);
        Assert.Equal(3, masked.Slots[0].Observed);
        Assert.Equal(Cosine(cue, item), whole.Similarity, 5);
        Assert.True(whole.Similarity < 0.5);
    }

    [Fact]
    public void Should_say_no_match_naming_the_slot_and_threshold_when_a_cued_slot_is_far_from_every_item()
    {
        // Given stored items close to each other in the text slot and a cue orthogonal to all of them
        Tensor text = Rows([1f, 0.1f, 0f], [1f, 0.2f, 0f], [1f, 0f, 0.1f]);
        var stored = Slots(("text", text), ("image", Rows([1f, 0f], [0f, 1f], [1f, 1f])));
        NoveltyThresholds thresholds = NoveltyThresholds.Calibrate(stored);

        // When the far cue and a stored item's own code are assessed
        RecallConfidence far = RecallConfidence.Assess(Slots(("text", Rows([0f, 0f, 1f]))), Slots(), stored, thresholds, 2, 3);
        RecallConfidence near = RecallConfidence.Assess(Slots(("text", Rows([1f, 0.2f, 0f]))), Slots(), stored, thresholds, 1, 3);

        // Then the far one is no match, and says which slot and which threshold; the stored one is a match
        Assert.Equal(RecallVerdict.NoMatch, far.Verdict);
        Assert.True(far.Slots[0].Novel);
        Assert.Contains("text", far.Reason, StringComparison.Ordinal);
        Assert.Contains(thresholds["text"].Threshold.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), far.Reason, StringComparison.Ordinal);
        Assert.Equal(RecallVerdict.Match, near.Verdict);
        Assert.Equal(1.0, near.Similarity, 5);
    }

    [Fact]
    public void Should_refuse_a_cue_slot_without_stored_codes_or_of_another_length()
    {
        var stored = Slots(("text", Rows([1f, 0f], [0f, 1f])));
        NoveltyThresholds thresholds = NoveltyThresholds.Calibrate(stored);

        Assert.Contains("no stored codes", Assert.Throws<ArgumentException>(
            () => RecallConfidence.Assess(Slots(("image", Rows([1f, 0f]))), Slots(), stored, thresholds, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("3 components", Assert.Throws<ArgumentException>(
            () => RecallConfidence.Assess(Slots(("text", Rows([1f, 0f, 0f]))), Slots(), stored, thresholds, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => NoveltyThresholds.Calibrate(stored, quantile: 1.5));
    }

    // Captions of no word any emoji name uses.
    private static readonly string[] Gibberish = ["qwertyuiop asdfghjkl", "zxcvbnm", "blorp fnord"];

    [Fact]
    public void Should_call_a_foreign_image_no_match_and_a_stored_caption_a_match_in_the_shipped_emoji_memory()
    {
        // Given the shipped emoji memory: every shipped emoji, [image; caption], with the shipped encoders
        string models = ShippedData.Find("models")!;
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped");
        MemoryEncoders encoders = MemoryEncoders.Open(Path.Combine(models, "emoji-autoencoder.safetensors"), Path.Combine(models, "emoji-text.safetensors"), null);
        Tensor images = DatasetImages.Load(emoji, encoders.Image!.Shape.Height, grey: false);
        MultimodalMemory memory = MultimodalMemory.Build(emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, images);

        // When it is cued with nonsense, with a stored caption and with a stored image's top half
        Tensor clothes = DatasetImages.Load([.. FashionMnistDataset.Load(train: false, 20)], 32, grey: false);
        MemoryRecall[] foreign = [.. Enumerable.Range(0, clothes.RowCount).Select(i => memory.Recall(new MemoryCue(Image: clothes.Row(i).ToArray())))];
        MemoryRecall nonsense = foreign.First(r => !r.Confidence.IsMatch);
        MemoryRecall withZzz = memory.Recall(new MemoryCue(Text: "qwertyuiop zzz"));
        MemoryRecall[] gibberish = [.. Gibberish.Select(t => memory.Recall(new MemoryCue(Text: t)))];
        MemoryRecall stored = memory.Recall(new MemoryCue(Text: emoji[10].Caption));
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, 32, 32).SelectMany(m => new[] { m, m, m }).ToArray();
        MemoryRecall half = memory.Recall(new MemoryCue(Image: Occlusion.Apply(images.Rows(10, 1), mask).Span.ToArray(), PixelMask: mask));

        // Then many Fashion-MNIST images are no match (naming the image slot), though their softmax weights are as high as a right answer's
        Assert.True(foreign.Count(r => !r.Confidence.IsMatch) >= 5, string.Join("; ", foreign.Select(r => r.Confidence.Reason)));
        Assert.Contains("the cue's image is far from every stored item", nonsense.Confidence.Reason, StringComparison.Ordinal);
        Assert.True(nonsense.Confidence.Slots[0].Nearest < memory.NoveltyThresholds["image"].Threshold);

        // A caption of no word the memory knows is no match, though it recalls some item at top weight 1
        Assert.All(gibberish, r => Assert.Equal(RecallVerdict.NoMatch, r.Confidence.Verdict));
        Assert.All(gibberish, r => Assert.Equal(1.0, r.TopWeight, 3));

        // "qwertyuiop zzz", the nonsense a new user tried: its code is near the sleeping symbol's (the text encoder learned
        // "zzz" as its name, so in code space alone it would pass), but its spelling shares almost nothing with any caption
        Assert.Equal(RecallVerdict.NoMatch, withZzz.Confidence.Verdict);
        Assert.Contains(MultimodalMemory.SpellingSlot, withZzz.Confidence.Reason, StringComparison.Ordinal);
        Assert.True(withZzz.Confidence.Slots.Single(s => s.Slot == "text").Nearest >= memory.NoveltyThresholds["text"].Threshold, withZzz.Confidence.Reason);

        // and the stored caption is a match with similarity 1 to its item, which heads the runners-up
        Assert.Equal(RecallVerdict.Match, stored.Confidence.Verdict);
        Assert.Equal(emoji[10].Id, stored.Id);
        Assert.Equal(1.0, stored.Confidence.Similarity, 4);
        Assert.Equal(10, stored.RunnersUp[0].Index);
        Assert.Equal(1.0, stored.RunnersUp[0].Similarity!.Value, 4);
        Assert.True(stored.RunnersUp.Zip(stored.RunnersUp.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));
        Assert.Equal(RecallVerdict.Match, half.Confidence.Verdict);
    }
}
