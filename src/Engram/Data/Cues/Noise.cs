namespace Engram.Data.Cues;

/// <summary>
/// Noise cues: every sample stays observed (the mask is all ones) but values are corrupted, and the result is
/// clamped to [0, 1]. Each generator takes a <see cref="Random"/>: the same seed gives the same cue.
/// </summary>
public static class Noise
{
    /// <summary>
    /// Adds independent Gaussian noise N(0, σ²) to every sample (Box–Muller, two normals per pair of uniforms) and
    /// clamps to [0, 1]. σ = 0 gives an exact copy.
    /// </summary>
    public static Cue Gaussian(ReadOnlySpan<float> image, double sigma, Random random)
    {
        if (!(sigma >= 0 && double.IsFinite(sigma)))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and ≥ 0.");
        }

        ArgumentNullException.ThrowIfNull(random);
        var content = new float[image.Length];
        for (int i = 0; i < image.Length; i += 2)
        {
            // 1 − U lies in (0, 1], so the logarithm is finite.
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            content[i] = Clamp(image[i] + (sigma * radius * Math.Cos(angle)));
            if (i + 1 < image.Length)
            {
                content[i + 1] = Clamp(image[i + 1] + (sigma * radius * Math.Sin(angle)));
            }
        }

        return CueImage.Observed(content);
    }

    /// <summary>
    /// Sets exactly round(<paramref name="fraction"/> · height · width) pixels (halves round up), chosen uniformly
    /// without replacement, to salt (1 in every channel) or pepper (0 in every channel), each with probability ½.
    /// </summary>
    public static Cue SaltAndPepper(ReadOnlySpan<float> image, int height, int width, int channels, double fraction, Random random)
    {
        CueImage.Check(image, height, width, channels);
        CueImage.CheckFraction(fraction, nameof(fraction));
        ArgumentNullException.ThrowIfNull(random);
        float[] content = image.ToArray();
        int pixels = height * width;
        foreach (int p in CueImage.Choose(pixels, CueImage.Count(fraction, pixels), random))
        {
            content.AsSpan(p * channels, channels).Fill(random.Next(2) == 0 ? 0f : 1f);
        }

        return CueImage.Observed(content);
    }

    private static float Clamp(double value) => (float)Math.Clamp(value, 0, 1);
}
