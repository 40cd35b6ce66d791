using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Engram.Data.Images;

namespace Engram.Data.Png;

/// <summary>
/// Decodes PNG files as they come: every colour type (grey, RGB, palette with PLTE and tRNS, grey+alpha,
/// RGBA), bit depths 1, 2, 4, 8 and 16, the five row filters, any number of IDAT chunks, Adam7
/// interlacing, and tEXt/zTXt/iTXt text. CRCs are checked. Every failure is a
/// <see cref="DataFormatException"/> naming the file, the byte offset or chunk, and the problem; sizes
/// are checked against <see cref="PngDecodeOptions"/> before anything large is allocated.
/// </summary>
public static class PngDecoder
{
    private static readonly byte[] s_signature = [137, 80, 78, 71, 13, 10, 26, 10];

    // Adam7 passes: x start, y start, x step, y step.
    private static readonly (int X, int Y, int Dx, int Dy)[] s_adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    public static PngImage Decode(string path, PngDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"PNG file not found: {path}", path);
        }

        long length = new FileInfo(path).Length;
        if (length > int.MaxValue)
        {
            throw new DataFormatException(path, null, $"the file is {length} bytes; PNG files over 2 GiB are not read.");
        }

        return Decode(File.ReadAllBytes(path), path, options);
    }

    public static PngImage Decode(ReadOnlySpan<byte> bytes, string sourceName, PngDecodeOptions? options = null)
    {
        options ??= new PngDecodeOptions();
        if (bytes.Length < 8 || !bytes[..8].SequenceEqual(s_signature))
        {
            throw new DataFormatException(sourceName, 0, "not a PNG file: the 8-byte signature is missing.");
        }

        Header? header = null;
        byte[]? palette = null;
        byte[]? transparency = null;
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        using var idat = new MemoryStream();
        int offset = 8;
        bool ended = false;
        while (!ended)
        {
            if (offset + 12 > bytes.Length)
            {
                throw new DataFormatException(sourceName, offset, offset == bytes.Length
                    ? "the file ends before the IEND chunk: it is truncated."
                    : $"the file ends inside a chunk header ({bytes.Length - offset} bytes left, 12 needed).");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
            ReadOnlySpan<byte> type = bytes.Slice(offset + 4, 4);
            string name = ChunkName(type);
            if (length > int.MaxValue || length > bytes.Length - offset - 12)
            {
                throw new DataFormatException(sourceName, offset, $"chunk {name} claims {length} bytes but only {Math.Max(0, bytes.Length - offset - 12)} remain: the file is truncated or corrupt.");
            }

            ReadOnlySpan<byte> data = bytes.Slice(offset + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(bytes[(offset + 8 + (int)length)..]);
            if (Crc32.Compute(type, data) != stored)
            {
                throw new DataFormatException(sourceName, offset, $"chunk {name} has a bad CRC: the file is corrupt.");
            }

            if (header is null && name != "IHDR")
            {
                throw new DataFormatException(sourceName, offset, $"the first chunk is {name}; a PNG file starts with IHDR.");
            }

            switch (name)
            {
                case "IHDR":
                    if (header is not null)
                    {
                        throw new DataFormatException(sourceName, offset, "a second IHDR chunk.");
                    }

                    header = ParseHeader(data, sourceName, offset, options);
                    break;
                case "PLTE":
                    if (length % 3 != 0 || length == 0 || length > 768)
                    {
                        throw new DataFormatException(sourceName, offset, $"PLTE holds {length} bytes; it must be 3 to 768 and a multiple of 3.");
                    }

                    palette = data.ToArray();
                    break;
                case "tRNS":
                    transparency = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "tEXt":
                case "zTXt":
                case "iTXt":
                    ReadText(name, data, sourceName, offset, options, text);
                    break;
                case "IEND":
                    ended = true;
                    break;
                default:
                    // Bit 5 of the first byte: 0 = critical (must be understood), 1 = ancillary (may be skipped).
                    if ((type[0] & 0x20) == 0)
                    {
                        throw new DataFormatException(sourceName, offset, $"unknown critical chunk {name}: this PNG uses a feature Engram does not support.");
                    }

                    break;
            }

            offset += 12 + (int)length;
        }

        Header h = header!;
        if (h.ColorType == PngColorType.Palette && palette is null)
        {
            throw new DataFormatException(sourceName, null, "a palette image (colour type 3) without a PLTE chunk.");
        }

        if (idat.Length == 0)
        {
            throw new DataFormatException(sourceName, null, "no IDAT chunk: the file holds no image data.");
        }

        byte[] raw = Inflate(idat.GetBuffer().AsSpan(0, (int)idat.Length), RawLength(h), sourceName);
        Image image = Reconstruct(h, raw, palette, transparency, sourceName);
        return new PngImage(image, h.BitDepth, h.ColorType, h.Interlaced, text);
    }

    /// <summary>
    /// The concatenated IDAT data of a PNG (no checks beyond the chunk lengths): what a decoder must
    /// inflate at the least. Used by the decode benchmark as its floor.
    /// </summary>
    public static byte[] ExtractImageData(ReadOnlySpan<byte> bytes)
    {
        using var idat = new MemoryStream();
        int offset = 8;
        while (offset + 12 <= bytes.Length)
        {
            int length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]), (uint)(bytes.Length - offset - 12));
            if (bytes.Slice(offset + 4, 4).SequenceEqual("IDAT"u8))
            {
                idat.Write(bytes.Slice(offset + 8, length));
            }

            offset += 12 + length;
        }

        return idat.ToArray();
    }

    private static Header ParseHeader(ReadOnlySpan<byte> data, string source, int offset, PngDecodeOptions options)
    {
        if (data.Length != 13)
        {
            throw new DataFormatException(source, offset, $"IHDR holds {data.Length} bytes; it must hold 13.");
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int depth = data[8];
        byte colorType = data[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new DataFormatException(source, offset, $"the image is {width}×{height}; both sides must be between 1 and 2³¹−1.");
        }

        if ((long)width * height > options.MaxPixels)
        {
            throw new DataFormatException(source, offset,
                $"the image is {width}×{height} = {(long)width * height} pixels, over the cap of {options.MaxPixels}; raise PngDecodeOptions.MaxPixels to read it.");
        }

        bool valid = colorType switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!valid)
        {
            throw new DataFormatException(source, offset, $"colour type {colorType} with bit depth {depth} is not a valid PNG combination.");
        }

        if (data[10] != 0 || data[11] != 0)
        {
            throw new DataFormatException(source, offset, $"compression method {data[10]} / filter method {data[11]}: only 0 is defined.");
        }

        if (data[12] > 1)
        {
            throw new DataFormatException(source, offset, $"interlace method {data[12]}: only 0 (none) and 1 (Adam7) are defined.");
        }

        return new Header((int)width, (int)height, depth, (PngColorType)colorType, data[12] == 1);
    }

    private static long RawLength(Header h)
    {
        if (!h.Interlaced)
        {
            return (long)h.Height * (1 + h.RowBytes(h.Width));
        }

        long total = 0;
        foreach ((int x, int y, int dx, int dy) in s_adam7)
        {
            (int w, int ht) = PassSize(h, x, y, dx, dy);
            if (w > 0 && ht > 0)
            {
                total += (long)ht * (1 + h.RowBytes(w));
            }
        }

        return total;
    }

    private static (int Width, int Height) PassSize(Header h, int x, int y, int dx, int dy) =>
        ((h.Width - x + dx - 1) / dx, (h.Height - y + dy - 1) / dy);

    private static byte[] Inflate(ReadOnlySpan<byte> compressed, long expected, string source)
    {
        if (expected > int.MaxValue)
        {
            throw new DataFormatException(source, null, $"the image needs {expected} bytes of decompressed data, more than Engram decodes.");
        }

        // Inflate in pieces so that memory grows with the data actually there, not with what the
        // header claims: a tiny file that says 8192×8192 fails here without a large allocation.
        using var raw = new MemoryStream();
        var buffer = new byte[Math.Min(1 << 16, expected)];
        try
        {
            using var input = new MemoryStream(compressed.ToArray(), writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            while (raw.Length < expected)
            {
                int read = zlib.Read(buffer, 0, (int)Math.Min(buffer.Length, expected - raw.Length));
                if (read == 0)
                {
                    throw new DataFormatException(source, null, $"the image data is short: {raw.Length} of {expected} bytes decompressed from the IDAT chunks.");
                }

                raw.Write(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // zlib errors: InvalidDataException, or ZLibException (an IOException) for a preset-dictionary header.
            throw new DataFormatException(source, null, $"the IDAT data is not a valid zlib stream: {e.Message}");
        }

        return raw.Length == raw.Capacity ? raw.GetBuffer() : raw.ToArray();
    }

    private static Image Reconstruct(Header h, byte[] raw, byte[]? palette, byte[]? transparency, string source)
    {
        PixelLayout layout = h.ColorType switch
        {
            PngColorType.Grey => transparency is null ? PixelLayout.Grey : PixelLayout.GreyAlpha,
            PngColorType.GreyAlpha => PixelLayout.GreyAlpha,
            PngColorType.Rgb => transparency is null ? PixelLayout.Rgb : PixelLayout.Rgba,
            PngColorType.Palette => transparency is null ? PixelLayout.Rgb : PixelLayout.Rgba,
            _ => PixelLayout.Rgba,
        };
        CheckTransparency(h, palette, transparency, source);
        var image = new Image(h.Width, h.Height, layout);
        int offset = 0;
        if (!h.Interlaced)
        {
            Pass(h, raw, ref offset, 0, 0, 1, 1, h.Width, h.Height, image, palette, transparency, source);
        }
        else
        {
            foreach ((int x, int y, int dx, int dy) in s_adam7)
            {
                (int w, int ht) = PassSize(h, x, y, dx, dy);
                if (w > 0 && ht > 0)
                {
                    Pass(h, raw, ref offset, x, y, dx, dy, w, ht, image, palette, transparency, source);
                }
            }
        }

        return image;
    }

    private static void Pass(
        Header h, byte[] raw, ref int offset, int x0, int y0, int dx, int dy, int width, int height,
        Image image, byte[]? palette, byte[]? transparency, string source)
    {
        int rowBytes = h.RowBytes(width);
        int bpp = Math.Max(1, h.BitsPerPixel / 8);
        var previous = new byte[rowBytes];
        int channels = image.Channels;
        float max = (1 << h.BitDepth) - 1;
        bool direct = h.BitDepth == 8 && dx == 1 && h.ColorType != PngColorType.Palette && transparency is null;
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[offset];
            Span<byte> row = raw.AsSpan(offset + 1, rowBytes);
            if (!PngFilters.Unfilter(filter, row, previous, bpp))
            {
                throw new DataFormatException(source, null, $"row {y} has filter type {filter}; only 0–4 exist.");
            }

            if (direct)
            {
                // 8-bit samples that map one to one onto the output row: convert and scale in bulk.
                Span<float> output = image.Row(y0 + (y * dy));
                System.Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float>(row, output);
                System.Numerics.Tensors.TensorPrimitives.Divide(output, 255f, output);
                row.CopyTo(previous);
                offset += 1 + rowBytes;
                continue;
            }

            for (int x = 0; x < width; x++)
            {
                int target = ((((y0 + (y * dy)) * h.Width) + x0 + (x * dx)) * channels);
                float[] p = image.Pixels;
                switch (h.ColorType)
                {
                    case PngColorType.Palette:
                    {
                        int index = Sample(row, x, h.BitDepth);
                        if (index * 3 + 2 >= palette!.Length)
                        {
                            throw new DataFormatException(source, null, $"pixel ({x0 + (x * dx)}, {y0 + (y * dy)}) uses palette entry {index}, but PLTE has {palette.Length / 3}.");
                        }

                        p[target] = palette[index * 3] / 255f;
                        p[target + 1] = palette[(index * 3) + 1] / 255f;
                        p[target + 2] = palette[(index * 3) + 2] / 255f;
                        if (channels == 4)
                        {
                            p[target + 3] = index < transparency!.Length ? transparency[index] / 255f : 1f;
                        }

                        break;
                    }

                    case PngColorType.Grey:
                    {
                        int v = Sample(row, x, h.BitDepth);
                        p[target] = v / max;
                        if (channels == 2)
                        {
                            p[target + 1] = v == Key(transparency!, 0) ? 0f : 1f;
                        }

                        break;
                    }

                    case PngColorType.Rgb:
                    {
                        int r = Sample(row, (x * 3), h.BitDepth), g = Sample(row, (x * 3) + 1, h.BitDepth), b = Sample(row, (x * 3) + 2, h.BitDepth);
                        p[target] = r / max;
                        p[target + 1] = g / max;
                        p[target + 2] = b / max;
                        if (channels == 4)
                        {
                            p[target + 3] = r == Key(transparency!, 0) && g == Key(transparency!, 1) && b == Key(transparency!, 2) ? 0f : 1f;
                        }

                        break;
                    }

                    default:
                    {
                        // Grey+alpha and RGBA: every sample stored, 8 or 16 bits.
                        for (int c = 0; c < channels; c++)
                        {
                            p[target + c] = Sample(row, (x * channels) + c, h.BitDepth) / max;
                        }

                        break;
                    }
                }
            }

            row.CopyTo(previous);
            offset += 1 + rowBytes;
        }
    }

    /// <summary>Sample <paramref name="index"/> of a row packed at <paramref name="depth"/> bits (most significant bits first).</summary>
    private static int Sample(ReadOnlySpan<byte> row, int index, int depth) => depth switch
    {
        8 => row[index],
        16 => (row[index * 2] << 8) | row[(index * 2) + 1],
        _ => (row[index * depth / 8] >> (8 - depth - (index * depth % 8))) & ((1 << depth) - 1),
    };

    private static int Key(byte[] transparency, int channel) => (transparency[channel * 2] << 8) | transparency[(channel * 2) + 1];

    private static void CheckTransparency(Header h, byte[]? palette, byte[]? transparency, string source)
    {
        if (transparency is null)
        {
            return;
        }

        int expected = h.ColorType switch
        {
            PngColorType.Grey => 2,
            PngColorType.Rgb => 6,
            _ => -1,
        };
        if (h.ColorType == PngColorType.Palette)
        {
            if (palette is not null && transparency.Length > palette.Length / 3)
            {
                throw new DataFormatException(source, null, $"tRNS holds {transparency.Length} alpha values for a palette of {palette.Length / 3} entries.");
            }
        }
        else if (expected < 0)
        {
            throw new DataFormatException(source, null, $"a tRNS chunk in a colour type {(int)h.ColorType} image, which already has alpha.");
        }
        else if (transparency.Length != expected)
        {
            throw new DataFormatException(source, null, $"tRNS holds {transparency.Length} bytes; colour type {(int)h.ColorType} needs {expected}.");
        }
    }

    private static void ReadText(string chunk, ReadOnlySpan<byte> data, string source, int offset, PngDecodeOptions options, Dictionary<string, string> text)
    {
        int nul = data.IndexOf((byte)0);
        if (nul < 1 || nul > 79)
        {
            throw new DataFormatException(source, offset, $"{chunk} chunk: the keyword must be 1–79 bytes followed by a zero byte.");
        }

        string keyword = Encoding.Latin1.GetString(data[..nul]);
        ReadOnlySpan<byte> rest = data[(nul + 1)..];
        string value;
        if (chunk == "tEXt")
        {
            value = Encoding.Latin1.GetString(rest);
        }
        else if (chunk == "zTXt")
        {
            if (rest.IsEmpty || rest[0] != 0)
            {
                throw new DataFormatException(source, offset, "zTXt chunk: unknown compression method.");
            }

            value = Encoding.Latin1.GetString(InflateText(rest[1..], options, source, offset, chunk));
        }
        else
        {
            // iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text.
            if (rest.Length < 2)
            {
                throw new DataFormatException(source, offset, "iTXt chunk is too short.");
            }

            bool compressed = rest[0] == 1;
            ReadOnlySpan<byte> tail = rest[2..];
            int language = tail.IndexOf((byte)0);
            int translated = language < 0 ? -1 : tail[(language + 1)..].IndexOf((byte)0);
            if (language < 0 || translated < 0)
            {
                throw new DataFormatException(source, offset, "iTXt chunk: the language tag and translated keyword must each end with a zero byte.");
            }

            ReadOnlySpan<byte> body = tail[(language + 1 + translated + 1)..];
            value = Encoding.UTF8.GetString(compressed ? InflateText(body, options, source, offset, chunk) : body);
        }

        text[keyword] = value;
    }

    private static byte[] InflateText(ReadOnlySpan<byte> compressed, PngDecodeOptions options, string source, int offset, string chunk)
    {
        try
        {
            using var input = new MemoryStream(compressed.ToArray(), writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            var buffer = new byte[options.MaxTextBytes + 1];
            int read = zlib.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (read > options.MaxTextBytes)
            {
                throw new DataFormatException(source, offset, $"{chunk} text inflates past {options.MaxTextBytes} bytes; raise PngDecodeOptions.MaxTextBytes to read it.");
            }

            return buffer[..read];
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new DataFormatException(source, offset, $"{chunk} chunk: the compressed text is not valid zlib data: {e.Message}");
        }
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = type[i] is >= 32 and < 127 ? (char)type[i] : '?';
        }

        return new string(chars);
    }

    private sealed record Header(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
    {
        public int SamplesPerPixel => ColorType switch
        {
            PngColorType.Rgb => 3,
            PngColorType.GreyAlpha => 2,
            PngColorType.Rgba => 4,
            _ => 1,
        };

        public int BitsPerPixel => SamplesPerPixel * BitDepth;

        public int RowBytes(int width) => (int)(((long)width * BitsPerPixel + 7) / 8);
    }
}
