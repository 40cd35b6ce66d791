using System.Globalization;
using System.Numerics.Tensors;
using Engram.Tensors;

namespace Engram.Multimodal;

/// <summary>
/// One slot's novelty threshold: a cue whose similarity to every stored item in this slot is below
/// <see cref="Threshold"/> is far from everything stored, and a recall from it says "no match".
/// </summary>
/// <param name="Slot">The slot (a modality name).</param>
/// <param name="Threshold">The cosine below which a cue's nearest stored item is too far to be a match.</param>
/// <param name="Quantile">The quantile of the stored items' nearest-other-item cosines the threshold was taken at.</param>
/// <param name="Margin">What was taken off that quantile.</param>
/// <param name="Sampled">How many stored items the threshold was calibrated on (0: the memory has one item, and nothing is called novel).</param>
/// <param name="MedianNearest">The median of those items' cosines to their nearest other item: how close stored items typically are to each other.</param>
/// <param name="NearestDeciles">The 10th, 20th, …, 90th percentiles of those cosines (empty when nothing was sampled).</param>
public sealed record SlotNovelty(string Slot, double Threshold, double Quantile, double Margin, int Sampled, double MedianNearest, IReadOnlyList<double> NearestDeciles)
{
    /// <summary>How the threshold was found, in a user's words.</summary>
    public string Rule => Sampled == 0
        ? "the memory holds one item, so there is nothing to calibrate against and every cue is a match"
        : string.Create(CultureInfo.InvariantCulture,
            $"{Quantile:P0} of {Sampled} stored items are less similar than this to their nearest other item{(Margin > 0 ? $", less {Margin:G2}" : "")}");
}

/// <summary>
/// The novelty thresholds of a memory, one per slot, calibrated from the stored codes themselves. For a
/// deterministic sample of stored items (at most <see cref="DefaultSample"/>, evenly spaced over the memory, so a
/// memory sorted by class is sampled across its classes), each item's cosine to its nearest <em>other</em> stored item
/// in that slot is computed; the threshold is the <see cref="DefaultQuantile"/> quantile of those cosines (the median)
/// less <see cref="DefaultMargin"/> (none). The rule: a cue is a match when it is at least as close to its nearest
/// stored item as a typical stored item is to its own nearest neighbour. Farther than that, the nearest stored item
/// resembles the cue less than two different stored items usually resemble each other, so the cue picks out no item
/// and the recalled one is only the least unlike. The nearest-other-item cosine is a maximum over the memory, as the
/// cue's nearest cosine is, so the threshold rises with the memory's size and density as the cue's nearest cosine
/// does, and it is in each slot's own scale (a text encoder whose unrelated codes still have cosine 0.4, an image
/// codec whose every code is 0.9 like some other).
/// </summary>
public sealed class NoveltyThresholds
{
    /// <summary>The most stored items a slot's threshold is calibrated on.</summary>
    public const int DefaultSample = 1000;

    /// <summary>The quantile of the nearest-other-item cosines the threshold is taken at: the median.</summary>
    public const double DefaultQuantile = 0.5;

    /// <summary>What is taken off the quantile, in cosine: nothing.</summary>
    public const double DefaultMargin = 0;

    // Rows of stored codes compared with the sample at once: bounds the product to sample × block floats.
    private const int Block = 4096;

    private readonly Dictionary<string, SlotNovelty> _slots;

    private NoveltyThresholds(Dictionary<string, SlotNovelty> slots) => _slots = slots;

    /// <summary>Each slot's threshold, by slot name.</summary>
    public IReadOnlyDictionary<string, SlotNovelty> Slots => _slots;

    /// <summary>The threshold of <paramref name="slot"/>.</summary>
    public SlotNovelty this[string slot] => _slots.TryGetValue(slot, out SlotNovelty? s)
        ? s
        : throw new ArgumentException($"No novelty threshold was calibrated for a {slot} slot (there are {string.Join(", ", _slots.Keys)}).", nameof(slot));

    /// <summary>
    /// Calibrates each slot of <paramref name="storedCodesBySlot"/> (codes [N, slot length], the same N in every slot)
    /// on at most <paramref name="sample"/> evenly spaced stored items, at <paramref name="quantile"/> (or, for a slot named in
    /// <paramref name="slotQuantiles"/>, its own) less <paramref name="margin"/>. Deterministic: the same codes give the same
    /// thresholds. Costs one product of [sample, length] by [length, N] per slot.
    /// </summary>
    public static NoveltyThresholds Calibrate(
        IReadOnlyDictionary<string, Tensor> storedCodesBySlot, int sample = DefaultSample, double quantile = DefaultQuantile, double margin = DefaultMargin,
        IReadOnlyDictionary<string, double>? slotQuantiles = null)
    {
        ArgumentNullException.ThrowIfNull(storedCodesBySlot);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sample);
        if (!(quantile is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must be from 0 to 1.");
        }

        if (!(margin is >= 0 and <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin is a cosine difference, from 0 to 2.");
        }

        if (storedCodesBySlot.Count == 0)
        {
            throw new ArgumentException("There are no slots to calibrate.", nameof(storedCodesBySlot));
        }

        var slots = new Dictionary<string, SlotNovelty>(StringComparer.Ordinal);
        foreach (var (slot, codes) in storedCodesBySlot)
        {
            if (codes.Rank != 2 || codes.RowCount == 0)
            {
                throw new ArgumentException($"The {slot} slot's stored codes are {codes}; expected [N ≥ 1, slot length].", nameof(storedCodesBySlot));
            }

            double q = slotQuantiles?.GetValueOrDefault(slot, quantile) ?? quantile;
            if (!(q is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(slotQuantiles), q, $"The {slot} slot's quantile must be from 0 to 1.");
            }

            slots[slot] = CalibrateSlot(slot, codes, sample, q, margin);
        }

        return new NoveltyThresholds(slots);
    }

    private static SlotNovelty CalibrateSlot(string slot, Tensor codes, int sample, double quantile, double margin)
    {
        int n = codes.RowCount, length = codes.RowLength;
        if (n < 2)
        {
            return new SlotNovelty(slot, -1, quantile, margin, 0, double.NaN, []);
        }

        Tensor unit = Normalized(codes);
        int count = Math.Min(sample, n);
        int[] picked = Enumerable.Range(0, count).Select(i => (int)((long)i * n / count)).ToArray();
        var probe = new Tensor(count, length);
        for (int i = 0; i < count; i++)
        {
            unit.Row(picked[i]).CopyTo(probe.Row(i));
        }

        var nearest = new double[count];
        Array.Fill(nearest, double.NegativeInfinity);
        var products = new Tensor(count, Math.Min(Block, n));
        for (int start = 0; start < n; start += Block)
        {
            int rows = Math.Min(Block, n - start);
            Tensor block = rows == products.Shape[1] ? products : new Tensor(count, rows);
            Gemm.Multiply(probe, unit.Rows(start, rows), block, transposeB: true);
            for (int i = 0; i < count; i++)
            {
                Span<float> row = block.Row(i);
                for (int j = 0; j < rows; j++)
                {
                    // Its own row is left out: the nearest *other* stored item.
                    if (start + j != picked[i] && row[j] > nearest[i])
                    {
                        nearest[i] = row[j];
                    }
                }
            }
        }

        Array.Sort(nearest);
        double at = Quantile(nearest, quantile);
        return new SlotNovelty(slot, Math.Max(-1, at - margin), quantile, margin, count, Quantile(nearest, 0.5),
            Enumerable.Range(1, 9).Select(d => Quantile(nearest, d / 10.0)).ToArray());
    }

    // Rows scaled to unit norm; a zero row stays zero (its cosine with anything is 0).
    internal static Tensor Normalized(Tensor codes)
    {
        var unit = new Tensor(codes.RowCount, codes.RowLength);
        for (int i = 0; i < codes.RowCount; i++)
        {
            ReadOnlySpan<float> row = codes.Row(i);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, unit.Row(i));
            }
        }

        return unit;
    }

    // The q-quantile of sorted values, linearly interpolated between order statistics.
    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
