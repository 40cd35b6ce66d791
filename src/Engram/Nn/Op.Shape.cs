using System.Numerics;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>The same elements with another shape (one dimension may be −1).</summary>
    public static Variable<T> Reshape<T>(Variable<T> x, params int[] shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = x.Value.Reshape(shape);
        int[] original = x.Value.ShapeArray;
        return Variable<T>.Record(value, [x], g => x.Accumulate(g.Reshape(original)));
    }

    /// <summary>Reorders the axes: result axis i is input axis <c>axes[i]</c>.</summary>
    public static Variable<T> Permute<T>(Variable<T> x, params int[] axes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(axes);
        int rank = x.Value.Rank;
        if (axes.Length != rank || axes.Distinct().Count() != rank || axes.Any(a => a < 0 || a >= rank))
        {
            throw new ArgumentException($"Axes [{string.Join(", ", axes)}] are not a permutation of the {rank} axes of {Shapes.Format(x.Value.Shape)}.", nameof(axes));
        }

        NdArray<T> value = PermuteArray(x.Value, axes);
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            inverse[axes[i]] = i;
        }

        return Variable<T>.Record(value, [x], g => x.Accumulate(PermuteArray(g, inverse)));
    }

    /// <summary>The transpose of a matrix.</summary>
    public static Variable<T> Transpose<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Value.Rank != 2)
        {
            throw new ArgumentException($"Transpose needs a matrix; got {Shapes.Format(x.Value.Shape)}.", nameof(x));
        }

        return Permute(x, 1, 0);
    }

    /// <summary>Elements <c>start … start+length−1</c> along <paramref name="axis"/>.</summary>
    public static Variable<T> Slice<T>(Variable<T> x, int axis, int start, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        axis = Shapes.Axis(axis, x.Value.Rank);
        var (outer, size, inner) = Split(x.Value.Shape, axis);
        if (start < 0 || length < 0 || start + length > size)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice {start}..{start + length} is outside axis {axis} of {Shapes.Format(x.Value.Shape)}.");
        }

        int[] shape = x.Value.ShapeArray;
        shape[axis] = length;
        var value = new NdArray<T>(shape);
        int block = length * inner;
        for (int o = 0; o < outer; o++)
        {
            x.Value.Data.AsSpan(((o * size) + start) * inner, block).CopyTo(value.Data.AsSpan(o * block, block));
        }

        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int o = 0; o < outer; o++)
            {
                g.Data.AsSpan(o * block, block).CopyTo(gx.Data.AsSpan(((o * size) + start) * inner, block));
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>Joins arrays along <paramref name="axis"/>; every other dimension must agree.</summary>
    public static Variable<T> Concat<T>(IReadOnlyList<Variable<T>> parts, int axis)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Concat needs at least one array.", nameof(parts));
        }

        int rank = parts[0].Value.Rank;
        axis = Shapes.Axis(axis, rank);
        int[] shape = parts[0].Value.ShapeArray;
        int total = 0;
        foreach (Variable<T> part in parts)
        {
            ReadOnlySpan<int> s = part.Value.Shape;
            for (int d = 0; d < rank; d++)
            {
                if (s.Length != rank || (d != axis && s[d] != shape[d]))
                {
                    throw new ArgumentException(
                        $"Concat along axis {axis}: shape {Shapes.Format(s)} does not match {Shapes.Format(shape)} off that axis.", nameof(parts));
                }
            }

            total += s[axis];
        }

        shape[axis] = total;
        var value = new NdArray<T>(shape);
        var (outer, _, inner) = Split(shape, axis);
        int offset = 0;
        foreach (Variable<T> part in parts)
        {
            int block = part.Value.Dim(axis) * inner;
            for (int o = 0; o < outer; o++)
            {
                part.Value.Data.AsSpan(o * block, block).CopyTo(value.Data.AsSpan((o * total * inner) + offset, block));
            }

            offset += block;
        }

        Variable<T>[] inputs = [.. parts];
        return Variable<T>.Record(value, inputs, g =>
        {
            int at = 0;
            foreach (Variable<T> part in inputs)
            {
                int block = part.Value.Dim(axis) * inner;
                if (part.RequiresGrad)
                {
                    var gp = new NdArray<T>(part.Value.ShapeArray);
                    for (int o = 0; o < outer; o++)
                    {
                        g.Data.AsSpan((o * total * inner) + at, block).CopyTo(gp.Data.AsSpan(o * block, block));
                    }

                    part.Accumulate(gp);
                }

                at += block;
            }
        });
    }

    internal static NdArray<T> PermuteArray<T>(NdArray<T> x, int[] axes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = axes.Length;
        var shape = new int[rank];
        int[] sourceStrides = Shapes.Strides(x.Shape);
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = x.Shape[axes[i]];
            strides[i] = sourceStrides[axes[i]];
        }

        var result = new NdArray<T>(shape);
        T[] source = x.Data, destination = result.Data;
        if (destination.Length == 0)
        {
            return result;
        }

        // Walk the result in order; the innermost axis is copied as one strided run.
        int innerLength = shape[rank - 1], innerStride = strides[rank - 1];
        var index = new int[rank];
        int offset = 0;
        for (int e = 0; e < destination.Length; e += innerLength)
        {
            for (int j = 0; j < innerLength; j++)
            {
                destination[e + j] = source[offset + (j * innerStride)];
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                offset -= strides[d] * index[d];
                index[d] = 0;
            }
        }

        return result;
    }
}
