using System.Buffers.Binary;
using Engram.Data;
using Engram.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using EngramImage = Engram.Data.Images.Image;

namespace Engram.Tests.Data.Images;

public sealed class ImageFilesTests
{
    public static TheoryData<ImageFileFormat> EveryFormat() => new(ImageFixtures.Formats);

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void Should_decode_every_format_by_its_content_to_the_pixels_it_holds(ImageFileFormat format)
    {
        // Given the same 24×16 picture written in the format, under a name that says nothing of it
        using Image<Rgba32> picture = ImageFixtures.Quadrants(24, 16);
        byte[] bytes = ImageFixtures.Encode(picture, format);

        // When
        EngramImage decoded = ImageFiles.Decode(bytes, "upload.bin");

        // Then the format is found from the bytes, and the pixels are the picture's (JPEG within its loss); the layout is the
        // fewest channels that hold the pixels, except for a PNG, whose colour type says (ImageSharp writes this one as RGBA)
        Assert.Equal(format, ImageFiles.DetectFormat(bytes));
        Assert.Equal((24, 16, format == ImageFileFormat.Png ? PixelLayout.Rgba : PixelLayout.Rgb), (decoded.Width, decoded.Height, decoded.Layout));
        EngramImage expected = ImageFixtures.ToEngram(picture);
        float worst = expected.Pixels.Zip(ImageOps.CompositeOverWhite(decoded).Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= (format == ImageFileFormat.Jpeg ? 0.08f : 0f), $"{format}: largest difference {worst}");
    }

    [Fact]
    public void Should_take_the_format_from_the_content_when_the_name_says_another()
    {
        using Image<Rgba32> picture = ImageFixtures.Quadrants(8, 8);
        string path = Path.Combine(Path.GetTempPath(), $"engram-jpeg-named-png-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, ImageFixtures.Encode(picture, ImageFileFormat.Jpeg));
        try
        {
            Assert.Equal(ImageFileFormat.Jpeg, ImageFiles.Identify(path).Format);
            Assert.Equal(8, ImageFiles.Decode(path).Width);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_turn_a_jpeg_as_its_exif_orientation_says()
    {
        // Given a 30×20 JPEG stored sideways: EXIF orientation 6 (shown turned a quarter clockwise)
        using Image<Rgba32> stored = ImageFixtures.Quadrants(30, 20);
        byte[] jpeg = ImageFixtures.Encode(stored, ImageFileFormat.Jpeg, orientation: 6);

        // When it is identified and decoded
        ImageFileInfo info = ImageFiles.Identify(jpeg, "sideways.jpg");
        EngramImage shown = ImageFiles.Decode(jpeg, "sideways.jpg");

        // Then the sides are swapped, and the stored left column (red above, blue below) is now the top row (blue left, red right)
        Assert.Equal((6, 30, 20, 20, 30), (info.Orientation, info.StoredWidth, info.StoredHeight, info.Width, info.Height));
        Assert.Equal((20, 30), (shown.Width, shown.Height));
        Assert.True(shown[18, 2, 0] > 0.8f && shown[18, 2, 2] < 0.2f, "top right is the stored top left (red)");
        Assert.True(shown[2, 2, 2] > 0.7f && shown[2, 2, 0] < 0.2f, "top left is the stored bottom left (blue)");
        Assert.True(shown[18, 27, 1] > 0.7f && shown[18, 27, 0] < 0.2f, "bottom right is the stored top right (green)");
        Assert.True(shown[2, 27, 0] > 0.9f && shown[2, 27, 1] > 0.9f, "bottom left is the stored bottom right (white)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Should_orient_as_imagesharp_auto_orient_does(int orientation)
    {
        // Given a 5×3 picture of distinct pixels, and ImageSharp's AutoOrient of it as the reference
        using var picture = new Image<Rgba32>(5, 3);
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                picture[x, y] = new Rgba32((byte)(x * 50), (byte)(y * 100), 7);
            }
        }

        using Image<Rgba32> reference = picture.Clone();
        reference.Metadata.ExifProfile = new ExifProfile();
        reference.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        reference.Mutate(c => c.AutoOrient());

        // When Engram orients its own copy
        EngramImage oriented = ImageOps.Orient(ImageFixtures.ToEngram(picture), orientation);

        // Then pixel for pixel the same
        Assert.Equal(ImageFixtures.ToEngram(reference).Pixels, oriented.Pixels);
        Assert.Equal((reference.Width, reference.Height), (oriented.Width, oriented.Height));
    }

    [Fact]
    public void Should_shrink_a_jpeg_to_max_side_exactly_as_resizing_its_full_decode()
    {
        // Given a 400×300 JPEG
        using Image<Rgba32> picture = ImageFixtures.Quadrants(400, 300, shade: 9);
        byte[] jpeg = ImageFixtures.Encode(picture, ImageFileFormat.Jpeg);

        // When it is decoded with its longest side at most 40
        EngramImage small = ImageFiles.Decode(jpeg, "photo.jpg", new ImageDecodeOptions { MaxSide = 40 });

        // Then 40×30, sample for sample what resizing the full decode gives (the same arithmetic, row by row)
        EngramImage full = ImageFiles.Decode(jpeg, "photo.jpg");
        Assert.Equal((40, 30), (small.Width, small.Height));
        Assert.Equal(ImageOps.Resize(full, 40, 30).Pixels, small.Pixels);
    }

    [Fact]
    public void Should_keep_alpha_and_grey_as_the_file_has_them()
    {
        using var grey = new Image<Rgba32>(4, 4, new Rgba32(90, 90, 90));
        using var clear = new Image<Rgba32>(4, 4, new Rgba32(200, 10, 10, 128));
        Assert.Equal(PixelLayout.Grey, ImageFiles.Decode(ImageFixtures.Encode(grey, ImageFileFormat.WebP), "grey.webp").Layout);
        Assert.Equal(PixelLayout.Grey, ImageFiles.Decode(ImageFixtures.Encode(grey, ImageFileFormat.Tiff), "grey.tif").Layout);
        EngramImage decoded = ImageFiles.Decode(ImageFixtures.Encode(clear, ImageFileFormat.WebP), "clear.webp");
        Assert.Equal(PixelLayout.Rgba, decoded.Layout);
        Assert.Equal(128 / 255f, decoded[1, 1, 3], 1e-6f);
    }

    public static TheoryData<string, byte[]> Bombs()
    {
        // Headers that claim 100,000 × 100,000 pixels (10 gigapixels) over a few bytes of data.
        byte[] png = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 100_000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 100_000);
        var bmp = new byte[54 + 16];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 100_000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 100_000);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);

        // A real 8×8 TIFF with its width and height tags rewritten.
        using Image<Rgba32> small = ImageFixtures.Quadrants(8, 8);
        byte[] tiff = ImageFixtures.Encode(small, ImageFileFormat.Tiff);
        RewriteTiffSize(tiff, 100_000);
        return new TheoryData<string, byte[]> { { "bomb.png", png }, { "bomb.bmp", bmp }, { "bomb.tif", tiff } };
    }

    [Theory]
    [MemberData(nameof(Bombs))]
    public void Should_refuse_a_decompression_bomb_from_its_header_naming_the_file_its_size_and_the_cap(string name, byte[] bytes)
    {
        // When / Then: refused before any pixel is read, in words a person can act on
        var e = Assert.Throws<DataFormatException>(() => ImageFiles.Decode(bytes, name));
        Assert.StartsWith(name, e.Message, StringComparison.Ordinal);
        Assert.Contains("100000×100000", e.Message, StringComparison.Ordinal);
        Assert.Contains("over the cap of 67,108,864", e.Message, StringComparison.Ordinal);
        Assert.Contains("before its pixels were read", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void Should_refuse_a_truncated_file_of_every_format_naming_it(ImageFileFormat format)
    {
        // Given a file cut after a third of its bytes (its header whole)
        using Image<Rgba32> picture = ImageFixtures.Quadrants(64, 48, shade: 3);
        byte[] bytes = ImageFixtures.Encode(picture, format);
        byte[] cut = bytes[..Math.Max(40, bytes.Length / 3)];

        // When / Then: Engram's own exception, naming the file; never ImageSharp's
        var e = Assert.Throws<DataFormatException>(() => ImageFiles.Decode(cut, "cut" + ImageFixtures.Extension(format)));
        Assert.StartsWith("cut" + ImageFixtures.Extension(format), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_what_formats_it_reads_when_the_bytes_are_none()
    {
        var e = Assert.Throws<DataFormatException>(() => ImageFiles.Decode("hello, world, this is text and not a picture"u8.ToArray(), "notes.jpg"));
        Assert.Equal("notes.jpg: at byte 0: not an image Engram reads: its first bytes are not those of a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file. Convert it to PNG or JPEG.", e.Message);
        Assert.Contains("empty", Assert.Throws<DataFormatException>(() => ImageFiles.Decode([], "empty.png")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_a_missing_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "engram-no-such-image.jpg");
        Assert.Equal($"Image file not found: {path}", Assert.Throws<FileNotFoundException>(() => ImageFiles.Decode(path)).Message);
    }

    [Fact]
    public void Should_read_captions_from_exif_xmp_and_png_text_and_pass_over_camera_placeholders()
    {
        using Image<Rgba32> a = ImageFixtures.Quadrants(8, 8), b = ImageFixtures.Quadrants(8, 8), c = ImageFixtures.Quadrants(8, 8), d = ImageFixtures.Quadrants(8, 8);
        Assert.Equal(["a lighthouse at dusk"], ImageFiles.Identify(ImageFixtures.Encode(a, ImageFileFormat.Jpeg, description: "a lighthouse at dusk"), "a.jpg").Captions);
        Assert.Equal(["harbour & boats", "a quiet harbour"],
            ImageFiles.Identify(ImageFixtures.Encode(b, ImageFileFormat.Jpeg, description: "a quiet harbour", xmpTitle: "harbour & boats"), "b.jpg").Captions);
        Assert.Empty(ImageFiles.Identify(ImageFixtures.Encode(c, ImageFileFormat.Jpeg, description: "OLYMPUS DIGITAL CAMERA"), "c.jpg").Captions);
        Assert.Equal(["a red kite"], ImageFiles.Identify(ImageFixtures.Encode(d, ImageFileFormat.Png, pngTitle: "a red kite"), "d.png").Captions);
    }

    [Fact]
    public void Should_serve_each_format_its_media_type()
    {
        Assert.Equal(
            ["image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff", "image/webp", "image/x-tga"],
            ImageFixtures.Formats.Select(ImageFiles.ContentType));
        Assert.True(ImageFiles.HasImageExtension("dir/Holiday.JPEG"));
        Assert.False(ImageFiles.HasImageExtension("notes.txt"));
    }

    // An uncompressed TIFF's first IFD: tags 256 (width) and 257 (height), SHORT or LONG, set to `side`.
    private static void RewriteTiffSize(byte[] tiff, int side)
    {
        bool little = tiff[0] == (byte)'I';
        uint Read32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(tiff.AsSpan(at));
        ushort Read16(int at) => little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff.AsSpan(at)) : BinaryPrimitives.ReadUInt16BigEndian(tiff.AsSpan(at));
        int ifd = (int)Read32(4);
        int count = Read16(ifd);
        for (int i = 0; i < count; i++)
        {
            int entry = ifd + 2 + (i * 12);
            ushort tag = Read16(entry);
            if (tag is 256 or 257)
            {
                // Type 4 (LONG), count 1, the value.
                if (little)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(entry + 2), 4);
                    BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(entry + 4), 1);
                    BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(entry + 8), (uint)side);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(entry + 2), 4);
                    BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(entry + 4), 1);
                    BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(entry + 8), (uint)side);
                }
            }
        }
    }
}

[Collection(Engram.Tests.Support.AllocationMeasuringTests.Name)]
public sealed class ImageFilesMemoryTests
{
    [Fact]
    public void Should_never_hold_a_large_jpeg_as_full_size_floats_when_shrinking_it()
    {
        // Given a 2400×1600 JPEG: 46 MB as full-size RGB floats
        using Image<Rgba32> picture = ImageFixtures.Quadrants(2400, 1600, shade: 5);
        byte[] jpeg = ImageFixtures.Encode(picture, ImageFileFormat.Jpeg);
        _ = ImageFiles.Decode(ImageFixtures.Encode(ImageFixtures.Quadrants(64, 48), ImageFileFormat.Jpeg), "warm-up.jpg", new ImageDecodeOptions { MaxSide = 16 });

        // When it is decoded with its longest side at most 256
        long before = GC.GetTotalAllocatedBytes(precise: true);
        EngramImage small = ImageFiles.Decode(jpeg, "photo.jpg", new ImageDecodeOptions { MaxSide = 256 });
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Then the managed heap saw the small image and a row or two, never the full-size floats (ImageSharp's 8-bit
        // frame lives in its own pooled, unmanaged buffers, freed when the decode ends)
        Assert.Equal((256, 171), (small.Width, small.Height));
        long fullSize = 2400L * 1600 * 3 * sizeof(float);
        Assert.True(allocated < fullSize / 8, $"allocated {allocated:N0} bytes; the full-size float image is {fullSize:N0}");
    }

    [Fact]
    public void Should_refuse_a_bomb_without_allocating_its_pixels()
    {
        byte[] bmp = ImageFilesTests.Bombs().Select(row => (byte[])row[1]).First(b => b[0] == (byte)'B');
        long before = GC.GetTotalAllocatedBytes(precise: true);
        Assert.Throws<DataFormatException>(() => ImageFiles.Decode(bmp, "bomb.bmp"));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 4 << 20, $"allocated {allocated:N0} bytes before refusing a 10-gigapixel header");
    }
}
