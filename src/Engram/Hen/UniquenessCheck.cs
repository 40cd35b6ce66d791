namespace Engram.Hen;

/// <summary>Two items whose codes in one slot are identical or nearly so: a cue of that slot cannot tell them apart.</summary>
public sealed record Collision(string Slot, int First, int Second, double RelativeDistance);

/// <summary>
/// The store-time check of the paper's Hypothesis 3: when two items share (nearly) the same cue,
/// recall from that cue can only return a metastable mixture of both. Finds every pair of rows
/// whose distance is at most <c>tolerance · max(‖a‖, ‖b‖)</c>.
/// </summary>
public static class UniquenessCheck
{
    private const int Block = 1024;

    /// <summary>
    /// Colliding pairs (First &lt; Second) among the rows of <paramref name="codes"/>, at most
    /// <paramref name="limit"/> of them. Distances are screened with one GEMM per block of rows
    /// and confirmed in double.
    /// </summary>
    public static IReadOnlyList<Collision> Find(string slot, Tensor codes, double tolerance = 1e-3, int limit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        if (codes.Rank != 2)
        {
            throw new ArgumentException($"Codes must be [N, length]; got [{string.Join(", ", codes.Shape.ToArray())}].", nameof(codes));
        }

        int n = codes.RowCount, d = codes.Shape[1];
        ReadOnlySpan<float> data = codes.Span;
        var norms = new float[n];
        for (int i = 0; i < n; i++)
        {
            norms[i] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(data.Slice(i * d, d));
        }

        // Screen with a loose bound (float rounding in ‖a‖² + ‖b‖² − 2a·b), then confirm exactly.
        double screen = Math.Max(4 * tolerance * tolerance, 1e-5);
        var found = new List<Collision>();
        var products = new float[Block * Block];
        for (int i0 = 0; i0 < n && found.Count < limit; i0 += Block)
        {
            int rows = Math.Min(Block, n - i0);
            for (int j0 = i0; j0 < n && found.Count < limit; j0 += Block)
            {
                int columns = Math.Min(Block, n - j0);
                Tensors.Gemm.Default.Sgemm(false, true, rows, columns, d, 1f, data.Slice(i0 * d, rows * d), d, data.Slice(j0 * d, columns * d), d, 0f, products, columns);
                for (int i = 0; i < rows; i++)
                {
                    int a = i0 + i;
                    for (int j = j0 == i0 ? i + 1 : 0; j < columns; j++)
                    {
                        int b = j0 + j;
                        double largest = Math.Max(norms[a], norms[b]);
                        double squared = norms[a] + norms[b] - (2.0 * products[(i * columns) + j]);
                        if (squared <= screen * largest && Exact(data, d, a, b) is var relative && relative <= tolerance)
                        {
                            found.Add(new Collision(slot, a, b, relative));
                            if (found.Count >= limit)
                            {
                                break;
                            }
                        }
                    }
                }
            }
        }

        return found;
    }

    private static double Exact(ReadOnlySpan<float> data, int d, int a, int b)
    {
        double distance = 0, normA = 0, normB = 0;
        for (int k = 0; k < d; k++)
        {
            double x = data[(a * d) + k], y = data[(b * d) + k];
            distance += (x - y) * (x - y);
            normA += x * x;
            normB += y * y;
        }

        double largest = Math.Sqrt(Math.Max(normA, normB));
        return largest == 0 ? 0 : Math.Sqrt(distance) / largest;
    }
}
