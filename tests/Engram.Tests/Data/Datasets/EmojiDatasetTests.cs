using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Datasets;

public sealed class EmojiDatasetTests
{
    [Fact]
    public void Should_read_the_shipped_subset_with_names_and_short_names_as_captions()
    {
        // Given the subset shipped in data/emoji
        string folder = ShippedData.Find("emoji")!;

        // When
        IDataset data = EmojiDataset.LoadFrom(folder, "shipped subset");

        // Then: 239 entries in sort order, each a 64×64 image; captions: the name, then the short names
        Assert.Equal(239, data.Count);
        Assert.Equal(data.Count, data.Select(i => i.Id).Distinct().Count());
        DatasetItem grinning = data.Single(i => i.Caption == "grinning face");
        Assert.Equal("1F600", grinning.Id);
        Assert.Contains("grinning", grinning.Captions);
        Assert.Equal("Smileys & Emotion", grinning.LabelName);
        Assert.Equal((64, 64), (grinning.Image.Width, grinning.Image.Height));
        Assert.True(grinning.Image.HasAlpha);
    }

    [Fact]
    public void Should_name_the_file_and_entry_when_the_metadata_is_broken()
    {
        // Given an emoji.json whose second entry has no image
        string folder = Directory.CreateTempSubdirectory("engram-emoji-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "emoji.json"),
                """[{"name":"A","unified":"41","image":"41.png","category":"X"},{"name":"B","unified":"42","category":"X"}]""");

            // When
            var e = Assert.Throws<DataFormatException>(() => EmojiDataset.LoadFrom(folder));

            // Then
            Assert.Contains("emoji.json", e.Message, StringComparison.Ordinal);
            Assert.Contains("entry 1 has no \"image\" string", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [NpmEmojiFact]
    public void Should_read_all_1911_entries_of_the_npm_package()
    {
        IDataset data = EmojiDataset.Load();
        Assert.StartsWith("npm", data.Source, StringComparison.Ordinal);
        Assert.Equal(1911, data.Count);
        Assert.Equal(1910, data.Select(i => i.Caption).Distinct().Count()); // one name is shared by two entries
        Assert.Equal((64, 64), (data[100].Image.Width, data[100].Image.Height));
    }
}
