namespace Engram;

/// <summary>
/// The sentence an exception carries, for a person: its message without the " (Parameter 'x')" and
/// "Actual value was …" tails that .NET appends to argument exceptions. Used wherever one failure is
/// reported as part of another (a damaged file's description) and by the command line's error printer.
/// </summary>
public static class ExceptionMessages
{
    /// <summary>The message of <paramref name="exception"/> without .NET's parameter-name and actual-value tails.</summary>
    public static string WithoutParameter(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception.Message;
        if (exception is ArgumentOutOfRangeException { ActualValue: not null } range)
        {
            string actual = Environment.NewLine + $"Actual value was {range.ActualValue}.";
            if (message.EndsWith(actual, StringComparison.Ordinal))
            {
                message = message[..^actual.Length];
            }
        }

        if (exception is ArgumentException { ParamName: { } name })
        {
            string parameter = $" (Parameter '{name}')";
            if (message.EndsWith(parameter, StringComparison.Ordinal))
            {
                message = message[..^parameter.Length];
            }
        }

        return message;
    }
}
