using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary><c>engram build --engine</c>: every engine of the catalog is built, saved, recalled and described the same way.</summary>
public sealed class EngineCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-engine-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_build_and_recall_a_memory_with_the_plain_hopfield_engine()
    {
        // Given emoji images alone, stored with the plain Hopfield engine
        string memory = Path.Combine(_folder, "images.engram");
        var (built, buildOutput, buildError) = CliRunner.Run("build", "--dataset", "emoji", "--n", "40", "--text-encoder", "none", "--engine", "hopfield", "--out", memory, "--json", "-");
        Assert.True(built == 0, buildError);
        Assert.Equal("hopfield", JsonDocument.Parse(buildOutput).RootElement.GetProperty("engine").GetString());

        // When a stored item's image is the cue
        var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--item", "7", "--json", "-");

        // Then the Hopfield engine recalls that item, with the settings of an engine over one Hopfield energy
        Assert.True(code == 0, error);
        JsonElement json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(("hopfield", 7, "masked-free"), (json.GetProperty("engine").GetString(), json.GetProperty("item_index").GetInt32(), json.GetProperty("cue_mode").GetString()));
        Assert.Equal("image", json.GetProperty("completed")[0].GetProperty("modality").GetString());
    }

    [Fact]
    public void Should_refuse_an_engine_that_cannot_store_the_memory_saying_what_to_do()
    {
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "10", "--engine", "hopfield", "--out", Path.Combine(_folder, "x.engram"));
        Assert.Equal(1, code);
        Assert.Contains("stores one modality, and this one has image, text", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "x.engram")));

        (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--engine", "faiss", "--out", Path.Combine(_folder, "y.engram"));
        Assert.NotEqual(0, code);
        Assert.Contains("hopfield", error, StringComparison.Ordinal);
    }
}
