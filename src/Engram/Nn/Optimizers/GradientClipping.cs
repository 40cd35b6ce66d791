using System.Numerics.Tensors;

namespace Engram.Nn.Optimizers;

/// <summary>Gradient clipping, as PyTorch's <c>clip_grad_norm_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales every gradient by min(1, maxNorm / ‖g‖), where ‖g‖ is the L2 norm over all of them
    /// together. Returns ‖g‖ before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Variable<float>> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var gradients = parameters.Select(p => p.Grad).OfType<NdArray<float>>().ToList();
        double sumOfSquares = 0;
        foreach (NdArray<float> g in gradients)
        {
            foreach (float v in g.Span)
            {
                sumOfSquares += (double)v * v;
            }
        }

        double norm = Math.Sqrt(sumOfSquares);
        if (norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (NdArray<float> g in gradients)
            {
                TensorPrimitives.Multiply(g.Span, scale, g.Span);
            }
        }

        return norm;
    }
}
