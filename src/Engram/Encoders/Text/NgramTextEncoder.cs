using System.Globalization;
using System.Text;
using Engram.Nn;
using Engram.Nn.Layers;

namespace Engram.Encoders.Text;

/// <summary>The shape of a <see cref="NgramTextEncoder"/>.</summary>
public sealed record NgramTextConfig
{
    /// <summary>Hash buckets of the character n-gram and word features.</summary>
    public int Buckets { get; init; } = 4096;

    /// <summary>Character n-grams from <see cref="MinN"/> to <see cref="MaxN"/> characters.</summary>
    public int MinN { get; init; } = 2;

    /// <summary>The longest character n-gram counted.</summary>
    public int MaxN { get; init; } = 4;

    /// <summary>Width of the hidden layer of the MLP.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>The code's length.</summary>
    public int Dimension { get; init; } = 64;

    /// <summary>The length of the image codes the encoder was aligned with (its image projection's input).</summary>
    public int ImageCodeLength { get; init; }

    /// <summary>Checks that the sizes are positive and <see cref="MaxN"/> ≥ <see cref="MinN"/>; the message names the setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Buckets, nameof(Buckets));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinN, nameof(MinN));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxN, MinN, nameof(MaxN));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Hidden, nameof(Hidden));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Dimension, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ImageCodeLength, nameof(ImageCodeLength));
    }
}

/// <summary>
/// A learned text encoder, CLIP in miniature: a caption's character n-grams (and whole words),
/// hashed into a fixed number of buckets and L2-normalised, go through a two-layer MLP to a unit
/// vector. It is trained contrastively (symmetric InfoNCE) against image codes seen through a
/// learned projection (<see cref="ProjectImages"/>), so captions land near their images' codes
/// and other wordings of a caption land near the same place.
/// </summary>
public sealed class NgramTextEncoder : Module, ISpelledTextEncoder
{
    /// <summary>The safetensors metadata key under which these weights record their configuration (it also tells what a file is).</summary>
    public const string ConfigKey = "engram.text_encoder";
    private readonly Linear _hidden, _output, _imageProjection;

    /// <summary>An encoder of <paramref name="config"/>'s shape, its weights drawn from <paramref name="random"/> (untrained).</summary>
    public NgramTextEncoder(NgramTextConfig config, Rng random)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _hidden = AddModule("hidden", new Linear(config.Buckets, config.Hidden, random));
        _output = AddModule("output", new Linear(config.Hidden, config.Dimension, random));
        _imageProjection = AddModule("image_projection", new Linear(config.ImageCodeLength, config.Dimension, random));
    }

    /// <summary>The shape of the network.</summary>
    public NgramTextConfig Config { get; }

    /// <inheritdoc />
    public string Name => "ngram";

    /// <inheritdoc />
    public int CodeLength => Config.Dimension;

    /// <summary>The SHA-256 of the weight file this encoder was loaded from (null when built in memory).</summary>
    public string? WeightsHash { get; private set; }

    /// <summary>The text as the features see it: lower case, runs of white space as one space, trimmed.</summary>
    public static string Normalize(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var builder = new StringBuilder(caption.Length);
        bool space = false;
        foreach (char c in caption.Trim().ToLowerInvariant())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public Tensor Spelling(IReadOnlyList<string> captions)
    {
        NdArray<float> features = Features(captions);
        return Tensor.FromArray(features.Data, captions.Count, Config.Buckets);
    }

    /// <summary>The hashed, L2-normalised feature vectors [N, Buckets] of <paramref name="captions"/>.</summary>
    public NdArray<float> Features(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        int buckets = Config.Buckets;
        var features = new NdArray<float>(captions.Count, buckets);
        for (int i = 0; i < captions.Count; i++)
        {
            Span<float> row = features.Data.AsSpan(i * buckets, buckets);
            string normalized = Normalize(captions[i]);
            if (normalized.Length == 0)
            {
                continue; // an empty caption has no features: the zero vector
            }

            string text = " " + normalized + " ";
            for (int n = Config.MinN; n <= Config.MaxN; n++)
            {
                for (int start = 0; start + n <= text.Length; start++)
                {
                    row[Bucket(text.AsSpan(start, n), (uint)n)]++;
                }
            }

            foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                row[Bucket(word, 0xFFFF)]++;
            }

            float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (norm > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
            }
        }

        return features;
    }

    /// <summary>Unit-length text codes (graph-building, for training).</summary>
    public Variable<float> Embed(NdArray<float> features) =>
        Op.L2Normalize(_output.Forward(Op.Gelu(_hidden.Forward(new Variable<float>(features)))));

    /// <summary>Image codes [N, ImageCodeLength] → the shared space, unit length (graph-building).</summary>
    public Variable<float> ProjectImages(Variable<float> imageCodes) =>
        Op.L2Normalize(_imageProjection.Forward(Op.LayerNorm(imageCodes, null, null)));

    /// <summary>Unit-length codes [N, Dimension] for N captions.</summary>
    public Tensor Encode(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        using (GradMode.NoGrad())
        {
            NdArray<float> codes = Embed(Features(captions)).Value;
            return Tensor.FromArray(codes.Data, captions.Count, CodeLength);
        }
    }

    /// <summary>Image codes projected into the shared space [N, Dimension], unit length.</summary>
    public Tensor EncodeImageCodes(Tensor imageCodes)
    {
        ArgumentNullException.ThrowIfNull(imageCodes);
        if (imageCodes.Rank != 2 || imageCodes.Shape[1] != Config.ImageCodeLength)
        {
            throw new ArgumentException(
                $"This text encoder was aligned with image codes of length {Config.ImageCodeLength}; got [{string.Join(", ", imageCodes.Shape.ToArray())}].", nameof(imageCodes));
        }

        using (GradMode.NoGrad())
        {
            NdArray<float> x = NdArray<float>.FromArray(imageCodes.Span.ToArray(), imageCodes.RowCount, Config.ImageCodeLength);
            return Tensor.FromArray(ProjectImages(new Variable<float>(x)).Value.Data, imageCodes.RowCount, CodeLength);
        }
    }

    /// <summary>Not used: encode captions with <see cref="Encode"/>, train with <see cref="Embed"/>.</summary>
    public override Variable<float> Forward(Variable<float> x) => Op.L2Normalize(_output.Forward(Op.Gelu(_hidden.Forward(x))));

    /// <summary>Saves the weights with the configuration in the metadata.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        ModelWeights.SaveModel(path, this, ConfigKey, Config, metadata);

    /// <summary>Loads an encoder saved by <see cref="Save"/> (or <c>engram train text</c>).</summary>
    public static NgramTextEncoder Load(string path)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        return Load(path, arrays, metadata);
    }

    /// <summary>Builds an encoder from the arrays and metadata of a weight file already read; <paramref name="path"/> names their source in errors.</summary>
    internal static NgramTextEncoder Load(string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        ModelFile<NgramTextConfig> file = ModelWeights.ReadModel<NgramTextConfig>(
            path, arrays, metadata, ConfigKey, "an Engram text encoder (make one with `engram train text`)", c => c.Validate());
        var encoder = new NgramTextEncoder(file.Config, new Rng(0));
        encoder.LoadStateDict(file.Parameters, path);
        encoder.WeightsHash = file.WeightsHash;
        return encoder;
    }

    // FNV-1a over the UTF-16 code units, with the n-gram length mixed in so "ab" as a bigram and as a word differ.
    private int Bucket(ReadOnlySpan<char> text, uint salt)
    {
        uint h = 2166136261u ^ salt;
        foreach (char c in text)
        {
            h = (h ^ c) * 16777619u;
        }

        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        return (int)(h % (uint)Config.Buckets);
    }

    /// <summary>A one-line description of the architecture.</summary>
    public static string Describe(NgramTextConfig config) => string.Create(CultureInfo.InvariantCulture, $"{config.MinN}–{config.MaxN}-grams in {config.Buckets} buckets → {config.Hidden} → {config.Dimension}");
}
