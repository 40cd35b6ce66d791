using System.Globalization;

namespace Engram.Harmonic;

/// <summary>
/// One modality space of a harmonic network: its name ("image", "text", "audio"), the length d_m of
/// its states and stored slots, and the two numbers of its attractor energy
/// <c>½ λ_m ‖x_m‖² − β_m⁻¹ log Σₙ exp(β_m ξₙ·x_m)</c>.
/// </summary>
/// <param name="Name">Lower-case letters, digits and hyphens.</param>
/// <param name="Dimension">d_m, the length of the modality's states and slots.</param>
/// <param name="Lambda">λ_m &gt; 0, the weight of the quadratic term: it sets how far a state may stray from the slots.</param>
/// <param name="Beta">β_m &gt; 0, the inverse temperature ("scaling") of the modality's attractor.</param>
public sealed record HarmonicModality(string Name, int Dimension, double Lambda = 1, double Beta = 100)
{
    /// <summary>Throws naming the first field that is out of range.</summary>
    public void Validate()
    {
        CheckName(Name, nameof(Name));
        if (Dimension < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Dimension), Dimension, $"Modality '{Name}': the dimension must be at least 1; got {Dimension}.");
        }

        if (!(Lambda > 0) || !double.IsFinite(Lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, $"Modality '{Name}': λ (Lambda) must be a finite number > 0; got {Lambda}.");
        }

        if (!(Beta > 0) || !double.IsFinite(Beta))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta), Beta, $"Modality '{Name}': β (Beta) must be a finite number > 0; got {Beta}.");
        }
    }

    /// <summary>
    /// Modality names become parts of weight names (<c>coupling_image_text.u</c>), so they are kept
    /// to lower-case letters, digits and hyphens: no dots, no underscores, nothing ambiguous.
    /// </summary>
    internal static void CheckName(string? name, string field)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid modality name: use lower-case letters, digits and hyphens (e.g. \"image\", \"text\", \"audio\").", field);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (d {Dimension}, λ {Lambda:G4}, β {Beta:G4})");
}

/// <summary>An unordered pair of modalities joined by a cross-modal coupling, written in the order the coupling's factors are.</summary>
/// <param name="First">The modality whose states multiply A's rows (A is d_First × d_Second).</param>
/// <param name="Second">The modality whose states multiply A's columns.</param>
public sealed record CouplingPair(string First, string Second)
{
    /// <summary>Whether this pair joins <paramref name="a"/> and <paramref name="b"/>, in either order.</summary>
    public bool Joins(string a, string b) =>
        (string.Equals(First, a, StringComparison.Ordinal) && string.Equals(Second, b, StringComparison.Ordinal)) ||
        (string.Equals(First, b, StringComparison.Ordinal) && string.Equals(Second, a, StringComparison.Ordinal));

    /// <inheritdoc/>
    public override string ToString() => $"{First}–{Second}";
}
