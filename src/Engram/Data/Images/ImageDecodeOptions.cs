using Engram.Data.Png;

namespace Engram.Data.Images;

/// <summary>
/// Limits for decoding a user's image of any format (<see cref="ImageFiles"/>): a cap on pixels read from the header
/// before anything large is allocated, a cap on the bytes one decode may allocate, and an optional longest side that
/// large images are shrunk to while (PNG) or right after (every other format) they are decoded.
/// </summary>
public sealed record ImageDecodeOptions
{
    /// <summary>The default pixel cap: 2²⁶ (an 8192 × 8192 image).</summary>
    public const long DefaultMaxPixels = 1L << 26;

    /// <summary>The default byte cap: 512 MiB.</summary>
    public const long DefaultMaxDecodedBytes = 512L << 20;

    /// <summary>
    /// The most pixels (width × height, as the header declares them) an image may have; a file over it is refused from
    /// its header, naming the file, its size and the cap, before its pixels are read. Default 2²⁶.
    /// </summary>
    public long MaxPixels
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentException($"ImageDecodeOptions.MaxPixels must be at least 1 pixel; got {value}.");
    } = DefaultMaxPixels;

    /// <summary>
    /// The most bytes one decode may allocate, checked from the header before anything large is: for a PNG what
    /// <see cref="PngDecodeOptions.MaxDecodedBytes"/> counts; for another format the file, the decoder's 8-bit RGBA
    /// frame (4 bytes a pixel, plus up to 6 for a JPEG's coefficients) and the returned float image. Default 512 MiB.
    /// </summary>
    public long MaxDecodedBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentException($"ImageDecodeOptions.MaxDecodedBytes must be at least 1 byte; got {value}.");
    } = DefaultMaxDecodedBytes;

    /// <summary>
    /// When set, an image whose longer side (as shown, after its EXIF orientation) is over this many pixels comes back
    /// shrunk by area averaging so that its longer side is MaxSide and the other keeps the aspect ratio
    /// (<see cref="PngDecoder.OutputSize"/>). A PNG is shrunk row by row while it is decoded (two rows of the file and the
    /// small image); another format is decoded into one 8-bit frame that is shrunk row by row into the small float image,
    /// so the full-size float image never exists. Null (the default) decodes at full size.
    /// </summary>
    public int? MaxSide
    {
        get;
        init => field = value is null or > 0 ? value : throw new ArgumentException($"ImageDecodeOptions.MaxSide must be at least 1 pixel (or null for full size); got {value}.");
    }

    /// <summary>The same limits for Engram's PNG decoder.</summary>
    public PngDecodeOptions ForPng() => new() { MaxPixels = MaxPixels, MaxDecodedBytes = MaxDecodedBytes, MaxSide = MaxSide };
}
