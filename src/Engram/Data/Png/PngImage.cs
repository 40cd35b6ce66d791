using Engram.Data.Images;

namespace Engram.Data.Png;

/// <summary>The colour types of the PNG specification (IHDR byte 9).</summary>
public enum PngColorType : byte
{
    /// <summary>Greyscale: one sample per pixel.</summary>
    Grey = 0,
    /// <summary>Red, green, blue.</summary>
    Rgb = 2,
    /// <summary>Indices into the PLTE palette (with alpha from tRNS when present).</summary>
    Palette = 3,
    /// <summary>Greyscale and alpha.</summary>
    GreyAlpha = 4,
    /// <summary>Red, green, blue and alpha.</summary>
    Rgba = 6,
}

/// <summary>Limits that keep a hostile or enormous file from exhausting memory.</summary>
public sealed record PngDecodeOptions
{
    /// <summary>The most pixels (width × height) decoded; default 2²⁶ (an 8192 × 8192 image).</summary>
    public long MaxPixels { get; init; } = 1L << 26;

    /// <summary>The most bytes one decompressed zTXt/iTXt text may have.</summary>
    public int MaxTextBytes { get; init; } = 1 << 20;

    /// <summary>
    /// The most bytes one decode may allocate, checked before anything large is: the returned float image
    /// (4 bytes a sample), the compressed data, two rows of the file, and for an Adam7 image that is shrunk the
    /// full-size image and the resize's buffers. Default 512 MiB: a full-size decode of 32 Mi RGBA pixels
    /// (8192 × 4096, or any image up to 5792 × 5792), half of what the <see cref="MaxPixels"/> cap alone allowed,
    /// so a small file cannot take a process to gigabytes. Raise it, or set <see cref="MaxSide"/>, for more.
    /// </summary>
    public long MaxDecodedBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentException($"PngDecodeOptions.MaxDecodedBytes must be at least 1 byte; got {value}.");
    } = 512L << 20;

    /// <summary>
    /// When set, an image whose longer side is over this many pixels is shrunk while it is decoded (area
    /// averaging, as <see cref="ImageOps.Resize"/> does, alpha premultiplied) so that its longer side is
    /// MaxSide and the other keeps the aspect ratio (<see cref="PngDecoder.OutputSize"/>); memory is then two
    /// rows of the file plus the small image, never the full-size one. An Adam7-interlaced image is decoded at
    /// full size first (its passes scatter over the whole image), within <see cref="MaxDecodedBytes"/>, then
    /// resized. Null (the default) decodes at full size.
    /// </summary>
    public int? MaxSide
    {
        get;
        init => field = value is null or > 0 ? value : throw new ArgumentException($"PngDecodeOptions.MaxSide must be at least 1 pixel (or null for full size); got {value}.");
    }
}

/// <summary>
/// A decoded PNG: its pixels (palette expanded to RGB; a tRNS chunk adds an alpha channel), what the
/// file declared, and its text chunks (tEXt, zTXt, iTXt) by keyword, e.g. "Title", "Description".
/// </summary>
public sealed record PngImage(Image Image, int BitDepth, PngColorType ColorType, bool Interlaced, IReadOnlyDictionary<string, string> Text);
