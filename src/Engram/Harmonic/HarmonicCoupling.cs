using Engram.Tensors;

namespace Engram.Harmonic;

/// <summary>
/// A learned cross-modal coupling of rank r between two modalities: <c>A = U Vᵀ</c>, with U of
/// shape d_First × r and V of shape d_Second × r. It enters the energy as <c>−x_Firstᵀ A x_Second</c>,
/// so it is low when the two states are what the coupling pairs together; <c>A_Second,First = Aᵀ</c>.
/// </summary>
public sealed record HarmonicCoupling(string First, string Second, Tensor U, Tensor V)
{
    /// <summary>The pair of modalities this coupling joins.</summary>
    public CouplingPair Pair => new(First, Second);

    /// <summary>r, the rank of the factors.</summary>
    public int Rank => U.Rank == 2 ? U.Shape[1] : 0;

    /// <summary>The dense matrix A = U Vᵀ (d_First × d_Second), for inspection.</summary>
    public Tensor Dense()
    {
        var a = new Tensor(U.Shape[0], V.Shape[0]);
        Gemm.Multiply(U, V, a, transposeB: true);
        return a;
    }

    /// <summary>‖A‖₂, the largest singular value of U Vᵀ (computed from the r×r Gram matrices, exactly).</summary>
    public double SpectralNorm() => CouplingBound.SpectralNorm(U.Span, V.Span, U.Shape[0], V.Shape[0], Rank);
}
