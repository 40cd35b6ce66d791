using Engram.Data.Cues;

namespace Engram.Tests.Data.Cues;

public sealed class OcclusionCueTests
{
    [Fact]
    public void Should_hide_every_channel_of_the_bottom_half()
    {
        float[] image = CueAssert.Image(1, 4, 3, 3);
        Cue cue = Occlusion.Hide(image, 4, 3, 3, OcclusionRegion.BottomHalf);
        Assert.Equal(6, CueAssert.Consistent(cue, image, 3));
        Assert.All(cue.Mask[..18], m => Assert.Equal(1f, m));
        Assert.All(cue.Mask[18..], m => Assert.Equal(0f, m));
        Assert.Equal(18, cue.ObservedCount);
    }

    [Fact]
    public void Should_hide_exactly_the_given_rectangle()
    {
        // 3 rows × 4 columns, columns 1–2 of row 1 hidden
        float[] mask = Occlusion.Mask(new PixelRectangle(X: 1, Y: 1, Width: 2, Height: 1), 3, 4);
        Assert.Equal([1f, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1], mask);
        Assert.All(Occlusion.Mask(new PixelRectangle(2, 0, 0, 0), 3, 4), m => Assert.Equal(1f, m));
    }

    [Fact]
    public void Should_draw_random_rectangles_inside_the_image_with_the_drawn_area()
    {
        const int Height = 28, Width = 20;
        var positions = new HashSet<(int, int)>();
        for (int seed = 0; seed < 300; seed++)
        {
            PixelRectangle r = Occlusion.RandomRectangle(Height, Width, 0.1, 0.4, new Random(seed));
            Assert.InRange(r.X, 0, Width - r.Width);
            Assert.InRange(r.Y, 0, Height - r.Height);
            Assert.InRange(r.Area, (0.1 * Height * Width) - (r.Height / 2.0), (0.4 * Height * Width) + (r.Height / 2.0));
            positions.Add((r.X, r.Y));

            // A fixed fraction pins the area to within half a row.
            PixelRectangle quarter = Occlusion.RandomRectangle(Height, Width, 0.25, 0.25, new Random(seed));
            Assert.InRange(quarter.Area, 140 - (quarter.Height / 2.0), 140 + (quarter.Height / 2.0));
            Assert.Equal(quarter, Occlusion.RandomRectangle(Height, Width, 0.25, 0.25, new Random(seed)));
        }

        Assert.True(positions.Count > 50, $"only {positions.Count} distinct positions in 300 draws");
        Assert.Equal(Height * Width, Occlusion.RandomRectangle(Height, Width, 1, 1, new Random(3)).Area);
        Assert.Equal(0, Occlusion.RandomRectangle(Height, Width, 0, 0, new Random(3)).Area);
    }

    [Fact]
    public void Should_hide_a_random_rectangle_reproducibly()
    {
        float[] image = CueAssert.Image(2, 16, 16, 1);
        Cue a = Occlusion.HideRandomRectangle(image, 16, 16, 1, 0.2, 0.3, new Random(42));
        Cue b = Occlusion.HideRandomRectangle(image, 16, 16, 1, 0.2, 0.3, new Random(42));
        Assert.Equal(a.Content, b.Content);
        Assert.Equal(a.Mask, b.Mask);
        PixelRectangle r = Occlusion.RandomRectangle(16, 16, 0.2, 0.3, new Random(42));
        Assert.Equal(r.Area, CueAssert.Consistent(a, image, 1));
        Assert.Equal(0f, a.Mask[(r.Y * 16) + r.X]);
    }

    [Theory]
    [InlineData(28, 28, 3, 0.5, 392)]
    [InlineData(28, 28, 1, 0.1, 78)] // 78.4
    [InlineData(5, 1, 2, 0.5, 3)] // 2.5 rounds up
    [InlineData(7, 3, 1, 0, 0)]
    [InlineData(7, 3, 1, 1, 21)]
    public void Should_hide_exactly_the_rounded_number_of_random_pixels(int height, int width, int channels, double fraction, int hidden)
    {
        float[] image = CueAssert.Image(3, height, width, channels);
        Cue cue = Occlusion.HideRandomPixels(image, height, width, channels, fraction, new Random(7));
        Assert.Equal(hidden, CueAssert.Consistent(cue, image, channels));
    }

    [Fact]
    public void Should_hide_the_same_pixels_for_the_same_seed_and_others_for_another()
    {
        float[] a = Occlusion.RandomPixelMask(28, 28, 0.5, new Random(11));
        Assert.Equal(a, Occlusion.RandomPixelMask(28, 28, 0.5, new Random(11)));
        Assert.NotEqual(a, Occlusion.RandomPixelMask(28, 28, 0.5, new Random(12)));
    }

    [Fact]
    public void Should_reject_bad_fractions_rectangles_and_lengths()
    {
        var random = new Random(0);
        float[] image = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.RandomPixelMask(3, 4, -0.1, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.RandomPixelMask(3, 4, 1.1, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.RandomPixelMask(3, 4, double.NaN, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.RandomRectangle(3, 4, 0, 2, random));
        Assert.Throws<ArgumentException>(() => Occlusion.RandomRectangle(3, 4, 0.5, 0.4, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.Mask(new PixelRectangle(3, 0, 2, 1), 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.Mask(new PixelRectangle(0, 0, -1, 1), 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Occlusion.Hide(image, 0, 4, 3, OcclusionRegion.TopHalf));
        var e = Assert.Throws<ArgumentException>(() => Occlusion.HideRandomPixels(image, 3, 4, 3, 0.5, random));
        Assert.Contains("A 3×4×3 image has 36 samples; got 12.", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Cue(new float[3], new float[2]));
    }
}
