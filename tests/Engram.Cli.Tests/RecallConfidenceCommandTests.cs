using System.Text.Json;
using Engram.Data.Datasets;

namespace Engram.Cli.Tests;

/// <summary>engram recall --memory says how sure it is: similarity, margin, and "no match" for a cue unlike everything stored.</summary>
public sealed class RecallConfidenceCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-confidence-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_show_similarity_margin_and_verdict_and_call_a_stored_caption_a_match()
    {
        // Given an emoji memory
        string memory = Path.Combine(_folder, "emoji.engram");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "60", "--out", memory);
        Assert.True(code == 0, error);
        string caption = EmojiDataset.Load(60)[5].Caption!;

        // When it is cued with a nonsense caption and with a stored one
        string nonsenseJson = Path.Combine(_folder, "nonsense.json"), storedJson = Path.Combine(_folder, "stored.json");
        (code, string nonsense, error) = CliRunner.Run("recall", "--memory", memory, "--text", "qwertyuiop zzz", "--json", nonsenseJson);
        Assert.True(code == 0, error);
        (code, string stored, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--json", storedJson);
        Assert.True(code == 0, error);

        // Then both say their similarity and margin, the nonsense is no match in words and in the JSON, and the stored caption is a match
        Assert.Contains("margin", nonsense, StringComparison.Ordinal);
        JsonElement bad = CliRunner.ReadJson(nonsenseJson).GetProperty("confidence");
        Assert.Equal("no-match", bad.GetProperty("verdict").GetString());
        Assert.Contains("no match: the cue's spelling is far from every stored item", nonsense, StringComparison.Ordinal);
        Assert.Contains(bad.GetProperty("slots").EnumerateArray(), s => s.GetProperty("slot").GetString() == "spelling" && s.GetProperty("novel").GetBoolean());
        Assert.DoesNotContain("no match", stored, StringComparison.Ordinal);
        JsonElement good = CliRunner.ReadJson(storedJson);
        Assert.Equal("match", good.GetProperty("confidence").GetProperty("verdict").GetString());
        Assert.Equal(1.0, good.GetProperty("confidence").GetProperty("similarity").GetDouble(), 4);
        Assert.Equal(1.0, good.GetProperty("runners_up")[0].GetProperty("similarity").GetDouble(), 4);
    }
}
