using Engram.Memory;

namespace Engram.Hen;

/// <summary>The codes of one slot for every item, and the slot's weight in the energy.</summary>
public sealed record SlotCodes(string Name, Tensor Codes, float Weight = 1f);

/// <summary>
/// A Hopfield Encoding Network (seeds 001/002): items are encoder codes, one slot per modality,
/// concatenated into one stored pattern; a cue gives some of the slots and recall completes the rest,
/// which the caller decodes with each slot's decoder.
/// </summary>
/// <remarks>
/// Slots of different encoders have different norms (a 64-float unit text code beside a 196-float
/// image latent), and the similarity would otherwise be ruled by the larger. Each slot is therefore
/// scaled at store time so that its mean norm over the items equals its weight (1 by default):
/// the paper's "normalised" norm spaces, made explicit and automatic. Cues are scaled by the same
/// factors and recalled states are scaled back, so callers only ever see codes.
/// </remarks>
public sealed class HopfieldEncodingNetwork
{
    private readonly float[] _scales;

    private HopfieldEncodingNetwork(SlotLayout layout, float[] scales, HopfieldMemory memory, IReadOnlyList<string> itemIds, IReadOnlyList<Collision> collisions)
    {
        Layout = layout;
        _scales = scales;
        Memory = memory;
        ItemIds = itemIds;
        Collisions = collisions;
    }

    /// <summary>The slots and where they lie in a stored pattern.</summary>
    public SlotLayout Layout { get; }

    /// <summary>The factor each slot's codes are multiplied by when stored (in slot order).</summary>
    public IReadOnlyList<float> Scales => _scales;

    /// <summary>The modern Hopfield network over the scaled, concatenated patterns.</summary>
    public HopfieldMemory Memory { get; }

    /// <summary>The items' ids, in store order.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Pairs of items that a cue of one slot cannot tell apart (found at store time).</summary>
    public IReadOnlyList<Collision> Collisions { get; }

    /// <summary>The number of stored items.</summary>
    public int Count => ItemIds.Count;

    /// <summary>One line per colliding pair, naming the slot and both items: what a person should read before trusting recall from that slot.</summary>
    public IEnumerable<string> Warnings => Collisions.Select(c =>
        $"slot '{c.Slot}': items {ItemIds[c.First]} and {ItemIds[c.Second]} have {(c.RelativeDistance == 0 ? "identical codes" : $"nearly identical codes (relative distance {c.RelativeDistance:G3})")}; " +
        "a cue of this slot alone will recall a mixture of both.");

    /// <summary>
    /// Stores N items given as the codes of each slot ([N, length] each, same N), with optional ids
    /// (default "0", "1", …). Every slot is checked for colliding items within
    /// <paramref name="uniquenessTolerance"/> (relative distance; 0 finds identical codes only).
    /// </summary>
    public static HopfieldEncodingNetwork Store(
        IReadOnlyList<SlotCodes> slots, RecallOptions? options = null, IReadOnlyList<string>? itemIds = null, double uniquenessTolerance = 1e-3) =>
        Store(slots, options, itemIds, uniquenessTolerance, checkUniqueness: true);

    // As the public Store; without the all-pairs uniqueness check (O(N²)) when a caller has its own (a store's snapshot).
    internal static HopfieldEncodingNetwork Store(
        IReadOnlyList<SlotCodes> slots, RecallOptions? options, IReadOnlyList<string>? itemIds, double uniquenessTolerance, bool checkUniqueness)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Count == 0)
        {
            throw new ArgumentException("Store needs the codes of at least one slot.", nameof(slots));
        }

        int n = slots[0].Codes.RowCount;
        foreach (SlotCodes slot in slots)
        {
            ArgumentNullException.ThrowIfNull(slot.Codes);
            if (slot.Codes.Rank != 2 || slot.Codes.RowCount != n)
            {
                throw new ArgumentException(
                    $"Slot '{slot.Name}' has codes [{string.Join(", ", slot.Codes.Shape.ToArray())}]; every slot needs [N, length] with the same N ({n}, from slot '{slots[0].Name}').", nameof(slots));
            }
        }

        if (itemIds is not null && itemIds.Count != n)
        {
            throw new ArgumentException($"{itemIds.Count} item ids for {n} items.", nameof(itemIds));
        }

        var layout = new SlotLayout(slots.Select(s => (s.Name, s.Codes.Shape[1], s.Weight)).ToArray());
        var scales = new float[slots.Count];
        var patterns = new Tensor(n, layout.Length);
        Span<float> all = patterns.Span;
        for (int s = 0; s < slots.Count; s++)
        {
            Slot slot = layout.Slots[s];
            ReadOnlySpan<float> codes = slots[s].Codes.Span;
            double meanNorm = 0;
            for (int i = 0; i < n; i++)
            {
                meanNorm += System.Numerics.Tensors.TensorPrimitives.Norm(codes.Slice(i * slot.Length, slot.Length));
            }

            meanNorm /= Math.Max(n, 1);
            if (!(meanNorm > 0) || !double.IsFinite(meanNorm))
            {
                throw new ArgumentException($"Slot '{slot.Name}' has codes whose mean norm is {meanNorm}; they must be finite and not all zero.", nameof(slots));
            }

            scales[s] = (float)(slot.Weight / meanNorm);
            for (int i = 0; i < n; i++)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(
                    codes.Slice(i * slot.Length, slot.Length), scales[s], all.Slice((i * layout.Length) + slot.Offset, slot.Length));
            }
        }

        IReadOnlyList<Collision> collisions = checkUniqueness ? slots.SelectMany(s => UniquenessCheck.Find(s.Name, s.Codes, uniquenessTolerance)).ToArray() : [];
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options);
        IReadOnlyList<string> ids = itemIds ?? Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new HopfieldEncodingNetwork(layout, scales, memory, ids, collisions);
    }

    /// <summary>
    /// A network as it was stored before: the layout, each slot's scale, the scaled patterns, the ids and
    /// the store-time collisions (for a saved memory; nothing is recomputed).
    /// </summary>
    public static HopfieldEncodingNetwork Restore(
        SlotLayout layout, IReadOnlyList<float> scales, Tensor patterns, IReadOnlyList<string> itemIds, RecallOptions? options, IReadOnlyList<Collision> collisions)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (scales.Count != layout.Slots.Count || scales.Any(s => !(s > 0) || !float.IsFinite(s)))
        {
            throw new ArgumentException($"Restore needs one positive, finite scale per slot ({layout.Slots.Count}); got [{string.Join(", ", scales)}].", nameof(scales));
        }

        if (patterns.Rank != 2 || patterns.RowCount != itemIds.Count || patterns.Shape[1] != layout.Length)
        {
            throw new ArgumentException($"Restore needs [{itemIds.Count}, {layout.Length}] patterns; got {patterns}.", nameof(patterns));
        }

        if (collisions.FirstOrDefault(c => !layout.Contains(c.Slot) || c.First < 0 || c.Second < 0 || c.First >= itemIds.Count || c.Second >= itemIds.Count) is { } bad)
        {
            throw new ArgumentException($"Collision {bad} names a slot or an item this memory does not have.", nameof(collisions));
        }

        return new HopfieldEncodingNetwork(layout, scales.ToArray(), new HopfieldMemory(MemoryBank.FromPatterns(patterns), options), itemIds, collisions);
    }

    /// <summary>
    /// Recalls Q items from cues of some of the slots (codes [Q, length] by slot name); the other
    /// slots start at zero and are marked unobserved, so that cue mode Masked compares only the
    /// given slots and Full lets the zeros take part, as the paper did. <paramref name="targets"/>,
    /// when given, are the items the cues should recall. <paramref name="masks"/> may say, per cue
    /// slot, which of its components are observed ([1, length] shared or [Q, length]; default all):
    /// for example <see cref="Encoders.Images.ConvImageCodec.CodeMask"/> of an occluded image.
    /// </summary>
    public HenRecall Recall(
        IReadOnlyDictionary<string, Tensor> cues, IReadOnlyList<int>? targets = null, RecallOptions? options = null,
        IReadOnlyDictionary<string, Tensor>? masks = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        if (cues.Count == 0)
        {
            throw new ArgumentException($"A cue needs at least one slot; this memory has {string.Join(", ", Layout.Slots.Select(s => s.Name))}.", nameof(cues));
        }

        int q = cues.First().Value.RowCount;
        var state = new Tensor(q, Layout.Length);
        bool perCue = masks?.Values.Any(m => m.RowCount > 1) == true;
        var mask = new Tensor(perCue ? q : 1, Layout.Length);
        Span<float> data = state.Span;
        foreach (var (name, codes) in cues)
        {
            Slot slot = Layout[name];
            ArgumentNullException.ThrowIfNull(codes);
            if (codes.Rank != 2 || codes.RowCount != q || codes.Shape[1] != slot.Length)
            {
                throw new ArgumentException(
                    $"The '{name}' cue must be [{q}, {slot.Length}]; got [{string.Join(", ", codes.Shape.ToArray())}].", nameof(cues));
            }

            float scale = _scales[slot.Index];
            for (int i = 0; i < q; i++)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(codes.Span.Slice(i * slot.Length, slot.Length), scale, data.Slice((i * Layout.Length) + slot.Offset, slot.Length));
            }

            Tensor? slotMask = masks?.GetValueOrDefault(name);
            if (slotMask is not null && (slotMask.Rank != 2 || slotMask.Shape[1] != slot.Length || (slotMask.RowCount != 1 && slotMask.RowCount != q)))
            {
                throw new ArgumentException(
                    $"The '{name}' mask must be [1, {slot.Length}] or [{q}, {slot.Length}]; got [{string.Join(", ", slotMask.Shape.ToArray())}].", nameof(masks));
            }

            for (int i = 0; i < mask.RowCount; i++)
            {
                Span<float> row = mask.Span.Slice((i * Layout.Length) + slot.Offset, slot.Length);
                if (slotMask is null)
                {
                    row.Fill(1f);
                }
                else
                {
                    slotMask.Span.Slice((slotMask.RowCount == 1 ? 0 : i) * slot.Length, slot.Length).CopyTo(row);
                }
            }
        }

        if (masks?.Keys.FirstOrDefault(k => !cues.ContainsKey(k)) is { } stray)
        {
            throw new ArgumentException($"A mask is given for slot '{stray}', which the cue does not have.", nameof(masks));
        }

        HopfieldMemory memory = options is null ? Memory : Memory.WithOptions(options);
        IReadOnlyList<RecallResult> results = memory.Recall(state, mask, targets, progress, cancellationToken);
        return new HenRecall(this, results);
    }

    /// <summary>Unscaled codes of one slot from full states [Q, Layout.Length].</summary>
    internal Tensor SlotOf(IReadOnlyList<float[]> states, string name)
    {
        Slot slot = Layout[name];
        float inverse = 1f / _scales[slot.Index];
        var codes = new Tensor(states.Count, slot.Length);
        for (int i = 0; i < states.Count; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(states[i].AsSpan(slot.Offset, slot.Length), inverse, codes.Span.Slice(i * slot.Length, slot.Length));
        }

        return codes;
    }

    /// <summary>The stored codes of one slot, unscaled ([N, length]).</summary>
    public Tensor StoredCodes(string name) =>
        SlotOf(Enumerable.Range(0, Count).Select(n => Memory.Bank[n].ToArray()).ToArray(), name);
}

/// <summary>What a HEN recall returned: the memory's results, and each slot's final state as a code to decode.</summary>
public sealed class HenRecall
{
    private readonly HopfieldEncodingNetwork _network;

    internal HenRecall(HopfieldEncodingNetwork network, IReadOnlyList<RecallResult> results)
    {
        _network = network;
        Results = results;
    }

    /// <summary>One result per cue: final state, nearest item, metastable flag, top weight, energies.</summary>
    public IReadOnlyList<RecallResult> Results { get; }

    /// <summary>The final state of <paramref name="slot"/> for every cue, as codes of that slot's encoder [Q, length].</summary>
    public Tensor SlotState(string slot) => _network.SlotOf(Results.Select(r => r.State).ToArray(), slot);

    /// <summary>The fraction of cues whose nearest stored item is their target (or a byte-identical duplicate).</summary>
    public double Accuracy => Results.Count == 0 ? 0 : Results.Count(r => r.Retrieved == true) / (double)Results.Count;

    /// <summary>The fraction of cues that ended in a mixture rather than on a stored item.</summary>
    public double MetastableFraction => Results.Count == 0 ? 0 : Results.Count(r => r.Metastable) / (double)Results.Count;
}
