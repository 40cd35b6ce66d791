namespace Engram.Data.Images;

/// <summary>
/// A decoded image: Width × Height pixels, row-major, channels interleaved (see <see cref="PixelLayout"/>),
/// every sample a float in [0, 1] whatever the source bit depth (8-bit 255 and 16-bit 65535 are 1).
/// Alpha is straight (not premultiplied).
/// </summary>
public sealed class Image
{
    /// <summary>The largest image Engram will hold: 2²⁸ samples (1 GiB of floats).</summary>
    public const long MaxSamples = 1L << 28;

    /// <summary>Creates an image; <paramref name="pixels"/> (length W·H·channels) is wrapped, not copied, or zero-filled when null.</summary>
    public Image(int width, int height, PixelLayout layout, float[]? pixels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (!Enum.IsDefined(layout))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown pixel layout.");
        }

        long samples = (long)width * height * (int)layout;
        if (samples > MaxSamples)
        {
            throw new ArgumentException($"A {width}×{height} {layout} image has {samples} samples, more than the {MaxSamples} Engram holds.");
        }

        if (pixels is not null && pixels.Length != samples)
        {
            throw new ArgumentException($"A {width}×{height} {layout} image needs {samples} samples; got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Layout = layout;
        Pixels = pixels ?? new float[samples];
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Rows of pixels.</summary>
    public int Height { get; }

    /// <summary>The channels of each pixel and their order.</summary>
    public PixelLayout Layout { get; }

    /// <summary>Samples per pixel: 1, 2, 3 or 4.</summary>
    public int Channels => (int)Layout;

    /// <summary>Whether the last channel is alpha.</summary>
    public bool HasAlpha => Layout is PixelLayout.GreyAlpha or PixelLayout.Rgba;

    /// <summary>All samples, row-major, channels interleaved.</summary>
    public float[] Pixels { get; }

    /// <summary>The samples of row <paramref name="y"/> (Width · Channels of them).</summary>
    public Span<float> Row(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Pixels.AsSpan(y * Width * Channels, Width * Channels);
    }

    /// <summary>Channel <paramref name="c"/> of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float this[int x, int y, int c]
    {
        get => Pixels[Index(x, y, c)];
        set => Pixels[Index(x, y, c)] = value;
    }

    /// <summary>The size and layout, for messages.</summary>
    public override string ToString() => $"Image[{Width}×{Height} {Layout}]";

    private int Index(int x, int y, int c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || (uint)c >= (uint)Channels)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) channel {c} is outside {this}.");
        }

        return (((y * Width) + x) * Channels) + c;
    }
}
