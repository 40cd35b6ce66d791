using Engram.Data.Cues;

namespace Engram.Tests.Data.Cues;

public sealed class OcclusionTests
{
    [Fact]
    public void Should_hide_rows_14_to_27_of_a_28_row_image_for_the_bottom_half()
    {
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, 28, 28);
        for (int y = 0; y < 28; y++)
        {
            Assert.All(mask.AsSpan(y * 28, 28).ToArray(), m => Assert.Equal(y >= 14 ? 0f : 1f, m));
        }
    }

    [Theory]
    [InlineData(OcclusionRegion.TopHalf, new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [InlineData(OcclusionRegion.BottomHalf, new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 })]
    [InlineData(OcclusionRegion.LeftHalf, new[] { 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1 })]
    [InlineData(OcclusionRegion.RightHalf, new[] { 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0 })]
    public void Should_hide_the_smaller_half_of_an_odd_image(OcclusionRegion region, int[] expected)
    {
        // 5 rows × 3 columns
        Assert.Equal(expected.Select(v => (float)v).ToArray(), Occlusion.Mask(region, 5, 3));
    }

    [Fact]
    public void Should_zero_the_hidden_pixels_of_every_image()
    {
        var images = Tensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8], 2, 4);
        Tensor cues = Occlusion.Apply(images, Occlusion.Mask(OcclusionRegion.BottomHalf, 2, 2));
        Assert.Equal([1f, 2f, 0f, 0f, 5f, 6f, 0f, 0f], cues.Span.ToArray());
        Assert.Equal(3f, images[0, 2]); // the source is untouched
    }

    [Theory]
    [InlineData("bottom-half", OcclusionRegion.BottomHalf)]
    [InlineData("Left", OcclusionRegion.LeftHalf)]
    public void Should_parse_region_names(string name, OcclusionRegion region) => Assert.Equal(region, Occlusion.Parse(name));

    [Fact]
    public void Should_name_the_choices_for_an_unknown_region()
    {
        var e = Assert.Throws<ArgumentException>(() => Occlusion.Parse("middle"));
        Assert.Contains("Unknown occlusion 'middle'; use bottom-half, top-half, left-half or right-half", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Occlusion.Apply(new Tensor(2, 5), new float[4]));
    }
}
