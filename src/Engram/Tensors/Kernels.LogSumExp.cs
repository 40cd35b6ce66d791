using System.Numerics.Tensors;

namespace Engram.Tensors;

public static partial class Kernels
{
    /// <summary>
    /// <c>log Σ exp(β·xᵢ)</c>, max-subtracted so it is finite for any finite input, accumulated in
    /// double. Returns −∞ for an empty span (the log of an empty sum).
    /// </summary>
    public static double LogSumExp(ReadOnlySpan<float> x, float beta = 1f)
    {
        if (x.IsEmpty)
        {
            return double.NegativeInfinity;
        }

        double max = beta >= 0 ? beta * (double)TensorPrimitives.Max(x) : beta * (double)TensorPrimitives.Min(x);
        double sum = 0;
        Span<float> buffer = stackalloc float[Math.Min(x.Length, 256)];

        // Process the span in stack-sized chunks; the last chunk may be shorter.
        for (int start = 0; start < x.Length; start += buffer.Length)
        {
            int count = Math.Min(buffer.Length, x.Length - start);
            Span<float> chunk = buffer[..count];
            TensorPrimitives.Multiply(x.Slice(start, count), beta, chunk);
            TensorPrimitives.Subtract(chunk, (float)max, chunk);
            TensorPrimitives.Exp(chunk, chunk);
            sum += TensorPrimitives.Sum(chunk);
        }

        return max + Math.Log(sum);
    }
}
