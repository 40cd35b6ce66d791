namespace Engram.Tests.Support;

/// <summary>
/// The one tolerance helper: |actual − expected| ≤ absolute + relative·|expected|, with a message
/// that says by how much a value missed.
/// </summary>
internal static class Tolerance
{
    public static void Close(double expected, double actual, double relative, double absolute = 0, string? what = null)
    {
        double allowed = absolute + (relative * Math.Abs(expected));
        double error = Math.Abs(actual - expected);
        if (!(error <= allowed))
        {
            Assert.Fail($"{what ?? "value"}: expected {expected:R}, got {actual:R}; error {error:G3} exceeds {allowed:G3}.");
        }
    }

    public static void AllClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string? what = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], actual[i], relative, absolute, $"{what ?? "element"} [{i}]");
        }
    }
}
