using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>
    /// The straight-through estimator: the value of <paramref name="quantized"/> with the gradient
    /// passed unchanged to <paramref name="continuous"/> (PyTorch's <c>x + (q − x).detach()</c>).
    /// </summary>
    public static Variable<T> StraightThrough<T>(Variable<T> continuous, NdArray<T> quantized)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(quantized);
        if (!Shapes.Equal(continuous.Value.Shape, quantized.Shape))
        {
            throw new ArgumentException(
                $"Straight-through: the quantized value {Shapes.Format(quantized.Shape)} must have the continuous one's shape {Shapes.Format(continuous.Value.Shape)}.");
        }

        return Variable<T>.Record(quantized.Clone(), [continuous], g => continuous.Accumulate(g));
    }

    /// <summary>
    /// Gumbel-softmax over the last axis: softmax((logits + g)/τ) with g ~ Gumbel(0, 1) drawn from
    /// <paramref name="random"/>. With <paramref name="hard"/>, the value is the one-hot of each
    /// row's argmax and the gradient is the soft sample's (straight-through).
    /// </summary>
    public static Variable<T> GumbelSoftmax<T>(Variable<T> logits, double temperature, bool hard, Rng random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var noise = new NdArray<T>(logits.Value.ShapeArray);
        for (int i = 0; i < noise.Length; i++)
        {
            noise.Data[i] = T.CreateChecked(random.NextGumbel());
        }

        Variable<T> soft = Softmax(MulScalar(Add(logits, Constant(noise)), T.CreateChecked(1 / temperature)));
        return hard ? StraightThrough(soft, OneHotOfArgmax(soft.Value)) : soft;
    }

    /// <summary>The one-hot of each row's largest element (first on ties), over the last axis.</summary>
    public static NdArray<T> OneHotOfArgmax<T>(NdArray<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        int width = LastDim(x);
        var result = new NdArray<T>(x.ShapeArray);
        for (int start = 0; start < x.Length; start += width)
        {
            result.Data[start + TensorPrimitives.IndexOfMax<T>(x.Data.AsSpan(start, width))] = T.One;
        }

        return result;
    }
}
