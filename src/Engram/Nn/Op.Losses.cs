using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>Rows of <paramref name="weight"/> ([V, D]) picked by <paramref name="indices"/>: [indices.Length, D].</summary>
    public static Variable<T> Embedding<T>(Variable<T> weight, ReadOnlySpan<int> indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weight.Value.Rank != 2)
        {
            throw new ArgumentException($"Embedding weight must be [V, D]; got {Shapes.Format(weight.Value.Shape)}.", nameof(weight));
        }

        int vocabulary = weight.Value.Dim(0), width = weight.Value.Dim(1);
        int[] ids = indices.ToArray();
        var value = new NdArray<T>(ids.Length, width);
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {ids[i]} at position {i} is outside the vocabulary of {vocabulary}.");
            }

            weight.Value.Data.AsSpan(ids[i] * width, width).CopyTo(value.Data.AsSpan(i * width, width));
        }

        return Variable<T>.Record(value, [weight], g =>
        {
            var gw = new NdArray<T>(vocabulary, width);
            for (int i = 0; i < ids.Length; i++)
            {
                Span<T> row = gw.Data.AsSpan(ids[i] * width, width);
                TensorPrimitives.Add(row, g.Data.AsSpan(i * width, width), row);
            }

            weight.Accumulate(gw);
        });
    }

    /// <summary>Mean squared error, mean over every element.</summary>
    public static Variable<T> MseLoss<T>(Variable<T> prediction, Variable<T> target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(prediction.Value.Shape, target.Value.Shape))
        {
            throw new ArgumentException(
                $"MSE: prediction {Shapes.Format(prediction.Value.Shape)} and target {Shapes.Format(target.Value.Shape)} differ.");
        }

        return Mean(Square(Sub(prediction, target)));
    }

    /// <summary>
    /// Cross-entropy of logits [N, C] against class indices, averaged over the N rows; fused so that
    /// the gradient is (softmax − one-hot)/N.
    /// </summary>
    public static Variable<T> CrossEntropy<T>(Variable<T> logits, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.Value.Rank != 2 || logits.Value.Dim(0) != labels.Length)
        {
            throw new ArgumentException(
                $"CrossEntropy needs logits [N, C] and N labels; got {Shapes.Format(logits.Value.Shape)} and {labels.Length} labels.");
        }

        int n = logits.Value.Dim(0), c = logits.Value.Dim(1);
        int[] targets = labels.ToArray();
        NdArray<T> probabilities = SoftmaxRows(logits.Value);
        T loss = T.Zero;
        for (int i = 0; i < n; i++)
        {
            if ((uint)targets[i] >= (uint)c)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {targets[i]} at row {i} is outside the {c} classes.");
            }

            ReadOnlySpan<T> row = logits.Value.Data.AsSpan(i * c, c);
            loss += RowLogSumExp(row) - row[targets[i]];
        }

        T inverseN = T.One / T.CreateChecked(Math.Max(1, n));
        var value = NdArray<T>.Scalar(loss * inverseN);
        return Variable<T>.Record(value, [logits], g =>
        {
            var gx = probabilities.Clone();
            for (int i = 0; i < n; i++)
            {
                gx.Data[(i * c) + targets[i]] -= T.One;
            }

            TensorPrimitives.Multiply(gx.Span, g.Data[0] * inverseN, gx.Span);
            logits.Accumulate(gx);
        });
    }

    /// <summary>
    /// Symmetric InfoNCE (the CLIP loss) for N matched pairs: rows of <paramref name="a"/> and
    /// <paramref name="b"/> ([N, D]) are L2-normalised, logits are their cosines over
    /// <paramref name="temperature"/>, and the loss is the mean of the cross-entropies a→b and b→a
    /// with the matching row as the right class.
    /// </summary>
    public static Variable<T> InfoNce<T>(Variable<T> a, Variable<T> b, T temperature)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Value.Rank != 2 || !Shapes.Equal(a.Value.Shape, b.Value.Shape))
        {
            throw new ArgumentException(
                $"InfoNCE needs two [N, D] arrays of one shape; got {Shapes.Format(a.Value.Shape)} and {Shapes.Format(b.Value.Shape)}.");
        }

        if (!(temperature > T.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        }

        int n = a.Value.Dim(0);
        int[] diagonal = Enumerable.Range(0, n).ToArray();
        Variable<T> logits = MulScalar(MatMul(L2Normalize(a), L2Normalize(b), transposeB: true), T.One / temperature);
        Variable<T> forward = CrossEntropy(logits, diagonal);
        Variable<T> backward = CrossEntropy(Transpose(logits), diagonal);
        return MulScalar(Add(forward, backward), T.CreateChecked(0.5));
    }

    /// <summary>Each row divided by its L2 norm (with ε under the root so zero rows stay finite).</summary>
    public static Variable<T> L2Normalize<T>(Variable<T> x, double epsilon = 1e-12)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Variable<T> norms = Sqrt(AddScalar(Sum(Square(x), -1, keepDim: true), T.CreateChecked(epsilon)));
        return Div(x, norms);
    }
}
