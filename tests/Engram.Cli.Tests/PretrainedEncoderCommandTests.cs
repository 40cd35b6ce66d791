using System.Text.Json;
using Engram.Data.Png;
using Engram.Multimodal;

namespace Engram.Cli.Tests;

/// <summary><c>engram build --text-encoder minilm --image-codec resnet18</c>, then recall, from a memory file and from a store, as a person runs them.</summary>
public sealed class PretrainedEncoderCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-pretrained-cli-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Should_build_a_memory_file_with_the_pretrained_encoders_and_recall_an_item_by_its_caption()
    {
        // Given 20 emoji built into a memory file with minilm and resnet18
        string memory = Path.Combine(_folder, "pretrained.engram");
        var (code, output, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "20", "--text-encoder", "minilm", "--image-codec", "resnet18", "--out", memory, "--json", "-");
        Assert.True(code == 0, error);
        JsonElement built = JsonDocument.Parse(output).RootElement;
        var slots = built.GetProperty("slots").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("length").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["image"] = 512, ["text"] = 384 }, slots);
        string caption = MultimodalMemory.Load(memory).Items[7].Caption!;

        // When a person recalls by that caption, and asks for the recalled image
        (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption);
        var (saveCode, _, saveError) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--save", Path.Combine(_folder, "recalled.png"));

        // Then the item comes back with similarity 1, and the image is refused: resnet18 decodes nothing, and a memory file keeps no originals
        Assert.True(code == 0, error);
        Assert.Contains($"Recalled item {MultimodalMemory.Load(memory).Items[7].Id} \"{caption}\"", output, StringComparison.Ordinal);
        Assert.Contains("text 1.000", output, StringComparison.Ordinal);
        Assert.Equal(1, saveCode);
        Assert.Contains("the resnet18 image encoder has no decoder", saveError, StringComparison.Ordinal);
        Assert.Contains("build it with `engram build --store` to keep the original images", saveError, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_show_a_stores_original_image_as_the_recalled_one()
    {
        // Given 12 emoji built into a store with minilm and resnet18 (it keeps each PNG as given)
        string store = Path.Combine(_folder, "pretrained.store");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "12", "--text-encoder", "minilm", "--image-codec", "resnet18", "--store", "--out", store);
        Assert.True(code == 0, error);
        string id;
        byte[] original;
        using (Engram.Store.MemoryStore opened = Engram.Store.MemoryStore.Open(store))
        {
            id = opened.List()[4].Id;
            original = opened.Media(id, "image")!.Bytes!;
        }

        // When a person cues with the stored item itself and saves the recalled image
        string saved = Path.Combine(_folder, "recalled.png");
        (code, string output, error) = CliRunner.Run("recall", "--memory", store, "--item", id, "--save", saved);

        // Then the item is recalled, and the image written is the item's original (nothing was decoded)
        Assert.True(code == 0, error);
        Assert.Contains($"Recalled item {id}", output, StringComparison.Ordinal);
        Assert.Contains("original image (kept by the store; resnet18 has no decoder)", output, StringComparison.Ordinal);
        Assert.Equal(PngDecoder.Decode(original, "original").Image.Pixels, PngDecoder.Decode(saved).Image.Pixels);
    }
}
