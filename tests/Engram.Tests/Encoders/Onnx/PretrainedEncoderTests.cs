using System.Text.Json;
using Engram.Encoders;
using Engram.Encoders.Onnx;

namespace Engram.Tests.Encoders.Onnx;

/// <summary>
/// minilm and resnet18 against references computed without Engram or ONNX Runtime (Fixtures/onnx/make_onnx_fixtures.py):
/// the same token ids, and codes within float32 rounding of a float64 evaluation of the same graphs.
/// </summary>
public sealed class PretrainedEncoderTests : IClassFixture<PretrainedEncoderTests.Encoders>
{
    private readonly Encoders _encoders;

    public PretrainedEncoderTests(Encoders encoders) => _encoders = encoders;

    /// <summary>Both pretrained encoders, opened once for the class (their sessions take a second to make).</summary>
    public sealed class Encoders : IDisposable
    {
        public OnnxTextEncoder MiniLm { get; } = PretrainedEncoders.MiniLm(new OnnxRuntimeSettings { Threads = 2 });

        public OnnxImageEncoder ResNet18 { get; } = PretrainedEncoders.ResNet18(new OnnxRuntimeSettings { Threads = 2 });

        public void Dispose()
        {
            MiniLm.Dispose();
            ResNet18.Dispose();
        }
    }

    public static TheoryData<int> Sentences => new(Enumerable.Range(0, OnnxReference.MiniLmSentences.Count()));

    public static TheoryData<string> Images => new(OnnxReference.ResNetImages.Select(r => r.GetProperty("image").GetString()!));

    [Theory]
    [MemberData(nameof(Sentences))]
    public void Should_tokenize_each_sentence_to_the_reference_wordpiece_ids(int index)
    {
        // Given a sentence (accents, CJK, an emoji, control characters, 300 tokens) and the ids of the Python restatement of BERT's tokenizer
        JsonElement row = OnnxReference.MiniLmSentences.ElementAt(index);
        string text = row.GetProperty("text").GetString()!;

        // When minilm tokenizes it
        int[] ids = _encoders.MiniLm.Tokenize(text);

        // Then the ids are the same, [CLS] first, [SEP] last, at most 256 of them
        Assert.Equal(OnnxReference.Ints(row, "ids"), ids);
        Assert.True(ids.Length <= 256);
    }

    [Fact]
    public void Should_give_every_sentence_the_reference_embedding()
    {
        // Given the sentences and their float64 embeddings (mean pooling over the mask, then L2, as sentence-transformers does)
        JsonElement[] rows = OnnxReference.MiniLmSentences.ToArray();

        // When minilm encodes them all at once
        Tensor codes = _encoders.MiniLm.Encode(rows.Select(r => r.GetProperty("text").GetString()!).ToArray());

        // Then each code is the reference to float32 rounding (components are about 0.05; measured: 1.5·10⁻⁷ at most)
        Assert.Equal([rows.Length, 384], codes.Shape.ToArray());
        for (int i = 0; i < rows.Length; i++)
        {
            double[] expected = OnnxReference.Doubles(rows[i], "code");
            double error = OnnxReference.MaxAbsoluteError(expected, codes.Row(i));
            Assert.True(error < 1e-6, $"sentence {i} '{rows[i].GetProperty("text").GetString()![..Math.Min(30, rows[i].GetProperty("text").GetString()!.Length)]}': max |error| {error:G3}.");
            Assert.True(OnnxReference.Cosine(expected, codes.Row(i)) > 1 - 1e-10);
        }
    }

    [Fact]
    public void Should_give_a_caption_the_same_bits_alone_as_in_a_batch()
    {
        // Given captions of several token counts, two of them the same count
        string[] captions = ["a puppy", "a kitten", "thumbs up sign", "smiling face with open mouth and smiling eyes", "a puppy"];

        // When they are encoded together and one by one
        Tensor together = _encoders.MiniLm.Encode(captions);

        // Then every caption's code is bit-identical to its code alone (a cue's code equals the stored one)
        for (int i = 0; i < captions.Length; i++)
        {
            Assert.Equal(_encoders.MiniLm.Encode([captions[i]]).Row(0).ToArray(), together.Row(i).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Should_give_each_image_the_reference_resnet18_features(string file)
    {
        // Given a drawn image prepared at 224×224 and its features from the package's two graphs evaluated in float64
        JsonElement row = OnnxReference.ResNetImages.Single(r => r.GetProperty("image").GetString() == file);
        double[] expected = OnnxReference.Doubles(row, "code");
        float[] image = OnnxReference.Image(file, 224);

        // When resnet18 encodes it
        Tensor code = _encoders.ResNet18.Encode(Tensor.FromArray(image, 1, image.Length));

        // Then the 512 features agree to float32 rounding of the whole network (measured: 7.6·10⁻⁷ of the largest feature at most)
        double scale = expected.Max(Math.Abs);
        double error = OnnxReference.MaxAbsoluteError(expected, code.Row(0));
        Assert.True(error < 1e-5 * scale, $"{file}: max |error| {error:G3}, largest feature {scale:G3}.");
        Assert.True(OnnxReference.Cosine(expected, code.Row(0)) > 1 - 1e-10);
    }

    [Fact]
    public void Should_encode_a_batch_of_images_as_each_alone()
    {
        // Given three images (the graph takes one at a time: a batch is fed image by image)
        float[][] images = OnnxReference.ResNetImages.Take(3).Select(r => OnnxReference.Image(r.GetProperty("image").GetString()!, 224)).ToArray();
        var batch = Tensor.FromArray(images.SelectMany(i => i).ToArray(), 3, images[0].Length);

        // When they are encoded together and alone
        Tensor together = _encoders.ResNet18.Encode(batch);

        // Then the codes are the same bits
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(_encoders.ResNet18.Encode(Tensor.FromArray(images[i], 1, images[i].Length)).Row(0).ToArray(), together.Row(i).ToArray());
        }
    }

    [Fact]
    public void Should_give_the_same_codes_with_one_thread_and_two()
    {
        // Given an encoder of each kind on one intra-op thread
        using OnnxTextEncoder miniLm = PretrainedEncoders.MiniLm(new OnnxRuntimeSettings { Threads = 1 });
        using OnnxImageEncoder resNet = PretrainedEncoders.ResNet18(new OnnxRuntimeSettings { Threads = 1 });
        float[] image = OnnxReference.Image("stripes.png", 224);
        string[] captions = ["The quick brown fox jumps over the lazy dog's back.", "a puppy"];

        // When they and the two-thread encoders encode the same inputs
        // Then the codes are bit-identical: the result does not depend on how the work was split
        Assert.Equal(_encoders.MiniLm.Encode(captions).Span.ToArray(), miniLm.Encode(captions).Span.ToArray());
        Assert.Equal(_encoders.ResNet18.Encode(Tensor.FromArray(image, 1, image.Length)).Span.ToArray(), resNet.Encode(Tensor.FromArray(image, 1, image.Length)).Span.ToArray());
    }

    [Fact]
    public void Should_say_that_resnet18_is_an_encoder_without_a_decoder()
    {
        // Given resnet18
        OnnxImageEncoder codec = _encoders.ResNet18;

        // When it is asked to decode
        var error = Assert.Throws<NotSupportedException>(() => codec.Decode(new Tensor(1, 512)));

        // Then it says, through the codec contract too, that it has none, and why, and what keeps an image
        Assert.False(((IImageCodec)codec).Decodes);
        Assert.Equal(new Engram.Encoders.ImageShape(3, 224, 224), codec.Shape);
        Assert.Equal(512, codec.CodeLength);
        Assert.Contains("no decoder", error.Message, StringComparison.Ordinal);
        Assert.Contains("--store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_compare_every_pooled_feature_of_a_partly_hidden_image()
    {
        // Given pixel masks that hide the bottom half of a 224×224×3 image, nothing, and everything
        OnnxImageEncoder codec = _encoders.ResNet18;
        float[] half = Enumerable.Range(0, codec.Shape.Length).Select(i => i < codec.Shape.Length / 2 ? 1f : 0f).ToArray();

        // When the code masks are asked for
        // Then a pooled feature averages the whole image: a partly hidden image estimates every feature, a wholly hidden one none
        Assert.All(codec.CodeMask(half), m => Assert.Equal(1f, m));
        Assert.All(codec.CodeMask(Enumerable.Repeat(1f, codec.Shape.Length).ToArray()), m => Assert.Equal(1f, m));
        Assert.All(codec.CodeMask(new float[codec.Shape.Length]), m => Assert.Equal(0f, m));
        Assert.Throws<ArgumentException>(() => codec.CodeMask(new float[10]));
    }

    [Fact]
    public void Should_hash_the_model_files_the_same_way_each_time()
    {
        // Given the encoders opened twice
        using OnnxTextEncoder again = PretrainedEncoders.MiniLm(new OnnxRuntimeSettings { Threads = 1 });

        // Then the SHA-256 of their model files is stable and differs between models
        Assert.Equal(_encoders.MiniLm.Sha256, again.Sha256);
        Assert.Matches("^[0-9a-f]{64}$", _encoders.MiniLm.Sha256);
        Assert.NotEqual(_encoders.MiniLm.Sha256, _encoders.ResNet18.Sha256);
    }
}
