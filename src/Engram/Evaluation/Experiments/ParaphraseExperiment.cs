using System.Globalization;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Multimodal;

namespace Engram.Evaluation.Experiments;

/// <summary>How well one text encoder finds an emoji from another of its names.</summary>
/// <param name="Encoder">The text encoder, as given (a weight file or a name).</param>
/// <param name="Kind">What it is ("ngram", "minilm", …).</param>
/// <param name="Stored">Names stored: each emoji's name, as its caption.</param>
/// <param name="Cues">Cues: every short name that differs from the emoji's name.</param>
/// <param name="Accuracy">Fraction of cues whose nearest stored name (cosine, the name slot alone) is their own emoji's, or a name spelled the same.</param>
public sealed record ParaphraseResult(string Encoder, string Kind, int Stored, int Cues, double Accuracy);

/// <summary>
/// <c>engram eval paraphrase</c>: other wordings as cues. Every emoji's name is stored through a text encoder; every
/// short name that differs from it ("grinning" for "grinning face") is a cue, and it counts as found when its nearest
/// stored name, by cosine in the text slot alone, is its own emoji's. An encoder trained on those very names (the
/// in-project n-gram encoder) has seen the cues; a pretrained one meets them zero-shot.
/// </summary>
public static class ParaphraseExperiment
{
    /// <summary>Encodes the names and the other wordings of <paramref name="items"/> with each of <paramref name="encoders"/> and scores them.</summary>
    public static (ExperimentReport Report, IReadOnlyList<ParaphraseResult> Results) Run(IReadOnlyList<DatasetItem> items, IReadOnlyList<string> encoders, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encoders);
        DatasetItem[] named = items.Where(i => i.Caption is not null).ToArray();
        string[] names = named.Select(i => i.Caption!).ToArray();
        var wordings = named.SelectMany((item, i) => item.Captions.Skip(1).Where(c => c != item.Caption).Select(c => (Caption: c, Item: i))).ToArray();
        if (wordings.Length == 0)
        {
            throw new ArgumentException("No item has a second caption to cue with: give items with other wordings (the emoji set's short names).", nameof(items));
        }

        log?.Invoke($"{names.Length:N0} names stored, {wordings.Length:N0} other wordings as cues");
        var results = new List<ParaphraseResult>();
        foreach (string encoder in encoders)
        {
            MemoryEncoders opened = MemoryEncoders.Open(null, encoder, null);
            ITextEncoder text = opened.Text!;
            Tensor stored = text.Encode(names), cues = text.Encode(wordings.Select(w => w.Caption).ToArray());
            double accuracy = Retrieval.Accuracy(cues, stored, wordings.Select(w => w.Item).ToArray(), (a, b) => names[a] == names[b]);
            string kind = opened.Described.Single(e => e.Slot == Engines.Modality.TextName).Kind;
            results.Add(new ParaphraseResult(encoder, kind, names.Length, wordings.Length, accuracy));
            log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  {kind} ({encoder}): {accuracy:F4}"));
        }

        var report = new ExperimentReport("paraphrase",
            "Other wordings as cues: each emoji's name is stored through a text encoder, and each short name that differs from it is a cue, " +
            "found when its nearest stored name (cosine, the text slot alone) is its own emoji's.");
        report.Settings["stored"] = names.Length;
        report.Settings["cues"] = wordings.Length;
        report.AddSummary("results", results);
        report.AddTable("paraphrase", "Other wordings → name, nearest by cosine in the text slot alone", Table(results));
        return (report, results);
    }

    /// <summary>The results as a Markdown table.</summary>
    public static string Table(IEnumerable<ParaphraseResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var lines = new List<string> { "| text encoder | kind | names stored | cues | accuracy |", "|---|---|---|---|---|" };
        lines.AddRange(results.Select(r => string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileName(r.Encoder)} | {r.Kind} | {r.Stored:N0} | {r.Cues:N0} | {r.Accuracy:F4} |")));
        return string.Join('\n', lines);
    }
}
