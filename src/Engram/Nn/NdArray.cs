using System.Globalization;
using System.Numerics;

namespace Engram.Nn;

/// <summary>
/// The values and gradients of the neural core: a shape and contiguous row-major storage of any
/// IEEE floating-point type. Training runs in <see cref="float"/>; gradient checks run the very
/// same operations in <see cref="double"/>. <see cref="Reshape"/> shares storage; every operation
/// in <see cref="Op"/> returns fresh storage and never writes to its inputs.
/// </summary>
public sealed class NdArray<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _shape;

    /// <summary>A zero-filled array of the given shape.</summary>
    public NdArray(params int[] shape)
        : this(new T[Shapes.Length(shape)], (int[])shape.Clone())
    {
    }

    private NdArray(T[] data, int[] shape)
    {
        Data = data;
        _shape = shape;
    }

    /// <summary>Wraps <paramref name="data"/> (no copy) with the given shape.</summary>
    public static NdArray<T> FromArray(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        int length = Shapes.Length(shape);
        if (length != data.Length)
        {
            throw new ArgumentException(
                $"Shape {Shapes.Format(shape)} holds {length} elements but the array has {data.Length}.", nameof(shape));
        }

        return new NdArray<T>(data, (int[])shape.Clone());
    }

    /// <summary>An array of the given shape with every element set to <paramref name="value"/>.</summary>
    public static NdArray<T> Full(T value, params int[] shape)
    {
        var array = new NdArray<T>(shape);
        array.Data.AsSpan().Fill(value);
        return array;
    }

    /// <summary>A rank-0 array holding one value.</summary>
    public static NdArray<T> Scalar(T value) => FromArray([value]);

    /// <summary>The elements, row-major. Operations never write to an input's storage.</summary>
    public T[] Data { get; }

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Data;

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as a new array.</summary>
    public int[] ShapeArray => (int[])_shape.Clone();

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[Shapes.Axis(axis, _shape.Length)];

    /// <summary>A view with another shape over the same storage (one dimension may be −1).</summary>
    public NdArray<T> Reshape(params int[] shape) => new(Data, Shapes.Resolve(shape, Data.Length));

    /// <summary>A copy with its own storage.</summary>
    public NdArray<T> Clone() => new((T[])Data.Clone(), (int[])_shape.Clone());

    /// <summary>The only element of a one-element array.</summary>
    public T ScalarValue => Data.Length == 1
        ? Data[0]
        : throw new InvalidOperationException($"ScalarValue needs a one-element array; this one is {Shapes.Format(_shape)}.");

    /// <summary>Element access by full index.</summary>
    public T this[params int[] index]
    {
        get => Data[Shapes.Offset(_shape, index)];
        set => Data[Shapes.Offset(_shape, index)] = value;
    }

    /// <summary>Converts every element to another floating-point type.</summary>
    public NdArray<TOther> Cast<TOther>()
        where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var result = new TOther[Data.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = TOther.CreateChecked(Data[i]);
        }

        return new NdArray<TOther>(result, (int[])_shape.Clone());
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"NdArray<{typeof(T).Name}>{Shapes.Format(_shape)}");

    internal static NdArray<T> Wrap(T[] data, int[] shape) => new(data, shape);
}
