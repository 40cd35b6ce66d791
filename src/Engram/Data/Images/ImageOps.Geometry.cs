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
}
