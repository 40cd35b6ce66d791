using System.Numerics.Tensors;

namespace Engram.Evaluation;

/// <summary>
/// How separable stored items are from their cues (the paper's Figure 3): the cosine of each cue
/// with its own stored pattern (i = j) against its cosines with every other stored pattern (i ≠ j),
/// as two histograms over [−1, 1], and their overlap Σ_b min(p_b, q_b) of the two normalised
/// histograms (0: perfectly apart, 1: indistinguishable).
/// </summary>
public sealed record SeparabilityReport(double[] BinEdges, long[] Matched, long[] Unmatched, double Overlap, double MatchedMean, double UnmatchedMean, double CosineAccuracy)
{
    private const int Block = 512;

    /// <summary>
    /// Cue i ([N, D] <paramref name="cues"/>) belongs to stored pattern i ([N, D] <paramref name="stored"/>).
    /// All N² cosines are binned, one GEMM per block of cues; nothing of size N² is held.
    /// <see cref="CosineAccuracy"/> is the fraction of cues whose own pattern has the largest cosine.
    /// </summary>
    public static SeparabilityReport Measure(Tensor cues, Tensor stored, int bins = 40)
    {
        ArgumentNullException.ThrowIfNull(cues);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if (cues.Rank != 2 || stored.Rank != 2 || cues.RowCount != stored.RowCount || cues.Shape[1] != stored.Shape[1])
        {
            throw new ArgumentException(
                $"Separability needs cues and stored patterns of one shape [N, D]; got [{string.Join(", ", cues.Shape.ToArray())}] and [{string.Join(", ", stored.Shape.ToArray())}].");
        }

        int n = cues.RowCount, d = cues.Shape[1];
        float[] cueNorms = Retrieval.RowNorms(cues), storedNorms = Retrieval.RowNorms(stored);
        var matched = new long[bins];
        var unmatched = new long[bins];
        double matchedSum = 0, unmatchedSum = 0;
        int best = 0;
        var products = new float[Block * n];
        for (int i0 = 0; i0 < n; i0 += Block)
        {
            int rows = Math.Min(Block, n - i0);
            Tensors.Gemm.Default.Sgemm(false, true, rows, n, d, 1f, cues.Span.Slice(i0 * d, rows * d), d, stored.Span, d, 0f, products, n);
            for (int r = 0; r < rows; r++)
            {
                int i = i0 + r;
                Span<float> row = products.AsSpan(r * n, n);
                TensorPrimitives.Divide(row, storedNorms, row);
                TensorPrimitives.Divide(row, cueNorms[i], row);
                float own = row[i];
                bool largest = true;
                for (int j = 0; j < n; j++)
                {
                    double cosine = Math.Clamp(row[j], -1f, 1f);
                    int bin = Math.Min(bins - 1, (int)((cosine + 1) / 2 * bins));
                    if (j == i)
                    {
                        matched[bin]++;
                        matchedSum += cosine;
                    }
                    else
                    {
                        unmatched[bin]++;
                        unmatchedSum += cosine;
                        largest &= row[j] < own;
                    }
                }

                best += largest ? 1 : 0;
            }
        }

        long pairs = (long)n * (n - 1);
        double overlap = 0;
        for (int b = 0; b < bins; b++)
        {
            overlap += Math.Min(matched[b] / (double)n, pairs == 0 ? 0 : unmatched[b] / (double)pairs);
        }

        double[] edges = Enumerable.Range(0, bins + 1).Select(b => -1 + (2.0 * b / bins)).ToArray();
        return new SeparabilityReport(edges, matched, unmatched, overlap, matchedSum / n, pairs == 0 ? double.NaN : unmatchedSum / pairs, (double)best / n);
    }
}
