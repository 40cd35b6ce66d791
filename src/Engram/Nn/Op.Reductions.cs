using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>The sum of every element, as a rank-0 result.</summary>
    public static Variable<T> Sum<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var value = NdArray<T>.Scalar(TensorPrimitives.Sum<T>(x.Value.Span));
        return Variable<T>.Record(value, [x], g => x.Accumulate(NdArray<T>.Full(g.Data[0], x.Value.ShapeArray)));
    }

    /// <summary>The mean of every element, as a rank-0 result.</summary>
    public static Variable<T> Mean<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MulScalar(Sum(x), T.One / T.CreateChecked(Math.Max(1, x.Value.Length)));

    /// <summary>Sums along one axis; with <paramref name="keepDim"/> the axis stays with size 1.</summary>
    public static Variable<T> Sum<T>(Variable<T> x, int axis, bool keepDim = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = x.Value.Rank;
        axis = Shapes.Axis(axis, rank);
        var (outer, length, inner) = Split(x.Value.Shape, axis);
        int[] shape = ReducedShape(x.Value.Shape, axis, keepDim);
        var value = new NdArray<T>(shape);
        T[] xs = x.Value.Data, ys = value.Data;
        for (int o = 0; o < outer; o++)
        {
            Span<T> row = ys.AsSpan(o * inner, inner);
            for (int a = 0; a < length; a++)
            {
                TensorPrimitives.Add<T>(row, xs.AsSpan(((o * length) + a) * inner, inner), row);
            }
        }

        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> row = g.Data.AsSpan(o * inner, inner);
                for (int a = 0; a < length; a++)
                {
                    row.CopyTo(gx.Data.AsSpan(((o * length) + a) * inner, inner));
                }
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>Averages along one axis.</summary>
    public static Variable<T> Mean<T>(Variable<T> x, int axis, bool keepDim = false)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MulScalar(Sum(x, axis, keepDim), T.One / T.CreateChecked(Math.Max(1, x.Value.Dim(axis))));

    /// <summary>(elements before the axis, the axis, elements after it).</summary>
    internal static (int Outer, int Length, int Inner) Split(ReadOnlySpan<int> shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (int i = axis + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[axis], inner);
    }

    internal static int[] ReducedShape(ReadOnlySpan<int> shape, int axis, bool keepDim)
    {
        var list = new List<int>(shape.ToArray());
        if (keepDim)
        {
            list[axis] = 1;
        }
        else
        {
            list.RemoveAt(axis);
        }

        return [.. list];
    }
}
