using Engram.Data.Cues;

namespace Engram.Tests.Data.Cues;

public sealed class NoiseTests
{
    [Fact]
    public void Should_add_noise_with_mean_zero_and_standard_deviation_sigma()
    {
        // Given a mid-grey 64×64 RGB image and σ = 0.1, five σ away from either clamp
        const double Sigma = 0.1;
        var image = new float[64 * 64 * 3];
        image.AsSpan().Fill(0.5f);

        // When
        Cue cue = Noise.Gaussian(image, Sigma, new Random(5));

        // Then the sample statistics agree within 4 standard errors for n samples
        int n = image.Length;
        double[] noise = [.. cue.Content.Select(v => v - 0.5)];
        double mean = noise.Average();
        double variance = noise.Sum(d => (d - mean) * (d - mean)) / (n - 1);
        Assert.InRange(mean, -4 * Sigma / Math.Sqrt(n), 4 * Sigma / Math.Sqrt(n));
        double varianceError = 4 * Sigma * Sigma * Math.Sqrt(2.0 / (n - 1));
        Assert.InRange(variance, (Sigma * Sigma) - varianceError, (Sigma * Sigma) + varianceError);

        double withinOneSigma = noise.Count(d => Math.Abs(d) <= Sigma) / (double)n;
        double p = 0.682689492;
        Assert.InRange(withinOneSigma, p - (4 * Math.Sqrt(p * (1 - p) / n)), p + (4 * Math.Sqrt(p * (1 - p) / n)));

        // Box–Muller's pairs are independent: neighbours are uncorrelated.
        double lag = Enumerable.Range(0, n - 1).Sum(i => noise[i] * noise[i + 1]) / ((n - 1) * variance);
        Assert.InRange(lag, -4 / Math.Sqrt(n), 4 / Math.Sqrt(n));
        Assert.All(cue.Mask, m => Assert.Equal(1f, m));
    }

    [Fact]
    public void Should_clamp_noisy_values_to_the_unit_interval()
    {
        float[] black = new float[1001];
        Cue cue = Noise.Gaussian(black, 0.5, new Random(1));
        Assert.All(cue.Content, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(cue.Content.Count(v => v == 0f), 400, 600); // about half fall below 0
        Assert.Equal(black, Noise.Gaussian(black, 0, new Random(1)).Content);
    }

    [Fact]
    public void Should_give_the_same_noise_for_the_same_seed()
    {
        float[] image = CueAssert.Image(4, 8, 8, 3);
        Assert.Equal(Noise.Gaussian(image, 0.2, new Random(9)).Content, Noise.Gaussian(image, 0.2, new Random(9)).Content);
        Assert.NotEqual(Noise.Gaussian(image, 0.2, new Random(9)).Content, Noise.Gaussian(image, 0.2, new Random(10)).Content);
        Assert.Equal(
            Noise.SaltAndPepper(image, 8, 8, 3, 0.3, new Random(9)).Content,
            Noise.SaltAndPepper(image, 8, 8, 3, 0.3, new Random(9)).Content);
    }

    [Fact]
    public void Should_set_exactly_the_rounded_number_of_pixels_to_salt_or_pepper()
    {
        // Given a mid-grey image, so that every changed pixel shows
        const int Height = 64, Width = 64, Channels = 3;
        var image = new float[Height * Width * Channels];
        image.AsSpan().Fill(0.5f);

        // When
        Cue cue = Noise.SaltAndPepper(image, Height, Width, Channels, 0.5, new Random(8));

        // Then
        int salt = 0, pepper = 0;
        for (int p = 0; p < Height * Width; p++)
        {
            float[] pixel = cue.Content[(p * Channels)..((p + 1) * Channels)];
            Assert.True(pixel.All(v => v == pixel[0]), $"pixel {p} has channels {string.Join(", ", pixel)}");
            salt += pixel[0] == 1f ? 1 : 0;
            pepper += pixel[0] == 0f ? 1 : 0;
        }

        Assert.Equal(2048, salt + pepper);
        Assert.InRange(salt, 1024 - (4 * Math.Sqrt(512)), 1024 + (4 * Math.Sqrt(512)));
        Assert.All(cue.Mask, m => Assert.Equal(1f, m));
    }

    [Fact]
    public void Should_reject_bad_sigma_fractions_and_lengths()
    {
        var random = new Random(0);
        float[] image = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise.Gaussian(image, -0.1, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise.Gaussian(image, double.NaN, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise.Gaussian(image, double.PositiveInfinity, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise.SaltAndPepper(image, 2, 2, 3, 1.5, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Noise.SaltAndPepper(image, 2, 2, 3, -1, random));
        Assert.Throws<ArgumentException>(() => Noise.SaltAndPepper(image, 2, 2, 2, 0.5, random));
    }
}
