using System.Text.Json;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Explorer;

/// <summary>The API's JSON: snake_case names, nulls written (a missing caption reads as null).</summary>
internal static class ExplorerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}

internal sealed record ErrorView(string Error);

internal sealed record SlotView(string Name, int Length, float Weight);

internal sealed record EncoderView(string Slot, string Kind);

internal sealed record ImageShapeView(int Channels, int Height, int Width);

/// <summary>The memory's recall options; a harmonic memory's similarity and β are null (its model's β apply).</summary>
internal sealed record OptionsView(string? Similarity, float? Beta, int Steps);

internal sealed record LimitsView(long MaxRequestBytes, long MaxImagePixels, int SeparabilityItems, int MaxSteps, int MaxTraceSteps, int MaxRunnersUp);

internal sealed record ModalityView(string Name, int Dimension, double Lambda, double Beta);

internal sealed record CouplingView(string First, string Second, int Rank, double SpectralNorm);

/// <summary>A harmonic memory's network: its modality spaces, couplings and coupling ratio ρ (the energy is bounded below while ρ &lt; 1).</summary>
internal sealed record HarmonicView(IReadOnlyList<ModalityView> Modalities, IReadOnlyList<CouplingView> Couplings, double CouplingRatio);

/// <summary>
/// The served memory. <c>engine</c> is "hen" (one state over every slot; β, similarity and cue mode apply) or
/// "harmonic" (cued modalities clamped, the others completed; only the steps apply, and <c>harmonic</c> describes it).
/// <c>writable</c> is true for a store (the API adds and forgets items), false for a memory file; <c>version</c> counts
/// the states served: 1 at the start, one more after each add or forget.
/// </summary>
internal sealed record MemoryView(
    string? Name, int Count, IReadOnlyList<SlotView> Slots, IReadOnlyList<EncoderView> Encoders, ImageShapeView? ImageShape,
    OptionsView Options, string? DefaultCueMode, LimitsView Limits, IReadOnlyList<string> Warnings, string Engine, HarmonicView? Harmonic,
    bool Writable, long Version);

internal sealed record ItemView(int Index, string Id, string? Caption);

/// <summary>A page of items, from the state <c>version</c> (see <see cref="MemoryView"/>): indices are that state's.</summary>
internal sealed record ItemsView(int Count, int Matching, int Offset, int Limit, string? Query, IReadOnlyList<ItemView> Items, long Version);

/// <summary>
/// One item, and which of its original media a store kept: the image as given (<c>original_image</c>) and its sound, each
/// with the file extension its bytes show (<c>image_extension</c>, <c>sound_extension</c>: ".jpg", ".mp3", …).
/// </summary>
internal sealed record ItemDetailView(int Index, string Id, string? Caption, bool OriginalImage, bool Sound, long Version, string? ImageExtension, string? SoundExtension);

/// <summary>What <c>POST /api/items</c> added, and how many items the store holds now.</summary>
internal sealed record ItemAddedView(ItemView Item, int Count, long Version);

/// <summary>What <c>DELETE /api/items/{id}</c> forgot, and how many items the store holds now.</summary>
internal sealed record ItemForgottenView(string Forgotten, int Count, long Version);

internal sealed record WeightView(int Index, string Id, string? Caption, double Weight, double? Similarity)
{
    public static WeightView Of(RunnerUp r) => new(r.Index, r.Id, r.Caption, r.Weight, r.Similarity);
}

internal sealed record StepView(int Step, double Energy, IReadOnlyList<WeightView> Top, string? ImagePng);

internal sealed record CueView(IReadOnlyList<string> Slots, int? HiddenPixels, double? Noise, string? Occlude, int? Item);

/// <summary>The options a recall ran with; a harmonic memory's similarity, β and cue mode are null (its model's β apply, and the cue is clamped).</summary>
internal sealed record RecallOptionsView(string? Similarity, float? Beta, int Steps, string? CueMode);

/// <summary>What one free modality of a harmonic recall settled on.</summary>
internal sealed record CompletedView(string Modality, int ItemIndex, string ItemId, string? Caption, double Cosine, double TopWeight, bool Metastable, int Steps)
{
    public static CompletedView Of(CompletedModality c) => new(c.Modality.Name, c.Index, c.Id, c.Caption, c.Attractor.Cosine, c.Attractor.TopWeight, c.Attractor.Metastable, c.Steps);
}

/// <summary>
/// A recall. For a harmonic memory, <c>clamped</c> names the cued modalities and <c>completed</c> what each free
/// one settled on; the item is the one the free modalities agree on, and the runners-up and trace weights are its modality's.
/// </summary>
internal sealed record RecallView(
    int ItemIndex, string ItemId, string? Caption, double TopWeight, int Steps, bool Metastable,
    IReadOnlyList<WeightView> RunnersUp, IReadOnlyList<double> Energies, string? ImagePng, string? CuePng,
    CueView Cue, RecallOptionsView Options, IReadOnlyList<StepView>? Trace, IReadOnlyList<string>? Clamped, IReadOnlyList<CompletedView>? Completed,
    ConfidenceView Confidence);

/// <summary>One cued slot of a recall's confidence: cosine to the recalled item, to the nearest stored item, and the slot's novelty threshold.</summary>
internal sealed record CuedSlotView(string Slot, double Similarity, double NearestSimilarity, int NearestItemIndex, string NearestItemId, double Threshold, bool Novel, int ObservedComponents);

/// <summary>How sure a recall is (<see cref="RecallConfidence"/>): <c>verdict</c> is "match" or "no-match", with the reason.</summary>
internal sealed record ConfidenceView(string Verdict, string Reason, double Similarity, double? Margin, int BestItemIndex, string BestItemId, double BestSimilarity, IReadOnlyList<CuedSlotView> Slots)
{
    public static ConfidenceView Of(RecallConfidence c, IReadOnlyList<MemoryItem> items) => new(
        c.IsMatch ? "match" : "no-match", c.Reason, c.Similarity, c.Margin, c.BestIndex, items[c.BestIndex].Id, c.BestSimilarity,
        c.Slots.Select(s => new CuedSlotView(s.Slot, s.Similarity, s.Nearest, s.NearestIndex, items[s.NearestIndex].Id, s.Threshold, s.Novel, s.Observed)).ToArray());
}

internal sealed record SeparabilityView(
    string Slot, string Cue, int Items, int ItemsTotal, bool Capped, string? Note,
    IReadOnlyList<double> BinEdges, IReadOnlyList<double> Matched, IReadOnlyList<double> Unmatched,
    double Overlap, double MatchedMean, double? UnmatchedMean, double CosineAccuracy);

/// <summary>Images as the API sends them: PNG, samples clamped to [0, 1].</summary>
internal static class PngViews
{
    public static byte[] Encode(ReadOnlySpan<float> samples, ImageShape shape)
    {
        var image = new Image(shape.Width, shape.Height, shape.Channels == 1 ? PixelLayout.Grey : PixelLayout.Rgb);
        for (int i = 0; i < samples.Length; i++)
        {
            image.Pixels[i] = Math.Clamp(samples[i], 0f, 1f);
        }

        return PngEncoder.Encode(image);
    }

    public static string? Base64(float[]? samples, ImageShape? shape) =>
        samples is null || shape is not { } s ? null : Convert.ToBase64String(Encode(samples, s));
}
