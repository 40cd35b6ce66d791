namespace Engram.Data.Cues;

/// <summary>Which part of an image an occlusion hides.</summary>
public enum OcclusionRegion
{
    BottomHalf,
    TopHalf,
    LeftHalf,
    RightHalf,
}

/// <summary>
/// Occlusion cues: the image with a region set to zero, and the observation mask (1 = observed).
/// For an odd height or width the hidden half is the smaller one: rows 14–27 of 28, rows 15–28 of 29.
/// </summary>
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
}
