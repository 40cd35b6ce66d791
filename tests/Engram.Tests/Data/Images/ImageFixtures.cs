using System.Text;
using Engram.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;
using EngramImage = Engram.Data.Images.Image;

namespace Engram.Tests.Data.Images;

/// <summary>
/// Image files of every format, made in the test itself with ImageSharp's encoders (no script, no binary fixture):
/// a picture of a few flat blocks (so that even JPEG and GIF keep its colours closely), with EXIF and XMP when asked.
/// </summary>
internal static class ImageFixtures
{
    /// <summary>Every format and a lossless way to write it (JPEG at quality 100, WebP lossless, GIF with an exact palette).</summary>
    public static readonly ImageFileFormat[] Formats =
        [ImageFileFormat.Png, ImageFileFormat.Jpeg, ImageFileFormat.Gif, ImageFileFormat.Bmp, ImageFileFormat.Tiff, ImageFileFormat.WebP, ImageFileFormat.Tga];

    /// <summary>The extension a file of the format usually has.</summary>
    public static string Extension(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Jpeg => ".jpg",
        ImageFileFormat.Tiff => ".tif",
        _ => "." + format.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A <paramref name="width"/>×<paramref name="height"/> picture in four flat quadrants: red (top left), green (top right),
    /// blue (bottom left), white (bottom right), shifted by <paramref name="shade"/> so that pictures differ.
    /// </summary>
    public static Image<Rgba32> Quadrants(int width, int height, int shade = 0)
    {
        var image = new Image<Rgba32>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgba32> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    bool left = x < width / 2, top = y < height / 2;
                    row[x] = (left, top) switch
                    {
                        (true, true) => new Rgba32((byte)(220 - shade), (byte)(20 + shade), 20),
                        (false, true) => new Rgba32(20, (byte)(200 - shade), (byte)(30 + shade)),
                        (true, false) => new Rgba32((byte)(10 + shade), 40, (byte)(210 - shade)),
                        _ => new Rgba32(250, 250, (byte)(250 - shade)),
                    };
                }
            }
        });
        return image;
    }

    /// <summary>The picture's bytes in <paramref name="format"/>, with optional EXIF orientation, EXIF ImageDescription, XMP title and PNG Title.</summary>
    public static byte[] Encode(Image<Rgba32> image, ImageFileFormat format, int? orientation = null, string? description = null, string? xmpTitle = null, string? pngTitle = null)
    {
        if (orientation is not null || description is not null)
        {
            var exif = new ExifProfile();
            if (orientation is int o)
            {
                exif.SetValue(ExifTag.Orientation, (ushort)o);
            }

            if (description is not null)
            {
                exif.SetValue(ExifTag.ImageDescription, description);
            }

            image.Metadata.ExifProfile = exif;
        }

        if (xmpTitle is not null)
        {
            image.Metadata.XmpProfile = new XmpProfile(Encoding.UTF8.GetBytes(Xmp(xmpTitle)));
        }

        if (pngTitle is not null)
        {
            image.Metadata.GetPngMetadata().TextData.Add(new PngTextData("Title", pngTitle, "", ""));
        }

        IImageEncoder encoder = format switch
        {
            ImageFileFormat.Png => new PngEncoder(),
            ImageFileFormat.Jpeg => new JpegEncoder { Quality = 100 },
            ImageFileFormat.Gif => new GifEncoder(),
            ImageFileFormat.Bmp => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
            ImageFileFormat.Tiff => new TiffEncoder(),
            ImageFileFormat.WebP => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
            _ => new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel24, Compression = TgaCompression.None },
        };
        using var output = new MemoryStream();
        image.Save(output, encoder);
        return output.ToArray();
    }

    /// <summary>The quadrants picture as Engram's float image (RGB).</summary>
    public static EngramImage ToEngram(Image<Rgba32> image)
    {
        var result = new EngramImage(image.Width, image.Height, PixelLayout.Rgb);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                Rgba32 p = image[x, y];
                result[x, y, 0] = p.R / 255f;
                result[x, y, 1] = p.G / 255f;
                result[x, y, 2] = p.B / 255f;
            }
        }

        return result;
    }

    private static string Xmp(string title) =>
        "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">" +
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" +
        System.Security.SecurityElement.Escape(title) + "</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
}
