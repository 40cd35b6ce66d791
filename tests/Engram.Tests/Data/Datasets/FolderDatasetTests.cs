using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Tests.Data.Datasets;

public sealed class FolderDatasetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_take_captions_from_the_png_title_then_description()
    {
        // Given two PNGs with text chunks and one without
        Save("cat.png", Solid(0.2f), new Dictionary<string, string> { ["Title"] = "a black cat", ["Description"] = "sitting" });
        Save("dog.png", Solid(0.8f), new Dictionary<string, string> { ["Description"] = "a white dog" });
        Save("sub/plain.png", Solid(0.5f), null);

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then: items in path order, ids without extension, captions from the text chunks
        Assert.Equal(["cat", "dog", "sub/plain"], data.Select(i => i.Id));
        Assert.Equal(["a black cat", "sitting"], data[0].Captions);
        Assert.Equal(["a white dog"], data[1].Captions);
        Assert.Empty(data[2].Captions);
        Assert.Equal(0.8f, data[1].Image.Pixels[0], 0.002f);
        Assert.Equal("folder", data.Source);
    }

    [Fact]
    public void Should_prefer_captions_csv_with_quoting_and_several_rows_per_file()
    {
        // Given
        Save("a.png", Solid(0.1f), new Dictionary<string, string> { ["Title"] = "ignored" });
        Save("b.png", Solid(0.9f), null);
        File.WriteAllText(Path.Combine(_folder, "captions.csv"),
            "file,caption\na.png,\"red, round \"\"apple\"\"\"\nb.png,a banana\nb.png,yellow fruit\n");

        // When
        IDataset data = FolderDataset.Load(_folder);

        // Then
        Assert.Equal(["red, round \"apple\""], data[0].Captions);
        Assert.Equal(["a banana", "yellow fruit"], data[1].Captions);
    }

    [Fact]
    public void Should_name_the_row_of_a_malformed_captions_file()
    {
        Save("a.png", Solid(0.1f), null);
        File.WriteAllText(Path.Combine(_folder, "captions.csv"), "a.png,one\na.png,two,three\n");
        var e = Assert.Throws<DataFormatException>(() => FolderDataset.Load(_folder));
        Assert.Contains("captions.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("row 2 has 3 fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_when_the_folder_is_missing_or_holds_no_png()
    {
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => FolderDataset.Load(Path.Combine(_folder, "nope"))).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "hi");
        Assert.Contains("holds no PNG files", Assert.Throws<ArgumentException>(() => FolderDataset.Load(_folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_the_png_that_does_not_decode()
    {
        File.WriteAllBytes(Path.Combine(_folder, "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var e = Assert.Throws<DataFormatException>(() => FolderDataset.Load(_folder));
        Assert.Contains("broken.png", e.Message, StringComparison.Ordinal);
    }

    private static Image Solid(float grey) => new(4, 3, PixelLayout.Grey, Enumerable.Repeat(grey, 12).ToArray());

    private void Save(string relative, Image image, IReadOnlyDictionary<string, string>? text)
    {
        string path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        PngEncoder.Save(path, image, text);
    }
}
