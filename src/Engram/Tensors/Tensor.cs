using System.Runtime.CompilerServices;

namespace Engram.Tensors;

/// <summary>
/// A dense float32 tensor: a shape and contiguous row-major storage. <see cref="Rows"/> and
/// <see cref="Reshape"/> return views that share storage with their source, so slicing a
/// memory bank into blocks costs nothing.
/// </summary>
public sealed class Tensor
{
    private readonly float[] _data;
    private readonly int _offset;
    private readonly int[] _shape;

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
        : this(new float[checked((int)CheckedLength(shape))], 0, (int[])shape.Clone())
    {
    }

    private Tensor(float[] data, int offset, int[] shape)
    {
        _data = data;
        _offset = offset;
        _shape = shape;
        Length = (int)CheckedLength(shape);
    }

    /// <summary>Wraps <paramref name="data"/> (no copy) with the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        long length = CheckedLength(shape);
        if (length != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {length} elements but the array has {data.Length}.",
                nameof(shape));
        }

        return new Tensor(data, 0, (int[])shape.Clone());
    }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>Rows of a rank-2 tensor (the first dimension of any tensor).</summary>
    public int RowCount => _shape.Length == 0 ? 1 : _shape[0];

    /// <summary>Elements per row: the product of every dimension but the first.</summary>
    public int RowLength => _shape.Length == 0 ? 1 : Product(_shape.AsSpan(1));

    /// <summary>The elements, in row-major order.</summary>
    public Span<float> Span => _data.AsSpan(_offset, Length);

    /// <summary>The underlying array and the offset of the first element (for kernels that pin).</summary>
    internal float[] Array => _data;

    internal int Offset => _offset;

    /// <summary>Row <paramref name="index"/> of a tensor seen as [RowCount, RowLength].</summary>
    public Span<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowCount);
        int rowLength = RowLength;
        return _data.AsSpan(_offset + (index * rowLength), rowLength);
    }

    /// <summary>A view of rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public Tensor Rows(int start, int count)
    {
        if (Rank == 0)
        {
            throw new InvalidOperationException("A scalar tensor has no rows.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > RowCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), $"Rows [{start}, {start + count}) fall outside a tensor of {RowCount} rows.");
        }

        var shape = (int[])_shape.Clone();
        shape[0] = count;
        return new Tensor(_data, _offset + (start * RowLength), shape);
    }

    /// <summary>A view of the same elements with another shape of the same length.</summary>
    public Tensor Reshape(params int[] shape)
    {
        long length = CheckedLength(shape);
        if (length != Length)
        {
            throw new ArgumentException(
                $"Cannot reshape [{string.Join(", ", _shape)}] ({Length} elements) to [{string.Join(", ", shape)}] ({length} elements).",
                nameof(shape));
        }

        return new Tensor(_data, _offset, (int[])shape.Clone());
    }

    /// <summary>A deep copy with its own storage.</summary>
    public Tensor Clone()
    {
        var copy = new Tensor(_shape);
        Span.CopyTo(copy.Span);
        return copy;
    }

    /// <summary>Element [i, j] of a rank-2 tensor.</summary>
    public float this[int i, int j]
    {
        get => _data[Index2(i, j)];
        set => _data[Index2(i, j)] = value;
    }

    /// <summary>Element i in row-major order.</summary>
    public float this[int i]
    {
        get => Span[i];
        set => Span[i] = value;
    }

    /// <summary>The shape, for messages: <c>Tensor[N, D]</c>.</summary>
    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index2(int i, int j)
    {
        if (Rank != 2)
        {
            throw new InvalidOperationException($"Two indices need a rank-2 tensor; this one is {this}.");
        }

        if ((uint)i >= (uint)_shape[0] || (uint)j >= (uint)_shape[1])
        {
            throw new ArgumentOutOfRangeException(nameof(i), $"Index [{i}, {j}] is outside {this}.");
        }

        return _offset + (i * _shape[1]) + j;
    }

    private static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }

        return p;
    }

    private static long CheckedLength(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            }

            length *= d;
            if (length > System.Array.MaxLength)
            {
                throw new ArgumentException(
                    $"Shape [{string.Join(", ", shape)}] holds more elements than one array can ({System.Array.MaxLength}).",
                    nameof(shape));
            }
        }

        return length;
    }
}
