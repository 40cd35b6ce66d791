using System.Text.RegularExpressions;

namespace Engram.Cli;

/// <summary>
/// Turns a failure into the sentence a person reads: the library's own message without .NET's parameter tails
/// (<see cref="ExceptionMessages"/>), and a parse error without .NET's type names.
/// </summary>
internal static partial class UserMessages
{
    /// <summary>A parse error in the user's words: "--steps takes a whole number; got 'abc'." rather than a .NET type name.</summary>
    public static string ForParseError(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Match m = NotConvertible().Match(message);
        if (!m.Success)
        {
            return message;
        }

        string kind = m.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" or "System.UInt64" => "a whole number",
            "System.Single" or "System.Double" => "a number",
            "System.Boolean" => "true or false",
            _ => $"a value of type {m.Groups["type"].Value}",
        };
        return $"{m.Groups["option"].Value} takes {kind}; got '{m.Groups["value"].Value}'.";
    }

    public static string For(Exception exception) => ExceptionMessages.WithoutParameter(exception);

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.$")]
    private static partial Regex NotConvertible();
}
