using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Engram.Data.Images;

namespace Engram.Data.Png;

/// <summary>
/// Decodes PNG files as they come: every colour type (grey, RGB, palette with PLTE and tRNS, grey+alpha,
/// RGBA), bit depths 1, 2, 4, 8 and 16, the five row filters, any number of IDAT chunks, Adam7
/// interlacing, and tEXt/zTXt/iTXt text. CRCs are checked. Every failure is a
/// <see cref="DataFormatException"/> naming the file, the byte offset or chunk, and the problem.
/// </summary>
/// <remarks>
/// The image data is inflated and unfiltered one row at a time, straight into the returned image (or,
/// with <see cref="PngDecodeOptions.MaxSide"/>, into an area-averaged smaller one), so a decode holds
/// two rows of the file and the output, never the whole inflated stream. Before anything large is
/// allocated, the bytes the decode will need are checked against <see cref="PngDecodeOptions.MaxDecodedBytes"/>.
/// </remarks>
public static class PngDecoder
{
    /// <summary>
    /// Deflate's largest compression ratio (a 258-byte match coded in two bits): compressed data that
    /// would have to expand by more than this cannot hold the rows the header promises.
    /// </summary>
    private const long MaxInflateRatio = 1032;

    /// <summary>What zlib's inflate state and window take, counted in every decode's bytes.</summary>
    private const long InflateStateBytes = 1 << 16;

    private static readonly byte[] s_signature = [137, 80, 78, 71, 13, 10, 26, 10];

    // Adam7 passes: x start, y start, x step, y step.
    private static readonly (int X, int Y, int Dx, int Dy)[] s_adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>Decodes the PNG file at <paramref name="path"/> within the limits of <paramref name="options"/> (defaults when null); a corrupt or oversized file gives a <see cref="DataFormatException"/> naming it.</summary>
    public static PngImage Decode(string path, PngDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PngDecodeOptions();
        return Decode(ReadFile(path, options), path, options);
    }

    /// <summary>Decodes PNG <paramref name="bytes"/> within the limits of <paramref name="options"/>; <paramref name="sourceName"/> names them in errors.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> bytes, string sourceName, PngDecodeOptions? options = null)
    {
        options ??= new PngDecodeOptions();
        Chunks chunks = ReadChunks(bytes, sourceName, options);
        Header h = chunks.Header;
        if (h.ColorType == PngColorType.Palette && chunks.Palette is null)
        {
            throw new DataFormatException(sourceName, null, "a palette image (colour type 3) without a PLTE chunk.");
        }

        if (chunks.ImageDataBytes == 0)
        {
            throw new DataFormatException(sourceName, null, "no IDAT chunk: the file holds no image data.");
        }

        CheckTransparency(h, chunks.Palette, chunks.Transparency, sourceName);
        PixelLayout layout = h.ColorType switch
        {
            PngColorType.Grey => chunks.Transparency is null ? PixelLayout.Grey : PixelLayout.GreyAlpha,
            PngColorType.GreyAlpha => PixelLayout.GreyAlpha,
            PngColorType.Rgb => chunks.Transparency is null ? PixelLayout.Rgb : PixelLayout.Rgba,
            PngColorType.Palette => chunks.Transparency is null ? PixelLayout.Rgb : PixelLayout.Rgba,
            _ => PixelLayout.Rgba,
        };
        (int width, int height) = OutputSize(h.Width, h.Height, options.MaxSide);
        long raw = RawLength(h);
        if (raw > (MaxInflateRatio * chunks.ImageDataBytes) + MaxInflateRatio)
        {
            throw new DataFormatException(sourceName, null,
                $"the image data is short: {chunks.ImageDataBytes} bytes of IDAT data inflate to at most {MaxInflateRatio * chunks.ImageDataBytes} bytes, and a {h.Width}×{h.Height} image needs {raw}.");
        }

        CheckBudget(h, layout, width, height, chunks.ImageDataBytes, options, sourceName);
        byte[] compressed = chunks.ConcatenateImageData(bytes);
        using var source = new RowSource(compressed, raw, sourceName);
        var decoder = new RowDecoder(h, layout, chunks.Palette, chunks.Transparency, sourceName);
        Image image;
        if (h.Interlaced)
        {
            image = new Image(h.Width, h.Height, layout);
            DecodeInterlaced(h, source, decoder, image);
            if (width != h.Width || height != h.Height)
            {
                image = ImageOps.Resize(image, width, height);
            }
        }
        else if (width == h.Width && height == h.Height)
        {
            image = new Image(h.Width, h.Height, layout);
            DecodeRows(h, source, decoder, image, null);
        }
        else
        {
            var shrink = new ImageOps.StreamingResize(h.Width, h.Height, width, height, layout);
            DecodeRows(h, source, decoder, null, shrink);
            image = shrink.Finish();
        }

        return new PngImage(image, h.BitDepth, h.ColorType, h.Interlaced, chunks.Text);
    }

    /// <summary>
    /// The text chunks (tEXt, zTXt, iTXt) of a PNG by keyword, read without inflating its image: every
    /// chunk's length and CRC is checked, the image data is not.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReadText(string path, PngDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PngDecodeOptions();
        return ReadChunks(ReadFile(path, options), path, options).Text;
    }

    /// <summary>As <see cref="ReadText(string, PngDecodeOptions?)"/>, for a PNG's <paramref name="bytes"/>; <paramref name="sourceName"/> names them in errors.</summary>
    public static IReadOnlyDictionary<string, string> ReadText(ReadOnlySpan<byte> bytes, string sourceName, PngDecodeOptions? options = null) =>
        ReadChunks(bytes, sourceName, options ?? new PngDecodeOptions()).Text;

    /// <summary>
    /// The size a decode with <paramref name="maxSide"/> returns for a <paramref name="width"/>×<paramref name="height"/>
    /// file: unchanged when its longer side is at most <paramref name="maxSide"/> (or no limit is given), else the
    /// longer side becomes <paramref name="maxSide"/> and the other keeps the aspect ratio (rounded, at least 1).
    /// </summary>
    public static (int Width, int Height) OutputSize(int width, int height, int? maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (maxSide is < 1)
        {
            throw new ArgumentException($"The longest side must be at least 1 pixel; got {maxSide}.");
        }

        if (maxSide is not int side || Math.Max(width, height) <= side)
        {
            return (width, height);
        }

        int longer = Math.Max(width, height), shorter = Math.Min(width, height);
        int scaled = (int)Math.Max(1, Math.Round((double)shorter * side / longer, MidpointRounding.AwayFromZero));
        return width >= height ? (side, scaled) : (scaled, side);
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

    /// <summary>The file's bytes, refused unread when it alone is more than a decode may allocate (its image data is copied once more to be inflated).</summary>
    private static byte[] ReadFile(string path, PngDecodeOptions options)
    {
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "a PNG file", "PNG");
        }

        long length = new FileInfo(path).Length;
        if (length > int.MaxValue)
        {
            throw new DataFormatException(path, null, $"the file is {length} bytes; PNG files over 2 GiB are not read.");
        }

        if (length > options.MaxDecodedBytes)
        {
            throw new DataFormatException(path, null,
                $"the file is {length} bytes ({Mib(length)}), more than the {options.MaxDecodedBytes} ({Mib(options.MaxDecodedBytes)}) one decode may use (PngDecodeOptions.MaxDecodedBytes).");
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>Walks the chunks up to IEND, checking lengths and CRCs; keeps the header, palette, transparency, text and where the image data is.</summary>
    private static Chunks ReadChunks(ReadOnlySpan<byte> bytes, string sourceName, PngDecodeOptions options)
    {
        if (bytes.Length < 8 || !bytes[..8].SequenceEqual(s_signature))
        {
            throw new DataFormatException(sourceName, 0, "not a PNG file: the 8-byte signature is missing.");
        }

        Header? header = null;
        byte[]? palette = null;
        byte[]? transparency = null;
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        var imageData = new List<(int Offset, int Length)>();
        long imageDataBytes = 0;
        int offset = 8;
        bool ended = false;
        while (!ended)
        {
            if (offset > bytes.Length - 12)
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
                    // At most 256 alpha values (palette) or 6 bytes (an RGB key) are meaningful: anything longer is refused later.
                    transparency = data.Length <= 256 ? data.ToArray()
                        : throw new DataFormatException(sourceName, offset, $"tRNS holds {length} bytes; it holds at most 256.");
                    break;
                case "IDAT":
                    imageData.Add((offset + 8, (int)length));
                    imageDataBytes += length;
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

        return new Chunks(header!, palette, transparency, text, imageData, imageDataBytes);
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
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the image is {width}×{height} = {(long)width * height} pixels ({(long)width * height / 1e6:0.#} megapixels), over the cap of {options.MaxPixels} (PngDecodeOptions.MaxPixels): it was refused before its pixels were read. Scale the image down (e.g. ffmpeg -i IN -vf scale=4096:-1 OUT.png), or raise the cap if it is genuine."));
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

    /// <summary>
    /// Refuses a decode whose buffers would pass <see cref="PngDecodeOptions.MaxDecodedBytes"/>: the returned
    /// float image, the compressed data, two rows of the file, and the full-size image and resize buffers
    /// where the decode needs them (an Adam7 image is decoded whole before it is shrunk).
    /// </summary>
    private static void CheckBudget(Header h, PixelLayout layout, int width, int height, long compressed, PngDecodeOptions options, string source)
    {
        int channels = (int)layout;
        long full = (long)h.Width * h.Height * channels;
        long output = (long)width * height * channels;
        long rows = 2L * (1 + h.RowBytes(h.Width));
        bool shrinking = width != h.Width || height != h.Height;
        long needed = compressed + rows + InflateStateBytes + Math.Min(RowSource.BlockBytes, RawLength(h)) + (output * sizeof(float));
        if (h.Interlaced)
        {
            // Adam7 scatters every pass over the whole image: it is decoded at full size first, then resized
            // (a premultiplied copy when it has alpha, and the horizontally resized rows).
            needed += ((long)h.Width * channels * sizeof(float))
                + (shrinking ? (full + (layout is PixelLayout.GreyAlpha or PixelLayout.Rgba ? full : 0) + ((long)h.Height * width * channels)) * sizeof(float) : 0);
        }
        else if (shrinking)
        {
            needed += ImageOps.StreamingResize.BytesNeeded(h.Width, h.Height, width, height, layout);
        }

        long largest = h.Interlaced ? full : output;
        if (needed > options.MaxDecodedBytes || largest > Image.MaxSamples)
        {
            string size = shrinking ? $" (shrunk to {width}×{height})" : "";
            string samples = largest > Image.MaxSamples ? $", and its {largest} samples are more than the {Image.MaxSamples} an image holds" : "";
            throw new DataFormatException(source, null,
                $"the image is {h.Width}×{h.Height} {layout} at {h.BitDepth} bits{size}{(h.Interlaced ? ", Adam7-interlaced" : "")}: decoding it needs {needed} bytes ({Mib(needed)}), "
                + $"more than the {options.MaxDecodedBytes} ({Mib(options.MaxDecodedBytes)}) one decode may use (PngDecodeOptions.MaxDecodedBytes){samples}. "
                + "Save it smaller, or decode it smaller (PngDecodeOptions.MaxSide) or with a higher MaxDecodedBytes.");
        }
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";

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

    /// <summary>
    /// Reads every row of a non-interlaced image into <paramref name="image"/>'s rows, or through one float row
    /// into <paramref name="shrink"/>.
    /// </summary>
    private static void DecodeRows(Header h, RowSource source, RowDecoder decoder, Image? image, ImageOps.StreamingResize? shrink)
    {
        int rowBytes = h.RowBytes(h.Width);
        var current = new byte[rowBytes + 1];
        var previous = new byte[rowBytes + 1];
        float[]? row = image is null ? new float[h.Width * decoder.Channels] : null;
        for (int y = 0; y < h.Height; y++)
        {
            source.Next(current, y);
            Unfilter(current, previous, h, y, decoder.Source);
            decoder.Decode(current.AsSpan(1), h.Width, image is null ? row : image.Row(y), 0, 1, y);
            shrink?.AddRow(y, row!);
            (current, previous) = (previous, current);
        }
    }

    private static void DecodeInterlaced(Header h, RowSource source, RowDecoder decoder, Image image)
    {
        int channels = image.Channels;
        var pass = new float[h.Width * channels];
        var current = new byte[h.RowBytes(h.Width) + 1];
        var previous = new byte[current.Length];
        foreach ((int x0, int y0, int dx, int dy) in s_adam7)
        {
            (int w, int ht) = PassSize(h, x0, y0, dx, dy);
            if (w <= 0 || ht <= 0)
            {
                continue;
            }

            int rowBytes = h.RowBytes(w);
            Span<byte> cur = current.AsSpan(0, rowBytes + 1), prev = previous.AsSpan(0, rowBytes + 1);
            prev.Clear();
            for (int y = 0; y < ht; y++)
            {
                int imageY = y0 + (y * dy);
                source.Next(cur, y);
                Unfilter(cur, prev, h, y, decoder.Source);
                decoder.Decode(cur[1..], w, pass, x0, dx, imageY);
                Span<float> row = image.Row(imageY);
                for (int x = 0; x < w; x++)
                {
                    pass.AsSpan(x * channels, channels).CopyTo(row[((x0 + (x * dx)) * channels)..]);
                }

                cur.CopyTo(prev);
            }
        }
    }

    private static void Unfilter(Span<byte> current, ReadOnlySpan<byte> previous, Header h, int y, string source)
    {
        byte filter = current[0];
        if (!PngFilters.Unfilter(filter, current[1..], previous[1..], Math.Max(1, h.BitsPerPixel / 8)))
        {
            throw new DataFormatException(source, null, $"row {y} has filter type {filter}; only 0–4 exist.");
        }
    }

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
            var buffer = new byte[Math.Min(options.MaxTextBytes, MaxInflateRatio * (compressed.Length + 1)) + 1];
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

    /// <summary>What the chunk walk found; the image data stays in the file's bytes until the decode is known to fit.</summary>
    private sealed record Chunks(
        Header Header, byte[]? Palette, byte[]? Transparency, Dictionary<string, string> Text,
        List<(int Offset, int Length)> ImageData, long ImageDataBytes)
    {
        public byte[] ConcatenateImageData(ReadOnlySpan<byte> bytes)
        {
            var data = new byte[ImageDataBytes];
            int at = 0;
            foreach ((int offset, int length) in ImageData)
            {
                bytes.Slice(offset, length).CopyTo(data.AsSpan(at));
                at += length;
            }

            return data;
        }
    }

    /// <summary>
    /// The inflated image data, handed out one filtered row at a time: inflated in blocks of up to
    /// <see cref="BlockBytes"/> (one call into zlib per block, not per row).
    /// </summary>
    private sealed class RowSource(byte[] compressed, long expected, string source) : IDisposable
    {
        public const int BlockBytes = 1 << 16;

        private readonly ZLibStream _zlib = new(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
        private readonly byte[] _block = new byte[(int)Math.Min(BlockBytes, expected)];
        private int _start;
        private int _end;
        private long _read;

        /// <summary>Fills <paramref name="row"/> (filter byte and samples) with the next bytes of the stream.</summary>
        public void Next(Span<byte> row, int y)
        {
            int filled = 0;
            while (filled < row.Length)
            {
                if (_start == _end && !Refill())
                {
                    throw new DataFormatException(source, null, $"the image data is short: {_read} of {expected} bytes decompressed from the IDAT chunks (row {y} is incomplete).");
                }

                int n = Math.Min(row.Length - filled, _end - _start);
                _block.AsSpan(_start, n).CopyTo(row[filled..]);
                _start += n;
                filled += n;
            }
        }

        public void Dispose() => _zlib.Dispose();

        private bool Refill()
        {
            int read;
            try
            {
                // Never more than the rows still to come: data past them is not inflated.
                read = _zlib.Read(_block, 0, (int)Math.Min(_block.Length, expected - _read));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // zlib errors: InvalidDataException, or ZLibException (an IOException) for a preset-dictionary header.
                throw new DataFormatException(source, null, $"the IDAT data is not a valid zlib stream: {e.Message}");
            }

            _read += read;
            _start = 0;
            _end = read;
            return read > 0;
        }
    }

    /// <summary>Turns one unfiltered row of samples into floats in [0, 1], in the image's layout.</summary>
    private sealed class RowDecoder(Header h, PixelLayout layout, byte[]? palette, byte[]? transparency, string source)
    {
        private readonly int _channels = (int)layout;
        private readonly float _max = (1 << h.BitDepth) - 1;
        private readonly bool _direct = h.BitDepth == 8 && h.ColorType != PngColorType.Palette && transparency is null;

        public string Source => source;

        public int Channels => _channels;

        /// <summary>Decodes <paramref name="width"/> pixels into <paramref name="output"/>; x0, dx and y place them in the file, for messages.</summary>
        public void Decode(ReadOnlySpan<byte> row, int width, Span<float> output, int x0, int dx, int y)
        {
            int channels = _channels;
            if (_direct)
            {
                // 8-bit samples that map one to one onto the output row: convert and scale in bulk.
                Span<float> samples = output[..(width * channels)];
                System.Numerics.Tensors.TensorPrimitives.ConvertChecked<byte, float>(row[..samples.Length], samples);
                System.Numerics.Tensors.TensorPrimitives.Divide(samples, 255f, samples);
                return;
            }

            float max = _max;
            for (int x = 0; x < width; x++)
            {
                int target = x * channels;
                switch (h.ColorType)
                {
                    case PngColorType.Palette:
                    {
                        int index = Sample(row, x, h.BitDepth);
                        if ((index * 3) + 2 >= palette!.Length)
                        {
                            throw new DataFormatException(source, null, $"pixel ({x0 + (x * dx)}, {y}) uses palette entry {index}, but PLTE has {palette.Length / 3}.");
                        }

                        output[target] = palette[index * 3] / 255f;
                        output[target + 1] = palette[(index * 3) + 1] / 255f;
                        output[target + 2] = palette[(index * 3) + 2] / 255f;
                        if (channels == 4)
                        {
                            output[target + 3] = index < transparency!.Length ? transparency[index] / 255f : 1f;
                        }

                        break;
                    }

                    case PngColorType.Grey:
                    {
                        int v = Sample(row, x, h.BitDepth);
                        output[target] = v / max;
                        if (channels == 2)
                        {
                            output[target + 1] = v == Key(transparency!, 0) ? 0f : 1f;
                        }

                        break;
                    }

                    case PngColorType.Rgb:
                    {
                        int r = Sample(row, x * 3, h.BitDepth), g = Sample(row, (x * 3) + 1, h.BitDepth), b = Sample(row, (x * 3) + 2, h.BitDepth);
                        output[target] = r / max;
                        output[target + 1] = g / max;
                        output[target + 2] = b / max;
                        if (channels == 4)
                        {
                            output[target + 3] = r == Key(transparency!, 0) && g == Key(transparency!, 1) && b == Key(transparency!, 2) ? 0f : 1f;
                        }

                        break;
                    }

                    default:
                    {
                        // Grey+alpha and RGBA: every sample stored, 8 or 16 bits.
                        for (int c = 0; c < channels; c++)
                        {
                            output[target + c] = Sample(row, (x * channels) + c, h.BitDepth) / max;
                        }

                        break;
                    }
                }
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
    }
}
