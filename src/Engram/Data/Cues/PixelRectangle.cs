namespace Engram.Data.Cues;

/// <summary>A rectangle of pixels: columns X … X+Width−1, rows Y … Y+Height−1. Width and Height may be 0 (empty).</summary>
public readonly record struct PixelRectangle(int X, int Y, int Width, int Height)
{
    /// <summary>The number of pixels inside.</summary>
    public int Area => Width * Height;

    /// <summary>Whether (<paramref name="x"/>, <paramref name="y"/>) lies inside.</summary>
    public bool Contains(int x, int y) => x >= X && x < X + Width && y >= Y && y < Y + Height;
}
