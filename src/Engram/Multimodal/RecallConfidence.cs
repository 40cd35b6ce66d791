using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Engram.Multimodal;

/// <summary>Whether a cue is like something the memory holds.</summary>
public enum RecallVerdict
{
    /// <summary>In every slot it gives, the cue is near some stored item.</summary>
    Match,

    /// <summary>In some slot it gives, the cue is far from every stored item: the recalled item is only the least unlike.</summary>
    NoMatch,
}

/// <summary>How the cue compares with the stored items in one of the slots it gives.</summary>
/// <param name="Slot">The slot.</param>
/// <param name="Similarity">Cosine between the cue's code and the recalled item's code in this slot (over the observed components when the cue has a mask).</param>
/// <param name="Nearest">The largest such cosine over every stored item: how near the cue is to anything stored in this slot.</param>
/// <param name="NearestIndex">The stored item with that cosine.</param>
/// <param name="Threshold">The slot's novelty threshold: a <paramref name="Nearest"/> below it means no match.</param>
/// <param name="Observed">How many of the slot's code components the cue was compared on.</param>
public sealed record CuedSlotSimilarity(string Slot, double Similarity, double Nearest, int NearestIndex, double Threshold, int Observed)
{
    /// <summary>Whether the cue is far from every stored item in this slot.</summary>
    public bool Novel => Nearest < Threshold;
}

/// <summary>A stored item ranked by its similarity to the cue.</summary>
/// <param name="Index">The stored item.</param>
/// <param name="Similarity">Its combined similarity to the cue: the mean over the cued slots of the cosines.</param>
public sealed record RankedItem(int Index, double Similarity);

/// <summary>
/// How sure a recall is, from the cue's codes and the stored codes alone (so the same for every engine): the cue's
/// similarity to the recalled item in each slot it gives, the stored items ranked by similarity to the cue, the margin
/// from the best to the second, and a verdict, "no match" when in some cued slot the cue is farther from every stored
/// item than that slot's <see cref="NoveltyThresholds">novelty threshold</see>.
/// </summary>
public sealed record RecallConfidence
{
    /// <summary>Each cued slot, in the order the cue gave them.</summary>
    public required IReadOnlyList<CuedSlotSimilarity> Slots { get; init; }

    /// <summary>The item the recall returned.</summary>
    public required int RecalledIndex { get; init; }

    /// <summary>The recalled item's combined similarity to the cue (mean over the cued slots).</summary>
    public required double Similarity { get; init; }

    /// <summary>The stored item most similar to the cue (combined); usually the recalled one.</summary>
    public required int BestIndex { get; init; }

    /// <summary>The best item's combined similarity.</summary>
    public required double BestSimilarity { get; init; }

    /// <summary>The best combined similarity minus the second best; null when the memory holds one item.</summary>
    public required double? Margin { get; init; }

    /// <summary>The most similar stored items, most similar first (ties by index).</summary>
    public required IReadOnlyList<RankedItem> Ranked { get; init; }

    /// <summary>Match, or no match.</summary>
    public required RecallVerdict Verdict { get; init; }

    /// <summary>Why, naming the slot, the similarity and the threshold.</summary>
    public required string Reason { get; init; }

    /// <summary>Whether the verdict is a match.</summary>
    public bool IsMatch => Verdict == RecallVerdict.Match;

    /// <summary>
    /// Assesses a recall from <paramref name="cueCodes"/> (per cued slot, [1, slot length]) and their
    /// <paramref name="masks"/> (per masked slot, [1, slot length], 1 = observed; a slot without one is compared whole)
    /// against <paramref name="storedCodesBySlot"/> ([N, slot length] per slot), with the memory's
    /// <paramref name="thresholds"/>, for the recalled item <paramref name="recalledIndex"/>, listing
    /// <paramref name="runnersUp"/> ranked items.
    /// </summary>
    public static RecallConfidence Assess(
        IReadOnlyDictionary<string, Tensor> cueCodes, IReadOnlyDictionary<string, Tensor> masks, IReadOnlyDictionary<string, Tensor> storedCodesBySlot,
        NoveltyThresholds thresholds, int recalledIndex, int runnersUp)
    {
        ArgumentNullException.ThrowIfNull(cueCodes);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(storedCodesBySlot);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentOutOfRangeException.ThrowIfNegative(runnersUp);
        if (cueCodes.Count == 0)
        {
            throw new ArgumentException("The cue gives no slot to assess.", nameof(cueCodes));
        }

        int n = -1;
        var slots = new List<CuedSlotSimilarity>();
        double[]? combined = null;
        foreach (var (slot, cue) in cueCodes)
        {
            Tensor stored = storedCodesBySlot.TryGetValue(slot, out Tensor? s)
                ? s
                : throw new ArgumentException($"There are no stored codes for the cue's {slot} slot.", nameof(storedCodesBySlot));
            if (n < 0)
            {
                n = stored.RowCount;
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n, nameof(storedCodesBySlot));
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(recalledIndex, n);
                ArgumentOutOfRangeException.ThrowIfNegative(recalledIndex);
                combined = new double[n];
            }
            else if (stored.RowCount != n)
            {
                throw new ArgumentException($"The stored codes of the {slot} slot have {stored.RowCount} rows, and another slot's have {n}.", nameof(storedCodesBySlot));
            }

            if (cue.Length != stored.RowLength)
            {
                throw new ArgumentException($"The cue's {slot} code has {cue.Length} components; the stored codes have {stored.RowLength}.", nameof(cueCodes));
            }

            Tensor? mask = masks.TryGetValue(slot, out Tensor? m) ? m : null;
            if (mask is not null && mask.Length != cue.Length)
            {
                throw new ArgumentException($"The cue's {slot} mask has {mask.Length} components; its code has {cue.Length}.", nameof(masks));
            }

            double[] cosines = Cosines(cue.Span, mask is null ? default : mask.Span, stored);
            int nearest = ArgMax(cosines);
            for (int i = 0; i < n; i++)
            {
                combined![i] += cosines[i] / cueCodes.Count;
            }

            int observed = mask is null ? cue.Length : Count(mask.Span);
            slots.Add(new CuedSlotSimilarity(slot, cosines[recalledIndex], cosines[nearest], nearest, thresholds[slot].Threshold, observed));
        }

        RankedItem[] ranked = Top(combined!, Math.Max(runnersUp, 2));
        CuedSlotSimilarity? novel = slots.Where(s => s.Novel).OrderBy(s => s.Nearest - s.Threshold).FirstOrDefault();
        return new RecallConfidence
        {
            Slots = slots,
            RecalledIndex = recalledIndex,
            Similarity = combined![recalledIndex],
            BestIndex = ranked[0].Index,
            BestSimilarity = ranked[0].Similarity,
            Margin = ranked.Length > 1 ? ranked[0].Similarity - ranked[1].Similarity : null,
            Ranked = ranked.Take(runnersUp).ToArray(),
            Verdict = novel is null ? RecallVerdict.Match : RecallVerdict.NoMatch,
            Reason = novel is null ? MatchReason(slots) : NoMatchReason(novel),
        };
    }

    private static string MatchReason(List<CuedSlotSimilarity> slots) =>
        "the cue is near a stored item in every slot it gives: " + string.Join("; ", slots.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Slot} {s.Nearest:F3} ≥ threshold {s.Threshold:F3}")));

    private static string NoMatchReason(CuedSlotSimilarity s) => string.Create(CultureInfo.InvariantCulture,
        $"the cue's {s.Slot} is far from every stored item: the most similar is {s.Nearest:F3}, below the {s.Slot} threshold {s.Threshold:F3}");

    // Each stored tensor's row norms |ξₙ|, computed once: the stored codes a memory assesses against never change.
    private static readonly ConditionalWeakTable<Tensor, double[]> s_rowNorms = new();

    // cos(c, ξₙ) over the observed components: Σ m c ξ / √(Σ m c² · Σ m ξ²), the mask m weighting each component.
    // A cue with few non-zero components (a caption's spelling: a hundred n-grams of 4,096 buckets) is multiplied by
    // gathering only those; an unmasked cue divides by the stored row norms, computed once per stored tensor.
    private static double[] Cosines(ReadOnlySpan<float> cue, ReadOnlySpan<float> mask, Tensor stored)
    {
        int length = cue.Length;
        bool masked = !mask.IsEmpty;
        float[] weighted = new float[length];
        if (masked)
        {
            TensorPrimitives.Multiply(cue, mask, weighted);
        }
        else
        {
            cue.CopyTo(weighted);
        }

        double cueNorm = Math.Sqrt(TensorPrimitives.Dot(weighted, cue));
        double[] cosines = new double[stored.RowCount];
        int[]? nonZero = Sparse(weighted);
        double[]? norms = masked ? null : s_rowNorms.GetValue(stored, RowNorms);
        float[] scratch = masked ? new float[length] : [];
        for (int i = 0; i < cosines.Length; i++)
        {
            ReadOnlySpan<float> row = stored.Row(i);
            double norm;
            if (masked)
            {
                TensorPrimitives.Multiply(row, mask, scratch);
                norm = Math.Sqrt(TensorPrimitives.Dot(scratch, row));
            }
            else
            {
                norm = norms![i];
            }

            double denominator = cueNorm * norm;
            double dot = nonZero is null ? TensorPrimitives.Dot(weighted, row) : GatherDot(weighted, row, nonZero);
            cosines[i] = denominator > 0 ? dot / denominator : 0;
        }

        return cosines;
    }

    // The indices of the non-zero components when they are fewer than one in eight, else null (a dense dot is then faster).
    private static int[]? Sparse(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float v in values)
        {
            count += v != 0 ? 1 : 0;
        }

        if (count * 8 > values.Length)
        {
            return null;
        }

        int[] indices = new int[count];
        for (int i = 0, k = 0; i < values.Length; i++)
        {
            if (values[i] != 0)
            {
                indices[k++] = i;
            }
        }

        return indices;
    }

    private static double GatherDot(float[] cue, ReadOnlySpan<float> row, int[] nonZero)
    {
        float sum = 0;
        foreach (int i in nonZero)
        {
            sum += cue[i] * row[i];
        }

        return sum;
    }

    private static double[] RowNorms(Tensor stored)
    {
        double[] norms = new double[stored.RowCount];
        for (int i = 0; i < norms.Length; i++)
        {
            ReadOnlySpan<float> row = stored.Row(i);
            norms[i] = Math.Sqrt(TensorPrimitives.Dot(row, row));
        }

        return norms;
    }

    private static int Count(ReadOnlySpan<float> mask)
    {
        int count = 0;
        foreach (float m in mask)
        {
            count += m != 0 ? 1 : 0;
        }

        return count;
    }

    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    // The count largest, largest first, ties by index: a partial selection, not a sort of all N.
    private static RankedItem[] Top(double[] values, int count)
    {
        count = Math.Min(count, values.Length);
        var heap = new PriorityQueue<int, (double Value, int Index)>(count + 1, Comparer<(double Value, int Index)>.Create(
            (a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : b.Index.CompareTo(a.Index)));
        for (int i = 0; i < values.Length; i++)
        {
            heap.Enqueue(i, (values[i], i));
            if (heap.Count > count)
            {
                heap.Dequeue();
            }
        }

        var top = new RankedItem[heap.Count];
        for (int k = top.Length - 1; k >= 0; k--)
        {
            int index = heap.Dequeue();
            top[k] = new RankedItem(index, values[index]);
        }

        return top;
    }
}
