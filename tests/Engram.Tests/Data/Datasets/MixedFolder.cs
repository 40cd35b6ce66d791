using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Tests.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Engram.Tests.Data.Datasets;

/// <summary>
/// A folder as a user keeps one, made in the test itself (<see cref="ImageFixtures"/>): every format, nested, captioned from
/// every source, one sound; and, when asked, the trouble a real folder has. Shared by the library's and the CLI's tests.
/// </summary>
internal static class MixedFolder
{
    /// <summary>Each good item: its id, its caption, and where the caption comes from.</summary>
    public static readonly (string Id, string Caption, string Source)[] Items =
    [
        ("anim", "a dancing cat", "captions.csv"),
        ("bitmap", "an old bitmap", "captions.csv"),
        ("nested/deep/leaf", "a green leaf", ".txt beside it"),
        ("photos/harbour", "boats in a harbour", "XMP dc:title"),
        ("photos/kite", "a red kite", "PNG Title"),
        ("photos/sunset", "a sunset over the sea", "EXIF ImageDescription"),
        ("scan", "a scanned page", ".txt beside it"),
    ];

    /// <summary>
    /// Writes the folder: a GIF and a BMP captioned in captions.csv, a WebP with a .txt (and a WAV) beside it, a JPEG with
    /// XMP dc:title, a PNG with a Title, a 60×40 JPEG stored sideways (EXIF orientation 6) with an ImageDescription, a TIFF
    /// with a .txt. With <paramref name="troubled"/> also: a ".png" that is text, a JPEG cut after a third, a BMP with no
    /// caption anywhere, and a captions.csv row for a file that is not there.
    /// </summary>
    public static void Create(string folder, bool troubled = false)
    {
        Directory.CreateDirectory(Path.Combine(folder, "photos"));
        Directory.CreateDirectory(Path.Combine(folder, "nested", "deep"));
        Write(folder, "anim.gif", 40, 30, 40, ImageFileFormat.Gif);
        Write(folder, "bitmap.bmp", 20, 30, 80, ImageFileFormat.Bmp);
        Write(folder, "nested/deep/leaf.webp", 36, 36, 60, ImageFileFormat.WebP);
        File.WriteAllText(Path.Combine(folder, "nested", "deep", "leaf.txt"), "a green leaf\nfoliage\n");
        WavFile.Write(Path.Combine(folder, "nested", "deep", "leaf.wav"), new AudioClip(16000, 1, [.. Enumerable.Range(0, 1600).Select(i => MathF.Sin(i / 5f) / 2)]));
        Write(folder, "photos/harbour.jpg", 50, 30, 120, ImageFileFormat.Jpeg, xmpTitle: "boats in a harbour");
        Write(folder, "photos/kite.png", 32, 32, 20, ImageFileFormat.Png, pngTitle: "a red kite");
        Write(folder, "photos/sunset.jpg", 60, 40, 0, ImageFileFormat.Jpeg, orientation: 6, description: "a sunset over the sea");
        Write(folder, "scan.tif", 48, 32, 100, ImageFileFormat.Tiff);
        File.WriteAllText(Path.Combine(folder, "scan.txt"), "a scanned page");
        string rows = "file,caption\nanim.gif,a dancing cat\nbitmap.bmp,an old bitmap\n";
        if (troubled)
        {
            File.WriteAllText(Path.Combine(folder, "notes.png"), "these are my notes, not a picture");
            using (Image<Rgba32> picture = ImageFixtures.Quadrants(64, 64, 30))
            {
                byte[] jpeg = ImageFixtures.Encode(picture, ImageFileFormat.Jpeg);
                File.WriteAllBytes(Path.Combine(folder, "photos", "cut.jpg"), jpeg[..(jpeg.Length / 3)]);
            }

            Write(folder, "untitled.bmp", 16, 16, 90, ImageFileFormat.Bmp);
            rows += "photos/cut.jpg,a cut photo\nmissing.png,a ghost\n";
        }

        File.WriteAllText(Path.Combine(folder, "captions.csv"), rows);
    }

    private static void Write(string folder, string relative, int width, int height, int shade, ImageFileFormat format, int? orientation = null, string? description = null, string? xmpTitle = null, string? pngTitle = null)
    {
        using Image<Rgba32> picture = ImageFixtures.Quadrants(width, height, shade);
        File.WriteAllBytes(Path.Combine(folder, relative), ImageFixtures.Encode(picture, format, orientation, description, xmpTitle, pngTitle));
    }
}
