using System.Buffers.Binary;
using System.IO.Compression;
using Engram.Data;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Tests.Data.Png;

public sealed class PngDecodeBudgetTests
{
    [Fact]
    public void Should_refuse_a_small_file_that_decodes_to_a_gigabyte_before_allocating_it()
    {
        // Given an 8192×8192 RGBA 16-bit PNG of zeros: inside the 2²⁶-pixel cap, half a megabyte on disk,
        // 512 MiB of rows and 1 GiB of float samples once decoded
        byte[] bomb = Bomb();

        // When
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bomb, "bomb.png"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it is refused by the byte cap, naming the file, the size, the bytes and the option, having allocated little
        Assert.True(bomb.Length < 1 << 20, $"the bomb is {bomb.Length} bytes");
        Assert.StartsWith("bomb.png:", e.Message, StringComparison.Ordinal);
        Assert.Contains("8192×8192", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxDecodedBytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Should_decode_the_bomb_small_holding_only_rows_and_the_output_when_a_max_side_is_set()
    {
        // Given the 8192×8192 RGBA 16-bit bomb
        byte[] bomb = Bomb();

        // When it is decoded with its longer side at most 64
        long before = GC.GetAllocatedBytesForCurrentThread();
        Image image = PngDecoder.Decode(bomb, "bomb.png", new PngDecodeOptions { MaxSide = 64 }).Image;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it is 64×64, transparent black, and the decode allocated the compressed data, rows and taps, not 1 GiB
        Assert.Equal((64, 64, PixelLayout.Rgba), (image.Width, image.Height, image.Layout));
        Assert.All(image.Pixels, v => Assert.Equal(0f, v));
        Assert.True(allocated < bomb.Length + (2 << 20), $"allocated {allocated} bytes for a {bomb.Length}-byte file");
    }

    [Fact]
    public void Should_shrink_a_large_image_while_decoding_to_what_a_resize_of_the_full_decode_gives()
    {
        // Given a 3000×1800 RGBA 16-bit image of gradients and noise (164 MiB as floats at full size)
        var random = new Random(14);
        byte[] png = Png(3000, 1800, 16, 6, (y, row) =>
        {
            for (int x = 0; x < 3000; x++)
            {
                int[] v = [(x * 21) + (y * 3), 65535 - (y * 36), random.Next(65536), (x * y) % 65536];
                for (int c = 0; c < 4; c++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(row.AsSpan((x * 8) + (c * 2)), (ushort)Math.Clamp(v[c], 0, 65535));
                }
            }
        }, CompressionLevel.Fastest);
        var full = PngDecoder.Decode(png, "big.png", new PngDecodeOptions { MaxDecodedBytes = 1L << 30 }).Image;

        // When it is decoded with MaxSide 250 (a ratio of 12, not a whole number vertically: 1800 → 150)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Image small = PngDecoder.Decode(png, "big.png", new PngDecodeOptions { MaxSide = 250 }).Image;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Then it is the area resize of the full decode, bit for bit, and cost about the output, not the full image
        Assert.Equal((250, 150), (small.Width, small.Height));
        Assert.Equal(ImageOps.Resize(full, 250, 150).Pixels, small.Pixels);
        long output = 250L * 150 * 4 * sizeof(float);
        Assert.True(allocated < png.Length + (2 * output) + (1 << 20), $"allocated {allocated} bytes; the output is {output}, the file {png.Length}");
    }

    [Theory]
    [MemberData(nameof(PngDecoderTests.FixtureNames), MemberType = typeof(PngDecoderTests))]
    public void Should_shrink_every_fixture_as_a_resize_of_its_full_decode_and_leave_it_whole_at_its_size(string name)
    {
        // Given a fixture (every colour type, depth and Adam7) and its full decode
        byte[] png = PngDecoderTests.Fixture(name);
        Image full = PngDecoder.Decode(png, name).Image;
        int side = Math.Max(full.Width, full.Height);

        // When it is decoded at its own size and at a smaller one
        Image same = PngDecoder.Decode(png, name, new PngDecodeOptions { MaxSide = side }).Image;
        Image small = PngDecoder.Decode(png, name, new PngDecodeOptions { MaxSide = Math.Max(1, (side * 2) / 3) }).Image;

        // Then the first is the full decode, the second its area resize
        Assert.Equal(full.Pixels, same.Pixels);
        (int w, int h) = PngDecoder.OutputSize(full.Width, full.Height, Math.Max(1, (side * 2) / 3));
        Assert.Equal((w, h), (small.Width, small.Height));
        Assert.Equal(ImageOps.Resize(full, w, h).Pixels, small.Pixels);
    }

    [Fact]
    public void Should_count_the_full_size_image_of_an_interlaced_file_that_is_shrunk()
    {
        // Given a 4096×4096 Adam7 RGBA 8-bit image: 256 MiB as floats before it can be shrunk
        byte[] png = Interlaced(4096, 4096);

        // When it is asked for at 64 pixels a side under a 128 MiB cap
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "adam7.png", new PngDecodeOptions { MaxSide = 64, MaxDecodedBytes = 128L << 20 }));

        // Then it is refused, saying it is interlaced
        Assert.Contains("4096×4096 Rgba at 8 bits (shrunk to 64×64), Adam7-interlaced", e.Message, StringComparison.Ordinal);
        Assert.Contains("more than the 134217728 (128.0 MiB) one decode may use (PngDecodeOptions.MaxDecodedBytes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_file_larger_than_the_budget_before_reading_it()
    {
        // Given a 2 MiB file (a valid PNG followed by padding) and a budget of 1 MiB
        string path = Path.Combine(Path.GetTempPath(), $"engram-budget-{Environment.ProcessId}.png");
        File.WriteAllBytes(path, [.. PngDecoderTests.Fixture("rgb8"), .. new byte[2 << 20]]);
        try
        {
            // When
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(path, new PngDecodeOptions { MaxDecodedBytes = 1 << 20 }));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Then it is refused by its size, unread
            Assert.Equal(path, e.FilePath);
            Assert.Contains("more than the 1048576 (1.0 MiB) one decode may use", e.Message, StringComparison.Ordinal);
            Assert.True(allocated < 64 << 10, $"allocated {allocated} bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_give_the_shrunk_size_keeping_the_aspect_ratio()
    {
        Assert.Equal((640, 480), PngDecoder.OutputSize(640, 480, null));
        Assert.Equal((640, 480), PngDecoder.OutputSize(640, 480, 640));
        Assert.Equal((320, 240), PngDecoder.OutputSize(640, 480, 320));
        Assert.Equal((1, 100), PngDecoder.OutputSize(3, 1000, 100));
        Assert.Equal((67, 100), PngDecoder.OutputSize(2000, 3000, 100));
        Assert.Equal("PngDecodeOptions.MaxSide must be at least 1 pixel (or null for full size); got 0.",
            Assert.Throws<ArgumentException>(() => new PngDecodeOptions { MaxSide = 0 }).Message);
        Assert.Equal("PngDecodeOptions.MaxDecodedBytes must be at least 1 byte; got -1.",
            Assert.Throws<ArgumentException>(() => new PngDecodeOptions { MaxDecodedBytes = -1 }).Message);
    }

    internal static byte[] Bomb() => s_bomb.Value;

    private static byte[] Interlaced(int width, int height)
    {
        byte[] png = Png(width, height, 8, 6, (y, row) => { }, CompressionLevel.Fastest);
        png[8 + 8 + 12] = 1; // IHDR's interlace byte
        Array.Copy(PngDecoderTests.Chunk("IHDR", png[16..29]), 0, png, 8, 25);
        return png;
    }

    private static readonly Lazy<byte[]> s_bomb = new(() => Png(8192, 8192, 16, 6, (y, row) => { }));

    /// <summary>A PNG of the given header whose rows (filter 0) are filled by <paramref name="fill"/>.</summary>
    internal static byte[] Png(int width, int height, byte depth, byte colorType, Action<int, byte[]> fill, CompressionLevel level = CompressionLevel.SmallestSize)
    {
        int samples = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        int rowBytes = ((width * samples * depth) + 7) / 8;
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, level, leaveOpen: true))
        {
            var row = new byte[rowBytes];
            for (int y = 0; y < height; y++)
            {
                Array.Clear(row);
                fill(y, row);
                z.WriteByte(0);
                z.Write(row);
            }
        }

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = depth;
        ihdr[9] = colorType;
        return [137, 80, 78, 71, 13, 10, 26, 10, .. PngDecoderTests.Chunk("IHDR", ihdr), .. PngDecoderTests.Chunk("IDAT", idat.ToArray()), .. PngDecoderTests.Chunk("IEND", [])];
    }
}
