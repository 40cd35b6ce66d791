using System.Numerics.Tensors;

namespace Engram.Evaluation;

/// <summary>Nearest-neighbour retrieval in a shared code space, the figure contrastive encoders are judged by.</summary>
public static class Retrieval
{
    /// <summary>
    /// For every query row i, the index of the target row with the largest cosine similarity (first on ties).
    /// </summary>
    public static int[] Nearest(Tensor queries, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(targets);
        if (queries.Rank != 2 || targets.Rank != 2 || queries.Shape[1] != targets.Shape[1])
        {
            throw new ArgumentException(
                $"Queries and targets need one code length; got [{string.Join(", ", queries.Shape.ToArray())}] and [{string.Join(", ", targets.Shape.ToArray())}].");
        }

        int q = queries.RowCount, n = targets.RowCount, d = queries.Shape[1];
        float[] targetNorms = RowNorms(targets);

        var scores = new float[(long)q * n <= 1 << 26 ? q * n : throw new ArgumentException($"{q}×{n} scores are too many for one call; split the queries.")];
        Tensors.Gemm.Default.Sgemm(false, true, q, n, d, 1f, queries.Span, d, targets.Span, d, 0f, scores, n);
        var result = new int[q];
        for (int i = 0; i < q; i++)
        {
            Span<float> row = scores.AsSpan(i * n, n);
            TensorPrimitives.Divide(row, targetNorms, row);
            result[i] = TensorPrimitives.IndexOfMax<float>(row);
        }

        return result;
    }

    /// <summary>The L2 norm of every row of [N, D] (at least 1e-30, so dividing by it stays finite).</summary>
    internal static float[] RowNorms(Tensor rows)
    {
        int d = rows.Shape[1];
        var norms = new float[rows.RowCount];
        for (int i = 0; i < norms.Length; i++)
        {
            norms[i] = MathF.Max(TensorPrimitives.Norm(rows.Span.Slice(i * d, d)), 1e-30f);
        }

        return norms;
    }

    /// <summary>
    /// The fraction of queries whose nearest target is <paramref name="truth"/>[i], or one that
    /// <paramref name="equivalent"/> says is the same (for example a byte-identical duplicate).
    /// </summary>
    public static double Accuracy(Tensor queries, Tensor targets, IReadOnlyList<int> truth, Func<int, int, bool>? equivalent = null)
    {
        ArgumentNullException.ThrowIfNull(truth);
        if (truth.Count != queries.RowCount)
        {
            throw new ArgumentException($"{truth.Count} true targets for {queries.RowCount} queries.", nameof(truth));
        }

        int[] nearest = Nearest(queries, targets);
        int correct = 0;
        for (int i = 0; i < nearest.Length; i++)
        {
            if (nearest[i] == truth[i] || (equivalent is not null && equivalent(nearest[i], truth[i])))
            {
                correct++;
            }
        }

        return nearest.Length == 0 ? 0 : (double)correct / nearest.Length;
    }
}
