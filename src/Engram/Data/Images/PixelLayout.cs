namespace Engram.Data.Images;

/// <summary>The channels of each pixel, interleaved in this order.</summary>
public enum PixelLayout
{
    /// <summary>One channel: grey level.</summary>
    Grey = 1,

    /// <summary>Two channels: grey level, alpha.</summary>
    GreyAlpha = 2,

    /// <summary>Three channels: red, green, blue.</summary>
    Rgb = 3,

    /// <summary>Four channels: red, green, blue, alpha.</summary>
    Rgba = 4,
}
