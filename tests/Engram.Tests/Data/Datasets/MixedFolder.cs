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

    /// <summary>The committed sound fixtures (Fixtures/sound, make_fixtures.py), copied beside the images by <see cref="Create"/> when asked.</summary>
    public static readonly string SoundFixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sound");

    /// <summary>
    /// With sounds, each item's sound file as <see cref="Create"/> lays them out (relative to the folder): the one the
    /// folder's preference order takes where two share the stem (leaf's WAV before its OGG, sunset's MP3 before its OGG).
    /// </summary>
    public static readonly (string Id, string Sound)[] Sounds =
    [
        ("anim", "anim.mp3"),
        ("bitmap", "bitmap.OGG"),
        ("nested/deep/leaf", "nested/deep/leaf.wav"),
        ("photos/harbour", "photos/harbour.mp3"),
        ("photos/kite", "photos/kite.ogg"),
        ("photos/sunset", "photos/sunset.MP3"),
        ("scan", "scan.mp3"),
    ];

    /// <summary>
    /// Writes the folder: a GIF and a BMP captioned in captions.csv, a WebP with a .txt (and a WAV) beside it, a JPEG with
    /// XMP dc:title, a PNG with a Title, a 60×40 JPEG stored sideways (EXIF orientation 6) with an ImageDescription, a TIFF
    /// with a .txt. With <paramref name="troubled"/> also: a ".png" that is text, a JPEG cut after a third, a BMP with no
    /// caption anywhere, and a captions.csv row for a file that is not there. With <paramref name="sounds"/> every item has
    /// a sound (<see cref="Sounds"/>): MP3 and OGG fixtures beside the GIF, BMP, JPEGs, PNG and TIFF (some named in upper
    /// case), an OGG beside the WebP's WAV, and an OGG beside the sideways JPEG's MP3.
    /// </summary>
    public static void Create(string folder, bool troubled = false, bool sounds = false)
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
        if (sounds)
        {
            foreach ((string fixture, string copy) in new[]
            {
                ("short.mp3", "anim.mp3"), ("short.ogg", "bitmap.OGG"), ("short.ogg", "nested/deep/leaf.ogg"), ("tone-22k-mono.mp3", "photos/harbour.mp3"),
                ("tone.ogg", "photos/kite.ogg"), ("tone-lame.mp3", "photos/sunset.MP3"), ("short.ogg", "photos/sunset.ogg"), ("tone.mp3", "scan.mp3"),
            })
            {
                File.Copy(Path.Combine(SoundFixtures, fixture), Path.Combine(folder, copy));
            }
        }

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
