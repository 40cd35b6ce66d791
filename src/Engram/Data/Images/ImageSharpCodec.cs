using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SharpImage = SixLabors.ImageSharp.Image;

namespace Engram.Data.Images;

/// <summary>
/// Decoding through SixLabors.ImageSharp 2.1 (every format but PNG in <see cref="ImageFiles"/>, and PNG too for the
/// benchmark that compares it with Engram's decoder). ImageSharp's exceptions never leave this class: each becomes a
/// <see cref="DataFormatException"/> naming the file.
/// </summary>
internal static class ImageSharpCodec
{
    /// <summary>Bytes a JPEG decoder may hold per pixel besides the frame: 64 16-bit coefficients per 8×8 block of each of up to 3 components.</summary>
    private const long JpegCoefficientBytes = 6;

    /// <summary>
    /// The seven formats and nothing else; one decode thread (Engram decodes items in parallel, so a decode that
    /// fans out too would multiply its buffers); a small pool, so memory is given back between images; and a cap on any
    /// one buffer, behind the header checks, for a file that lies about its size.
    /// </summary>
    private static readonly Configuration s_configuration = CreateConfiguration(1024);

    /// <summary>
    /// A configuration per buffer cap (<see cref="MemoryAllocatorOptions.AllocationLimitMegabytes"/>): ImageSharp checks each of its buffers
    /// against it, so a crafted file whose strips or tables ask for more than the image could need is refused rather than
    /// served (a 1 KB TIFF found by fuzzing asked for 500 MB).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Configuration> s_limited = new();

    private static readonly Lock s_webpGate = new();

    /// <summary>The configuration every ImageSharp call in Engram uses.</summary>
    internal static Configuration Configuration => s_configuration;

    /// <summary>Whether the 18-byte header is one ImageSharp's TGA decoder takes (TGA has no magic bytes).</summary>
    public static bool LooksLikeTga(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 18)
        {
            return false;
        }

        // Colour map type 0 or 1; image type 1–3 or 9–11 (colour-mapped, true-colour, grey; plain or RLE); 8, 15, 16, 24 or 32 bits a pixel; sides > 0.
        byte mapType = bytes[1], imageType = bytes[2], depth = bytes[16];
        int width = bytes[12] | (bytes[13] << 8), height = bytes[14] | (bytes[15] << 8);
        return mapType <= 1 && imageType is 1 or 2 or 3 or 9 or 10 or 11 && depth is 8 or 15 or 16 or 24 or 32 && width > 0 && height > 0
            && SharpImage.DetectFormat(s_configuration, bytes) == TgaFormat.Instance;
    }

    /// <summary>The header and metadata of a file already known to be <paramref name="format"/>.</summary>
    public static ImageFileInfo Identify(byte[] bytes, ImageFileFormat format, string sourceName)
    {
        IImageInfo info = Guarded(format, sourceName, () =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return SharpImage.Identify(Limited(ImageDecodeOptions.DefaultMaxPixels), stream, out IImageFormat? found) is { } identified && found == Sharp(format)
                ? identified
                : throw new InvalidImageContentException("the header cannot be read");
        });
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new DataFormatException(sourceName, null, $"the {ImageFiles.Name(format)} header declares a {info.Width}×{info.Height} image.");
        }

        return new ImageFileInfo(format, info.Width, info.Height, Orientation(info.Metadata), ImageCaptions.FromMetadata(info.Metadata));
    }

    /// <summary>Decodes a file known to be <paramref name="format"/> (see <see cref="ImageFiles.Decode(byte[], string, ImageDecodeOptions?)"/>).</summary>
    public static Image Decode(byte[] bytes, ImageFileFormat format, string sourceName, ImageDecodeOptions options)
    {
        CheckRawHeader(bytes, format, sourceName, options);
        CheckRiffChunks(bytes, format, sourceName);
        ImageFileInfo header = Identify(bytes, format, sourceName);
        ImageFiles.CheckPixels(header.StoredWidth, header.StoredHeight, format, sourceName, options);
        CheckBudget(header, bytes.Length, sourceName, options);
        using Image<Rgba32> frame = Guarded(format, sourceName, () =>
        {
            if (format != ImageFileFormat.WebP)
            {
                return SharpImage.Load<Rgba32>(Limited(header.Pixels), bytes, out IImageFormat _);
            }

            // ImageSharp 2.1's lossless WebP decoder sizes its Huffman tables from the bitstream, not the image: a crafted 1 KB
            // file makes one decode allocate over 1 GB (managed, freed after). One WebP decode at a time keeps that to one.
            lock (s_webpGate)
            {
                return SharpImage.Load<Rgba32>(Limited(header.Pixels), bytes, out IImageFormat _);
            }
        });
        if (frame.Width != header.StoredWidth || frame.Height != header.StoredHeight)
        {
            throw new DataFormatException(sourceName, null,
                $"the {ImageFiles.Name(format)} header declares {header.StoredWidth}×{header.StoredHeight}, but the decoded image is {frame.Width}×{frame.Height}.");
        }

        // Orientation comes last, on the small image: a quarter turn or a mirror commutes with the per-axis area resize.
        (int width, int height) = Png.PngDecoder.OutputSize(header.Width, header.Height, options.MaxSide);
        (int storedWidth, int storedHeight) = header.SwapsSides ? (height, width) : (width, height);
        return ImageOps.Orient(Shrink(frame, storedWidth, storedHeight), header.Orientation);
    }

    /// <summary>
    /// For the two formats whose pixels are stored plainly (BMP and TGA, uncompressed), reads the size from the header before
    /// ImageSharp does (so that a bomb is refused in Engram's words) and refuses a file shorter than its pixels: ImageSharp
    /// would decode the missing rows as black.
    /// </summary>
    private static void CheckRawHeader(ReadOnlySpan<byte> bytes, ImageFileFormat format, string sourceName, ImageDecodeOptions options)
    {
        long width, height, needed;
        if (format == ImageFileFormat.Bmp && bytes.Length >= 26)
        {
            int headerSize = BinaryPrimitives.ReadInt32LittleEndian(bytes[14..]);
            bool core = headerSize == 12;
            width = core ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]) : Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]));
            height = core ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]) : Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]));
            ImageFiles.CheckPixels(width, height, format, sourceName, options);
            int bitsAt = core ? 24 : 28;
            if (bytes.Length < bitsAt + 2 || (!core && bytes.Length < 34))
            {
                return;
            }

            int bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[bitsAt..]);
            int compression = core ? 0 : BinaryPrimitives.ReadInt32LittleEndian(bytes[30..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[10..]);

            // Uncompressed (BI_RGB, BI_BITFIELDS): rows padded to 4 bytes, one after another from the data offset.
            needed = compression is 0 or 3 && bits is 1 or 2 or 4 or 8 or 16 or 24 or 32 ? offset + ((((width * bits) + 31) / 32 * 4) * height) : 0;
        }
        else if (format == ImageFileFormat.Tga)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[12..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[14..]);
            ImageFiles.CheckPixels(width, height, format, sourceName, options);
            int mapLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[5..]), mapBits = bytes[7];
            long map = bytes[1] == 1 ? ((long)mapLength * mapBits + 7) / 8 : 0;

            // Uncompressed types (1 colour-mapped, 2 true-colour, 3 grey): the pixels follow the header, the id and the colour map.
            needed = bytes[2] is 1 or 2 or 3 ? 18 + bytes[0] + map + ((width * height * bytes[16]) + 7) / 8 : 0;
        }
        else
        {
            return;
        }

        if (needed > bytes.Length)
        {
            throw new DataFormatException(sourceName, bytes.Length, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the {ImageFiles.Name(format)} file is truncated: a {width}×{height} image needs {needed:N0} bytes and the file has {bytes.Length:N0}."));
        }
    }

    /// <summary>
    /// A WebP is a RIFF file: every chunk's declared size must fit in the file. ImageSharp 2.1 allocates an EXIF, XMP or ICC
    /// chunk's declared size before reading it, so a 1 KB file declaring a 2 GB EXIF chunk (found by fuzzing) would take 2 GB.
    /// </summary>
    private static void CheckRiffChunks(ReadOnlySpan<byte> bytes, ImageFileFormat format, string sourceName)
    {
        if (format != ImageFileFormat.WebP)
        {
            return;
        }

        long declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]) + 8L;
        long end = Math.Min(declared, bytes.Length);
        for (long at = 12; at + 8 <= end;)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(int)(at + 4)..]);
            if (at + 8 + size > bytes.Length)
            {
                string chunk = System.Text.Encoding.ASCII.GetString(bytes.Slice((int)at, 4)).Replace('\0', ' ');
                throw new DataFormatException(sourceName, at, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the WebP chunk '{chunk}' declares {size:N0} bytes, but only {bytes.Length - at - 8:N0} follow: the file is truncated or corrupt."));
            }

            at += 8 + size + (size & 1);
        }
    }

    /// <summary>The configuration whose buffer cap fits an image of <paramref name="pixels"/> pixels: 8 bytes a pixel (16-bit RGBA), at least 16 MB, at most 1 GB.</summary>
    private static Configuration Limited(long pixels)
    {
        int megabytes = (int)Math.Clamp((pixels * 8 / 1048576) + 1, 16, 1024);
        return s_limited.GetOrAdd(megabytes, CreateConfiguration);
    }

    /// <summary>Decodes any of the seven formats (PNG included) through ImageSharp: the benchmark's side of the comparison with Engram's PNG decoder.</summary>
    internal static Image DecodeAny(byte[] bytes, string sourceName, ImageDecodeOptions options) =>
        Decode(bytes, ImageFiles.Format(bytes, sourceName), sourceName, options);

    /// <summary>
    /// The frame as an <see cref="Image"/> of <paramref name="width"/>×<paramref name="height"/>: its layout the fewest
    /// channels that hold it (grey when every pixel has R = G = B, alpha only when some pixel is not opaque), its rows
    /// converted one at a time and, when smaller, area-averaged as they come (<see cref="ImageOps.StreamingResize"/>).
    /// </summary>
    private static Image Shrink(Image<Rgba32> frame, int width, int height)
    {
        PixelLayout layout = Layout(frame);
        int channels = (int)layout;
        if (width == frame.Width && height == frame.Height)
        {
            var image = new Image(width, height, layout);
            frame.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Convert(rows.GetRowSpan(y), image.Row(y), channels);
                }
            });
            return image;
        }

        var shrink = new ImageOps.StreamingResize(frame.Width, frame.Height, width, height, layout);
        var row = new float[frame.Width * channels];
        frame.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Convert(rows.GetRowSpan(y), row, channels);
                shrink.AddRow(y, row);
            }
        });
        return shrink.Finish();
    }

    private static PixelLayout Layout(Image<Rgba32> frame)
    {
        bool alpha = false, colour = false;
        frame.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height && !(alpha && colour); y++)
            {
                foreach (Rgba32 p in rows.GetRowSpan(y))
                {
                    alpha |= p.A != 255;
                    colour |= p.R != p.G || p.G != p.B;
                }
            }
        });
        return (alpha, colour) switch
        {
            (false, false) => PixelLayout.Grey,
            (true, false) => PixelLayout.GreyAlpha,
            (false, true) => PixelLayout.Rgb,
            _ => PixelLayout.Rgba,
        };
    }

    private static void Convert(ReadOnlySpan<Rgba32> pixels, Span<float> row, int channels)
    {
        // Divided, not multiplied by 1/255: the same floats as Engram's PNG decoder gives for the same 8-bit samples.
        const float scale = 255f;
        for (int x = 0, o = 0; x < pixels.Length; x++, o += channels)
        {
            Rgba32 p = pixels[x];
            switch (channels)
            {
                case 1:
                    row[o] = p.R / scale;
                    break;
                case 2:
                    row[o] = p.R / scale;
                    row[o + 1] = p.A / scale;
                    break;
                case 3:
                    row[o] = p.R / scale;
                    row[o + 1] = p.G / scale;
                    row[o + 2] = p.B / scale;
                    break;
                default:
                    row[o] = p.R / scale;
                    row[o + 1] = p.G / scale;
                    row[o + 2] = p.B / scale;
                    row[o + 3] = p.A / scale;
                    break;
            }
        }
    }

    /// <summary>The bytes the decode needs (the file, the RGBA frame, a JPEG's coefficients, the float output), against the cap.</summary>
    private static void CheckBudget(ImageFileInfo header, long fileBytes, string sourceName, ImageDecodeOptions options)
    {
        (int width, int height) = Png.PngDecoder.OutputSize(header.Width, header.Height, options.MaxSide);
        long perPixel = sizeof(uint) + (header.Format == ImageFileFormat.Jpeg ? JpegCoefficientBytes : 0);
        long need = fileBytes + (header.Pixels * perPixel) + ((long)width * height * 4 * sizeof(float));
        if (need > options.MaxDecodedBytes)
        {
            throw new DataFormatException(sourceName, null, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"decoding this {header.StoredWidth}×{header.StoredHeight} {ImageFiles.Name(header.Format)} needs about {need / 1048576.0:F0} MiB, more than the " +
                $"{options.MaxDecodedBytes / 1048576.0:F0} MiB one decode may use (ImageDecodeOptions.MaxDecodedBytes); set MaxSide to shrink it, or raise the cap."));
        }
    }

    private static int Orientation(ImageMetadata metadata)
    {
        try
        {
            IExifValue<ushort>? value = metadata.ExifProfile?.GetValue(ExifTag.Orientation);
            return value is { Value: >= 1 and <= 8 } ? value.Value : 1;
        }
#pragma warning disable CA1031 // A damaged EXIF block leaves the image as stored: the orientation is a hint, not the pixels.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return 1;
        }
    }

    /// <summary>
    /// Runs an ImageSharp call; whatever it throws for a bad file (its own exceptions, or an index, overflow or argument
    /// error deep in a decoder) becomes a <see cref="DataFormatException"/> naming the file and the format.
    /// </summary>
    private static T Guarded<T>(ImageFileFormat format, string sourceName, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new DataFormatException(sourceName, null, $"the {ImageFiles.Name(format)} file asks for more memory than an image of its size needs ({e.Message}): it is damaged or crafted.");
        }
        catch (OutOfMemoryException)
        {
            // One allocation a crafted file asked for failed whole (ImageSharp 2.1's WebP lossless decoder sizes its Huffman
            // tables from the bitstream); nothing was half built, so the file can be refused like any other.
            throw new DataFormatException(sourceName, null, $"decoding the {ImageFiles.Name(format)} file asked for more memory than this process could have: it is damaged or crafted.");
        }
#pragma warning disable CA1031 // A crafted file can trip any exception inside a decoder: each is the file's fault, reported as such.
        catch (Exception e) when (e is not (OperationCanceledException or DataFormatException))
#pragma warning restore CA1031
        {
            string what = e is ImageFormatException or NotSupportedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            throw new DataFormatException(sourceName, null, $"not a readable {ImageFiles.Name(format)} file (damaged, truncated or a variant ImageSharp does not read): {what}");
        }
    }

    private static IImageFormat Sharp(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Png => PngFormat.Instance,
        ImageFileFormat.Jpeg => JpegFormat.Instance,
        ImageFileFormat.Gif => GifFormat.Instance,
        ImageFileFormat.Bmp => BmpFormat.Instance,
        ImageFileFormat.Tiff => TiffFormat.Instance,
        ImageFileFormat.WebP => WebpFormat.Instance,
        _ => TgaFormat.Instance,
    };

    private static Configuration CreateConfiguration(int allocationLimitMegabytes)
    {
        var configuration = new Configuration(
            new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(), new BmpConfigurationModule(),
            new TiffConfigurationModule(), new WebpConfigurationModule(), new TgaConfigurationModule())
        {
            MaxDegreeOfParallelism = 1,
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 32, AllocationLimitMegabytes = allocationLimitMegabytes }),
        };
        // The first frame of an animation or the first page of a TIFF: an image, not a film of them.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First, MaxFrames = 1 });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
