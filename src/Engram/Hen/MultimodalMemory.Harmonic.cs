using System.Globalization;
using Engram.Harmonic;
using Engram.Memory;

namespace Engram.Hen;

/// <summary>The harmonic side of a memory: its network, and recall by clamping the cued modalities.</summary>
public sealed partial class MultimodalMemory
{
    private readonly HarmonicNetwork? _harmonic;
    private Tensor? _storedImageCodes;

    /// <summary>
    /// A harmonic memory's network: every slot's stored codes, adapted by the memory's
    /// <see cref="HarmonicModel"/>, with its couplings; null for a Hopfield Encoding Network memory.
    /// </summary>
    public HarmonicNetwork? Harmonic => _harmonic;

    /// <summary>"harmonic" or "hen": which network recalls.</summary>
    public string Engine => _harmonic is null ? "hen" : "harmonic";

    // Every slot is a modality of the model, with codes of the model's base length, made by the encoder the model was trained on.
    private HarmonicNetwork StoreHarmonic(HarmonicModel model)
    {
        string modalities = string.Join(", ", model.Config.Modalities.Select(m => $"{m.Name} ({m.BaseDimension})"));
        var codes = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (Slot slot in Network.Layout.Slots)
        {
            HarmonicModalityConfig? modality = model.Config.Modalities.FirstOrDefault(m => m.Name == slot.Name);
            if (modality is null)
            {
                throw new ArgumentException(
                    $"The harmonic model has no '{slot.Name}' modality (it has {modalities}), so it cannot store this memory's {slot.Name} slot: leave that slot out, or train a model with it (`engram train harmonic`).");
            }

            if (modality.BaseDimension != slot.Length)
            {
                throw new ArgumentException(
                    $"The harmonic model's '{slot.Name}' adapter reads codes of {modality.BaseDimension} components, but this memory's {slot.Name} codes have {slot.Length}: " +
                    "the model was trained on another encoder's codes. Build with the encoders the model was trained on.");
            }

            SlotEncoder encoder = Encoders.Described.Single(e => e.Slot == slot.Name);
            string made = encoder.Sha256 ?? encoder.Kind;
            if (model.BaseEncoders is { } trained && trained.TryGetValue(slot.Name, out string? expected) && !string.Equals(expected, made, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"The harmonic model was trained on {slot.Name} codes from the encoder {Short(expected)}, but this memory's {slot.Name} encoder is {Short(made)} " +
                    $"({encoder.Weights ?? encoder.Kind}): its codes would be foreign to the adapter. Build with the encoders the model was trained on.");
            }

            codes[slot.Name] = StoredCodes(slot.Name);
        }

        if (codes.Count < 2)
        {
            throw new ArgumentException($"A harmonic memory joins at least two slots, and this one has only {string.Join(", ", codes.Keys)}: add an encoder for another modality.");
        }

        return model.Store(codes);
    }

    private static string Short(string hashOrKind) => hashOrKind.Length == 64 ? hashOrKind[..12] + "…" : hashOrKind;

    // Cued modalities are clamped to the adapted codes of the cue; the free ones descend the energy. The item is the one the
    // free modalities agree on (most of them; on a tie, the sharpest attractor's).
    private MemoryRecall RecallHarmonic(Dictionary<string, Tensor> baseCues, Dictionary<string, Tensor> masks, RecallOptions? options, CueMode? cueMode, bool trace, int runnersUp)
    {
        HarmonicNetwork network = _harmonic!;
        HarmonicModel model = Encoders.Harmonic!;
        if (cueMode is not null)
        {
            throw new ArgumentException(
                "A harmonic memory has no cue modes: the cued modalities are clamped and the others descend the energy. Leave the cue mode out.");
        }

        if (options is not null && (options.Beta != Options.Beta || options.Similarity != Options.Similarity))
        {
            throw new ArgumentException(
                $"A harmonic memory's β are its model's ({string.Join(", ", network.Modalities.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.Beta:G4}")))}) " +
                "and it compares states by cosine: only the number of steps (sweeps) can be changed.");
        }

        RecallOptions chosen = options ?? Options;
        if (baseCues.Count == network.Modalities.Count)
        {
            throw new ArgumentException(
                $"The cue gives every modality of this harmonic memory ({string.Join(", ", baseCues.Keys)}), so nothing is left to complete: leave at least one out.");
        }

        var cue = baseCues.ToDictionary(p => p.Key, p => model.Encode(p.Key, p.Value).Span.ToArray(), StringComparer.Ordinal);
        var dynamics = new HarmonicRecallOptions { MaxSweeps = chosen.MaxSteps };
        HarmonicResult result = network.Recall(cue, dynamics);
        ModalityRecall decider = result.Free
            .GroupBy(f => f.Nearest)
            .OrderByDescending(g => g.Count())
            .ThenByDescending(g => g.Max(f => f.TopWeight))
            .First()
            .MaxBy(f => f.TopWeight)!;
        IReadOnlyList<RecallStep>? steps = null;
        if (trace)
        {
            var list = new List<RecallStep>();
            for (int t = 1; t <= result.Sweeps; t++)
            {
                HarmonicResult partial = network.Recall(cue, dynamics with { MaxSweeps = t, Tolerance = 0 });
                list.Add(new RecallStep(t, partial.Energies[^1], HarmonicHeaviest(decider.Modality, partial.States[decider.Modality], 5), HarmonicImage(partial, baseCues)));
            }

            steps = list;
        }

        RecallConfidence confidence = Assess(baseCues, masks, decider.Nearest, runnersUp);
        return new MemoryRecall
        {
            Index = decider.Nearest,
            Id = Items[decider.Nearest].Id,
            Caption = Items[decider.Nearest].Caption,
            TopWeight = decider.TopWeight,
            Steps = result.Sweeps,
            Metastable = decider.Metastable,
            RunnersUp = RunnersUpBySimilarity(confidence, _harmonic!.Weights(decider.Modality, result.States[decider.Modality])),
            Confidence = confidence,
            Image = HarmonicImage(result, baseCues),
            Energies = result.Energies,
            Trace = steps,
            Options = chosen,
            Completed = result.Free
                .Select(f => new CompletedModality(f.Modality, f.Nearest, Items[f.Nearest].Id, Items[f.Nearest].Caption, f.Cosine, f.TopWeight, f.Metastable, f.Steps))
                .ToArray(),
        };
    }

    private RunnerUp[] HarmonicHeaviest(string modality, float[] state, int count) => Top(_harmonic!.Weights(modality, state), count);

    // The image of the state: a clamped image cue is decoded as it is; a free image state is read out as Σₙ pₙ zₙ through the
    // stored items' codec codes zₙ (p: the image attractor's weights), the codec's code of the attractor, and decoded.
    private float[]? HarmonicImage(HarmonicResult result, Dictionary<string, Tensor> baseCues)
    {
        if (Encoders.Image is not { } codec)
        {
            return null;
        }

        if (baseCues.TryGetValue("image", out Tensor? cued))
        {
            return codec.Decode(cued).Span.ToArray();
        }

        Tensor readOut = _harmonic!.ReadOut("image", [result.States["image"]], _storedImageCodes ??= StoredCodes("image"));
        return codec.Decode(readOut).Span.ToArray();
    }
}
