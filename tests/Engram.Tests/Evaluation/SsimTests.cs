using System.Text.Json;
using Engram.Evaluation;
using Engram.Tests.Support;

namespace Engram.Tests.Evaluation;

public sealed class SsimTests
{
    public static TheoryData<string> SkimageCases() => [.. ReferenceCases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(SkimageCases))]
    public void Should_match_scikit_image(string name)
    {
        // Given scikit-image's value on the float32 pixels cast to float64 (see Fixtures/ssim/make_ssim_fixtures.py)
        ReferenceCase c = ReferenceCases().Single(r => r.Name == name);

        // When
        double ssim = Ssim.Compute(c.Reference, c.Image, c.Height, c.Width, c.Channels);

        // Then
        Tolerance.Close(c.Ssim, ssim, 0, 1e-6, name);
    }

    [Fact]
    public void Should_average_a_batch_in_any_schedule_to_the_same_value()
    {
        // Given the 28×28 grey cases back to back
        ReferenceCase[] cases = [.. ReferenceCases().Where(c => c.Height == 28 && c.Width == 28 && c.Channels == 1)];
        float[] references = [.. cases.SelectMany(c => c.Reference)];
        float[] images = [.. cases.SelectMany(c => c.Image)];

        // When
        double mean = Ssim.Mean(references, images, cases.Length, 28, 28);

        // Then: the mean of the single scores, bit for bit on every run
        Tolerance.Close(cases.Average(c => c.Ssim), mean, 0, 1e-6);
        double sequential = 0;
        foreach (ReferenceCase c in cases)
        {
            sequential += Ssim.Compute(c.Reference, c.Image, 28, 28);
        }

        sequential /= cases.Length;
        for (int run = 0; run < 5; run++)
        {
            Assert.Equal(sequential, Ssim.Mean(references, images, cases.Length, 28, 28));
        }
    }

    [Theory]
    [InlineData(11, 11, 1)]
    [InlineData(28, 28, 1)]
    [InlineData(20, 13, 3)]
    public void Should_give_exactly_one_for_identical_images(int height, int width, int channels)
    {
        float[] image = Uniform(seed: height * width, height * width * channels);
        Tolerance.Close(1, Ssim.Compute(image, image, height, width, channels), 0, 1e-12);
    }

    [Fact]
    public void Should_take_the_data_range_from_the_reference_only()
    {
        // Given a reference in [0, 1] and an image of the same structure in [0, 0.5]
        float[] reference = Uniform(seed: 3, 28 * 28);
        float[] image = [.. reference.Select(v => v / 2)];

        // When
        double forward = Ssim.Compute(reference, image, 28, 28);
        double backward = Ssim.Compute(image, reference, 28, 28);

        // Then: the constants C1, C2 scale with the first argument's range, so the order matters
        Assert.True(Math.Abs(forward - backward) > 1e-3, $"forward {forward}, backward {backward}");
    }

    [Fact]
    public void Should_score_each_colour_channel_and_average()
    {
        // Given an RGB pair whose channels are grey pairs, each channel spanning [0, 1] so that the colour
        // reference's data range (taken over all channels, as in scikit-image) is each grey reference's too
        const int H = 16, W = 14;
        float[] r = Spanning(Uniform(1, H * W)), g = Spanning(Uniform(2, H * W)), b = Spanning(Uniform(3, H * W));
        float[] r2 = Uniform(4, H * W), g2 = [.. g.Select(v => v * 0.9f)], b2 = b;

        // When
        double rgb = Ssim.Compute(Interleave(r, g, b), Interleave(r2, g2, b2), H, W, 3);

        // Then
        double expected = (Ssim.Compute(r, r2, H, W) + Ssim.Compute(g, g2, H, W) + Ssim.Compute(b, b2, H, W)) / 3;
        Tolerance.Close(expected, rgb, 0, 1e-15);

        static float[] Spanning(float[] x)
        {
            x[0] = 0;
            x[1] = 1;
            return x;
        }
    }

    [Fact]
    public void Should_name_both_lengths_and_the_expected_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => Ssim.Compute(new float[784], new float[783], 28, 28));
        Assert.Contains("28×28×1 = 784 values; got 784 (reference) and 783 (image)", error.Message, StringComparison.Ordinal);
        Assert.Equal("image", error.ParamName);

        var batch = Assert.Throws<ArgumentException>(() => Ssim.Mean(new float[784 * 3], new float[784 * 2], 3, 28, 28));
        Assert.Contains("3 images of 28×28×1 needs 2352 values each; got 2352 (references) and 1568 (images)", batch.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 11)]
    [InlineData(11, 10)]
    [InlineData(7, 7)]
    public void Should_refuse_images_smaller_than_the_window(int height, int width)
    {
        float[] image = Uniform(seed: 1, height * width);
        var error = Assert.Throws<ArgumentException>(() => Ssim.Compute(image, image, height, width));
        Assert.Contains($"at least that large; got {height}×{width}", error.Message, StringComparison.Ordinal);
        Assert.Contains("11×11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_constant_reference()
    {
        float[] constant = Enumerable.Repeat(0.5f, 28 * 28).ToArray();
        var error = Assert.Throws<ArgumentException>(() => Ssim.Compute(constant, Uniform(seed: 2, 28 * 28), 28, 28));
        Assert.Contains("reference 0 is constant (0.5)", error.Message, StringComparison.Ordinal);

        float[] references = [.. Uniform(seed: 5, 28 * 28), .. constant];
        var batch = Assert.Throws<ArgumentException>(() => Ssim.Mean(references, references, 2, 28, 28));
        Assert.Contains("reference 1 is constant", batch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_non_finite_pixels_and_bad_counts()
    {
        float[] reference = Uniform(seed: 6, 28 * 28);
        float[] image = (float[])reference.Clone();
        image[17] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => Ssim.Compute(reference, image, 28, 28));
        Assert.Contains("NaN at index 17 of the image", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ssim.Mean(reference, reference, 0, 28, 28));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ssim.Compute(reference, reference, 28, 28, 0));
    }

    private static float[] Uniform(int seed, int length)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (float)random.NextDouble())];
    }

    private static float[] Interleave(float[] r, float[] g, float[] b) =>
        [.. Enumerable.Range(0, r.Length).SelectMany(i => new[] { r[i], g[i], b[i] })];

    private sealed record ReferenceCase(string Name, int Height, int Width, int Channels, float[] Reference, float[] Image, double Ssim);

    private sealed record ReferenceFile(ReferenceCase[] Cases);

    private static ReferenceCase[] ReferenceCases() => s_cases.Value;

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };

    private static readonly Lazy<ReferenceCase[]> s_cases = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "ssim", "ssim_reference.json");
        return JsonSerializer.Deserialize<ReferenceFile>(File.ReadAllText(path), s_json)!.Cases;
    });
}
