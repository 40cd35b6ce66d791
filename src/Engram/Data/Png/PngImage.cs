using Engram.Data.Images;

namespace Engram.Data.Png;

/// <summary>The colour types of the PNG specification (IHDR byte 9).</summary>
public enum PngColorType : byte
{
    Grey = 0,
    Rgb = 2,
    Palette = 3,
    GreyAlpha = 4,
    Rgba = 6,
}

/// <summary>Limits that keep a hostile or enormous file from exhausting memory.</summary>
public sealed record PngDecodeOptions
{
    /// <summary>The most pixels (width × height) decoded; default 2²⁶ (an 8192 × 8192 image).</summary>
    public long MaxPixels { get; init; } = 1L << 26;

    /// <summary>The most bytes one decompressed zTXt/iTXt text may have.</summary>
    public int MaxTextBytes { get; init; } = 1 << 20;
}

/// <summary>
/// A decoded PNG: its pixels (palette expanded to RGB; a tRNS chunk adds an alpha channel), what the
/// file declared, and its text chunks (tEXt, zTXt, iTXt) by keyword, e.g. "Title", "Description".
/// </summary>
public sealed record PngImage(Image Image, int BitDepth, PngColorType ColorType, bool Interlaced, IReadOnlyDictionary<string, string> Text);
