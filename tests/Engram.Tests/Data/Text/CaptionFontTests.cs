using Engram.Data.Text;

namespace Engram.Tests.Data.Text;

public sealed class CaptionFontTests
{
    [Fact]
    public void Should_have_a_distinct_glyph_for_every_printable_ascii_character()
    {
        var glyphs = new HashSet<string>();
        for (int i = 0; i < BitmapFont.GlyphCount; i++)
        {
            Assert.True(glyphs.Add(Convert.ToHexString(BitmapFont.Rows(i))), $"glyph {i} repeats another");
            Assert.All(BitmapFont.Rows(i).ToArray(), row => Assert.InRange(row, 0, 31));
            Assert.True(i == BitmapFont.Space || BitmapFont.Rows(i).ToArray().Any(r => r != 0), $"glyph {i} is blank");
        }
    }

    [Fact]
    public void Should_map_ascii_to_its_glyph_and_everything_else_to_the_box()
    {
        Assert.Equal(33, BitmapFont.IndexOf(new System.Text.Rune('A')));
        Assert.Equal(BitmapFont.Space, BitmapFont.IndexOf(new System.Text.Rune(' ')));
        Assert.Equal(BitmapFont.Placeholder, BitmapFont.IndexOf(new System.Text.Rune('\u00e9')));
        Assert.Equal(BitmapFont.Placeholder, BitmapFont.IndexOf(new System.Text.Rune(127)));
        Assert.Equal(BitmapFont.Placeholder, BitmapFont.IndexOf(new System.Text.Rune(0x1F600)));
        Assert.Equal(BitmapFont.Ellipsis, BitmapFont.IndexOf(new System.Text.Rune(0x2026)));
    }
}
