using Engram.Memory;

namespace Engram.Harmonic;

/// <summary>Where the free modalities' states begin.</summary>
public enum FreeStart
{
    /// <summary>
    /// At zero, as in DESIGN.md. The first step then reads out the uniform mixture of the slots (their
    /// mean), and a block two couplings away from the cue first sees its neighbour's unsettled state.
    /// </summary>
    Zero,

    /// <summary>
    /// Block by block in sweep order: at what the couplings imply, <c>b_m/λ_m</c> with
    /// <c>b_m = Σ_k A_mk x_k</c> (the energy's minimiser without the attractor term), then one fixed-point
    /// step from there, <c>(Ξ_mᵀ softmax(β_m Ξ_m b_m/λ_m) + b_m)/λ_m</c>, so each block starts on an attractor
    /// chosen by the couplings' prediction and the next block starts from it. The first softmax is the
    /// one contrastive training shapes, <c>softmax(β_m/λ_m · ξₙᵀ A x_cue)</c>. On the 1,911 emoji with the
    /// couplings image–text and text–audio only, this start recalls audio → image 0.96 where starting at
    /// the prediction without the step gave 0.89 and zero 0.88 (same model, β = 50).
    /// </summary>
    Coupling,
}

/// <summary>
/// How a harmonic network's dynamics run: the update rule, step sizes, normalisation, the start of
/// the free states and the stopping rule ("update steps max" T and "update steps eps" ε).
/// </summary>
public sealed record HarmonicRecallOptions
{
    /// <summary>
    /// FixedPoint: the block CCCP step <c>x_m ← (Ξ_mᵀ p_m + Σ_k A_mk x_k)/λ_m</c>, which minimises a
    /// quadratic upper bound of E in block m, so E never increases. Gradient: <c>x_m ← x_m − η_m ∇_m E</c>.
    /// </summary>
    public UpdateRule UpdateRule { get; init; } = UpdateRule.FixedPoint;

    /// <summary>η, the gradient rule's step size for every modality not in <see cref="StepSizes"/>.</summary>
    public double StepSize { get; init; } = 0.5;

    /// <summary>Per-modality step sizes η_m (by name) for the gradient rule; others use <see cref="StepSize"/>.</summary>
    public IReadOnlyDictionary<string, double>? StepSizes { get; init; }

    /// <summary>
    /// Rescale every free state to unit length after each update (the slots' length). The fixed-point
    /// step then maximises the linearised score over the sphere, so E still never increases once
    /// every free state is on the sphere (from the first sweep on); the quadratic term is constant there.
    /// </summary>
    public bool Normalize { get; init; }

    /// <summary>Where free states begin (see <see cref="FreeStart"/>).</summary>
    public FreeStart Start { get; init; } = FreeStart.Coupling;

    /// <summary>
    /// T: the most sweeps (each sweep updates every free modality once). Free modalities coupled to each
    /// other settle like ρ² per sweep (ρ: <see cref="HarmonicNetwork.CouplingRatio"/>); at ρ = 0.5, ε = 10⁻⁶ takes about 10.
    /// </summary>
    public int MaxSweeps { get; init; } = 20;

    /// <summary>ε: a cue stops once every free block moved by at most ε times its length in a sweep. Zero runs all T sweeps.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Cues processed together (memory grows with it times N per modality).</summary>
    public int QueryBlockSize { get; init; } = 256;

    /// <summary>η_m for <paramref name="modality"/>.</summary>
    public double StepSizeOf(string modality) =>
        StepSizes is not null && StepSizes.TryGetValue(modality, out double eta) ? eta : StepSize;

    /// <summary>Throws naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(UpdateRule))
        {
            throw new ArgumentOutOfRangeException(nameof(UpdateRule), UpdateRule, "Unknown update rule.");
        }

        if (!Enum.IsDefined(Start))
        {
            throw new ArgumentOutOfRangeException(nameof(Start), Start, "Unknown start.");
        }

        if (!(StepSize > 0) || !double.IsFinite(StepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, $"η (StepSize) must be a finite number > 0; got {StepSize}.");
        }

        foreach (var (name, eta) in StepSizes ?? new Dictionary<string, double>())
        {
            if (!(eta > 0) || !double.IsFinite(eta))
            {
                throw new ArgumentOutOfRangeException(nameof(StepSizes), eta, $"η for modality '{name}' (StepSizes) must be a finite number > 0; got {eta}.");
            }
        }

        if (MaxSweeps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSweeps), MaxSweeps, $"T (MaxSweeps) must be at least 1; got {MaxSweeps}.");
        }

        if (!(Tolerance >= 0) || !double.IsFinite(Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, $"ε (Tolerance) must be a finite number ≥ 0; got {Tolerance}.");
        }

        if (QueryBlockSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueryBlockSize), QueryBlockSize, $"QueryBlockSize must be at least 1; got {QueryBlockSize}.");
        }
    }
}
