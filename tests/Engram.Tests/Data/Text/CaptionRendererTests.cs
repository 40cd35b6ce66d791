using System.Runtime.InteropServices;
using Engram.Data.Text;

namespace Engram.Tests.Data.Text;

public sealed class CaptionRendererTests
{
    [Theory]
    [InlineData("A", new[] { ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#" })]
    [InlineData("g", new[] { ".....", ".####", "#...#", "#...#", ".####", "....#", ".###." })]
    [InlineData("0", new[] { ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###." })]
    [InlineData("~", new[] { ".....", ".....", ".#...", "#.#.#", "...#.", ".....", "....." })]
    [InlineData("é", new[] { "#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####" })]
    [InlineData("\U0001F600", new[] { "#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####" })]
    [InlineData("…", new[] { ".....", ".....", ".....", ".....", ".....", ".....", "#.#.#" })]
    public void Should_draw_the_glyph_in_black_on_white(string caption, string[] art)
    {
        // Given a 5×7 image: exactly one glyph, no margin
        // When
        float[] pixels = CaptionRenderer.Render(caption, 5, 7);

        // Then
        Assert.Equal(Art(art), pixels);
    }

    [Fact]
    public void Should_centre_a_line_and_leave_the_odd_pixel_on_the_right_and_bottom()
    {
        // "A" in 8×10: 3 spare columns (1 left, 2 right) and 3 spare rows (1 above, 2 below)
        float[] pixels = CaptionRenderer.Render("A", 8, 10);
        float[] a = CaptionRenderer.Render("A", 5, 7);
        Assert.Equal(a, Crop(pixels, 8, 1, 1, 5, 7));
        Assert.Equal(pixels.Length - 5 * 7, pixels.Count(v => v == 1f) - a.Count(v => v == 1f));
    }

    [Fact]
    public void Should_leave_one_blank_column_between_glyphs()
    {
        float[] pixels = CaptionRenderer.Render("AB", 11, 7);
        Assert.Equal(CaptionRenderer.Render("A", 5, 7), Crop(pixels, 11, 0, 0, 5, 7));
        Assert.All(Crop(pixels, 11, 5, 0, 1, 7), v => Assert.Equal(1f, v));
        Assert.Equal(CaptionRenderer.Render("B", 5, 7), Crop(pixels, 11, 6, 0, 5, 7));
    }

    [Fact]
    public void Should_wrap_words_to_lines_that_fit()
    {
        // 17 pixels hold 3 characters; "ab cd" does not fit one line and wraps at the space.
        float[] pixels = CaptionRenderer.Render("ab cd", 17, 15);
        Assert.Equal(CaptionRenderer.Render("ab", 17, 7), Crop(pixels, 17, 0, 0, 17, 7));
        Assert.All(Crop(pixels, 17, 0, 7, 17, 1), v => Assert.Equal(1f, v));
        Assert.Equal(CaptionRenderer.Render("cd", 17, 7), Crop(pixels, 17, 0, 8, 17, 7));
    }

    [Fact]
    public void Should_break_a_word_longer_than_a_line_and_honour_line_feeds()
    {
        Assert.Equal(Stack(17, "abc", "def", "g"), CaptionRenderer.Render("abcdefg", 17, 23));
        Assert.Equal(Stack(17, "a", "bc"), CaptionRenderer.Render("a\r\nbc", 17, 15));
        Assert.Equal(Stack(17, "a b", "c"), CaptionRenderer.Render("  a \t b   c ", 17, 15));
    }

    [Fact]
    public void Should_end_cut_text_with_an_ellipsis()
    {
        // One line of 5 characters: "hi there" needs two.
        Assert.Equal(CaptionRenderer.Render("hi…", 29, 7), CaptionRenderer.Render("hi there", 29, 7));

        // A full last line gives its last character up to the ellipsis.
        Assert.Equal(Stack(17, "one", "tw…"), CaptionRenderer.Render("one two three four", 17, 15));

        // A trailing line feed cuts nothing.
        Assert.Equal(CaptionRenderer.Render("abc", 17, 7), CaptionRenderer.Render("abc\n", 17, 7));
    }

    [Fact]
    public void Should_render_an_empty_caption_as_a_blank_image()
    {
        Assert.All(CaptionRenderer.Render("", 28, 28), v => Assert.Equal(1f, v));
        Assert.All(CaptionRenderer.Render(" \n ", 28, 28), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Should_render_the_same_caption_the_same_way()
    {
        const string Caption = "a grinning face with big eyes";
        Assert.Equal(CaptionRenderer.Render(Caption, 64, 64), CaptionRenderer.Render(Caption, 64, 64));
        Assert.Equal(CaptionRenderer.RenderDigest(Caption, 28, 28), CaptionRenderer.RenderDigest(Caption, 28, 28));
    }

    [Theory]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("é", "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")]
    public void Should_hash_the_utf8_bytes_to_lowercase_hex(string text, string digest) =>
        Assert.Equal(digest, CaptionRenderer.Sha256Hex(text));

    [Fact]
    public void Should_render_the_digest_in_glyphs_when_64_characters_fit()
    {
        // 64×64 holds 8 lines of 10 characters.
        Assert.Equal(
            CaptionRenderer.Render("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 64, 64),
            CaptionRenderer.RenderDigest("abc", 64, 64));
    }

    [Theory]
    [InlineData(28, 28)] // 1-pixel bits, 23×23 grid with a 2-pixel margin
    [InlineData(50, 47)] // 2-pixel bits
    [InlineData(23, 40)]
    public void Should_draw_the_digest_bits_in_2x2_tiles_when_the_characters_do_not_fit(int width, int height)
    {
        // Given the documented compact layout, read the bits back
        float[] pixels = CaptionRenderer.RenderDigest("abc", width, height);
        int s = Math.Min(width, height) / 23, left = (width - (23 * s)) / 2, top = (height - (23 * s)) / 2;
        var digits = new char[64];
        for (int i = 0; i < 64; i++)
        {
            int value = 0;
            for (int b = 0; b < 4; b++)
            {
                int x = left + ((i % 8) * 3 * s) + ((b % 2) * s), y = top + ((i / 8) * 3 * s) + ((b / 2) * s);
                float[] square = Crop(pixels, width, x, y, s, s);
                Assert.True(square.All(v => v == square[0]), $"bit square of digit {i} is not uniform");
                value = (value << 1) | (square[0] == 0f ? 1 : 0);
            }

            digits[i] = "0123456789abcdef"[value];
        }

        // Then they spell the digest, and nothing is drawn outside the tiles
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", new string(digits));
        int inkInTiles = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            .Sum(c => int.PopCount(Convert.ToInt32(c.ToString(), 16))) * s * s;
        Assert.Equal(inkInTiles, pixels.Count(v => v == 0f));
    }

    [Theory]
    [InlineData(28, 28)]
    [InlineData(64, 64)]
    public void Should_give_1000_captions_1000_distinct_digest_images(int width, int height)
    {
        var random = new Random(2024);
        var images = new HashSet<string>();
        var captions = new HashSet<string>();
        while (captions.Count < 1000)
        {
            string caption = new([.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => (char)random.Next(32, 127))]);
            if (captions.Add(caption))
            {
                float[] pixels = CaptionRenderer.RenderDigest(caption, width, height);
                Assert.Equal(width * height, pixels.Length);
                images.Add(Convert.ToBase64String(MemoryMarshal.AsBytes(pixels.AsSpan())));
            }
        }

        Assert.Equal(1000, images.Count);
    }

    [Fact]
    public void Should_reject_images_too_small_for_a_glyph_or_a_digest()
    {
        Assert.Throws<ArgumentException>(() => CaptionRenderer.Render("a", 4, 7));
        Assert.Throws<ArgumentException>(() => CaptionRenderer.Render("a", 5, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptionRenderer.Render("a", 0, 7));
        var e = Assert.Throws<ArgumentException>(() => CaptionRenderer.RenderDigest("a", 22, 64));
        Assert.Contains("at least 23×23 pixels; got 22×64", e.Message, StringComparison.Ordinal);
    }

    private static float[] Art(string[] rows) => [.. rows.SelectMany(r => r.Select(c => c == '#' ? 0f : 1f))];

    private static float[] Crop(float[] pixels, int width, int x, int y, int w, int h)
    {
        var crop = new float[w * h];
        for (int row = 0; row < h; row++)
        {
            pixels.AsSpan(((y + row) * width) + x, w).CopyTo(crop.AsSpan(row * w));
        }

        return crop;
    }

    /// <summary>Single-line renders stacked 8 rows apart: what a wrapped block of exactly these lines looks like.</summary>
    private static float[] Stack(int width, params string[] lines)
    {
        int height = (lines.Length * 8) - 1;
        var pixels = new float[width * height];
        pixels.AsSpan().Fill(1f);
        for (int i = 0; i < lines.Length; i++)
        {
            CaptionRenderer.Render(lines[i], width, 7).CopyTo(pixels, i * 8 * width);
        }

        return pixels;
    }
}
