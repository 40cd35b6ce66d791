using System.Text.Json;
using Engram.Data.Images;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Images;

public sealed class ResizeTests
{
    [Fact]
    public void Should_average_2x2_blocks_when_halving()
    {
        var image = new Image(4, 4, PixelLayout.Grey, [
            0.0f, 0.2f, 0.4f, 0.4f,
            0.6f, 0.2f, 0.8f, 0.0f,
            1.0f, 1.0f, 0.1f, 0.3f,
            0.0f, 0.2f, 0.5f, 0.7f,
        ]);
        Image half = ImageOps.Resize(image, 2, 2);
        Tolerance.AllClose([0.25, 0.4, 0.55, 0.4], half.Pixels, 0, 1e-7);
    }

    [Fact]
    public void Should_weigh_source_pixels_by_their_fractional_coverage()
    {
        // 3 → 2: output 0 covers [0, 1.5): ⅔ of pixel 0 and ⅓ of pixel 1; output 1 covers ⅓ of pixel 1 and ⅔ of pixel 2.
        var row = new Image(3, 1, PixelLayout.Grey, [1f, 0f, 0f]);
        Tolerance.AllClose([2.0 / 3, 0], ImageOps.Resize(row, 2, 1).Pixels, 0, 1e-7);

        // On the ramp v = (3y + x)/8 the area mean is the ramp at the coverage centroids ⅓ and ⁵⁄₃ (bilinear
        // sampling would hit ¼ and ⁷⁄₄ instead).
        var ramp = new Image(3, 3, PixelLayout.Grey, [0, 1 / 8f, 2 / 8f, 3 / 8f, 4 / 8f, 5 / 8f, 6 / 8f, 7 / 8f, 1]);
        Tolerance.AllClose([1.0 / 6, 1.0 / 3, 2.0 / 3, 5.0 / 6], ImageOps.Resize(ramp, 2, 2).Pixels, 0, 1e-7);
    }

    [Fact]
    public void Should_interpolate_between_pixel_centres_and_clamp_at_the_edges_when_enlarging()
    {
        // 2 → 4 samples the source at u = −¼, ¼, ¾, 5⁄4; the ends clamp to the edge pixels.
        var row = new Image(2, 1, PixelLayout.Grey, [0f, 1f]);
        Tolerance.AllClose([0, 0.25, 0.75, 1], ImageOps.Resize(row, 4, 1).Pixels, 0, 1e-7);
    }

    [Fact]
    public void Should_shrink_one_axis_by_area_and_enlarge_the_other_bilinearly()
    {
        var row = new Image(4, 1, PixelLayout.Grey, [0.2f, 0.4f, 0.6f, 1f]);
        Tolerance.AllClose([0.3, 0.8, 0.3, 0.8], ImageOps.Resize(row, 2, 2).Pixels, 0, 1e-7);
    }

    [Fact]
    public void Should_resize_alpha_premultiplied_so_transparent_colour_does_not_bleed()
    {
        // Transparent red next to opaque blue: the average is half-transparent blue, not purple.
        var rgba = new Image(2, 1, PixelLayout.Rgba, [1, 0, 0, 0, 0, 0, 1, 1]);
        Tolerance.AllClose([0, 0, 1, 0.5], ImageOps.Resize(rgba, 1, 1).Pixels, 0, 1e-7);

        // A pixel that comes out fully transparent gets colour 0.
        var clear = new Image(2, 1, PixelLayout.GreyAlpha, [0.7f, 0f, 0.3f, 0f]);
        Assert.Equal([0f, 0f], ImageOps.Resize(clear, 1, 1).Pixels);
    }

    [Fact]
    public void Should_keep_a_constant_image_constant()
    {
        foreach ((int w, int h) in new[] { (1, 1), (5, 3), (13, 29), (64, 7) })
        {
            var image = new Image(9, 11, PixelLayout.Rgb);
            image.Pixels.AsSpan().Fill(0.625f);
            Image resized = ImageOps.Resize(image, w, h);
            Assert.All(resized.Pixels, v => Tolerance.Close(0.625, v, 0, 1e-6));
        }
    }

    public static TheoryData<string> PilCases() =>
        [.. ReferenceCases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(PilCases))]
    public void Should_match_pil_box_when_shrinking_and_bilinear_when_enlarging(string name)
    {
        // Given a PIL reference computed in mode 'F' (see Fixtures/images/make_resize_fixtures.py)
        ReferenceCase c = ReferenceCases().Single(r => r.Name == name);
        PixelLayout layout = c.Channels == 1 ? PixelLayout.Grey : PixelLayout.Rgb;
        var image = new Image(c.Width, c.Height, layout, c.Source);

        // When
        Image resized = ImageOps.Resize(image, c.TargetWidth, c.TargetHeight);

        // Then: within float32 rounding of the accumulated weights
        Tolerance.AllClose(c.Expected.Select(v => (double)v).ToArray(), resized.Pixels, 0, 1e-6, name);
    }

    private sealed record ReferenceCase(
        string Name, int Channels, int Width, int Height, int TargetWidth, int TargetHeight, float[] Source, float[] Expected);

    private sealed record ReferenceFile(ReferenceCase[] Cases);

    private static ReferenceCase[] ReferenceCases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", "resize_reference.json");
        var file = JsonSerializer.Deserialize<ReferenceFile>(File.ReadAllText(path), s_json)!;
        return file.Cases;
    }

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };
}
