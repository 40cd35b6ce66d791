using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

/// <summary>
/// The differentiable operations. Each takes <see cref="Variable{T}"/>s, returns a new one, and,
/// when recording, the step that sends the result's gradient back to its inputs. Binary arithmetic
/// broadcasts as NumPy and PyTorch do; gradients of broadcast operands are summed back to their shapes.
/// </summary>
public static partial class Op
{
    /// <summary>A constant (no gradient).</summary>
    public static Variable<T> Constant<T>(NdArray<T> value)
        where T : unmanaged, IFloatingPointIeee754<T> => new(value);

    /// <summary><c>a + b</c>, broadcasting.</summary>
    public static Variable<T> Add<T>(Variable<T> a, Variable<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = Binary<T, AddOperator<T>>(a.Value, b.Value);
        return Variable<T>.Record(value, [a, b], g =>
        {
            a.Accumulate(ReduceTo(g, a.Value.Shape));
            b.Accumulate(ReduceTo(g, b.Value.Shape));
        });
    }

    /// <summary><c>a − b</c>, broadcasting.</summary>
    public static Variable<T> Sub<T>(Variable<T> a, Variable<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = Binary<T, SubtractOperator<T>>(a.Value, b.Value);
        return Variable<T>.Record(value, [a, b], g =>
        {
            a.Accumulate(ReduceTo(g, a.Value.Shape));
            if (b.RequiresGrad)
            {
                b.Accumulate(Negate(ReduceTo(g, b.Value.Shape)));
            }
        });
    }

    /// <summary><c>a ⊙ b</c> (elementwise), broadcasting.</summary>
    public static Variable<T> Mul<T>(Variable<T> a, Variable<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = Binary<T, MultiplyOperator<T>>(a.Value, b.Value);
        return Variable<T>.Record(value, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                a.Accumulate(ReduceTo(Binary<T, MultiplyOperator<T>>(g, b.Value), a.Value.Shape));
            }

            if (b.RequiresGrad)
            {
                b.Accumulate(ReduceTo(Binary<T, MultiplyOperator<T>>(g, a.Value), b.Value.Shape));
            }
        });
    }

    /// <summary><c>a ⊘ b</c> (elementwise), broadcasting.</summary>
    public static Variable<T> Div<T>(Variable<T> a, Variable<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NdArray<T> value = Binary<T, DivideOperator<T>>(a.Value, b.Value);
        return Variable<T>.Record(value, [a, b], g =>
        {
            NdArray<T> gOverB = Binary<T, DivideOperator<T>>(g, b.Value);
            a.Accumulate(ReduceTo(gOverB, a.Value.Shape));
            if (b.RequiresGrad)
            {
                // ∂(a/b)/∂b = −(a/b)/b, so the gradient is −g·value/b.
                NdArray<T> gb = Binary<T, MultiplyOperator<T>>(gOverB, value);
                b.Accumulate(Negate(ReduceTo(gb, b.Value.Shape)));
            }
        });
    }

    /// <summary><c>x + c</c> for a constant <paramref name="c"/>.</summary>
    public static Variable<T> AddScalar<T>(Variable<T> x, T c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var value = new NdArray<T>(x.Value.ShapeArray);
        TensorPrimitives.Add<T>(x.Value.Span, c, value.Span);
        return Variable<T>.Record(value, [x], g => x.Accumulate(g));
    }

    /// <summary><c>c · x</c> for a constant <paramref name="c"/>.</summary>
    public static Variable<T> MulScalar<T>(Variable<T> x, T c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var value = new NdArray<T>(x.Value.ShapeArray);
        TensorPrimitives.Multiply<T>(x.Value.Span, c, value.Span);
        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(g.ShapeArray);
            TensorPrimitives.Multiply<T>(g.Span, c, gx.Span);
            x.Accumulate(gx);
        });
    }

    /// <summary><c>−x</c>.</summary>
    public static Variable<T> Neg<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => MulScalar(x, -T.One);

    /// <summary>The same value with no gradient flowing back (PyTorch's <c>detach</c>).</summary>
    public static Variable<T> Detach<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => new(x.Value);

    internal static NdArray<T> Negate<T>(NdArray<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new NdArray<T>(x.ShapeArray);
        TensorPrimitives.Negate<T>(x.Span, result.Span);
        return result;
    }

    /// <summary>Elementwise <c>a ∘ b</c> with broadcasting; fast paths for equal shapes and suffix shapes (biases).</summary>
    internal static NdArray<T> Binary<T, TOperator>(NdArray<T> a, NdArray<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : IBinaryOperator<T>
    {
        if (Shapes.Equal(a.Shape, b.Shape))
        {
            var same = new NdArray<T>(a.ShapeArray);
            TOperator.Invoke(a.Span, b.Span, same.Span);
            return same;
        }

        int[] shape = Shapes.Broadcast(a.Shape, b.Shape);
        var result = new NdArray<T>(shape);
        Span<T> r = result.Span;
        int suffixB = Shapes.SuffixLength(b.Shape, shape);
        if (suffixB > 0 && Shapes.Equal(a.Shape, shape))
        {
            for (int start = 0; start < r.Length; start += suffixB)
            {
                TOperator.Invoke(a.Span.Slice(start, suffixB), b.Span, r.Slice(start, suffixB));
            }

            return result;
        }

        int suffixA = Shapes.SuffixLength(a.Shape, shape);
        if (suffixA > 0 && Shapes.Equal(b.Shape, shape))
        {
            for (int start = 0; start < r.Length; start += suffixA)
            {
                TOperator.Invoke(a.Span, b.Span.Slice(start, suffixA), r.Slice(start, suffixA));
            }

            return result;
        }

        int[] mapA = Shapes.BroadcastMap(a.Shape, shape);
        int[] mapB = Shapes.BroadcastMap(b.Shape, shape);
        T[] da = a.Data, db = b.Data;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = TOperator.Invoke(da[mapA[i]], db[mapB[i]]);
        }

        return result;
    }

    /// <summary>Sums a broadcast gradient back to an operand's shape.</summary>
    internal static NdArray<T> ReduceTo<T>(NdArray<T> gradient, ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Shapes.Equal(gradient.Shape, shape))
        {
            return gradient;
        }

        var result = new NdArray<T>(shape.ToArray());
        Span<T> r = result.Span;
        ReadOnlySpan<T> g = gradient.Span;
        int suffix = Shapes.SuffixLength(shape, gradient.Shape);
        if (suffix > 0)
        {
            for (int start = 0; start < g.Length; start += suffix)
            {
                TensorPrimitives.Add<T>(r, g.Slice(start, suffix), r);
            }

            return result;
        }

        int[] map = Shapes.BroadcastMap(shape, gradient.Shape);
        for (int i = 0; i < g.Length; i++)
        {
            r[map[i]] += g[i];
        }

        return result;
    }

    /// <summary>One elementwise binary operation over spans, with a scalar form for broadcast loops.</summary>
    internal interface IBinaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract T Invoke(T x, T y);

        static abstract void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);
    }

    internal readonly struct AddOperator<T> : IBinaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Invoke(T x, T y) => x + y;

        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);
    }

    internal readonly struct SubtractOperator<T> : IBinaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Invoke(T x, T y) => x - y;

        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
    }

    internal readonly struct MultiplyOperator<T> : IBinaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Invoke(T x, T y) => x * y;

        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);
    }

    internal readonly struct DivideOperator<T> : IBinaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Invoke(T x, T y) => x / y;

        public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
    }
}
