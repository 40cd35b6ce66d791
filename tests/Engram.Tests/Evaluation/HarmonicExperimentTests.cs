using System.Text.Json;
using Engram.Data;
using Engram.Evaluation.Experiments;
using Engram.Tests.Support;

namespace Engram.Tests.Evaluation;

/// <summary><c>engram eval harmonic</c>'s experiment, run small: the first 239 emoji, a few epochs.</summary>
public sealed class HarmonicExperimentTests : IDisposable
{
    private static readonly string[] s_modalities = ["image", "text", "audio"];
    private static readonly string[] s_sections = ["held_out", "ablations", "couplings", "cost"];
    private static readonly string[] s_pairs = ["image→text", "image→audio", "text→image", "text→audio", "audio→image", "audio→text"];
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-harmonic-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [EspeakFact]
    public void Should_measure_every_ordered_pair_the_unseen_combination_and_the_ablations_and_write_them()
    {
        // Given 239 emoji and a short training run (120 steps)
        var settings = new HarmonicSettings { ModelsFolder = ShippedData.Find("models")!, MaxItems = 239, Epochs = 30, BatchSize = 64, Examples = 3 };

        // When the experiment runs and writes its files
        ExperimentReport report = HarmonicExperiment.Run(settings);
        IReadOnlyList<string> written = report.Write(_folder);

        // Then the fully coupled model has all six ordered pairs, each a real measurement, and recalls most items
        ExperimentRow[] matrix = report.Rows.Where(r => r.Encoder == "harmonic" && r.Dataset == "emoji/stored").ToArray();
        Assert.Equal(s_pairs.Order(StringComparer.Ordinal), matrix.Select(r => r.CueMode).Order(StringComparer.Ordinal));
        Assert.All(matrix, r =>
        {
            Assert.Equal(239, r.N);
            Assert.InRange(r.Accuracy, 0.8, 1);
            Assert.InRange(r.MetastableFraction, 0, 1);
        });

        // And the unseen-combination model, the held-out cues and both ablations are there too
        Assert.Equal(s_pairs.Order(StringComparer.Ordinal), report.Rows.Where(r => r.Encoder == "unseen").Select(r => r.CueMode).Order(StringComparer.Ordinal));
        Assert.Equal(6, report.Rows.Count(r => r.Encoder == "hen"));
        Assert.Equal(6, report.Rows.Count(r => r.Encoder == "projection"));
        Assert.Contains(report.Rows, r => r.Dataset == "emoji/other-voice" && r.CueMode == "audio→image");
        Assert.Contains(report.Rows, r => r.Dataset == "emoji/occluded" && r.CueMode == "image→text");

        // And the JSON summary has the matrix (cue, target, accuracy, coherence) and the other sections
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "harmonic.json")));
        JsonElement root = json.RootElement;
        JsonElement[] entries = [.. root.GetProperty("matrix").EnumerateArray()];
        Assert.Equal(6, entries.Length);
        Assert.All(entries, e =>
        {
            Assert.Contains(e.GetProperty("cue").GetString(), s_modalities);
            Assert.NotEqual(e.GetProperty("cue").GetString(), e.GetProperty("target").GetString());
            Assert.InRange(e.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.InRange(e.GetProperty("coherence").GetDouble(), -1, 1);
        });
        Assert.Equal(6, root.GetProperty("unseen").GetArrayLength());
        Assert.All(s_sections, key => Assert.True(root.TryGetProperty(key, out _), key));
        Assert.Contains(written, p => p.EndsWith("harmonic-examples.svg", StringComparison.Ordinal));
        Assert.Contains(written, p => p.EndsWith("harmonic.csv", StringComparison.Ordinal));
    }
}
