using Engram.Nn;

namespace Engram.Encoders.Images;

/// <summary>Shared checks and layout conversions for image codecs, and loading a codec from its weight file.</summary>
public static class ImageCodecs
{
    /// <summary>The names <see cref="Load(string)"/> and <c>engram train</c> accept.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["autoencoder", "vq-vae", "dvae"];

    /// <summary>Builds an untrained codec of the configured kind, initialised from <paramref name="seed"/>.</summary>
    public static ConvImageCodec Create(ConvCodecConfig config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var random = new Rng(seed);
        return config.Kind switch
        {
            "autoencoder" => new KlAutoencoder(config, random),
            "vq-vae" => new VqVae(config, random),
            _ => new DiscreteVae(config, random),
        };
    }

    /// <summary>
    /// Loads a codec saved by <see cref="ConvImageCodec.Save"/> (or by <c>engram train</c>): the
    /// architecture from the file's metadata, then every weight, checked by name and shape.
    /// </summary>
    public static ConvImageCodec Load(string path)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        return Load(path, arrays, metadata);
    }

    /// <summary>Builds a codec from the arrays and metadata of a weight file already read; <paramref name="path"/> names their source in errors.</summary>
    internal static ConvImageCodec Load(string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        ModelFile<ConvCodecConfig> file = ModelWeights.ReadModel<ConvCodecConfig>(
            path, arrays, metadata, ConvImageCodec.ConfigKey, "an Engram image codec (make one with `engram train autoencoder|vq-vae|dvae`)", c => c.Validate());
        ConvImageCodec codec = Create(file.Config, 0);
        codec.LoadStateDict(file.Parameters, path);
        codec.WeightsHash = file.WeightsHash;
        return codec;
    }

    internal static void CheckImages(IImageCodec codec, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 2 || images.Shape[1] != codec.Shape.Length)
        {
            throw new ArgumentException(
                $"The {codec.Name} codec reads {codec.Shape} images ({codec.Shape.Length} samples each, shape [N, {codec.Shape.Length}]); " +
                $"got [{string.Join(", ", images.Shape.ToArray())}]. Prepare images with ImageOps.Prepare(image, {codec.Shape.Width}, grey: {(codec.Shape.Channels == 1 ? "true" : "false")}).",
                nameof(images));
        }
    }

    internal static void CheckCodes(IImageCodec codec, Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Rank != 2 || codes.Shape[1] != codec.CodeLength)
        {
            throw new ArgumentException(
                $"The {codec.Name} codec decodes codes of length {codec.CodeLength} (shape [N, {codec.CodeLength}]); got [{string.Join(", ", codes.Shape.ToArray())}].",
                nameof(codes));
        }
    }

    /// <summary>Rows of interleaved HWC samples → [N, C, H, W].</summary>
    internal static NdArray<float> ToNchw(ReadOnlySpan<float> rows, int n, ImageShape shape)
    {
        var result = new NdArray<float>(n, shape.Channels, shape.Height, shape.Width);
        int plane = shape.Height * shape.Width;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> source = rows.Slice(i * shape.Length, shape.Length);
            Span<float> destination = result.Data.AsSpan(i * shape.Length, shape.Length);
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < shape.Channels; c++)
                {
                    destination[(c * plane) + p] = source[(p * shape.Channels) + c];
                }
            }
        }

        return result;
    }

    /// <summary>[N, C, H, W] → rows of interleaved HWC samples.</summary>
    internal static void ToRows(NdArray<float> nchw, ImageShape shape, Span<float> rows)
    {
        int n = nchw.Dim(0), plane = shape.Height * shape.Width;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> source = nchw.Data.AsSpan(i * shape.Length, shape.Length);
            Span<float> destination = rows.Slice(i * shape.Length, shape.Length);
            for (int p = 0; p < plane; p++)
            {
                for (int c = 0; c < shape.Channels; c++)
                {
                    destination[(p * shape.Channels) + c] = source[(c * plane) + p];
                }
            }
        }
    }
}
