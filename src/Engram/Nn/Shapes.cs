namespace Engram.Nn;

/// <summary>Shape arithmetic shared by every operation: lengths, axes, strides and broadcasting.</summary>
internal static class Shapes
{
    public static int Length(ReadOnlySpan<int> shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape {Format(shape)} has a negative dimension.", nameof(shape));
            }

            length *= d;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Shape {Format(shape)} holds more elements than one array can.", nameof(shape));
            }
        }

        return (int)length;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static int Axis(int axis, int rank)
    {
        int resolved = axis < 0 ? axis + rank : axis;
        if (resolved < 0 || resolved >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for rank {rank}.");
        }

        return resolved;
    }

    /// <summary>Resolves one −1 in a reshape target.</summary>
    public static int[] Resolve(int[] shape, int length)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var result = (int[])shape.Clone();
        int unknown = Array.IndexOf(result, -1);
        if (unknown >= 0)
        {
            long known = 1;
            for (int i = 0; i < result.Length; i++)
            {
                if (i != unknown)
                {
                    known *= result[i];
                }
            }

            if (known == 0 || length % known != 0)
            {
                throw new ArgumentException($"Cannot reshape {length} elements to {Format(shape)}.", nameof(shape));
            }

            result[unknown] = (int)(length / known);
        }

        if (Length(result) != length)
        {
            throw new ArgumentException($"Cannot reshape {length} elements to {Format(shape)}.", nameof(shape));
        }

        return result;
    }

    public static int Offset(ReadOnlySpan<int> shape, ReadOnlySpan<int> index)
    {
        if (index.Length != shape.Length)
        {
            throw new ArgumentException($"An index of rank {index.Length} does not fit shape {Format(shape)}.", nameof(index));
        }

        int offset = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if ((uint)index[i] >= (uint)shape[i])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {Format(index)} is outside shape {Format(shape)}.");
            }

            offset = (offset * shape[i]) + index[i];
        }

        return offset;
    }

    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }

    /// <summary>NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} do not broadcast: dimension {i} is {da} against {db}.");
            }

            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>
    /// The strides with which an operand of shape <paramref name="operand"/> is read when broadcast
    /// to <paramref name="target"/>: 0 along dimensions it repeats.
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> operand, ReadOnlySpan<int> target)
    {
        var strides = new int[target.Length];
        int offset = target.Length - operand.Length;
        int stride = 1;
        for (int i = operand.Length - 1; i >= 0; i--)
        {
            strides[i + offset] = operand[i] == 1 && target[i + offset] != 1 ? 0 : stride;
            stride *= operand[i];
        }

        return strides;
    }

    /// <summary>
    /// How many trailing elements of <paramref name="target"/> an operand covers unbroadcast, when the
    /// operand's shape (less leading 1s) is a suffix of the target's; else −1.
    /// </summary>
    public static int SuffixLength(ReadOnlySpan<int> operand, ReadOnlySpan<int> target)
    {
        int start = 0;
        while (start < operand.Length && operand[start] == 1)
        {
            start++;
        }

        var core = operand[start..];
        if (core.Length > target.Length || !core.SequenceEqual(target[(target.Length - core.Length)..]))
        {
            return -1;
        }

        return Length(core);
    }

    /// <summary>For each element of <paramref name="target"/> (row-major), the element of the broadcast operand it reads.</summary>
    public static int[] BroadcastMap(ReadOnlySpan<int> operand, ReadOnlySpan<int> target)
    {
        int[] strides = BroadcastStrides(operand, target);
        int length = Length(target);
        var map = new int[length];
        var index = new int[target.Length];
        int offset = 0;
        for (int e = 0; e < length; e++)
        {
            map[e] = offset;
            for (int d = target.Length - 1; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < target[d])
                {
                    break;
                }

                offset -= strides[d] * index[d];
                index[d] = 0;
            }
        }

        return map;
    }
}
