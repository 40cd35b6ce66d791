using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>Softmax over the last axis, max-subtracted so that large logits do not overflow.</summary>
    public static Variable<T> Softmax<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = SoftmaxRows(x.Value);
        int width = LastDim(x.Value);
        return Variable<T>.Record(value, [x], g =>
        {
            // dx = y ⊙ (g − Σ g·y), row by row.
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int start = 0; start < gx.Length; start += width)
            {
                ReadOnlySpan<T> y = value.Data.AsSpan(start, width), gr = g.Data.AsSpan(start, width);
                T dot = TensorPrimitives.Dot(gr, y);
                Span<T> d = gx.Data.AsSpan(start, width);
                TensorPrimitives.Subtract(gr, dot, d);
                TensorPrimitives.Multiply(d, y, d);
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>log softmax over the last axis: x − max − log Σ exp(x − max).</summary>
    public static Variable<T> LogSoftmax<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = LastDim(x.Value);
        var value = new NdArray<T>(x.Value.ShapeArray);
        for (int start = 0; start < value.Length; start += width)
        {
            // (x − max) − log Σ exp(x − max): subtracting the max first keeps float precision
            // when the logits are large (x − logsumexp would round at the logits' magnitude).
            ReadOnlySpan<T> row = x.Value.Data.AsSpan(start, width);
            Span<T> y = value.Data.AsSpan(start, width);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, y);
            T sum = T.Zero;
            foreach (T v in y)
            {
                sum += T.Exp(v);
            }

            TensorPrimitives.Subtract(y, T.Log(sum), y);
        }

        return Variable<T>.Record(value, [x], g =>
        {
            // dx = g − softmax · Σ g.
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int start = 0; start < gx.Length; start += width)
            {
                ReadOnlySpan<T> gr = g.Data.AsSpan(start, width);
                T sum = TensorPrimitives.Sum(gr);
                Span<T> d = gx.Data.AsSpan(start, width);
                TensorPrimitives.Exp(value.Data.AsSpan(start, width), d);
                TensorPrimitives.Multiply(d, -sum, d);
                TensorPrimitives.Add(d, gr, d);
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>log Σ exp over the last axis (which is removed), computed max-subtracted.</summary>
    public static Variable<T> LogSumExp<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = LastDim(x.Value);
        int[] shape = x.Value.Shape[..^1].ToArray();
        var value = new NdArray<T>(shape);
        for (int r = 0; r < value.Length; r++)
        {
            value.Data[r] = RowLogSumExp(x.Value.Data.AsSpan(r * width, width));
        }

        return Variable<T>.Record(value, [x], g =>
        {
            // d/dx log Σ exp(x) = softmax(x).
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int r = 0; r < value.Length; r++)
            {
                Span<T> d = gx.Data.AsSpan(r * width, width);
                TensorPrimitives.Subtract(x.Value.Data.AsSpan(r * width, width), value.Data[r], d);
                TensorPrimitives.Exp(d, d);
                TensorPrimitives.Multiply(d, g.Data[r], d);
            }

            x.Accumulate(gx);
        });
    }

    internal static NdArray<T> SoftmaxRows<T>(NdArray<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = LastDim(x);
        var value = new NdArray<T>(x.ShapeArray);
        for (int start = 0; start < value.Length; start += width)
        {
            ReadOnlySpan<T> row = x.Data.AsSpan(start, width);
            Span<T> y = value.Data.AsSpan(start, width);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), y);
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum<T>(y), y);
        }

        return value;
    }

    private static T RowLogSumExp<T>(ReadOnlySpan<T> row)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(row);
        if (!T.IsFinite(max))
        {
            return max;
        }

        T sum = T.Zero;
        foreach (T v in row)
        {
            sum += T.Exp(v - max);
        }

        return max + T.Log(sum);
    }

    private static int LastDim<T>(NdArray<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank == 0 || x.Dim(-1) == 0)
        {
            throw new ArgumentException($"Softmax needs a non-empty last axis; got {Shapes.Format(x.Shape)}.", nameof(x));
        }

        return x.Dim(-1);
    }
}
