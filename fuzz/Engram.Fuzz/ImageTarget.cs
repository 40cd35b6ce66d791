using Engram.Data;
using Engram.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Engram.Fuzz;

/// <summary>
/// One image format ImageSharp decodes for Engram (jpeg, gif, webp, bmp, tiff, tga), through <see cref="ImageFiles.Decode(byte[], string, ImageDecodeOptions?)"/>
/// as a folder, a cue or an upload is: seeds are made here with ImageSharp's encoders (sizes, colour modes, EXIF), and an input
/// is accepted, or refused with a <see cref="DataFormatException"/>; anything else is a crash.
/// </summary>
internal sealed class ImageTarget : Target
{
    private readonly Random _options = new(11);
    private readonly ImageFileFormat _format;

    public ImageTarget(string name)
    {
        Name = name;
        _format = name switch
        {
            "jpeg" => ImageFileFormat.Jpeg,
            "gif" => ImageFileFormat.Gif,
            "webp" => ImageFileFormat.WebP,
            "bmp" => ImageFileFormat.Bmp,
            "tiff" => ImageFileFormat.Tiff,
            _ => ImageFileFormat.Tga,
        };
        Seeds = [.. Encoders(_format).SelectMany(encoder => new[] { (17, 11, 0), (8, 8, 1), (33, 20, 2) }.Select(size => Seed(encoder, size)))];
    }

    /// <summary>The image targets, by name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["jpeg", "gif", "webp", "bmp", "tiff", "tga"];

    public override string Name { get; }

    public override string Extension => "." + Name;

    public override IReadOnlyList<byte[]> Seeds { get; }

    public override byte[] Mutate(Mutator mutator, byte[] seed, byte[] other) =>
        mutator.MutateBytes(seed, other, keepPrefix: mutator.Random.Next(4) == 0 ? 0 : 4);

    public override Verdict Run(byte[] input)
    {
        // Default limits but a small pixel cap (a mutated size stays cheap), and a third of the time a shrunk decode.
        var options = new ImageDecodeOptions { MaxPixels = 1 << 22 };
        if (_options.Next(3) == 0)
        {
            options = options with { MaxSide = 1 + _options.Next(24) };
        }

        try
        {
            ImageFiles.Decode(input, "fuzz" + Extension, options);
            return Verdict.Accepted;
        }
        catch (DataFormatException)
        {
            return Verdict.Refused;
        }
    }

    private static IImageEncoder[] Encoders(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Jpeg => [new JpegEncoder { Quality = 90 }, new JpegEncoder { Quality = 40, ColorType = JpegColorType.Luminance }, new JpegEncoder { ColorType = JpegColorType.Rgb }],
        ImageFileFormat.Gif => [new GifEncoder(), new GifEncoder { ColorTableMode = GifColorTableMode.Local }],
        ImageFileFormat.WebP => [new WebpEncoder(), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }],
        ImageFileFormat.Bmp => [new BmpEncoder(), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 }, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel32, SupportTransparency = true }],
        ImageFileFormat.Tiff => [new TiffEncoder(), new TiffEncoder { Compression = SixLabors.ImageSharp.Formats.Tiff.Constants.TiffCompression.Deflate }, new TiffEncoder { Compression = SixLabors.ImageSharp.Formats.Tiff.Constants.TiffCompression.Lzw }],
        _ => [new TgaEncoder(), new TgaEncoder { Compression = TgaCompression.RunLength }, new TgaEncoder { BitsPerPixel = TgaBitsPerPixel.Pixel8 }],
    };

    private static byte[] Seed(IImageEncoder encoder, (int Width, int Height, int Kind) size)
    {
        using var image = new Image<Rgba32>(size.Width, size.Height);
        for (int y = 0; y < size.Height; y++)
        {
            for (int x = 0; x < size.Width; x++)
            {
                image[x, y] = new Rgba32((byte)(x * 15), (byte)(y * 23), (byte)((x ^ y) * 9), (byte)(size.Kind == 2 ? 40 + (x * 6) : 255));
            }
        }

        if (size.Kind == 1)
        {
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            image.Metadata.ExifProfile.SetValue(ExifTag.ImageDescription, "a fuzz seed");
        }

        using var output = new MemoryStream();
        image.Save(output, encoder);
        return output.ToArray();
    }
}
