using System.Security.Cryptography;
using System.Text;

namespace Engram.Data.Text;

/// <summary>
/// Renders captions to grey pixels with the built-in 5×7 font, and renders the SHA-256 digest of a caption: the
/// paper's "pixelized" text. Images are row-major floats, black ink (0) on a white background (1), like printed text
/// and like images composited over white.
/// </summary>
public static class CaptionRenderer
{
    /// <summary>The background (white, 1) and ink (black, 0) values of rendered pixels.</summary>
    public const float Background = 1f, Ink = 0f;

    /// <summary>The side of the smallest square that holds a digest in compact mode (see <see cref="RenderDigest"/>).</summary>
    public const int CompactDigestSide = 23;

    private const int DigestLength = 64;

    /// <summary>How many characters fit on one line of a <paramref name="width"/>-pixel image (6 pixels each but the last).</summary>
    public static int CharactersPerLine(int width) => (width + 1) / BitmapFont.CellWidth;

    /// <summary>How many lines fit in a <paramref name="height"/>-pixel image (8 pixels each but the last).</summary>
    public static int LinesPerImage(int height) => (height + 1) / BitmapFont.CellHeight;

    /// <summary>
    /// Renders <paramref name="caption"/> into a <paramref name="width"/>×<paramref name="height"/> grey image
    /// (<see cref="Ink"/> on <see cref="Background"/>). Words (separated by white space) are wrapped greedily to
    /// lines of <see cref="CharactersPerLine"/> characters; a word longer than a line is broken across lines; a line
    /// feed starts a new line. Each line is centred horizontally and the block of lines vertically (odd leftovers go
    /// to the right and the bottom). Each Unicode scalar outside ASCII 32–126 is drawn as a hollow box, except U+2026
    /// (…). Text with more lines than fit is cut after the last line that fits, which ends in an ellipsis (…).
    /// </summary>
    public static float[] Render(string caption, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int perLine = CharactersPerLine(width), lineCount = LinesPerImage(height);
        if (perLine == 0 || lineCount == 0)
        {
            throw new ArgumentException(
                $"A {width}×{height} image cannot hold one {BitmapFont.GlyphWidth}×{BitmapFont.GlyphHeight} glyph.", nameof(width));
        }

        List<int[]> lines = Wrap(caption, perLine);
        if (lines.Count > lineCount)
        {
            lines.RemoveRange(lineCount, lines.Count - lineCount);
            int[] last = lines[^1];
            int kept = Math.Min(last.Length, perLine - 1);
            lines[^1] = [.. last.AsSpan(0, kept), BitmapFont.Ellipsis];
        }

        var pixels = new float[width * height];
        pixels.AsSpan().Fill(Background);
        int top = (height - ((lines.Count * BitmapFont.CellHeight) - 1)) / 2;
        for (int line = 0; line < lines.Count; line++)
        {
            int[] glyphs = lines[line];
            int left = (width - ((glyphs.Length * BitmapFont.CellWidth) - 1)) / 2;
            for (int i = 0; i < glyphs.Length; i++)
            {
                DrawGlyph(pixels, width, glyphs[i], left + (i * BitmapFont.CellWidth), top + (line * BitmapFont.CellHeight));
            }
        }

        return pixels;
    }

    /// <summary>
    /// Renders the lowercase SHA-256 hex digest of <paramref name="caption"/> (<see cref="Sha256Hex"/>), so that
    /// distinct captions give distinct images. Two modes:
    /// <list type="bullet">
    /// <item><b>glyphs</b>, when the 64 characters fit the font (<see cref="CharactersPerLine"/> ×
    /// <see cref="LinesPerImage"/> ≥ 64, e.g. 64×64: 8 lines of 10): exactly <see cref="Render"/> of the digest.</item>
    /// <item><b>compact</b>, otherwise (e.g. 28×28): every hex digit becomes its four bits in a 2×2 tile (bit 3 top
    /// left, bit 2 top right, bit 1 bottom left, bit 0 bottom right; a set bit is ink), the 64 tiles in 8 rows of 8
    /// in digest order, separated by one blank bit-width. Each bit is an s×s square with
    /// s = ⌊min(width, height) / 23⌋, so the grid is 23s pixels square, centred. It needs at least 23×23 pixels.</item>
    /// </list>
    /// Both modes are one-to-one on digests: the glyphs of the 16 hex digits differ, and compact mode draws the bits.
    /// </summary>
    public static float[] RenderDigest(string caption, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        string digest = Sha256Hex(caption);
        if (CharactersPerLine(width) * LinesPerImage(height) >= DigestLength)
        {
            return Render(digest, width, height);
        }

        int bit = Math.Min(width, height) / CompactDigestSide;
        if (bit == 0)
        {
            throw new ArgumentException(
                $"A digest needs at least {CompactDigestSide}×{CompactDigestSide} pixels; got {width}×{height}.", nameof(width));
        }

        var pixels = new float[width * height];
        pixels.AsSpan().Fill(Background);
        int left = (width - (CompactDigestSide * bit)) / 2, top = (height - (CompactDigestSide * bit)) / 2;
        for (int i = 0; i < DigestLength; i++)
        {
            int value = digest[i] <= '9' ? digest[i] - '0' : digest[i] - 'a' + 10;
            int tileX = left + (i % 8 * 3 * bit), tileY = top + (i / 8 * 3 * bit);
            for (int b = 0; b < 4; b++)
            {
                if (((value >> (3 - b)) & 1) != 0)
                {
                    FillSquare(pixels, width, tileX + (b % 2 * bit), tileY + (b / 2 * bit), bit);
                }
            }
        }

        return pixels;
    }

    /// <summary>The lowercase hex SHA-256 digest (64 characters) of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Glyph indices of the wrapped lines (see <see cref="Render"/>).</summary>
    private static List<int[]> Wrap(string caption, int perLine)
    {
        var lines = new List<int[]>();
        string normalised = caption.ReplaceLineEndings("\n");
        foreach (string paragraph in normalised.Split('\n'))
        {
            var line = new List<int>();
            var word = new List<int>();
            foreach (Rune rune in paragraph.EnumerateRunes())
            {
                if (Rune.IsWhiteSpace(rune))
                {
                    Place(word, line, lines, perLine);
                }
                else
                {
                    word.Add(BitmapFont.IndexOf(rune));
                }
            }

            Place(word, line, lines, perLine);
            lines.Add([.. line]);
        }

        // A trailing line feed adds no line worth an ellipsis.
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    /// <summary>Appends <paramref name="word"/> to the current line, starting new lines (and breaking the word) as needed.</summary>
    private static void Place(List<int> word, List<int> line, List<int[]> lines, int perLine)
    {
        if (word.Count == 0)
        {
            return;
        }

        if (line.Count > 0 && line.Count + 1 + word.Count <= perLine)
        {
            line.Add(BitmapFont.Space);
            line.AddRange(word);
        }
        else
        {
            if (line.Count > 0)
            {
                lines.Add([.. line]);
                line.Clear();
            }

            int start = 0;
            for (; word.Count - start > perLine; start += perLine)
            {
                lines.Add([.. word.GetRange(start, perLine)]);
            }

            line.AddRange(word.GetRange(start, word.Count - start));
        }

        word.Clear();
    }

    private static void DrawGlyph(float[] pixels, int width, int glyph, int left, int top)
    {
        ReadOnlySpan<byte> rows = BitmapFont.Rows(glyph);
        for (int y = 0; y < BitmapFont.GlyphHeight; y++)
        {
            for (int x = 0; x < BitmapFont.GlyphWidth; x++)
            {
                if (BitmapFont.IsInk(rows[y], x))
                {
                    pixels[((top + y) * width) + left + x] = Ink;
                }
            }
        }
    }

    private static void FillSquare(float[] pixels, int width, int left, int top, int side)
    {
        for (int y = top; y < top + side; y++)
        {
            pixels.AsSpan((y * width) + left, side).Clear(); // Ink is 0.
        }
    }
}
