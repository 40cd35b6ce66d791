using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>max(x, 0).</summary>
    public static Variable<T> Relu<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, ReluOperator<T>>(x);

    /// <summary>1 / (1 + e^−x).</summary>
    public static Variable<T> Sigmoid<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, SigmoidOperator<T>>(x);

    /// <summary>tanh x.</summary>
    public static Variable<T> Tanh<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, TanhOperator<T>>(x);

    /// <summary>x · σ(x) (also called swish).</summary>
    public static Variable<T> Silu<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, SiluOperator<T>>(x);

    /// <summary>
    /// GELU in its tanh form, ½x(1 + tanh(√(2/π)(x + 0.044715x³))), PyTorch's
    /// <c>gelu(approximate="tanh")</c>; it differs from the erf form by under 10⁻³.
    /// </summary>
    public static Variable<T> Gelu<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, GeluOperator<T>>(x);

    /// <summary>eˣ.</summary>
    public static Variable<T> Exp<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, ExpOperator<T>>(x);

    /// <summary>ln x.</summary>
    public static Variable<T> Log<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, LogOperator<T>>(x);

    /// <summary>√x.</summary>
    public static Variable<T> Sqrt<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, SqrtOperator<T>>(x);

    /// <summary>x².</summary>
    public static Variable<T> Square<T>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T> => Unary<T, SquareOperator<T>>(x);

    /// <summary>Applies an elementwise function; its derivative is taken from the input and the output.</summary>
    internal static Variable<T> Unary<T, TOperator>(Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : IUnaryOperator<T>
    {
        var value = new NdArray<T>(x.Value.ShapeArray);
        TOperator.Forward(x.Value.Span, value.Span);
        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(g.ShapeArray);
            T[] xs = x.Value.Data, ys = value.Data, gs = g.Data, gxs = gx.Data;
            for (int i = 0; i < gxs.Length; i++)
            {
                gxs[i] = gs[i] * TOperator.Derivative(xs[i], ys[i]);
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>An elementwise function: a span form for the forward pass and its derivative given x and y = f(x).</summary>
    internal interface IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract void Forward(ReadOnlySpan<T> x, Span<T> y);

        static abstract T Derivative(T x, T y);
    }

    internal readonly struct ReluOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);

        public static T Derivative(T x, T y) => x > T.Zero ? T.One : T.Zero;
    }

    internal readonly struct SigmoidOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);

        public static T Derivative(T x, T y) => y * (T.One - y);
    }

    internal readonly struct TanhOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);

        public static T Derivative(T x, T y) => T.One - (y * y);
    }

    internal readonly struct SiluOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            TensorPrimitives.Sigmoid(x, y);
            TensorPrimitives.Multiply(x, y, y);
        }

        public static T Derivative(T x, T y)
        {
            T s = T.One / (T.One + T.Exp(-x));
            return s * (T.One + (x * (T.One - s)));
        }
    }

    internal readonly struct GeluOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly T s_c = T.CreateChecked(Math.Sqrt(2 / Math.PI));
        private static readonly T s_a = T.CreateChecked(0.044715);
        private static readonly T s_half = T.CreateChecked(0.5);
        private static readonly T s_three = T.CreateChecked(3);

        public static void Forward(ReadOnlySpan<T> x, Span<T> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                T v = x[i];
                y[i] = s_half * v * (T.One + T.Tanh(s_c * (v + (s_a * v * v * v))));
            }
        }

        public static T Derivative(T x, T y)
        {
            T t = T.Tanh(s_c * (x + (s_a * x * x * x)));
            return (s_half * (T.One + t)) + (s_half * x * (T.One - (t * t)) * s_c * (T.One + (s_three * s_a * x * x)));
        }
    }

    internal readonly struct ExpOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);

        public static T Derivative(T x, T y) => y;
    }

    internal readonly struct LogOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);

        public static T Derivative(T x, T y) => T.One / x;
    }

    internal readonly struct SqrtOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static readonly T s_half = T.CreateChecked(0.5);

        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);

        public static T Derivative(T x, T y) => s_half / y;
    }

    internal readonly struct SquareOperator<T> : IUnaryOperator<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Forward(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Multiply(x, x, y);

        public static T Derivative(T x, T y) => x + x;
    }
}
