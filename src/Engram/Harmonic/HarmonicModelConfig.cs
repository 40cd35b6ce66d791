namespace Engram.Harmonic;

/// <summary>
/// One modality of a <see cref="HarmonicModel"/>: the length of the frozen base encoder's codes, the
/// adapter that maps them into the modality's space, and the space's energy settings.
/// </summary>
public sealed record HarmonicModalityConfig
{
    /// <summary>The modality's name (lower-case letters, digits and hyphens).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The length of the base codes (the shipped encoder's output), at least 2.</summary>
    public int BaseDimension { get; init; }

    /// <summary>d_m, the length of the adapted codes, states and slots.</summary>
    public int Dimension { get; init; } = 64;

    /// <summary>The adapter's hidden width (a GELU layer); 0 makes the adapter one linear map.</summary>
    public int Hidden { get; init; }

    /// <summary>λ_m of the attractor energy.</summary>
    public double Lambda { get; init; } = 1;

    /// <summary>
    /// β_m of the attractor energy; training uses β_m/λ_m as the inverse temperature of its contrastive
    /// logits, whose scale the coupling limit caps at about β_m·0.5. On the 1,911 emoji (shipped encoders,
    /// d = 64, rank 32) β = 100 recalled every cue → target pair at ≥ 0.986, β = 50 at ≥ 0.965.
    /// </summary>
    public double Beta { get; init; } = 100;

    /// <summary>The modality space this adapter feeds.</summary>
    public HarmonicModality ToModality() => new(Name, Dimension, Lambda, Beta);

    /// <summary>Throws naming the first field out of range.</summary>
    public void Validate()
    {
        ToModality().Validate();
        if (BaseDimension < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(BaseDimension), BaseDimension, $"Modality '{Name}': the base codes need at least 2 components (the adapter standardises them); got {BaseDimension}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Hidden, nameof(Hidden));
    }
}

/// <summary>
/// The architecture of a <see cref="HarmonicModel"/>, saved with its weights: the modalities, which
/// pairs are coupled (each coupling is a parameter; pairs left out have no coupling at all) and the
/// couplings' rank.
/// </summary>
public sealed record HarmonicModelConfig
{
    /// <summary>The modality spaces, in slot order.</summary>
    public IReadOnlyList<HarmonicModalityConfig> Modalities { get; init; } = [];

    /// <summary>The coupled pairs; <see cref="Coupled"/> couples every pair.</summary>
    public IReadOnlyList<CouplingPair> Couplings { get; init; } = [];

    /// <summary>r, the rank of every coupling A = U Vᵀ.</summary>
    public int Rank { get; init; } = 32;

    /// <summary>A configuration coupling <paramref name="pairs"/>, or every pair of modalities (in order) when null.</summary>
    public static HarmonicModelConfig Coupled(IReadOnlyList<HarmonicModalityConfig> modalities, IReadOnlyList<CouplingPair>? pairs = null, int rank = 32)
    {
        ArgumentNullException.ThrowIfNull(modalities);
        var all = new List<CouplingPair>();
        for (int i = 0; i < modalities.Count; i++)
        {
            for (int j = i + 1; j < modalities.Count; j++)
            {
                all.Add(new CouplingPair(modalities[i].Name, modalities[j].Name));
            }
        }

        return new HarmonicModelConfig { Modalities = modalities, Couplings = pairs ?? all, Rank = rank };
    }

    /// <summary>The index of modality <paramref name="name"/>, or an exception naming the modalities there are.</summary>
    public int IndexOf(string name, string field = "modality")
    {
        for (int m = 0; m < Modalities.Count; m++)
        {
            if (string.Equals(Modalities[m].Name, name, StringComparison.Ordinal))
            {
                return m;
            }
        }

        throw new ArgumentException($"'{name}' is not a modality of this model ({string.Join(", ", Modalities.Select(m => m.Name))}).", field);
    }

    /// <summary>The coupling that joins <paramref name="pair"/>'s modalities (in either order), as the model writes it.</summary>
    public CouplingPair CouplingOf(CouplingPair pair, string field = "pair")
    {
        ArgumentNullException.ThrowIfNull(pair, field);
        return Couplings.FirstOrDefault(c => c.Joins(pair.First, pair.Second))
            ?? throw new ArgumentException(
                $"{pair} is not a coupling of this model (its couplings: {(Couplings.Count == 0 ? "none" : string.Join(", ", Couplings))}).", field);
    }

    /// <summary>Throws naming the first field out of range.</summary>
    public void Validate()
    {
        if (Modalities is null || Modalities.Count < 2)
        {
            throw new ArgumentException($"A harmonic model joins at least two modalities; got {Modalities?.Count ?? 0}.", nameof(Modalities));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (HarmonicModalityConfig modality in Modalities)
        {
            ArgumentNullException.ThrowIfNull(modality, nameof(Modalities));
            modality.Validate();
            if (!seen.Add(modality.Name))
            {
                throw new ArgumentException($"Modality '{modality.Name}' appears twice; modality names must be unique.", nameof(Modalities));
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rank, nameof(Rank));
        ArgumentNullException.ThrowIfNull(Couplings, nameof(Couplings));
        for (int c = 0; c < Couplings.Count; c++)
        {
            CouplingPair pair = Couplings[c] ?? throw new ArgumentException($"Coupling {c} is null.", nameof(Couplings));
            IndexOf(pair.First, nameof(Couplings));
            IndexOf(pair.Second, nameof(Couplings));
            if (string.Equals(pair.First, pair.Second, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Coupling {c} joins '{pair.First}' to itself; a coupling joins two different modalities.", nameof(Couplings));
            }

            if (Couplings.Take(c).Any(p => p.Joins(pair.First, pair.Second)))
            {
                throw new ArgumentException($"Coupling {c} ({pair}) is listed twice; give each pair once.", nameof(Couplings));
            }
        }
    }
}
