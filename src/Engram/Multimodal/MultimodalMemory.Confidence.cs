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
                return _noveltyThresholds ??= NoveltyThresholds.Calibrate(ConfidenceCodes());
            }
        }
    }

    // Every slot's unscaled stored codes, copied once for the assessments (cosines do not depend on the slot's scale,
    // but the bank holds the slots side by side in one row).
    private Dictionary<string, Tensor> ConfidenceCodes()
    {
        lock (_confidenceGate)
        {
            return _confidenceCodes ??= Network.Layout.Slots.ToDictionary(s => s.Name, s => StoredCodes(s.Name), StringComparer.Ordinal);
        }
    }

    private RecallConfidence Assess(CueBatch cues, int recalled, int runnersUp) =>
        RecallConfidence.Assess(
            cues.Codes.ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal),
            cues.Masks.ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal),
            ConfidenceCodes(), NoveltyThresholds, recalled, runnersUp);

    // The runners-up are the items most similar to the cue, each with its softmax weight at the final state.
    private RunnerUp[] RunnersUpBySimilarity(RecallConfidence confidence, float[] weights) =>
        confidence.Ranked.Select(r => new RunnerUp(r.Index, Items[r.Index].Id, Items[r.Index].Caption, weights[r.Index], r.Similarity)).ToArray();
}
