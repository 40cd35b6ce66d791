namespace Engram.Cli.Tests;

public sealed class EvalHarmonicTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-eval-harmonic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [EspeakFact]
    public void Should_print_the_cue_target_matrix_and_write_the_summary_and_figures()
    {
        // Given a tiny run: 40 emoji, 5 epochs
        // When
        var (code, output, error) = CliRunner.Run("eval", "harmonic", "--max-items", "40", "--epochs", "5", "--out", _folder);

        // Then it says what it does as it goes, prints the matrix and the time, and writes every file
        Assert.True(code == 0, error);
        Assert.Contains("emoji: 40 items", output, StringComparison.Ordinal);
        Assert.Contains("retrieval accuracy, cue → target", output, StringComparison.Ordinal);
        Assert.Contains("engram eval harmonic took", output, StringComparison.Ordinal);
        foreach (string file in new[] { "harmonic.csv", "harmonic.md", "harmonic.json", "harmonic-couplings.svg", "harmonic-examples.svg" })
        {
            Assert.True(File.Exists(Path.Combine(_folder, file)), file);
        }

        var json = CliRunner.ReadJson(Path.Combine(_folder, "harmonic.json"));
        Assert.Equal(6, json.GetProperty("matrix").GetArrayLength());
        Assert.Equal(6, json.GetProperty("unseen").GetArrayLength());

        // And the model trained on more views is measured on the stored codes and on the cues it never saw
        Assert.Contains("augmented model: audio also in en-us+f3, en-us+m3", output, StringComparison.Ordinal);
        string[] kinds = [.. json.GetProperty("augmented").EnumerateArray().Select(r => r.GetProperty("cue_kind").GetString()!)];
        Assert.Equal(6, kinds.Count(k => k == "stored"));
        Assert.Equal(2, kinds.Count(k => k == "other-voice"));
        Assert.Equal(2, kinds.Count(k => k == "occluded"));
    }

    [Fact]
    public void Should_refuse_a_max_items_below_two()
    {
        // When
        var (code, _, error) = CliRunner.Run("eval", "harmonic", "--max-items", "1", "--out", _folder);

        // Then
        Assert.NotEqual(0, code);
        Assert.Contains("At least 2 items", error, StringComparison.Ordinal);
    }
}
