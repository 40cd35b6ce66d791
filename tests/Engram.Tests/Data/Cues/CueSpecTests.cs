using Engram.Data.Cues;

namespace Engram.Tests.Data.Cues;

public sealed class CueSpecTests
{
    [Theory]
    [InlineData("bottom-half", CueKind.Half, 0, 0, "bottom-half")]
    [InlineData(" Left ", CueKind.Half, 0, 0, "left-half")]
    [InlineData("rect:0.25", CueKind.Rectangle, 0.25, 0.25, "rect:0.25")]
    [InlineData("rect:0.1-0.3", CueKind.Rectangle, 0.1, 0.3, "rect:0.1-0.3")]
    [InlineData("rect:1e-3", CueKind.Rectangle, 0.001, 0.001, "rect:0.001")]
    [InlineData("pixels:0.5", CueKind.Pixels, 0.5, 0.5, "pixels:0.5")]
    [InlineData("NOISE:0.1", CueKind.GaussianNoise, 0.1, 0.1, "noise:0.1")]
    [InlineData("salt-pepper:0.05", CueKind.SaltAndPepper, 0.05, 0.05, "salt-pepper:0.05")]
    public void Should_parse_every_form_and_write_it_back(string text, CueKind kind, double amount, double maxAmount, string canonical)
    {
        CueSpec spec = CueSpec.Parse(text);
        Assert.Equal(kind, spec.Kind);
        Assert.Equal(amount, spec.Amount);
        Assert.Equal(maxAmount, spec.MaxAmount);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, CueSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("rect:1.5")]
    [InlineData("rect:0.4-0.2")]
    [InlineData("pixels:-0.1")]
    [InlineData("noise:-1")]
    [InlineData("noise:nan")]
    [InlineData("pixels")]
    [InlineData("pixels:abc")]
    [InlineData("blur:3")]
    [InlineData("bottom-half:1")]
    public void Should_name_the_forms_for_a_bad_spec(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => CueSpec.Parse(text));
        Assert.StartsWith($"Invalid cue '{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("rect:F-G", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_apply_the_same_cue_as_the_generator_with_that_seed()
    {
        const int Height = 12, Width = 10, Channels = 3;
        float[] image = CueAssert.Image(6, Height, Width, Channels);
        (string Spec, Func<Random, Cue> Direct)[] cases =
        [
            ("top-half", _ => Occlusion.Hide(image, Height, Width, Channels, OcclusionRegion.TopHalf)),
            ("rect:0.2-0.4", r => Occlusion.HideRandomRectangle(image, Height, Width, Channels, 0.2, 0.4, r)),
            ("pixels:0.3", r => Occlusion.HideRandomPixels(image, Height, Width, Channels, 0.3, r)),
            ("noise:0.1", r => Noise.Gaussian(image, 0.1, r)),
            ("salt-pepper:0.2", r => Noise.SaltAndPepper(image, Height, Width, Channels, 0.2, r)),
        ];
        foreach ((string text, Func<Random, Cue> direct) in cases)
        {
            Cue applied = CueSpec.Parse(text).Apply(image, Height, Width, Channels, seed: 17);
            Cue expected = direct(new Random(17));
            Assert.Equal(expected.Content, applied.Content);
            Assert.Equal(expected.Mask, applied.Mask);
        }
    }

    [Fact]
    public void Should_check_the_image_shape_when_applying()
    {
        var e = Assert.Throws<ArgumentException>(() => CueSpec.Parse("noise:0.1").Apply(new float[10], 3, 3, 1, seed: 0));
        Assert.Contains("A 3×3×1 image has 9 samples; got 10.", e.Message, StringComparison.Ordinal);
    }
}
