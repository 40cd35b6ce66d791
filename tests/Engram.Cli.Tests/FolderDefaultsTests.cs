using System.Text.Json;
using Engram.Data;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Store;

namespace Engram.Cli.Tests;

/// <summary>
/// What <c>engram build</c> does with a folder when told nothing: the pretrained encoders, a living store that keeps the
/// originals, and recall that hands the original photo back; <c>--memory-file</c> for a file of codes.
/// </summary>
public sealed class FolderDefaultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-defaults-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Should_build_a_folder_into_a_store_of_pretrained_codes_that_a_paraphrase_recalls_with_the_original_photo()
    {
        // Given the shipped folder of JPEG photos in subfolders with a captions.csv
        string photos = ShippedData.Find("photos") ?? throw new DirectoryNotFoundException("data/photos is not shipped");

        // When it is built with nothing chosen but the output (the sound slot left out, to keep the test to images and words)
        string store = Path.Combine(_folder, "photos.store"), json = Path.Combine(_folder, "build.json");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--audio-encoder", "none", "--out", store, "--json", json);

        // Then it is a living store of resnet18 and minilm codes, and says so
        Assert.True(code == 0, error);
        Assert.Contains($"Stored 27 items from folder in the living store {store}, with their originals", stdout, StringComparison.Ordinal);
        Assert.True(MemoryStore.IsStore(store));
        JsonElement built = CliRunner.ReadJson(json);
        Assert.True(built.GetProperty("store").GetBoolean());
        Assert.Equal(["image resnet18", "text minilm"],
            built.GetProperty("encoders").EnumerateArray().Select(e => $"{e.GetProperty("slot").GetString()} {e.GetProperty("kind").GetString()}"));

        // And a caption in other words recalls the photo, and --save writes the original photo, pixel for pixel
        string saved = Path.Combine(_folder, "found.png");
        (code, stdout, error) = CliRunner.Run("recall", "--memory", store, "--text", "a yellow flower under a clear sky", "--save", saved);
        Assert.True(code == 0, error);
        Assert.Contains("Recalled item plants/sunflower-against-blue-sky", stdout, StringComparison.Ordinal);
        Image original = ImageFiles.Decode(Path.Combine(photos, "plants", "sunflower-against-blue-sky.jpg"));
        Image written = PngDecoder.Decode(saved).Image;
        Assert.Equal((original.Width, original.Height), (written.Width, written.Height));
        Assert.Equal(original.Pixels, written.Pixels);

        // And the top half of a photo, cropped, recalls it
        string top = Path.Combine(_folder, "penguin-top.png");
        Image penguin = ImageFiles.Decode(Path.Combine(photos, "animals", "emperor-penguin.jpg"));
        int half = penguin.Height / 2;
        PngEncoder.Save(top, new Image(penguin.Width, half, penguin.Layout, penguin.Pixels.AsSpan(0, half * penguin.Width * penguin.Channels).ToArray()));
        (code, stdout, error) = CliRunner.Run("recall", "--memory", store, "--image", top);
        Assert.True(code == 0, error);
        Assert.Contains("Recalled item animals/emperor-penguin", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_a_memory_file_of_codes_for_a_folder_with_memory_file_and_refuse_it_beside_store()
    {
        // Given the shipped photos
        string photos = ShippedData.Find("photos") ?? throw new DirectoryNotFoundException("data/photos is not shipped");
        string file = Path.Combine(_folder, "photos.engram");

        // When --memory-file is given, Then the file is a memory file, which keeps no originals
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--n", "4", "--audio-encoder", "none", "--memory-file", "--out", file);
        Assert.True(code == 0, error);
        Assert.Contains($"Stored 4 items from folder in {file} (", stdout, StringComparison.Ordinal);
        Assert.False(MemoryStore.IsStore(file));
        (code, _, error) = CliRunner.Run("recall", "--memory", file, "--text", "Emperor Penguin", "--originals", Path.Combine(_folder, "found"));
        Assert.Equal((1, true), (code, error.Contains("keeps codes only", StringComparison.Ordinal)));

        // And --store with --memory-file is refused, naming both
        (code, _, error) = CliRunner.Run("build", "--dataset", photos, "--store", "--memory-file", "--out", Path.Combine(_folder, "x.store"));
        Assert.Equal((1, true), (code, error.Contains("--store makes a living store and --memory-file a memory file", StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(_folder, "x.store")));
    }
}
