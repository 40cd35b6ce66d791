using System.Buffers.Binary;
using Engram.Data.Png;

namespace Engram.Data.Images;

/// <summary>
/// The one way in for a user's image file, of any common format: JPEG, PNG, GIF (first frame), BMP, TIFF (first page),
/// WebP and TGA, chosen by the file's content (its magic bytes), never by its name. Every decode returns Engram's
/// <see cref="Image"/> (floats in [0, 1]) with the EXIF orientation applied, refuses a file whose header declares more
/// than <see cref="ImageDecodeOptions.MaxPixels"/> before its pixels are read, and with
/// <see cref="ImageDecodeOptions.MaxSide"/> shrinks a large image while (PNG) or right after (the others) it is decoded.
/// Every failure, whatever the format, is a <see cref="DataFormatException"/> naming the file.
/// </summary>
/// <remarks>
/// PNG goes through Engram's own decoder (<see cref="PngDecoder"/>): it shrinks row by row while inflating, so a huge
/// 16-bit PNG costs two rows and the small image (see the README for the measurements that kept it). Every other format
/// goes through SixLabors.ImageSharp 2.1, decoded into one 8-bit RGBA frame that is area-averaged row by row into the
/// small float image (<see cref="ImageOps.Resize"/>'s arithmetic), so the full-size float image never exists.
/// </remarks>
public static class ImageFiles
{
    /// <summary>The file name extensions a folder's images are looked for by (compared without case); the format itself is read from the content.</summary>
    public static IReadOnlyList<string> Extensions { get; } =
        [".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".tga"];

    /// <summary>The formats, in words, for messages: "JPEG, PNG, GIF, BMP, TIFF, WebP or TGA".</summary>
    public const string FormatList = "JPEG, PNG, GIF, BMP, TIFF, WebP or TGA";

    private static readonly byte[] s_png = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Whether <paramref name="path"/>'s name ends with one of <see cref="Extensions"/>.</summary>
    public static bool HasImageExtension(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path);
        return Extensions.Any(e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The format <paramref name="bytes"/> (the file's first bytes; 32 suffice, a TGA needs 18) hold by their magic bytes,
    /// or null when they are none of <see cref="FormatList"/>. TGA has no magic bytes: it is taken when no other format
    /// matches and the 18-byte header is one ImageSharp's TGA decoder would read.
    /// </summary>
    public static ImageFileFormat? DetectFormat(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(s_png))
        {
            return ImageFileFormat.Png;
        }

        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return ImageFileFormat.Jpeg;
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return ImageFileFormat.Gif;
        }

        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return ImageFileFormat.Tiff;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return ImageFileFormat.WebP;
        }

        if (bytes.Length >= 14 && bytes.StartsWith("BM"u8))
        {
            return ImageFileFormat.Bmp;
        }

        return ImageSharpCodec.LooksLikeTga(bytes) ? ImageFileFormat.Tga : null;
    }

    /// <summary>The media type of a format: "image/png", "image/jpeg", ….</summary>
    public static string ContentType(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Png => "image/png",
        ImageFileFormat.Jpeg => "image/jpeg",
        ImageFileFormat.Gif => "image/gif",
        ImageFileFormat.Bmp => "image/bmp",
        ImageFileFormat.Tiff => "image/tiff",
        ImageFileFormat.WebP => "image/webp",
        ImageFileFormat.Tga => "image/x-tga",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
    };

    /// <summary>The format's name, for messages: "PNG", "JPEG", "WebP", ….</summary>
    public static string Name(ImageFileFormat format) => format switch
    {
        ImageFileFormat.WebP => "WebP",
        _ => format.ToString().ToUpperInvariant(),
    };

    /// <summary>
    /// Reads the header and metadata of the image file at <paramref name="path"/> without decoding its pixels: its format,
    /// size, EXIF orientation and captions. Captions: a PNG's tEXt/zTXt/iTXt <c>Title</c> then <c>Description</c>; any other
    /// format's XMP <c>dc:title</c>, EXIF <c>ImageDescription</c> (less the placeholders cameras write, such as
    /// "OLYMPUS DIGITAL CAMERA") and XMP <c>dc:description</c>, in that order, each once. A file that is no image Engram
    /// reads, or whose header is damaged, is a <see cref="DataFormatException"/> naming it.
    /// </summary>
    public static ImageFileInfo Identify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Identify(ReadFile(path, ImageDecodeOptions.DefaultMaxDecodedBytes), path);
    }

    /// <summary>As <see cref="Identify(string)"/>, for a file's <paramref name="bytes"/>; <paramref name="sourceName"/> names them in errors.</summary>
    public static ImageFileInfo Identify(byte[] bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ImageFileFormat format = Format(bytes, sourceName);
        if (format == ImageFileFormat.Png)
        {
            (int width, int height) = PngSize(bytes, sourceName);
            return new ImageFileInfo(format, width, height, 1, ImageCaptions.FromPngText(PngDecoder.ReadText(bytes, sourceName)));
        }

        return ImageSharpCodec.Identify(bytes, format, sourceName);
    }

    /// <summary>
    /// Decodes the image file at <paramref name="path"/> within <paramref name="options"/> (the defaults when null): any of
    /// <see cref="FormatList"/>, chosen by its content, its EXIF orientation applied. A missing file is a
    /// <see cref="FileNotFoundException"/>; a file that is not such an image, is damaged or truncated, or is over the caps,
    /// a <see cref="DataFormatException"/> naming it.
    /// </summary>
    public static Image Decode(string path, ImageDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ImageDecodeOptions();
        return Decode(ReadFile(path, options.MaxDecodedBytes), path, options);
    }

    /// <summary>As <see cref="Decode(string, ImageDecodeOptions?)"/>, for a file's <paramref name="bytes"/> (an upload); <paramref name="sourceName"/> names them in errors.</summary>
    public static Image Decode(byte[] bytes, string sourceName, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        options ??= new ImageDecodeOptions();
        ImageFileFormat format = Format(bytes, sourceName);
        if (format == ImageFileFormat.Png)
        {
            (int width, int height) = PngSize(bytes, sourceName);
            CheckPixels(width, height, format, sourceName, options);
            return PngDecoder.Decode(bytes, sourceName, options.ForPng()).Image;
        }

        return ImageSharpCodec.Decode(bytes, format, sourceName, options);
    }

    /// <summary>
    /// Refuses an image whose header declares more pixels than <paramref name="options"/> allow, naming the file, its size
    /// and the cap (and what to do).
    /// </summary>
    internal static void CheckPixels(long width, long height, ImageFileFormat format, string sourceName, ImageDecodeOptions options)
    {
        long pixels = width * height;
        if (pixels > options.MaxPixels)
        {
            throw new DataFormatException(sourceName, null, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the {Name(format)} header declares {width}×{height} = {pixels:N0} pixels ({pixels / 1e6:0.#} megapixels), over the cap of {options.MaxPixels:N0} " +
                $"(ImageDecodeOptions.MaxPixels): it was refused before its pixels were read. Scale the image down, or raise the cap if it is genuine."));
        }
    }

    /// <summary>The format of <paramref name="bytes"/>, or a refusal naming the file and the formats Engram reads.</summary>
    internal static ImageFileFormat Format(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.IsEmpty)
        {
            throw new DataFormatException(sourceName, 0, "the file is empty.");
        }

        return DetectFormat(bytes) ?? throw new DataFormatException(sourceName, 0,
            $"not an image Engram reads: its first bytes are not those of a {FormatList} file. Convert it to PNG or JPEG.");
    }

    /// <summary>The file's bytes, refused unread when larger than one decode may allocate.</summary>
    internal static byte[] ReadFile(string path, long maxBytes)
    {
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "an image file", "Image");
        }

        long length = new FileInfo(path).Length;
        if (length > Math.Min(maxBytes, int.MaxValue))
        {
            throw new DataFormatException(path, null,
                $"the file is {length:N0} bytes ({length / 1048576.0:F0} MiB), more than the {maxBytes:N0} one decode may use (ImageDecodeOptions.MaxDecodedBytes).");
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataFormatException(path, null, $"the file cannot be read: {e.Message}");
        }
    }

    // A PNG's first chunk is IHDR (width and height at bytes 16 and 20); the decoder checks the rest.
    private static (int Width, int Height) PngSize(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < 24 || !bytes[12..16].SequenceEqual("IHDR"u8))
        {
            throw new DataFormatException(sourceName, 8, "the PNG's first chunk is not IHDR: the file is truncated or corrupt.");
        }

        uint width = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), height = BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            throw new DataFormatException(sourceName, 16, $"the image is {width}×{height}; both sides must be between 1 and 2³¹−1.");
        }

        return ((int)width, (int)height);
    }
}
