using System.Globalization;

namespace Engram.Data.Cues;

/// <summary>The kinds of cue a <see cref="CueSpec"/> describes.</summary>
public enum CueKind
{
    /// <summary>Half of the image hidden (<see cref="CueSpec.Region"/>).</summary>
    Half,

    /// <summary>A random rectangle hidden, its area fraction drawn from [<see cref="CueSpec.Amount"/>, <see cref="CueSpec.MaxAmount"/>].</summary>
    Rectangle,

    /// <summary>A fraction <see cref="CueSpec.Amount"/> of the pixels hidden at random.</summary>
    Pixels,

    /// <summary>Gaussian noise of σ = <see cref="CueSpec.Amount"/>, clamped to [0, 1].</summary>
    GaussianNoise,

    /// <summary>A fraction <see cref="CueSpec.Amount"/> of the pixels set to 0 or 1.</summary>
    SaltAndPepper,
}

/// <summary>
/// A cue described in one short string, as command lines take it:
/// <c>bottom-half</c>, <c>top-half</c>, <c>left-half</c>, <c>right-half</c> (or <c>bottom</c>, …),
/// <c>rect:F</c> or <c>rect:F-G</c> (a random rectangle of area fraction F, or drawn from [F, G]),
/// <c>pixels:F</c> (that fraction of pixels hidden), <c>noise:σ</c> (Gaussian) and <c>salt-pepper:F</c>.
/// <see cref="ToString"/> writes the canonical form, which parses back to an equal spec.
/// </summary>
public sealed record CueSpec
{
    private CueSpec(CueKind kind, OcclusionRegion region, double amount, double maxAmount)
    {
        Kind = kind;
        Region = region;
        Amount = amount;
        MaxAmount = maxAmount;
    }

    /// <summary>Which kind of cue this is.</summary>
    public CueKind Kind { get; }

    /// <summary>The hidden half, for <see cref="CueKind.Half"/>.</summary>
    public OcclusionRegion Region { get; }

    /// <summary>The fraction (of area or of pixels) or, for Gaussian noise, σ; 0 for halves.</summary>
    public double Amount { get; }

    /// <summary>The largest rectangle fraction for <see cref="CueKind.Rectangle"/>; otherwise equal to <see cref="Amount"/>.</summary>
    public double MaxAmount { get; }

    /// <summary>Half of the image hidden: <c>bottom-half</c>, <c>top-half</c>, ….</summary>
    public static CueSpec Half(OcclusionRegion region) =>
        Enum.IsDefined(region) ? new(CueKind.Half, region, 0, 0)
            : throw new ArgumentOutOfRangeException(nameof(region), region, "Unknown occlusion region.");

    /// <summary>A random rectangle hidden, its area fraction drawn from [<paramref name="minFraction"/>, <paramref name="maxFraction"/>], both in [0, 1].</summary>
    public static CueSpec Rectangle(double minFraction, double maxFraction)
    {
        CueImage.CheckFraction(minFraction, nameof(minFraction));
        CueImage.CheckFraction(maxFraction, nameof(maxFraction));
        return minFraction <= maxFraction ? new(CueKind.Rectangle, default, minFraction, maxFraction)
            : throw new ArgumentException($"minFraction ({minFraction}) exceeds maxFraction ({maxFraction}).", nameof(minFraction));
    }

    /// <summary>A <paramref name="fraction"/> in [0, 1] of the pixels hidden at random.</summary>
    public static CueSpec Pixels(double fraction)
    {
        CueImage.CheckFraction(fraction, nameof(fraction));
        return new(CueKind.Pixels, default, fraction, fraction);
    }

    /// <summary>Gaussian noise of standard deviation <paramref name="sigma"/> (finite, ≥ 0) on every sample.</summary>
    public static CueSpec GaussianNoise(double sigma) =>
        sigma >= 0 && double.IsFinite(sigma) ? new(CueKind.GaussianNoise, default, sigma, sigma)
            : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and ≥ 0.");

    /// <summary>A <paramref name="fraction"/> in [0, 1] of the pixels set to 0 or 1 at random.</summary>
    public static CueSpec SaltAndPepper(double fraction)
    {
        CueImage.CheckFraction(fraction, nameof(fraction));
        return new(CueKind.SaltAndPepper, default, fraction, fraction);
    }

    /// <summary>Parses a spec (case and surrounding spaces ignored); the message of a bad one lists the forms.</summary>
    public static CueSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string text = spec.Trim().ToLowerInvariant();
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? text : text[..colon];
        string? argument = colon < 0 ? null : text[(colon + 1)..];
        try
        {
            return (name, argument) switch
            {
                ("rect" or "rectangle", not null) => RectangleFrom(argument),
                ("pixels", not null) => Pixels(Number(argument)),
                ("noise", not null) => GaussianNoise(Number(argument)),
                ("salt-pepper", not null) => SaltAndPepper(Number(argument)),
                (_, null) when TryRegion(name) is OcclusionRegion region => Half(region),
                _ => throw new FormatException("not a known cue"),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new ArgumentException(
                $"Invalid cue '{spec}' ({e.Message}); use bottom-half, top-half, left-half, right-half, rect:F, rect:F-G, " +
                "pixels:F, noise:σ or salt-pepper:F, fractions in [0, 1].", nameof(spec), e);
        }
    }

    /// <summary>Applies the spec to a flat height×width×channels image with <c>new Random(seed)</c>.</summary>
    public Cue Apply(ReadOnlySpan<float> image, int height, int width, int channels, int seed) =>
        Apply(image, height, width, channels, new Random(seed));

    /// <summary>Applies the spec to a flat height×width×channels image (row-major, channels interleaved).</summary>
    public Cue Apply(ReadOnlySpan<float> image, int height, int width, int channels, Random random)
    {
        CueImage.Check(image, height, width, channels);
        ArgumentNullException.ThrowIfNull(random);
        return Kind switch
        {
            CueKind.Half => Occlusion.Hide(image, height, width, channels, Region),
            CueKind.Rectangle => Occlusion.HideRandomRectangle(image, height, width, channels, Amount, MaxAmount, random),
            CueKind.Pixels => Occlusion.HideRandomPixels(image, height, width, channels, Amount, random),
            CueKind.GaussianNoise => Noise.Gaussian(image, Amount, random),
            _ => Noise.SaltAndPepper(image, height, width, channels, Amount, random),
        };
    }

    /// <summary>The canonical spec: <c>bottom-half</c>, <c>rect:0.25</c>, <c>rect:0.1-0.3</c>, <c>noise:0.1</c>, ….</summary>
    public override string ToString() => Kind switch
    {
        CueKind.Half => Region switch
        {
            OcclusionRegion.BottomHalf => "bottom-half",
            OcclusionRegion.TopHalf => "top-half",
            OcclusionRegion.LeftHalf => "left-half",
            _ => "right-half",
        },
        CueKind.Rectangle when Amount == MaxAmount => $"rect:{Format(Amount)}",
        CueKind.Rectangle => $"rect:{Format(Amount)}-{Format(MaxAmount)}",
        CueKind.Pixels => $"pixels:{Format(Amount)}",
        CueKind.GaussianNoise => $"noise:{Format(Amount)}",
        _ => $"salt-pepper:{Format(Amount)}",
    };

    /// <summary>"F" or "F-G"; "1e-3" is one number, not a range.</summary>
    private static CueSpec RectangleFrom(string argument)
    {
        string[] parts = argument.Split('-');
        return parts.Length == 2 && IsNumber(parts[0]) && IsNumber(parts[1])
            ? Rectangle(Number(parts[0]), Number(parts[1]))
            : Rectangle(Number(argument), Number(argument));
    }

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static OcclusionRegion? TryRegion(string name)
    {
        try
        {
            return Occlusion.Parse(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new FormatException($"'{text}' is not a number");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
