using Engram.Tensors;

namespace Engram.Data.Images;

/// <summary>
/// Operations on decoded <see cref="Image"/>s. Every operation returns a new image and leaves its source untouched;
/// every operation maps samples in [0, 1] to samples in [0, 1].
/// </summary>
/// <remarks>
/// This file holds colour and flattening; geometry is in <c>ImageOps.Geometry.cs</c>, resampling in
/// <c>ImageOps.Resize.cs</c>.
/// </remarks>
public static partial class ImageOps
{
    /// <summary>Rec. 601 luma weights, as in PIL's <c>convert("L")</c> and OpenCV's <c>RGB2GRAY</c>.</summary>
    internal const float LumaRed = 0.299f, LumaGreen = 0.587f, LumaBlue = 0.114f;

    /// <summary>
    /// Converts to grey with Rec. 601 luma <c>0.299 R + 0.587 G + 0.114 B</c>. Alpha is kept: Rgba becomes GreyAlpha,
    /// Rgb becomes Grey; a grey image is copied. Composite first (<see cref="CompositeOverWhite"/>) to drop alpha.
    /// </summary>
    public static Image ToGrey(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Layout is PixelLayout.Grey or PixelLayout.GreyAlpha)
        {
            return Copy(image);
        }

        bool alpha = image.HasAlpha;
        var grey = new Image(image.Width, image.Height, alpha ? PixelLayout.GreyAlpha : PixelLayout.Grey);
        ReadOnlySpan<float> src = image.Pixels;
        Span<float> dst = grey.Pixels;
        int inStride = image.Channels, outStride = grey.Channels;
        for (int p = 0, i = 0, o = 0; p < image.Width * image.Height; p++, i += inStride, o += outStride)
        {
            // The weights sum to 1 only up to float rounding: keep white at exactly 1.
            dst[o] = MathF.Min(1f, (LumaRed * src[i]) + (LumaGreen * src[i + 1]) + (LumaBlue * src[i + 2]));
            if (alpha)
            {
                dst[o + 1] = src[i + 3];
            }
        }

        return grey;
    }

    /// <summary>
    /// Converts to RGB by repeating the grey level in all three channels. Alpha is kept: GreyAlpha becomes Rgba;
    /// an RGB or RGBA image is copied.
    /// </summary>
    public static Image ToRgb(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Layout is PixelLayout.Rgb or PixelLayout.Rgba)
        {
            return Copy(image);
        }

        bool alpha = image.HasAlpha;
        var rgb = new Image(image.Width, image.Height, alpha ? PixelLayout.Rgba : PixelLayout.Rgb);
        ReadOnlySpan<float> src = image.Pixels;
        Span<float> dst = rgb.Pixels;
        int inStride = image.Channels, outStride = rgb.Channels;
        for (int p = 0, i = 0, o = 0; p < image.Width * image.Height; p++, i += inStride, o += outStride)
        {
            dst[o] = dst[o + 1] = dst[o + 2] = src[i];
            if (alpha)
            {
                dst[o + 3] = src[i + 1];
            }
        }

        return rgb;
    }

    /// <summary>
    /// Composites straight (not premultiplied) alpha over a white background: every colour sample becomes
    /// <c>c·a + 1·(1 − a)</c> and alpha is dropped (GreyAlpha → Grey, Rgba → Rgb). An image without alpha is copied.
    /// </summary>
    public static Image CompositeOverWhite(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!image.HasAlpha)
        {
            return Copy(image);
        }

        int colours = image.Channels - 1;
        var opaque = new Image(image.Width, image.Height, colours == 1 ? PixelLayout.Grey : PixelLayout.Rgb);
        ReadOnlySpan<float> src = image.Pixels;
        Span<float> dst = opaque.Pixels;
        for (int p = 0, i = 0, o = 0; p < image.Width * image.Height; p++, i += image.Channels, o += colours)
        {
            float a = src[i + colours];
            for (int c = 0; c < colours; c++)
            {
                dst[o + c] = (src[i + c] * a) + (1f - a);
            }
        }

        return opaque;
    }

    /// <summary>A copy of the samples: row-major, channels interleaved, length Width · Height · Channels.</summary>
    public static float[] ToVector(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return (float[])image.Pixels.Clone();
    }

    /// <summary>A copy of the samples as one 1 × (Width · Height · Channels) row, ready to store or to query.</summary>
    public static Tensor ToTensor(Image image)
    {
        float[] row = ToVector(image);
        return Tensor.FromArray(row, 1, row.Length);
    }

    /// <summary>
    /// The standard preparation of any decoded image for a memory of <paramref name="size"/>×<paramref name="size"/>
    /// images: composite over white → pad to a square with white (padding, not cropping, so that nothing of the
    /// picture is lost) → grey (Rec. 601) or RGB → resize to size×size (area when shrinking, bilinear when
    /// enlarging) → the samples, length size·size·(1 or 3), in [0, 1].
    /// </summary>
    /// <remarks>
    /// The steps run one row at a time: each row of the padded square is composited, padded and converted into one row
    /// buffer and fed to the resize (<see cref="StreamingResize"/>, bit for bit <see cref="Resize"/>), so the result is
    /// exactly that of <c>Resize(ToGrey-or-ToRgb(PadToSquare(CompositeOverWhite(image))))</c> while a large photograph costs
    /// two rows and the small result, never the padded square and its copies.
    /// </remarks>
    public static float[] Prepare(Image image, int size, bool grey)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int side = Math.Max(image.Width, image.Height);
        int x0 = (side - image.Width) / 2, y0 = (side - image.Height) / 2;
        int channels = image.Channels, colours = image.HasAlpha ? channels - 1 : channels, outChannels = grey ? 1 : 3;
        var resize = new StreamingResize(side, side, size, size, grey ? PixelLayout.Grey : PixelLayout.Rgb);
        var padded = new float[side * colours];
        var row = new float[side * outChannels];
        for (int y = 0; y < side; y++)
        {
            // The padding is white; the picture's pixels composited over white as CompositeOverWhite does.
            Array.Fill(padded, 1f);
            if (y >= y0 && y < y0 + image.Height)
            {
                ReadOnlySpan<float> src = image.Row(y - y0);
                Span<float> dst = padded.AsSpan(x0 * colours, image.Width * colours);
                if (image.HasAlpha)
                {
                    for (int p = 0, i = 0, o = 0; p < image.Width; p++, i += channels, o += colours)
                    {
                        float a = src[i + colours];
                        for (int c = 0; c < colours; c++)
                        {
                            dst[o + c] = (src[i + c] * a) + (1f - a);
                        }
                    }
                }
                else
                {
                    src.CopyTo(dst);
                }
            }

            // Then grey or RGB, as ToGrey and ToRgb do.
            if (colours == outChannels)
            {
                padded.CopyTo(row, 0);
            }
            else if (grey)
            {
                for (int p = 0, i = 0; p < side; p++, i += 3)
                {
                    row[p] = MathF.Min(1f, (LumaRed * padded[i]) + (LumaGreen * padded[i + 1]) + (LumaBlue * padded[i + 2]));
                }
            }
            else
            {
                for (int p = 0, o = 0; p < side; p++, o += 3)
                {
                    row[o] = row[o + 1] = row[o + 2] = padded[p];
                }
            }

            resize.AddRow(y, row);
        }

        return resize.Finish().Pixels;
    }

    private static Image Copy(Image image) =>
        new(image.Width, image.Height, image.Layout, (float[])image.Pixels.Clone());
}
