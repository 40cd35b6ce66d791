using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Tests.Data.Png;

public sealed class PngDecoderTests
{
    internal static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "png");

    public static TheoryData<string> FixtureNames()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Fixtures, "*.png").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Should_decode_every_colour_type_bit_depth_filter_and_interlace_exactly(string name)
    {
        // Given a file from the independent Python encoder and the samples it encoded
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, name + ".json")));
        JsonElement e = doc.RootElement;
        double max = e.GetProperty("max").GetDouble();
        float[] expected = e.GetProperty("values").EnumerateArray().Select(v => (float)(v.GetDouble() / max)).ToArray();

        // When
        PngImage png = PngDecoder.Decode(Path.Combine(Fixtures, name + ".png"));

        // Then every sample is exactly value / (2^depth − 1)
        Assert.Equal(e.GetProperty("width").GetInt32(), png.Image.Width);
        Assert.Equal(e.GetProperty("height").GetInt32(), png.Image.Height);
        Assert.Equal(e.GetProperty("channels").GetInt32(), png.Image.Channels);
        Assert.Equal(expected, png.Image.Pixels);
        Assert.Equal(name.StartsWith("adam7", StringComparison.Ordinal), png.Interlaced);
    }

    [Fact]
    public void Should_read_text_chunks_across_several_idat_chunks()
    {
        PngImage png = PngDecoder.Decode(Path.Combine(Fixtures, "multi-idat-text.png"));
        Assert.Equal("A red fox été", png.Text["Title"]);
        Assert.Equal("jumps over the lazy dog", png.Text["Description"]);
        Assert.Equal("Zoë ☃", png.Text["Author"]);
        Assert.Equal(PngColorType.Rgb, png.ColorType);
        Assert.Equal(8, png.BitDepth);
    }

    [Fact]
    public void Should_decode_every_shipped_emoji()
    {
        string folder = Path.Combine(ShippedData.Find("emoji")!, "images");
        foreach (string file in Directory.GetFiles(folder, "*.png"))
        {
            PngImage png = PngDecoder.Decode(file);
            Assert.Equal((64, 64), (png.Image.Width, png.Image.Height));
        }
    }

    [Theory]
    [InlineData(PixelLayout.Grey, 1, 1)]
    [InlineData(PixelLayout.GreyAlpha, 5, 3)]
    [InlineData(PixelLayout.Rgb, 17, 9)]
    [InlineData(PixelLayout.Rgba, 64, 64)]
    public void Should_give_back_what_it_encodes(PixelLayout layout, int width, int height)
    {
        // Given 8-bit samples (the encoder stores 8 bits)
        var random = new Random(width * 31 + height);
        float[] pixels = Enumerable.Range(0, width * height * (int)layout).Select(_ => random.Next(256) / 255f).ToArray();
        var image = new Image(width, height, layout, pixels);

        // When
        PngImage back = PngDecoder.Decode(PngEncoder.Encode(image, new Dictionary<string, string> { ["Title"] = "round trip", ["Comment"] = "snow ☃" }), "memory");

        // Then
        Assert.Equal(layout, back.Image.Layout);
        Assert.Equal(pixels, back.Image.Pixels);
        Assert.Equal("round trip", back.Text["Title"]);
        Assert.Equal("snow ☃", back.Text["Comment"]);
    }

    [Fact]
    public void Should_refuse_a_file_that_is_not_png()
    {
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode("GIF89a..."u8, "x.png"));
        Assert.Equal("x.png: at byte 0: not a PNG file: the 8-byte signature is missing.", e.Message);
    }

    [Fact]
    public void Should_name_the_chunk_with_a_bad_crc()
    {
        byte[] bytes = Fixture("rgb8");
        bytes[8 + 8 + 2] ^= 0x40; // a byte of IHDR's data, after its length and type
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bytes, "c.png"));
        Assert.Equal("c.png: at byte 8: chunk IHDR has a bad CRC: the file is corrupt.", e.Message);
    }

    [Fact]
    public void Should_say_the_file_is_truncated_wherever_it_is_cut()
    {
        byte[] bytes = Fixture("palette4-trns");
        for (int cut = 8; cut < bytes.Length; cut++)
        {
            var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bytes.AsSpan(0, cut), "t.png"));
            Assert.StartsWith("t.png: at byte ", e.Message, StringComparison.Ordinal);
            Assert.Matches("truncated|ends inside a chunk header", e.Message);
        }
    }

    [Fact]
    public void Should_refuse_absurd_dimensions_before_allocating()
    {
        // Given a 100000×100000 header (10¹⁰ pixels) in a file of a few dozen bytes
        byte[] bytes = WithHeader(100_000, 100_000, 8, 2);

        // When
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bytes, "huge.png"));

        // Then
        Assert.Contains("100000×100000 = 10000000000 pixels (10000 megapixels), over the cap of 67108864 (PngDecodeOptions.MaxPixels): it was refused before its pixels were read. Scale the image down", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 8, 16, "colour type 3 with bit depth 16 is not a valid PNG combination")]
    [InlineData(0, 0, 3, "colour type 0 with bit depth 3 is not a valid PNG combination")]
    [InlineData(5, 5, 8, "colour type 5 with bit depth 8 is not a valid PNG combination")]
    public void Should_refuse_invalid_header_combinations(byte colorType, int width, byte depth, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(WithHeader(Math.Max(1, width), 1, depth, colorType), "h.png"));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_bad_zlib_data_a_bad_filter_and_an_unknown_critical_chunk()
    {
        Assert.Contains("not a valid zlib stream", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(2, 2, 8, 0), Chunk("IDAT", [1, 2, 3, 4, 5, 6])), "z.png")).Message, StringComparison.Ordinal);
        Assert.Contains("row 0 has filter type 9", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(2, 1, 8, 0), Chunk("IDAT", Zlib([9, 0, 0]))), "f.png")).Message, StringComparison.Ordinal);
        Assert.Contains("not a valid zlib stream", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(1, 1, 8, 0), Chunk("IDAT", [0x78, 0xBB, 0, 0, 0, 1, 3, 0])), "d.png")).Message, StringComparison.Ordinal); // FDICT: a preset dictionary
        Assert.Contains("unknown critical chunk ABCD", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(1, 1, 8, 0), Chunk("ABCD", []), Chunk("IDAT", Zlib([0, 0]))), "u.png")).Message, StringComparison.Ordinal);
        Assert.Contains("without a PLTE chunk", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(1, 1, 8, 3), Chunk("IDAT", Zlib([0, 0]))), "p.png")).Message, StringComparison.Ordinal);
        Assert.Contains("uses palette entry 5, but PLTE has 1", Assert.Throws<DataFormatException>(
            () => PngDecoder.Decode(Build(Ihdr(1, 1, 8, 3), Chunk("PLTE", [1, 2, 3]), Chunk("IDAT", Zlib([0, 5]))), "i.png")).Message, StringComparison.Ordinal);
    }

    internal static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(Fixtures, name + ".png"));

    internal static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    private static byte[] Ihdr(int width, int height, byte depth, byte colorType)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(data, width);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), height);
        data[8] = depth;
        data[9] = colorType;
        return Chunk("IHDR", data);
    }

    internal static byte[] WithHeader(int width, int height, byte depth, byte colorType) =>
        Build(Ihdr(width, height, depth, colorType), Chunk("IDAT", Zlib([0, 1, 2, 3])));

    private static byte[] Build(params byte[][] chunks) =>
        [137, 80, 78, 71, 13, 10, 26, 10, .. chunks.SelectMany(c => c), .. Chunk("IEND", [])];

    private static byte[] Zlib(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Fastest))
        {
            z.Write(raw);
        }

        return output.ToArray();
    }

    // An independent bitwise CRC-32, so the tests do not lean on the decoder's table.
    private static uint Crc(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}

[Collection(Engram.Tests.Support.AllocationMeasuringTests.Name)]
public sealed class PngAllocationTests
{
    [Fact]
    public void Should_refuse_a_large_claim_with_short_data_without_allocating_it()
    {
        // 8000×8000 RGBA16 (512 MB of raw rows) under the cap, but only a few bytes of IDAT
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(PngDecoderTests.WithHeader(8000, 8000, 16, 6), "short.png"));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains("the image data is short", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 8 << 20, $"allocated {allocated >> 20} MB");
    }
}
