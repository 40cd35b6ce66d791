namespace Engram.Data.Images;

/// <summary>The image file formats <see cref="ImageFiles"/> reads, recognised by their content (magic bytes), not their names.</summary>
public enum ImageFileFormat
{
    /// <summary>PNG (Engram's own decoder: every colour type and depth, shrunk row by row while decoding).</summary>
    Png,

    /// <summary>JPEG (baseline and progressive; EXIF orientation applied).</summary>
    Jpeg,

    /// <summary>GIF (the first frame of an animation).</summary>
    Gif,

    /// <summary>Windows BMP.</summary>
    Bmp,

    /// <summary>TIFF (the first page).</summary>
    Tiff,

    /// <summary>WebP, lossy or lossless.</summary>
    WebP,

    /// <summary>Truevision TGA (no magic bytes: recognised by a plausible header).</summary>
    Tga,
}

/// <summary>
/// What an image file's header says, read without decoding its pixels (<see cref="ImageFiles.Identify(string)"/>):
/// its format, its size as stored and as shown (an EXIF orientation of 5–8 swaps the sides), the EXIF orientation
/// (1 when none), and the captions its metadata carries, most descriptive first (see <see cref="ImageFiles.Identify(string)"/>).
/// </summary>
public sealed record ImageFileInfo(ImageFileFormat Format, int StoredWidth, int StoredHeight, int Orientation, IReadOnlyList<string> Captions)
{
    /// <summary>Whether the orientation turns the image a quarter (EXIF 5–8): the shown sides are the stored ones swapped.</summary>
    public bool SwapsSides => Orientation is >= 5 and <= 8;

    /// <summary>The width the image is shown (and decoded) at, after its orientation.</summary>
    public int Width => SwapsSides ? StoredHeight : StoredWidth;

    /// <summary>The height the image is shown (and decoded) at, after its orientation.</summary>
    public int Height => SwapsSides ? StoredWidth : StoredHeight;

    /// <summary>Width × height.</summary>
    public long Pixels => (long)StoredWidth * StoredHeight;
}
