using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Nn;

namespace Engram.Tests.Hen;

public sealed class HopfieldEncodingNetworkTests
{
    private static Tensor Random(int n, int d, ulong seed, double scale = 1)
    {
        var random = new Rng(seed);
        return Tensor.FromArray(Enumerable.Range(0, n * d).Select(_ => (float)(scale * random.NextNormal())).ToArray(), n, d);
    }

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    [Fact]
    public void Each_slot_is_scaled_to_its_weight_in_mean_norm_and_recalled_states_come_back_unscaled()
    {
        // Given an image slot of norm ~30 and a text slot of norm ~1, weighted 1 and 2
        Tensor image = Random(20, 50, 1, scale: 30 / Math.Sqrt(50)), text = Random(20, 8, 2, scale: 1 / Math.Sqrt(8));
        var hen = HopfieldEncodingNetwork.Store([new SlotCodes("image", image), new SlotCodes("text", text, 2f)], new RecallOptions { Beta = 20f });

        // Then each slot's stored part has mean norm equal to its weight
        double MeanNorm(int offset, int length) => Enumerable.Range(0, 20).Average(n => (double)System.Numerics.Tensors.TensorPrimitives.Norm(hen.Memory.Bank[n].Slice(offset, length)));
        Support.Tolerance.Close(1, MeanNorm(0, 50), 1e-5);
        Support.Tolerance.Close(2, MeanNorm(50, 8), 1e-5);

        // And recall from the text slot alone returns every item with both slots as the codes that were stored
        HenRecall recall = hen.Recall(new Dictionary<string, Tensor> { ["text"] = text }, Enumerable.Range(0, 20).ToArray(), new RecallOptions { Beta = 20f, Similarity = Similarity.L2, CueMode = CueMode.Masked });
        Assert.Equal(1.0, recall.Accuracy);
        Tensor images = recall.SlotState("image");
        Support.Tolerance.AllClose(image.Span.ToArray().Select(v => (double)v).ToArray(), images.Span, 1e-3, 1e-3, "recalled image slot");
        Support.Tolerance.AllClose(image.Span.ToArray().Select(v => (double)v).ToArray(), hen.StoredCodes("image").Span, 1e-5, 1e-5, "stored image slot");
    }

    [Fact]
    public void Should_flag_items_whose_cue_slot_is_identical_or_nearly_so_and_recall_a_mixture_of_them()
    {
        // Given items 3 and 7 sharing one caption code, and item 5's a hair away from item 1's
        Tensor image = Random(10, 16, 3), text = Random(10, 8, 4);
        text.Span.Slice(3 * 8, 8).CopyTo(text.Span.Slice(7 * 8, 8));
        text.Span.Slice(1 * 8, 8).CopyTo(text.Span.Slice(5 * 8, 8));
        text.Span[5 * 8] += 1e-4f;
        string[] ids = Enumerable.Range(0, 10).Select(i => $"item-{i}").ToArray();

        // When they are stored
        var hen = HopfieldEncodingNetwork.Store([new SlotCodes("image", image), new SlotCodes("text", text)], itemIds: ids);

        // Then the check names both pairs in the text slot, and nothing in the image slot
        Assert.Equal([("text", 1, 5), ("text", 3, 7)], hen.Collisions.Select(c => (c.Slot, c.First, c.Second)).Order());
        string[] warnings = hen.Warnings.ToArray();
        Assert.Contains(warnings, w => w.Contains("items item-3 and item-7 have identical codes", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("items item-1 and item-5 have nearly identical codes", StringComparison.Ordinal));

        // And the caption of item 3 recalls a mixture of 3 and 7 (each about half the weight), not either one
        HenRecall recall = hen.Recall(new Dictionary<string, Tensor> { ["text"] = Tensor.FromArray(text.Span.Slice(3 * 8, 8).ToArray(), 1, 8) }, options: new RecallOptions { Beta = 50f, CueMode = CueMode.Masked });
        Assert.True(recall.Results[0].Metastable);
        Support.Tolerance.Close(0.5, recall.Results[0].TopWeight, 0, 0.01, "top weight");

        // With tolerance 0 only the identical pair is flagged
        Assert.Single(HopfieldEncodingNetwork.Store([new SlotCodes("text", text)], uniquenessTolerance: 0).Collisions);
    }

    [Fact]
    public void Captions_recall_every_shipped_emoji_through_the_shipped_encoders()
    {
        // Given the 239 shipped emoji stored as [image code; text code] with the shipped encoders
        ConvImageCodec codec = ImageCodecs.Load(Model("emoji-autoencoder.safetensors"));
        NgramTextEncoder text = NgramTextEncoder.Load(Model("emoji-text.safetensors"));
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped");
        Tensor images = DatasetImages.Load(emoji, 32, grey: false);
        string[] names = emoji.Select(e => e.Captions[0]).ToArray();
        var hen = HopfieldEncodingNetwork.Store(
            [new SlotCodes("image", codec.Encode(images)), new SlotCodes("text", text.Encode(names))],
            new RecallOptions { Beta = 100f, CueMode = CueMode.Masked }, emoji.Select(e => e.Id).ToArray());
        Assert.Empty(hen.Collisions);

        // When each is recalled from its name alone
        int[] all = Enumerable.Range(0, emoji.Count).ToArray();
        HenRecall recall = hen.Recall(new Dictionary<string, Tensor> { ["text"] = text.Encode(names) }, all);

        // Then every item comes back, as a stored pattern, and its decoded image is the codec's own reconstruction
        Assert.Equal(1.0, recall.Accuracy);
        Assert.Equal(0.0, recall.MetastableFraction);
        Tensor decoded = codec.Decode(recall.SlotState("image"));
        Tensor reference = codec.Decode(hen.StoredCodes("image"));
        Assert.True(Engram.Evaluation.Metrics.MeanSquaredError(reference.Span, decoded.Span) < 1e-6);
    }

    [Fact]
    public void A_slot_mask_limits_the_similarity_to_the_observed_components_and_masked_free_lets_them_move()
    {
        // Given item 0 = [1, 0, 0, 0] and item 1 = [0, 1, 5, 5], and a cue whose observed half points at item 0
        var codes = Tensor.FromArray([1f, 0f, 0f, 0f, 0f, 1f, 5f, 5f], 2, 4);
        var hen = HopfieldEncodingNetwork.Store([new SlotCodes("image", codes)]);
        var cue = new Dictionary<string, Tensor> { ["image"] = Tensor.FromArray([0.9f, 0.1f, 5f, 5f], 1, 4) };
        var options = new RecallOptions { Beta = 1000f, Similarity = Similarity.L2, CueMode = CueMode.MaskedFree };

        // When recalled with only the first two components observed, and with all
        HenRecall masked = hen.Recall(cue, [0], options, new Dictionary<string, Tensor> { ["image"] = Tensor.FromArray([1f, 1f, 0f, 0f], 1, 4) });
        HenRecall whole = hen.Recall(cue, [0], options);

        // Then the mask decides, and the state settles on item 0 itself (nothing was clamped)
        Assert.Equal(0, masked.Results[0].Nearest);
        Assert.False(masked.Results[0].Metastable);
        Support.Tolerance.AllClose([1, 0, 0, 0], masked.SlotState("image").Span, 0, 1e-4, "state");
        Assert.Equal(1, whole.Results[0].Nearest);

        // And masks of the wrong shape, or for a slot the cue lacks, are refused
        var e = Assert.Throws<ArgumentException>(() => hen.Recall(cue, masks: new Dictionary<string, Tensor> { ["image"] = new Tensor(1, 3) }));
        Assert.Contains("The 'image' mask must be [1, 4] or [1, 4]; got [1, 3]", e.Message, StringComparison.Ordinal);
        var two = HopfieldEncodingNetwork.Store([new SlotCodes("image", codes), new SlotCodes("text", codes)]);
        e = Assert.Throws<ArgumentException>(() => two.Recall(cue, masks: new Dictionary<string, Tensor> { ["text"] = new Tensor(1, 4) }));
        Assert.Contains("mask is given for slot 'text', which the cue does not have", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Occluded_fashion_mnist_images_recall_their_items_through_the_autoencoder_and_a_code_mask()
    {
        // Given the 500 shipped test images stored as the shipped autoencoder's codes
        ConvImageCodec codec = ImageCodecs.Load(Model("fmnist-autoencoder.safetensors"));
        IdxData test = IdxFile.Read(Path.Combine(FashionMnist.ShippedDirectory()!, "t10k-images-idx3-ubyte.gz"), scale: 1.0 / 255);
        Tensor images = test.Items.Reshape(test.Count, 784);
        var hen = HopfieldEncodingNetwork.Store([new SlotCodes("image", codec.Encode(images))]);

        // When each is recalled from the code of its top half, comparing only the latent rows the visible pixels determine
        Tensor occluded = images.Clone();
        var pixels = new float[784];
        pixels.AsSpan(0, 14 * 28).Fill(1f);
        for (int i = 0; i < test.Count; i++)
        {
            occluded.Span.Slice((i * 784) + (14 * 28), 14 * 28).Clear();
        }

        float[] codeMask = codec.CodeMask(pixels);
        var options = new RecallOptions { Beta = 1000f, Similarity = Similarity.L2, CueMode = CueMode.MaskedFree };
        HenRecall recall = hen.Recall(
            new Dictionary<string, Tensor> { ["image"] = codec.Encode(occluded) }, Enumerable.Range(0, test.Count).ToArray(), options,
            new Dictionary<string, Tensor> { ["image"] = Tensor.FromArray(codeMask, 1, codeMask.Length) });

        // Then nearly all come back as stored patterns (measured when written: accuracy 0.9940, metastable 0); without the mask almost none do
        Assert.Equal(3 * 4 * 7, codeMask.Count(v => v == 1f));
        Assert.True(recall.Accuracy >= 0.98 && recall.MetastableFraction <= 0.01, $"accuracy {recall.Accuracy:F4}, metastable {recall.MetastableFraction:F4}");
        HenRecall unmasked = hen.Recall(new Dictionary<string, Tensor> { ["image"] = codec.Encode(occluded) }, Enumerable.Range(0, test.Count).ToArray(), options with { CueMode = CueMode.Full });
        Assert.True(unmasked.Accuracy < 0.2, $"without the code mask: accuracy {unmasked.Accuracy:F4}");
    }

    [Fact]
    public void Should_refuse_unknown_slots_and_cues_of_the_wrong_shape()
    {
        var hen = HopfieldEncodingNetwork.Store([new SlotCodes("image", Random(4, 6, 1)), new SlotCodes("text", Random(4, 3, 2))]);
        var e = Assert.Throws<ArgumentException>(() => hen.Recall(new Dictionary<string, Tensor> { ["audio"] = new Tensor(1, 3) }));
        Assert.Contains("no 'audio' slot; its slots are image, text", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => hen.Recall(new Dictionary<string, Tensor> { ["text"] = new Tensor(2, 4) }));
        Assert.Contains("The 'text' cue must be [2, 3]; got [2, 4]", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => HopfieldEncodingNetwork.Store([new SlotCodes("image", Random(4, 6, 1)), new SlotCodes("text", Random(5, 3, 2))]));
        Assert.Contains("Slot 'text' has codes [5, 3]", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => HopfieldEncodingNetwork.Store([new SlotCodes("image", new Tensor(4, 6))]));
        Assert.Contains("mean norm is 0", e.Message, StringComparison.Ordinal);
    }
}
