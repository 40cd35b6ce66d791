using System.CommandLine;
using System.Globalization;

namespace Engram.Cli;

/// <summary>
/// Ranges for numeric options, checked when the command line is parsed, so that NaN, a negative σ or a step count
/// that cannot be held is refused with the option's name before any work starts (the parser accepts "NaN" and
/// "-1" for a double, and a value that silently does nothing is worse than an error).
/// </summary>
internal static class OptionRules
{
    /// <summary>The value must be a finite number ≥ <paramref name="minimum"/>.</summary>
    public static Option<double> AtLeast(this Option<double> option, double minimum) =>
        option.Must(v => double.IsFinite(v) && v >= minimum, $"a finite number ≥ {Format(minimum)}");

    /// <summary>The value must be a finite number ≥ <paramref name="minimum"/>.</summary>
    public static Option<float> AtLeast(this Option<float> option, float minimum) =>
        option.Must(v => float.IsFinite(v) && v >= minimum, $"a finite number ≥ {Format(minimum)}");

    /// <summary>The value must be a finite number &gt; 0.</summary>
    public static Option<double> Positive(this Option<double> option) =>
        option.Must(v => double.IsFinite(v) && v > 0, "a finite number > 0");

    /// <summary>The value must be a finite number &gt; 0.</summary>
    public static Option<float> Positive(this Option<float> option) =>
        option.Must(v => float.IsFinite(v) && v > 0, "a finite number > 0");

    /// <summary>The value must be a whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public static Option<int> Between(this Option<int> option, int minimum, int maximum) =>
        option.Must(v => v >= minimum && v <= maximum, $"a whole number from {minimum:N0} to {maximum:N0}");

    private static Option<T> Must<T>(this Option<T> option, Func<T, bool> valid, string what)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0 && result.Implicit)
            {
                return; // the default, which is valid by construction
            }

            T? value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number at all: the parser reports that itself
            }

            if (value is null || !valid(value))
            {
                string given = result.Tokens.Count > 0 ? result.Tokens[^1].Value : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "nothing";
                result.AddError($"{option.Name} must be {what}; got {given}.");
            }
        });
        return option;
    }

    private static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
