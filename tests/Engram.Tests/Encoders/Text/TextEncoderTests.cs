using Engram.Data.Text;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Evaluation;
using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Tests.Encoders.Text;

public sealed class TextEncoderTests : IDisposable
{
    private static readonly string[] s_words =
        ["red apple", "green pear", "yellow banana", "blue whale", "grey wolf", "black cat", "white swan", "brown bear",
         "pink flamingo", "orange fox", "purple grapes", "golden eagle", "silver moon", "spotted dog", "striped tiger", "rainbow trout"];

    private readonly string _folder = Directory.CreateTempSubdirectory("engram-text-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static NgramTextEncoder Create(int imageCodeLength, ulong seed = 1) =>
        new(new NgramTextConfig { Buckets = 512, Hidden = 64, Dimension = 16, ImageCodeLength = imageCodeLength }, new Rng(seed));

    [Theory]
    [InlineData("  Grinning   FACE ", "grinning face")]
    [InlineData("a\tb\nc", "a b c")]
    [InlineData("", "")]
    public void Normalize_lowers_case_and_collapses_white_space(string caption, string expected) =>
        Assert.Equal(expected, NgramTextEncoder.Normalize(caption));

    [Fact]
    public void Features_are_unit_vectors_that_ignore_case_and_spacing_and_tell_captions_apart()
    {
        NgramTextEncoder encoder = Create(4);
        NdArray<float> f = encoder.Features(["Red Apple", "red   apple", "green pear", ""]);
        float[] row(int i) => f.Data.AsSpan(i * 512, 512).ToArray();
        Support.Tolerance.Close(1, Math.Sqrt(row(0).Sum(v => (double)v * v)), 1e-6);
        Assert.Equal(row(0), row(1));
        Assert.NotEqual(row(0), row(2));
        Assert.All(row(3), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Should_learn_to_find_each_items_image_code_from_its_caption_and_from_another_wording()
    {
        // Given 16 items, each a random image code and two wordings of one caption
        int n = s_words.Length, length = 12;
        var random = new Rng(4);
        var codes = Tensor.FromArray(Enumerable.Range(0, n * length).Select(_ => (float)random.NextNormal()).ToArray(), n, length);
        IReadOnlyList<string>[] captions = s_words.Select(w => (IReadOnlyList<string>)[w, "a " + w.ToUpperInvariant()]).ToArray();
        NgramTextEncoder encoder = Create(length);

        // When it trains contrastively
        TrainingHistory history = TextEncoderTraining.Train(encoder, captions, codes, new TrainerOptions { Epochs = 150, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 10 }, temperature: 0.1f);

        // Then every caption, and every other wording, retrieves its own item among all 16
        Tensor targets = encoder.EncodeImageCodes(codes);
        int[] truth = Enumerable.Range(0, n).ToArray();
        Assert.Equal(1.0, Retrieval.Accuracy(encoder.Encode(s_words), targets, truth));
        Assert.Equal(1.0, Retrieval.Accuracy(encoder.Encode(s_words.Select(w => "a " + w).ToArray()), targets, truth));
        Assert.True(history.Epochs[^1].Metrics["loss"] < history.Epochs[0].Metrics["loss"] / 2, "the contrastive loss should fall to under half");
    }

    [Fact]
    public void Saved_encoder_loads_with_its_configuration_and_gives_the_same_codes()
    {
        NgramTextEncoder encoder = Create(7, seed: 3);
        string path = Path.Combine(_folder, "text.safetensors");
        encoder.Save(path);
        NgramTextEncoder loaded = NgramTextEncoder.Load(path);
        Assert.Equal(encoder.Config, loaded.Config);
        Assert.Equal(encoder.Encode(s_words).Span.ToArray(), loaded.Encode(s_words).Span.ToArray());
        Assert.Equal(ModelWeights.ParameterHash(encoder), loaded.WeightsHash);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_a_text_encoder_and_image_codes_of_the_wrong_length()
    {
        string path = Path.Combine(_folder, "codec.safetensors");
        ImageCodecs.Create(Images.ImageCodecTests.Tiny("autoencoder"), 1).Save(path);
        var e = Assert.Throws<InvalidDataException>(() => NgramTextEncoder.Load(path));
        Assert.Contains("not an Engram text encoder", e.Message, StringComparison.Ordinal);

        var wrong = Assert.Throws<ArgumentException>(() => Create(7).EncodeImageCodes(new Tensor(2, 8)));
        Assert.Contains("image codes of length 7; got [2, 8]", wrong.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() =>
            TextEncoderTraining.Train(Create(2), [["a"], []], new Tensor(2, 2), new TrainerOptions()));
        Assert.Contains("Item 1 has no caption", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixelized_text_renders_the_digest_at_the_codecs_size_and_tells_captions_apart()
    {
        // Given the identity codec on 28×28 grey and on 32×32 RGB
        var grey = new PixelizedTextEncoder(new IdentityCodec(new ImageShape(1, 28, 28)));
        var rgb = new PixelizedTextEncoder(new IdentityCodec(new ImageShape(3, 32, 32)));

        // When captions are encoded
        Tensor g = grey.Encode(["grinning face", "grinning face ", "cat"]);
        Tensor c = rgb.Encode(["grinning face"]);

        // Then the grey code is the rendered digest, the RGB one repeats it per channel, and any change of the caption changes the code
        Assert.Equal(CaptionRenderer.RenderDigest("grinning face", 28, 28), g.Span[..784].ToArray());
        float[] digest32 = CaptionRenderer.RenderDigest("grinning face", 32, 32);
        for (int p = 0; p < digest32.Length; p++)
        {
            Assert.Equal(digest32[p], c.Span[p * 3]);
            Assert.Equal(digest32[p], c.Span[(p * 3) + 2]);
        }

        Assert.NotEqual(g.Span[..784].ToArray(), g.Span.Slice(784, 784).ToArray());
        Assert.NotEqual(g.Span[..784].ToArray(), g.Span.Slice(1568, 784).ToArray());
        Assert.Equal(784, grey.CodeLength);
    }
}
