namespace Engram.Data.Cues;

/// <summary>Which part of an image an occlusion hides.</summary>
public enum OcclusionRegion
{
    /// <summary>Rows from the middle (the smaller half for an odd height) to the bottom hidden.</summary>
    BottomHalf,
    /// <summary>Rows from the top to the middle hidden.</summary>
    TopHalf,
    /// <summary>Columns from the left to the middle hidden.</summary>
    LeftHalf,
    /// <summary>Columns from the middle to the right hidden.</summary>
    RightHalf,
}

/// <summary>
/// Occlusion cues: the image with a region set to zero, and the observation mask (1 = observed).
/// For an odd height or width the hidden half is the smaller one: rows 14–27 of 28, rows 15–28 of 29.
/// </summary>
/// <remarks>
/// Masks (<see cref="Mask(OcclusionRegion, int, int)"/> and its siblings) have one value per pixel; the
/// <c>Hide…</c> generators take a flat row-major image with interleaved channels and hide all channels of a pixel,
/// answering a <see cref="Cue"/>. Random generators take a <see cref="Random"/>: the same seed gives the same cue.
/// </remarks>
public static class Occlusion
{
    /// <summary>Parses "bottom-half", "top-half", "left-half" or "right-half".</summary>
    public static OcclusionRegion Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bottom-half" or "bottom" => OcclusionRegion.BottomHalf,
        "top-half" or "top" => OcclusionRegion.TopHalf,
        "left-half" or "left" => OcclusionRegion.LeftHalf,
        "right-half" or "right" => OcclusionRegion.RightHalf,
        _ => throw new ArgumentException(
            $"Unknown occlusion '{name}'; use bottom-half, top-half, left-half or right-half.", nameof(name)),
    };

    /// <summary>The observation mask of one height×width image: 1 where the pixel stays visible.</summary>
    public static float[] Mask(OcclusionRegion region, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var mask = new float[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bool hidden = region switch
                {
                    OcclusionRegion.BottomHalf => y >= height - (height / 2),
                    OcclusionRegion.TopHalf => y < height / 2,
                    OcclusionRegion.LeftHalf => x < width / 2,
                    _ => x >= width - (width / 2),
                };
                mask[(y * width) + x] = hidden ? 0f : 1f;
            }
        }

        return mask;
    }

    /// <summary>Applies <paramref name="mask"/> to every row of <paramref name="images"/>, returning a new tensor.</summary>
    public static Tensor Apply(Tensor images, ReadOnlySpan<float> mask)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 2 || images.Shape[1] != mask.Length)
        {
            throw new ArgumentException($"images must be Q×{mask.Length} to take a mask of {mask.Length} pixels; got {images}.", nameof(images));
        }

        Tensor cues = images.Clone();
        for (int i = 0; i < cues.Shape[0]; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(cues.Row(i), mask, cues.Row(i));
        }

        return cues;
    }

    /// <summary>A cue with a half of the image hidden (see <see cref="Mask(OcclusionRegion, int, int)"/>).</summary>
    public static Cue Hide(ReadOnlySpan<float> image, int height, int width, int channels, OcclusionRegion region)
    {
        CueImage.Check(image, height, width, channels);
        return CueImage.FromPixelMask(image, channels, Mask(region, height, width));
    }

    /// <summary>The observation mask of one height×width image with <paramref name="rectangle"/> hidden.</summary>
    public static float[] Mask(PixelRectangle rectangle, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (rectangle.X < 0 || rectangle.Y < 0 || rectangle.Width < 0 || rectangle.Height < 0
            || rectangle.X + rectangle.Width > width || rectangle.Y + rectangle.Height > height)
        {
            throw new ArgumentOutOfRangeException(nameof(rectangle), rectangle, $"The rectangle must lie inside the {height}×{width} image.");
        }

        var mask = new float[height * width];
        mask.AsSpan().Fill(1f);
        for (int y = rectangle.Y; y < rectangle.Y + rectangle.Height; y++)
        {
            mask.AsSpan((y * width) + rectangle.X, rectangle.Width).Clear();
        }

        return mask;
    }

    /// <summary>A cue with <paramref name="rectangle"/> hidden.</summary>
    public static Cue Hide(ReadOnlySpan<float> image, int height, int width, int channels, PixelRectangle rectangle)
    {
        CueImage.Check(image, height, width, channels);
        return CueImage.FromPixelMask(image, channels, Mask(rectangle, height, width));
    }

    /// <summary>
    /// A random rectangle inside a height×width image covering a fraction f of its area, f drawn uniformly from
    /// [<paramref name="minFraction"/>, <paramref name="maxFraction"/>]. The aspect ratio (width / height) is drawn
    /// log-uniformly from [½, 2], bent where the image is too narrow; the rectangle's height is then fixed and its
    /// width rounded, so its area is f·height·width to within half a row: |Area − f·H·W| ≤ rectangle height / 2
    /// (an area below half a pixel gives the empty rectangle). The position is uniform over all places it fits.
    /// </summary>
    public static PixelRectangle RandomRectangle(int height, int width, double minFraction, double maxFraction, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        CueImage.CheckFraction(minFraction, nameof(minFraction));
        CueImage.CheckFraction(maxFraction, nameof(maxFraction));
        ArgumentNullException.ThrowIfNull(random);
        if (minFraction > maxFraction)
        {
            throw new ArgumentException($"minFraction ({minFraction}) exceeds maxFraction ({maxFraction}).", nameof(minFraction));
        }

        double fraction = minFraction + ((maxFraction - minFraction) * random.NextDouble());
        double area = fraction * height * width;
        double aspect = Math.Pow(2, (2 * random.NextDouble()) - 1);

        // At least area / width rows, so that the rounded width never needs more columns than the image has.
        int fewestRows = Math.Clamp((int)Math.Ceiling(area / width), 1, height);
        int rows = Math.Clamp((int)Math.Round(Math.Sqrt(area / aspect), MidpointRounding.AwayFromZero), fewestRows, height);
        int columns = Math.Clamp((int)Math.Round(area / rows, MidpointRounding.AwayFromZero), 0, width);
        if (columns == 0)
        {
            rows = 0;
        }

        int x = random.Next(width - columns + 1), y = random.Next(height - rows + 1);
        return new PixelRectangle(x, y, columns, rows);
    }

    /// <summary>A cue with a random rectangle hidden (see <see cref="RandomRectangle(int, int, double, double, Random)"/>).</summary>
    public static Cue HideRandomRectangle(
        ReadOnlySpan<float> image, int height, int width, int channels, double minFraction, double maxFraction, Random random)
    {
        CueImage.Check(image, height, width, channels);
        return Hide(image, height, width, channels, RandomRectangle(height, width, minFraction, maxFraction, random));
    }

    /// <summary>
    /// The mask of a height×width image with exactly round(<paramref name="fraction"/> · height · width) pixels
    /// hidden (halves round up), chosen uniformly without replacement.
    /// </summary>
    public static float[] RandomPixelMask(int height, int width, double fraction, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        CueImage.CheckFraction(fraction, nameof(fraction));
        ArgumentNullException.ThrowIfNull(random);
        int pixels = height * width;
        var mask = new float[pixels];
        mask.AsSpan().Fill(1f);
        foreach (int p in CueImage.Choose(pixels, CueImage.Count(fraction, pixels), random))
        {
            mask[p] = 0f;
        }

        return mask;
    }

    /// <summary>A cue with random pixels hidden (see <see cref="RandomPixelMask"/>).</summary>
    public static Cue HideRandomPixels(ReadOnlySpan<float> image, int height, int width, int channels, double fraction, Random random)
    {
        CueImage.Check(image, height, width, channels);
        return CueImage.FromPixelMask(image, channels, RandomPixelMask(height, width, fraction, random));
    }
}
