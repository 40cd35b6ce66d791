using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engram.Encoders.Images;

/// <summary>
/// The architecture of a convolutional image codec. The encoder is a 3×3 stem, one stride-2 4×4
/// convolution per entry of <see cref="Widths"/> (each halves the resolution), a residual block and
/// a 3×3 head; the decoder mirrors it with transposed convolutions and ends in a sigmoid.
/// With <see cref="LocalEncoder"/> the encoder instead reads each latent cell's own pixels only.
/// </summary>
public sealed record ConvCodecConfig
{
    /// <summary>"autoencoder", "vq-vae" or "dvae".</summary>
    public required string Kind { get; init; }

    /// <summary>Channels of the images (1 grey, 3 colour).</summary>
    public required int Channels { get; init; }

    /// <summary>Image height in pixels; a multiple of the cell size.</summary>
    public required int Height { get; init; }

    /// <summary>Image width in pixels; a multiple of the cell size.</summary>
    public required int Width { get; init; }

    /// <summary>Channel counts after the stem and after each downsampling, e.g. [16, 32, 32].</summary>
    public required int[] Widths { get; init; }

    /// <summary>Latent channels per position (autoencoder and VQ-VAE), or the embedding width (discrete VAE).</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>VQ-VAE codebook size, or the discrete VAE's vocabulary.</summary>
    public int CodebookSize { get; init; } = 64;

    /// <summary>Weight of the KL term (autoencoder: to N(0, I); discrete VAE: to the uniform prior).</summary>
    public double KlWeight { get; init; } = 1e-4;

    /// <summary>VQ-VAE commitment weight β.</summary>
    public double CommitmentWeight { get; init; } = 0.25;

    /// <summary>Discrete VAE: Gumbel temperature at the start and the end of training.</summary>
    public double StartTemperature { get; init; } = 1.0;

    /// <summary>Discrete VAE: Gumbel temperature at the end of training.</summary>
    public double EndTemperature { get; init; } = 0.3;

    /// <summary>
    /// When true, the encoder is a patch embedding (kernel = stride = one latent cell) followed by
    /// 1×1 convolutions, with no normalisation across positions: each latent position depends on its
    /// cell's pixels alone, so the code of a partly hidden image is exact wherever whole cells are
    /// visible (see <see cref="ConvImageCodec.CodeMask"/>). The decoder is unchanged.
    /// </summary>
    public bool LocalEncoder { get; init; }

    /// <summary>Groups of the residual block's group norms.</summary>
    public int NormGroups { get; init; } = 8;

    /// <summary>The images' shape, channels × height × width.</summary>
    [JsonIgnore]
    public ImageShape Shape => new(Channels, Height, Width);

    /// <summary>The side of the square of pixels each latent position sits on.</summary>
    [JsonIgnore]
    public int CellSize => 1 << (Widths.Length - 1);

    /// <summary>The latent grid's side lengths.</summary>
    [JsonIgnore]
    public (int Height, int Width) LatentGrid => (Height >> (Widths.Length - 1), Width >> (Widths.Length - 1));

    /// <summary>Checks that the sizes fit together.</summary>
    public void Validate()
    {
        if (Kind is not ("autoencoder" or "vq-vae" or "dvae"))
        {
            throw new ArgumentException($"Unknown codec kind '{Kind}'; use autoencoder, vq-vae or dvae.");
        }

        if (Channels is not (1 or 3) || Height <= 0 || Width <= 0)
        {
            throw new ArgumentException($"A codec reads grey or RGB images; got {Width}×{Height}×{Channels}.");
        }

        if (Widths is null || Widths.Length < 1 || Widths.Any(w => w <= 0 || w % NormGroups != 0))
        {
            throw new ArgumentException($"Widths must be one or more positive multiples of {NormGroups} (the norm groups).");
        }

        int factor = 1 << (Widths.Length - 1);
        if (Height % factor != 0 || Width % factor != 0)
        {
            throw new ArgumentException($"{Width}×{Height} images do not halve {Widths.Length - 1} times; choose fewer widths or another size.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LatentChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(CodebookSize, 2);
    }

    /// <summary>The configuration as weight files store it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Nn.ModelWeights.ConfigJson);

    /// <summary>The default for 28×28 grey Fashion-MNIST: 28 → 14 → 7, a 7×7 latent grid.</summary>
    public static ConvCodecConfig FashionMnist(string kind) => new()
    {
        Kind = kind,
        Channels = 1,
        Height = 28,
        Width = 28,
        Widths = [16, 32, 32],
        LatentChannels = kind == "dvae" ? 16 : 4,
        CodebookSize = kind == "dvae" ? 32 : 128,
    };

    /// <summary>
    /// This configuration with a local encoder on 2×2 cells (one downsampling) and 2 latent channels
    /// per cell: fine cells, so that an occlusion boundary on an even row or column falls between
    /// cells and a half-hidden image loses no visible pixel from its code mask.
    /// </summary>
    public ConvCodecConfig Local() => this with { LocalEncoder = true, Widths = [Widths[0], Widths[1]], LatentChannels = Kind == "dvae" ? LatentChannels : 2 };

    /// <summary>The default for 32×32 RGB emoji: 32 → 16 → 8, an 8×8 latent grid.</summary>
    public static ConvCodecConfig Emoji(string kind) => FashionMnist(kind) with { Channels = 3, Height = 32, Width = 32, Widths = [16, 32, 64] };
}
