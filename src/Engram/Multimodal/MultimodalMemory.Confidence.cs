using Engram.Encoders;
using Engram.Engines;

namespace Engram.Multimodal;

/// <summary>
/// How sure a recall is (<see cref="RecallConfidence"/>): computed from the cue's codes and the stored codes only,
/// so it is the same for every engine.
/// </summary>
public sealed partial class MultimodalMemory
{
    private Dictionary<string, Tensor>? _confidenceCodes;
    private NoveltyThresholds? _noveltyThresholds;
    private readonly Lock _confidenceGate = new();

    /// <summary>
    /// The memory's novelty thresholds, one per slot, calibrated from its stored codes on first use and then kept
    /// (see <see cref="Multimodal.NoveltyThresholds"/> for the rule).
    /// </summary>
    public NoveltyThresholds NoveltyThresholds
    {
        get
        {
            lock (_confidenceGate)
            {
                return _noveltyThresholds ??= NoveltyThresholds.Calibrate(
                    ConfidenceCodes(), slotQuantiles: new Dictionary<string, double>(StringComparer.Ordinal) { [SpellingSlot] = SpellingQuantile });
            }
        }
    }

    /// <summary>
    /// Novelty thresholds under another rule (<paramref name="quantile"/> of the stored items' nearest-other-item cosines,
    /// less <paramref name="margin"/>), over the same stored codes (and spelling) as <see cref="NoveltyThresholds"/>.
    /// </summary>
    public NoveltyThresholds CalibrateNovelty(double quantile, double margin) =>
        NoveltyThresholds.Calibrate(ConfidenceCodes(), quantile: quantile, margin: margin);

    /// <summary>
    /// The name under which a caption's spelling is assessed beside its code, when the text encoder reads spelling
    /// (<see cref="ISpelledTextEncoder"/>): a caption is a match only when both its code and its spelling are near a stored one.
    /// </summary>
    public const string SpellingSlot = "spelling";

    /// <summary>
    /// The quantile the spelling threshold is taken at: 0.2, lower than the codes' median, because spelling is the second
    /// test a caption must pass and only "shares almost nothing with any caption" should fail it: a caption is novel in
    /// spelling when it is farther from every stored caption than four stored captions in five are from their nearest other.
    /// </summary>
    public const double SpellingQuantile = 0.2;

    // Every slot's unscaled stored codes, copied once for the assessments and the image read-out (cosines do not depend on
    // the slot's scale, but the bank holds the slots side by side in one row), and the stored captions' spelling when the
    // encoder reads it.
    private Dictionary<string, Tensor> ConfidenceCodes()
    {
        lock (_confidenceGate)
        {
            if (_confidenceCodes is null)
            {
                _confidenceCodes = Network.Layout.Slots.ToDictionary(s => s.Name, s => StoredCodes(s.Name), StringComparer.Ordinal);
                if (Encoders.Text is ISpelledTextEncoder spelled && Network.Layout.Contains(Modality.TextName))
                {
                    _confidenceCodes[SpellingSlot] = spelled.Spelling(Items.Select(i => i.Caption ?? "").ToArray());
                }
            }

            return _confidenceCodes;
        }
    }

    private RecallConfidence Assess(CueBatch cues, MemoryCue cue, int recalled, int runnersUp)
    {
        Dictionary<string, Tensor> codes = ConfidenceCodes();
        var cueCodes = cues.Codes.ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal);
        if (cue.Text is { } text && Encoders.Text is ISpelledTextEncoder spelled && codes.ContainsKey(SpellingSlot))
        {
            cueCodes[SpellingSlot] = spelled.Spelling([text]);
        }

        return RecallConfidence.Assess(
            cueCodes, cues.Masks.ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal), codes, NoveltyThresholds, recalled, runnersUp);
    }

    // The runners-up are the items most similar to the cue, each with its softmax weight at the final state.
    private RunnerUp[] RunnersUpBySimilarity(RecallConfidence confidence, float[] weights) =>
        confidence.Ranked.Select(r => new RunnerUp(r.Index, Items[r.Index].Id, Items[r.Index].Caption, weights[r.Index], r.Similarity)).ToArray();
}
