namespace Engram.Memory;

/// <summary>How the state moves at each step.</summary>
public enum UpdateRule
{
    /// <summary>
    /// The concave–convex (CCCP) step of Ramsauer et al.: <c>v ← Xᵀp</c>. For the dot and L2
    /// energies the energy never increases under it.
    /// </summary>
    FixedPoint,

    /// <summary>
    /// Gradient descent on the energy: <c>v ← v − (Δt/τ)∇E(v)</c>, with <c>∇E = v − Xᵀp</c> (dot)
    /// or <c>2(v − Xᵀp)</c> (L2). Needs a differentiable energy, so not cosine.
    /// </summary>
    Gradient,
}
