using System.Numerics.Tensors;

namespace Engram.Tensors;

/// <summary>Numeric kernels: spans in, destination out, one operation per file.</summary>
public static partial class Kernels
{
    /// <summary>
    /// <c>destination = softmax(β·x)</c>, always max-subtracted: β-scaled scores above ~88 overflow
    /// <c>exp</c> in float32, and <see cref="TensorPrimitives.SoftMax(ReadOnlySpan{float}, Span{float})"/>
    /// does not subtract the maximum. <paramref name="destination"/> may alias <paramref name="x"/>.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> destination, float beta = 1f)
    {
        CheckDestination(x.Length, destination.Length, nameof(destination));
        if (x.IsEmpty)
        {
            return;
        }

        // The largest of β·xᵢ: β times the maximum, or times the minimum when β is negative.
        float max = beta >= 0 ? beta * TensorPrimitives.Max(x) : beta * TensorPrimitives.Min(x);

        TensorPrimitives.Multiply(x, beta, destination);
        TensorPrimitives.Subtract(destination, max, destination);
        TensorPrimitives.Exp(destination, destination);
        float sum = TensorPrimitives.Sum(destination);
        TensorPrimitives.Divide(destination, sum, destination);
    }

    internal static void CheckDestination(int needed, int actual, string name)
    {
        if (actual < needed)
        {
            throw new ArgumentException($"Destination is too short: it holds {actual} elements but {needed} are needed.", name);
        }
    }
}
