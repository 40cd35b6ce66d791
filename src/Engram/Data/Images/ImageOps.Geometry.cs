namespace Engram.Data.Images;

public static partial class ImageOps
{
    /// <summary>
    /// The largest centred square: side min(Width, Height). When the excess is odd the extra pixel is cut from the
    /// right or the bottom (offset ⌊excess / 2⌋ from the left or top).
    /// </summary>
    public static Image CenterCropToSquare(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int side = Math.Min(image.Width, image.Height);
        int x0 = (image.Width - side) / 2, y0 = (image.Height - side) / 2;
        var square = new Image(side, side, image.Layout);
        int rowSamples = side * image.Channels;
        for (int y = 0; y < side; y++)
        {
            image.Row(y0 + y).Slice(x0 * image.Channels, rowSamples).CopyTo(square.Row(y));
        }

        return square;
    }

    /// <summary>
    /// Centres the image on a square of side max(Width, Height) filled with <paramref name="fill"/> (white by default).
    /// When the padding is odd the extra pixel goes to the right or the bottom. The padding is opaque: its colour
    /// channels hold <paramref name="fill"/> and its alpha, if the image has alpha, is 1.
    /// </summary>
    public static Image PadToSquare(Image image, float fill = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(fill is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(fill), fill, "The fill must be a sample in [0, 1].");
        }

        int side = Math.Max(image.Width, image.Height);
        int x0 = (side - image.Width) / 2, y0 = (side - image.Height) / 2;
        var square = new Image(side, side, image.Layout);
        Span<float> dst = square.Pixels;
        int colours = image.HasAlpha ? image.Channels - 1 : image.Channels;
        for (int i = 0; i < dst.Length; i += image.Channels)
        {
            dst.Slice(i, colours).Fill(fill);
            if (image.HasAlpha)
            {
                dst[i + colours] = 1f;
            }
        }

        for (int y = 0; y < image.Height; y++)
        {
            image.Row(y).CopyTo(square.Row(y0 + y)[(x0 * image.Channels)..]);
        }

        return square;
    }

    /// <summary>
    /// The image as an EXIF <paramref name="orientation"/> (1–8) says to show it: 1 as stored, 2 mirrored left–right,
    /// 3 turned half round, 4 mirrored top–bottom, 5 transposed (mirrored across the main diagonal), 6 turned a quarter
    /// clockwise, 7 transversed (across the other diagonal), 8 turned a quarter anticlockwise. For 5–8 the sides swap.
    /// Orientation 1 returns the image itself; any other value is refused.
    /// </summary>
    internal static Image Orient(Image image, int orientation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (orientation == 1)
        {
            return image;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(orientation, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orientation, 8);
        int w = image.Width, h = image.Height, channels = image.Channels;
        bool swap = orientation >= 5;
        var oriented = new Image(swap ? h : w, swap ? w : h, image.Layout);
        ReadOnlySpan<float> src = image.Pixels;
        Span<float> dst = oriented.Pixels;
        for (int y = 0; y < oriented.Height; y++)
        {
            for (int x = 0; x < oriented.Width; x++)
            {
                // The stored pixel that is shown at (x, y).
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                src.Slice(((sy * w) + sx) * channels, channels).CopyTo(dst[(((y * oriented.Width) + x) * channels)..]);
            }
        }

        return oriented;
    }
}
