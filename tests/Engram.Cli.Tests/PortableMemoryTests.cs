using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders.Images;
using Engram.Nn;

namespace Engram.Cli.Tests;

/// <summary>
/// A memory moved to another folder opens from recall and serve: its encoders are found by the SHA-256 of their weights,
/// in --models folders and ENGRAM_MODELS too, or taken from the file itself when it was built with --embed-encoders.
/// </summary>
public sealed class PortableMemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-portable-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Folder(params string[] parts)
    {
        string path = Path.Combine([_folder, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Caption() => EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 6)[2].Caption!;

    // A memory of 6 emoji with an image codec that ships nowhere (an untrained one) beside the shipped text encoder.
    private (string Memory, string Codec, string Sha256) Build(params string[] extra)
    {
        string codec = Path.Combine(Folder("encoders"), "codec.safetensors");
        ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), 5).Save(codec);
        string memory = Path.Combine(Folder("built"), "m.engram");
        var (code, _, error) = CliRunner.Run(["build", "--dataset", "emoji", "--n", "6", "--image-codec", codec, "--out", memory, .. extra]);
        Assert.True(code == 0, error);
        return (memory, codec, ModelWeights.ParameterHash(ImageCodecs.Load(codec)));
    }

    // Recalls the caption, with --json; returns the exit code, the standard error and the recalled item and top weight.
    private (int Code, string Error, string? Id, double Weight) Recall(string memory, params string[] extra)
    {
        string json = Path.Combine(_folder, $"recall-{Guid.NewGuid():N}.json");
        var (code, _, error) = CliRunner.Run(["recall", "--memory", memory, "--text", Caption(), "--json", json, .. extra]);
        if (code != 0)
        {
            return (code, error, null, double.NaN);
        }

        JsonElement result = CliRunner.ReadJson(json);
        return (code, error, result.GetProperty("item_id").GetString(), result.GetProperty("top_weight").GetDouble());
    }

    // Moves the memory into a deeper folder, where the relative encoder paths it records lead nowhere.
    private string MoveAway(string memory)
    {
        string moved = Path.Combine(Folder("copied", "to", "elsewhere"), "m.engram");
        File.Move(memory, moved);
        return moved;
    }

    [Fact]
    public void Should_recall_the_same_item_from_a_moved_memory_once_told_the_folder_of_its_renamed_encoder()
    {
        // Given a memory and its recall, then the memory moved and its codec renamed into a folder of its own
        var (memory, codec, sha) = Build();
        var before = Recall(memory);
        Assert.True(before.Code == 0, before.Error);
        string moved = MoveAway(memory);
        string models = Folder("models");
        File.Move(codec, Path.Combine(models, "renamed.safetensors"));

        // When it is recalled from without --models, then with it
        var lost = Recall(moved);
        var found = Recall(moved, "--models", models);

        // Then the first names the codec's hash and what to do, and the second recalls the same item at the same weight
        Assert.Equal(1, lost.Code);
        Assert.Contains($"needs its image encoder (image slot, kind autoencoder) with weights SHA-256 {sha[..12]}… (full: {sha})", lost.Error, StringComparison.Ordinal);
        Assert.Contains("--models FOLDER", lost.Error, StringComparison.Ordinal);
        Assert.True(found.Code == 0, found.Error);
        Assert.Contains($"found the same weights at {Path.Combine(models, "renamed.safetensors")}", found.Error, StringComparison.Ordinal);
        Assert.Equal(before.Id, found.Id);
        Assert.Equal(before.Weight, found.Weight);
    }

    [Fact]
    public void Should_find_a_moved_memorys_encoder_in_a_folder_of_ENGRAM_MODELS()
    {
        // Given a moved memory whose codec was renamed into the second of two folders
        var (memory, codec, _) = Build();
        var before = Recall(memory);
        string moved = MoveAway(memory);
        string empty = Folder("empty"), models = Folder("models");
        File.Move(codec, Path.Combine(models, "renamed.safetensors"));

        // When ENGRAM_MODELS names both folders
        string? previous = Environment.GetEnvironmentVariable("ENGRAM_MODELS");
        Environment.SetEnvironmentVariable("ENGRAM_MODELS", $"{empty}:{models}");
        (int Code, string Error, string? Id, double Weight) found;
        try
        {
            found = Recall(moved);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ENGRAM_MODELS", previous);
        }

        // Then the memory opens and recalls what it did
        Assert.True(found.Code == 0, found.Error);
        Assert.Equal(before.Id, found.Id);
        Assert.Equal(before.Weight, found.Weight);
    }

    [Fact]
    public void Should_recall_from_a_memory_built_with_embed_encoders_and_moved_alone()
    {
        // Given a memory built with --embed-encoders, its codec deleted, and the file moved
        var (memory, codec, _) = Build("--embed-encoders");
        var before = Recall(memory);
        File.Delete(codec);
        string moved = MoveAway(memory);

        // When it is recalled from
        var after = Recall(moved);

        // Then it opens with the encoders it carries, and recalls the same item at the same weight
        Assert.True(after.Code == 0, after.Error);
        Assert.Contains("the image encoder", after.Error, StringComparison.Ordinal);
        Assert.Contains("is the one the memory file carries", after.Error, StringComparison.Ordinal);
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.Weight, after.Weight);
        Assert.True(new FileInfo(moved).Length > new FileInfo(Path.Combine(ShippedData.Find("models")!, "emoji-text.safetensors")).Length, "the file carries the text encoder's weights");
    }

    [Theory]
    [InlineData("recall")]
    [InlineData("serve")]
    public void Should_refuse_a_models_folder_that_does_not_exist_before_opening_the_memory(string command)
    {
        // Given a folder that is not there
        string missing = Path.Combine(_folder, "no-such-folder");

        // When recall or serve is given it with --models
        var (code, _, error) = CliRunner.Run(command, "--memory", Path.Combine(_folder, "m.engram"), "--models", missing);

        // Then the option is refused by name, before any memory is looked at
        Assert.Equal(1, code);
        Assert.Contains($"--models {missing}: there is no such folder.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("m.engram", error, StringComparison.Ordinal);
    }
}
