using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Tests.Encoders.Images;

public sealed class ImageCodecTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-codec-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A codec small enough to train in a test: 8×8 grey images, a 4×4 latent grid.</summary>
    public static ConvCodecConfig Tiny(string kind) => new()
    {
        Kind = kind,
        Channels = 1,
        Height = 8,
        Width = 8,
        Widths = [8, 8],
        LatentChannels = 2,
        CodebookSize = 8,
    };

    /// <summary>Images with structure to learn: a bright square of random size and place on a dark ground.</summary>
    internal static Tensor Squares(int count, int side, ulong seed)
    {
        var random = new Rng(seed);
        var images = new Tensor(count, side * side);
        Span<float> data = images.Span;
        for (int i = 0; i < count; i++)
        {
            int size = 2 + random.NextInt(side / 2), x0 = random.NextInt(side - size + 1), y0 = random.NextInt(side - size + 1);
            for (int y = y0; y < y0 + size; y++)
            {
                for (int x = x0; x < x0 + size; x++)
                {
                    data[(i * side * side) + (y * side) + x] = 0.9f;
                }
            }
        }

        return images;
    }

    public static TheoryData<string> Kinds => new(ImageCodecs.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Should_encode_to_code_length_and_decode_to_images_in_the_unit_range(string kind)
    {
        // Given
        ConvImageCodec codec = ImageCodecs.Create(Tiny(kind), 3);
        Tensor images = Squares(5, 8, 1);

        // When
        Tensor codes = codec.Encode(images);
        Tensor decoded = codec.Decode(codes);

        // Then
        int expected = kind == "dvae" ? 8 * 16 : 2 * 16;
        Assert.Equal(expected, codec.CodeLength);
        Assert.Equal([5, expected], codes.Shape.ToArray());
        Assert.Equal([5, 64], decoded.Shape.ToArray());
        foreach (float v in decoded.Span)
        {
            Assert.InRange(v, 0f, 1f);
        }
    }

    [Fact]
    public void Discrete_vae_codes_are_one_hot_tokens_with_a_compact_form()
    {
        var codec = (DiscreteVae)ImageCodecs.Create(Tiny("dvae"), 4);
        Tensor images = Squares(6, 8, 2);
        Tensor dense = codec.Encode(images);
        Assert.Equal(CodeKind.Categorical, codec.Kind);
        Assert.Equal(new CategoricalLayout(16, 8), codec.Categorical);
        for (int t = 0; t < 6 * 16; t++)
        {
            ReadOnlySpan<float> token = dense.Span.Slice(t * 8, 8);
            Assert.Equal(1f, token.ToArray().Sum());
            Assert.Equal(7, token.ToArray().Count(v => v == 0f));
        }

        CategoricalCodes compact = codec.EncodeTokens(images);
        Assert.Equal(dense.Span.ToArray(), compact.ToDense().Span.ToArray());
    }

    [Fact]
    public void Vq_vae_codes_are_rows_of_the_codebook()
    {
        var codec = (VqVae)ImageCodecs.Create(Tiny("vq-vae"), 5);
        Tensor codes = codec.Encode(Squares(3, 8, 3));
        float[] book = codec.Codebook.Value.Data;

        // Code layout is [D, h, w]: the D values at each position must equal one codebook row.
        for (int n = 0; n < 3; n++)
        {
            for (int position = 0; position < 16; position++)
            {
                float a = codes.Span[(n * 32) + position], b = codes.Span[(n * 32) + 16 + position];
                Assert.Contains(Enumerable.Range(0, 8), j => book[j * 2] == a && book[(j * 2) + 1] == b);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Training_lowers_the_reconstruction_error(string kind)
    {
        // Given a codec and 256 images of squares
        ConvImageCodec codec = ImageCodecs.Create(Tiny(kind), 7);
        Tensor images = Squares(256, 8, 11);
        double before = Engram.Evaluation.Metrics.MeanSquaredError(images.Span, codec.Decode(codec.Encode(images)).Span);

        // When it trains for 12 epochs
        TrainingHistory history = ImageCodecTraining.Train(codec, images, new TrainerOptions { Epochs = 12, BatchSize = 32, LearningRate = 3e-3, WarmupSteps = 5 });

        // Then the reconstruction error through its code falls to under half
        double after = Engram.Evaluation.Metrics.MeanSquaredError(images.Span, codec.Decode(codec.Encode(images)).Span);
        Assert.Equal(12, history.Epochs.Count);
        Assert.True(after < 0.5 * before, $"{kind}: MSE {before:G4} before training, {after:G4} after.");
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_and_a_resumed_run_ends_where_an_uninterrupted_one_does()
    {
        Tensor images = Squares(96, 8, 5);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 9, CheckpointEvery = 4 };

        string Train(TrainerOptions o)
        {
            ConvImageCodec codec = ImageCodecs.Create(Tiny("dvae"), o.Seed);
            ImageCodecTraining.Train(codec, images, o);
            return codec.ParameterHash();
        }

        string first = Train(options);
        string second = Train(options);
        Assert.Equal(first, second);

        // An interrupted run: stop after 10 of 18 steps (cancelled), then the same command again.
        string checkpoint = Path.Combine(_folder, "run.checkpoint");
        var resumable = options with { CheckpointPath = checkpoint };
        ConvImageCodec interrupted = ImageCodecs.Create(Tiny("dvae"), resumable.Seed);
        using var cancel = new CancellationTokenSource();
        var stopAfterTen = new InlineProgress(p =>
        {
            if (p.GlobalStep == 10)
            {
                cancel.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => ImageCodecTraining.Train(interrupted, images, resumable, stopAfterTen, cancel.Token));
        Assert.True(File.Exists(checkpoint));

        ConvImageCodec resumed = ImageCodecs.Create(Tiny("dvae"), resumable.Seed);
        TrainingHistory history = ImageCodecTraining.Train(resumed, images, resumable);
        Assert.Equal(8, history.ResumedAtStep);
        Assert.Equal([1, 2, 3], history.Epochs.Select(e => e.Epoch));
        Assert.Equal(first, resumed.ParameterHash());

        // A different seed gives different weights.
        Assert.NotEqual(first, Train(options with { Seed = 10 }));
    }

    [Fact]
    public void A_checkpoint_from_other_settings_is_refused_with_the_reason()
    {
        Tensor images = Squares(32, 8, 5);
        string checkpoint = Path.Combine(_folder, "other.checkpoint");
        var options = new TrainerOptions { Epochs = 1, BatchSize = 16, CheckpointPath = checkpoint };
        ImageCodecTraining.Train(ImageCodecs.Create(Tiny("autoencoder"), 1), images, options);
        var e = Assert.Throws<InvalidOperationException>(() =>
            ImageCodecTraining.Train(ImageCodecs.Create(Tiny("autoencoder"), 1), images, options with { BatchSize = 8 }));
        Assert.Contains("batch size 16 → 8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Saved_weights_load_into_an_identical_codec(string kind)
    {
        ConvImageCodec codec = ImageCodecs.Create(Tiny(kind), 21);
        string path = Path.Combine(_folder, kind + ".safetensors");
        codec.Save(path, new Dictionary<string, string> { ["engram.command"] = "test" });

        ConvImageCodec loaded = ImageCodecs.Load(path);
        Tensor images = Squares(4, 8, 8);
        Assert.Equal(codec.Encode(images).Span.ToArray(), loaded.Encode(images).Span.ToArray());
        Assert.Equal(codec.ParameterHash(), loaded.WeightsHash);
        Assert.Equal(kind, loaded.Name);
    }

    [Fact]
    public void Should_name_the_tensor_and_both_shapes_when_a_weight_file_does_not_fit()
    {
        // Given a file whose decoder's last convolution has the wrong number of output channels
        ConvImageCodec codec = ImageCodecs.Create(Tiny("autoencoder"), 1);
        var state = codec.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone(), StringComparer.Ordinal);
        string last = state.Keys.Last(k => k.StartsWith("decoder.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal));
        int[] shape = state[last].ShapeArray;
        state[last] = new NdArray<float>([shape[0] + 1, .. shape[1..]]);
        state.Remove("encoder.0.bias");
        string path = Path.Combine(_folder, "bad.safetensors");
        ModelWeights.Write(path, state, new Dictionary<string, string> { ["engram.codec"] = codec.Config.ToJson() });

        // When it is loaded, then the error names both tensors and the shapes
        var e = Assert.Throws<InvalidDataException>(() => ImageCodecs.Load(path));
        Assert.Contains($"tensor '{last}' has shape [{shape[0] + 1}, {string.Join(", ", shape[1..])}] but the model expects [{string.Join(", ", shape)}]", e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'encoder.0.bias' is missing (expected shape [8])", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weight_file_without_a_codec_configuration_is_refused()
    {
        string path = Path.Combine(_folder, "plain.safetensors");
        ModelWeights.Write(path, new Dictionary<string, NdArray<float>> { ["w"] = new NdArray<float>(2) });
        var e = Assert.Throws<InvalidDataException>(() => ImageCodecs.Load(path));
        Assert.Contains("not an Engram image codec", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 63)]
    [InlineData(2, 64)]
    public void Should_refuse_images_of_the_wrong_size_or_channel_count(int rows, int length)
    {
        ConvImageCodec codec = ImageCodecs.Create(Tiny("autoencoder"), 1);
        var images = new Tensor(rows, length * (rows == 2 ? 3 : 1));
        var e = Assert.Throws<ArgumentException>(() => codec.Encode(images));
        Assert.Contains("reads 8×8×1 images (64 samples each, shape [N, 64])", e.Message, StringComparison.Ordinal);
        Assert.Contains($"got [{rows}, {images.Shape[1]}]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_codes_of_the_wrong_length()
    {
        ConvImageCodec codec = ImageCodecs.Create(Tiny("vq-vae"), 1);
        var e = Assert.Throws<ArgumentException>(() => codec.Decode(new Tensor(2, 31)));
        Assert.Contains("codes of length 32", e.Message, StringComparison.Ordinal);
        Assert.Contains("got [2, 31]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_mask_marks_the_latent_positions_whose_cells_are_observed_in_the_codes_layout()
    {
        // Given 8×8 images over a 4×4 latent grid (2×2 cells) and a mask that shows the top 3 rows
        var pixels = new float[64];
        pixels.AsSpan(0, 3 * 8).Fill(1f);

        // When the autoencoder (channel-major, 2 channels) and the discrete VAE (token-major, 8 tokens) map it
        float[] continuous = ImageCodecs.Create(Tiny("autoencoder"), 1).CodeMask(pixels);
        float[] tokens = ImageCodecs.Create(Tiny("dvae"), 1).CodeMask(pixels);
        float[] half = ImageCodecs.Create(Tiny("autoencoder"), 1).CodeMask(pixels, minObserved: 0.5);

        // Then only latent row 0 is wholly observed (row 1's cells are half observed)
        float[] row0 = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal([.. row0, .. row0], continuous);
        Assert.Equal(Enumerable.Range(0, 16).SelectMany(p => Enumerable.Repeat(p < 4 ? 1f : 0f, 8)), tokens);
        float[] rows01 = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal([.. rows01, .. rows01], half);
        Assert.Throws<ArgumentException>(() => ImageCodecs.Create(Tiny("vq-vae"), 1).CodeMask(new float[63]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_local_encoders_code_where_the_image_is_visible_does_not_depend_on_the_hidden_pixels(string kind)
    {
        // Given a codec with a local encoder (2×2 cells on 8×8 images), and images whose bottom 3 rows are then hidden
        ConvImageCodec codec = ImageCodecs.Create(Tiny(kind).Local(), 5);
        ConvImageCodec global = ImageCodecs.Create(Tiny(kind), 5);
        Tensor images = Squares(6, 8, 3);
        var pixels = Enumerable.Range(0, 64).Select(p => p < 5 * 8 ? 1f : 0f).ToArray();
        Tensor hidden = Engram.Data.Cues.Occlusion.Apply(images, pixels);

        // When both are encoded
        float[] mask = codec.CodeMask(pixels);
        float[] full = codec.Encode(images).Span.ToArray(), cue = codec.Encode(hidden).Span.ToArray();
        float[] globalFull = global.Encode(images).Span.ToArray(), globalCue = global.Encode(hidden).Span.ToArray();

        // Then the codes agree wherever the code mask says the visible pixels determine them (latent rows 0–1 of 4);
        // the continuous codes differ elsewhere, and a global encoder's differ even there (quantised codes may round to the same entry)
        int length = codec.CodeLength;
        Assert.Equal(length / 2, (int)mask.Sum());
        double visibleGap = 0, hiddenGap = 0, globalGap = 0;
        for (int i = 0; i < full.Length; i++)
        {
            double gap = Math.Abs(full[i] - cue[i]);
            visibleGap = mask[i % length] == 1 ? Math.Max(visibleGap, gap) : visibleGap;
            hiddenGap = mask[i % length] == 0 ? Math.Max(hiddenGap, gap) : hiddenGap;
        }

        float[] globalMask = global.CodeMask(pixels);
        for (int i = 0; i < globalFull.Length; i++)
        {
            globalGap = globalMask[i % global.CodeLength] == 1 ? Math.Max(globalGap, Math.Abs(globalFull[i] - globalCue[i])) : globalGap;
        }

        Assert.True(visibleGap < 1e-6, $"visible cells' codes moved by {visibleGap}");
        if (kind == "autoencoder")
        {
            Assert.True(hiddenGap > 1e-3, $"hidden cells' codes moved by only {hiddenGap}");
            Assert.True(globalGap > 1e-3, $"the global encoder's visible codes moved by only {globalGap}");
        }
    }

    [Fact]
    public void Identity_codec_returns_the_pixels()
    {
        var codec = new IdentityCodec(new ImageShape(1, 8, 8));
        Tensor images = Squares(2, 8, 1);
        Assert.Equal(images.Span.ToArray(), codec.Decode(codec.Encode(images)).Span.ToArray());
        Assert.Throws<ArgumentException>(() => codec.Encode(new Tensor(1, 65)));
    }

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
