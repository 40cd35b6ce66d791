using Engram.Data.Images;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Images;

public sealed class ImageOpsTests
{
    [Fact]
    public void Should_convert_rgb_to_rec601_luma_and_keep_alpha()
    {
        // Given red, green, blue and white pixels, the last half transparent
        var rgba = new Image(4, 1, PixelLayout.Rgba, [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0.5f]);

        // When
        Image grey = ImageOps.ToGrey(rgba);

        // Then
        Assert.Equal(PixelLayout.GreyAlpha, grey.Layout);
        Tolerance.AllClose([0.299, 1, 0.587, 1, 0.114, 1, 1, 0.5], grey.Pixels, 0, 1e-7);
        Assert.Equal(1f, grey[3, 0, 0]); // white stays exactly white
        Assert.Equal(PixelLayout.Grey, ImageOps.ToGrey(new Image(1, 1, PixelLayout.Rgb)).Layout);
    }

    [Fact]
    public void Should_repeat_grey_in_three_channels_and_keep_alpha()
    {
        var greyAlpha = new Image(2, 1, PixelLayout.GreyAlpha, [0.3f, 0.7f, 1f, 0f]);
        Image rgba = ImageOps.ToRgb(greyAlpha);
        Assert.Equal(PixelLayout.Rgba, rgba.Layout);
        Assert.Equal([0.3f, 0.3f, 0.3f, 0.7f, 1f, 1f, 1f, 0f], rgba.Pixels);
        Assert.Equal(PixelLayout.Rgb, ImageOps.ToRgb(new Image(1, 1, PixelLayout.Grey)).Layout);
    }

    [Fact]
    public void Should_copy_rather_than_share_when_nothing_changes()
    {
        var rgb = new Image(1, 1, PixelLayout.Rgb, [0.1f, 0.2f, 0.3f]);
        Image same = ImageOps.ToRgb(rgb);
        same[0, 0, 0] = 0.9f;
        Assert.Equal(0.1f, rgb[0, 0, 0]);
        Assert.NotSame(rgb.Pixels, ImageOps.CompositeOverWhite(rgb).Pixels);
        Assert.NotSame(rgb.Pixels, ImageOps.Resize(rgb, 1, 1).Pixels);
        Assert.NotSame(rgb.Pixels, ImageOps.ToVector(rgb));
    }

    [Fact]
    public void Should_composite_straight_alpha_over_white()
    {
        // c·a + 1·(1 − a)
        var rgba = new Image(3, 1, PixelLayout.Rgba, [1, 0, 0.5f, 0.25f, 0.2f, 0.4f, 0.6f, 1, 0, 0, 0, 0]);
        Image rgb = ImageOps.CompositeOverWhite(rgba);
        Assert.Equal(PixelLayout.Rgb, rgb.Layout);
        Tolerance.AllClose([1, 0.75, 0.875, 0.2, 0.4, 0.6, 1, 1, 1], rgb.Pixels, 0, 1e-7);

        var greyAlpha = new Image(1, 1, PixelLayout.GreyAlpha, [0.2f, 0.5f]);
        Image grey = ImageOps.CompositeOverWhite(greyAlpha);
        Assert.Equal(PixelLayout.Grey, grey.Layout);
        Tolerance.Close(0.6, grey.Pixels[0], 0, 1e-7);
    }

    [Fact]
    public void Should_crop_the_centred_square_leaving_the_odd_pixel_on_the_right()
    {
        // 4×2: the excess is 2, one column from each side
        var wide = new Image(4, 2, PixelLayout.Grey, [0, 1, 2, 3, 4, 5, 6, 7]);
        Assert.Equal([1f, 2f, 5f, 6f], ImageOps.CenterCropToSquare(wide).Pixels);

        // 2×5: the excess is 3, one row from the top and two from the bottom
        var tall = new Image(2, 5, PixelLayout.Grey, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Image square = ImageOps.CenterCropToSquare(tall);
        Assert.Equal((2, 2), (square.Width, square.Height));
        Assert.Equal([2f, 3f, 4f, 5f], square.Pixels);
    }

    [Fact]
    public void Should_pad_to_a_centred_square_with_the_extra_row_at_the_bottom()
    {
        var wide = new Image(3, 2, PixelLayout.Grey, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]);
        Image white = ImageOps.PadToSquare(wide);
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 1f, 1f, 1f], white.Pixels);

        var tall = new Image(1, 3, PixelLayout.Grey, [0.1f, 0.2f, 0.3f]);
        Assert.Equal([0f, 0.1f, 0f, 0f, 0.2f, 0f, 0f, 0.3f, 0f], ImageOps.PadToSquare(tall, fill: 0f).Pixels);
    }

    [Fact]
    public void Should_pad_images_with_alpha_opaquely()
    {
        var greyAlpha = new Image(1, 2, PixelLayout.GreyAlpha, [0.2f, 0f, 0.4f, 0.5f]);
        Image square = ImageOps.PadToSquare(greyAlpha, fill: 0.7f);
        Assert.Equal([0.2f, 0f, 0.7f, 1f, 0.4f, 0.5f, 0.7f, 1f], square.Pixels);
    }

    [Fact]
    public void Should_flatten_to_one_row()
    {
        var rgb = new Image(2, 1, PixelLayout.Rgb, [1, 2, 3, 4, 5, 6]);
        Tensor row = ImageOps.ToTensor(rgb);
        Assert.Equal([1, 6], row.Shape.ToArray());
        Assert.Equal(rgb.Pixels, row.Span.ToArray());
    }

    [Fact]
    public void Should_prepare_by_compositing_padding_resizing_and_converting()
    {
        // Given a 4×2 image: left half opaque black, right half transparent red
        var rgba = new Image(4, 2, PixelLayout.Rgba);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                rgba[x, y, 0] = x < 2 ? 0f : 1f;
                rgba[x, y, 3] = x < 2 ? 1f : 0f;
            }
        }

        // When it is padded with white rows above and below to 4×4 and averaged in 2×2 blocks
        float[] grey = ImageOps.Prepare(rgba, 2, grey: true);
        float[] rgb = ImageOps.Prepare(rgba, 2, grey: false);

        // Then each output pixel mixes one white padding row with one image row
        Tolerance.AllClose([0.5, 1, 0.5, 1], grey, 0, 1e-6);
        Tolerance.AllClose([0.5, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 0.5, 1, 1, 1], rgb, 0, 1e-6);
        Assert.Equal(0f, rgba[0, 0, 0]); // the source is untouched
        Assert.Equal(1f, rgba[3, 1, 0]);
    }

    [Fact]
    public void Should_prepare_every_layout_to_the_same_length()
    {
        foreach (PixelLayout layout in Enum.GetValues<PixelLayout>())
        {
            var image = new Image(5, 3, layout);
            Assert.Equal(28 * 28, ImageOps.Prepare(image, 28, grey: true).Length);
            float[] rgb = ImageOps.Prepare(image, 28, grey: false);
            Assert.Equal(28 * 28 * 3, rgb.Length);
            Assert.All(rgb, v => Assert.InRange(v, 0f, 1f));
        }
    }

    [Fact]
    public void Should_reject_bad_arguments()
    {
        var image = new Image(2, 2, PixelLayout.Grey);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Resize(image, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Resize(image, 2, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.PadToSquare(image, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.PadToSquare(image, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Prepare(image, 0, grey: true));
        Assert.Throws<ArgumentNullException>(() => ImageOps.ToGrey(null!));
    }
}
