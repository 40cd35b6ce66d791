namespace Engram.Data.Cues;

/// <summary>
/// A corrupted copy of one item and what of it was observed: the form in which every cue generator answers.
/// </summary>
/// <remarks>
/// <see cref="Content"/> has the item's length. <see cref="Mask"/> has the same length, one value per sample
/// (1 = observed, 0 = missing), so it can serve directly as the memory's observation mask; image generators hide
/// whole pixels, so all channels of a pixel share one value. Missing samples are 0 in <see cref="Content"/>.
/// Noise cues corrupt values but hide nothing: their mask is all ones. Equality compares the arrays by reference.
/// </remarks>
public sealed record Cue
{
    /// <summary>A cue of <paramref name="content"/> and its observation <paramref name="mask"/>, which must have one value per sample.</summary>
    public Cue(float[] content, float[] mask)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(mask);
        if (content.Length != mask.Length)
        {
            throw new ArgumentException($"The mask needs one value per sample, {content.Length}; got {mask.Length}.", nameof(mask));
        }

        Content = content;
        Mask = mask;
    }

    /// <summary>The corrupted item: observed samples as they were (or with noise), missing samples 0.</summary>
    public float[] Content { get; }

    /// <summary>1 where a sample is observed, 0 where it is missing.</summary>
    public float[] Mask { get; }

    /// <summary>How many samples are observed.</summary>
    public int ObservedCount => Mask.Count(m => m != 0f);
}

/// <summary>Shared checks and mask expansion for generators that work on a flat height×width×channels image.</summary>
internal static class CueImage
{
    public static void Check(ReadOnlySpan<float> image, int height, int width, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        long samples = (long)height * width * channels;
        if (image.Length != samples)
        {
            throw new ArgumentException(
                $"A {height}×{width}×{channels} image has {samples} samples; got {image.Length}.", nameof(image));
        }
    }

    public static void CheckFraction(double fraction, string name)
    {
        if (!(fraction is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(name, fraction, "A fraction must lie in [0, 1].");
        }
    }

    /// <summary>A cue that hides every channel of the pixels where <paramref name="pixelMask"/> is 0.</summary>
    public static Cue FromPixelMask(ReadOnlySpan<float> image, int channels, ReadOnlySpan<float> pixelMask)
    {
        var content = new float[image.Length];
        var mask = new float[image.Length];
        for (int p = 0; p < pixelMask.Length; p++)
        {
            if (pixelMask[p] != 0f)
            {
                image.Slice(p * channels, channels).CopyTo(content.AsSpan(p * channels));
                mask.AsSpan(p * channels, channels).Fill(1f);
            }
        }

        return new Cue(content, mask);
    }

    /// <summary>A noise cue: the given content, everything observed.</summary>
    public static Cue Observed(float[] content)
    {
        var mask = new float[content.Length];
        mask.AsSpan().Fill(1f);
        return new Cue(content, mask);
    }

    /// <summary>
    /// <paramref name="count"/> distinct indices below <paramref name="total"/>, drawn without replacement
    /// (a partial Fisher–Yates shuffle), in the order drawn.
    /// </summary>
    public static int[] Choose(int total, int count, Random random)
    {
        var order = new int[total];
        for (int i = 0; i < total; i++)
        {
            order[i] = i;
        }

        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, total);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order[..count];
    }

    /// <summary>round(fraction · total), halves away from zero.</summary>
    public static int Count(double fraction, int total) => (int)Math.Round(fraction * total, MidpointRounding.AwayFromZero);
}
