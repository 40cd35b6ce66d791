namespace Engram.Evaluation;

/// <summary>Scores of a recalled state against the truth.</summary>
public static class Metrics
{
    /// <summary>Mean of the squared differences, accumulated in double.</summary>
    public static double MeanSquaredError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException($"MSE needs equal lengths; got {expected.Length} and {actual.Length}.", nameof(actual));
        }

        if (expected.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)expected[i] - actual[i];
            sum += d * d;
        }

        return sum / expected.Length;
    }
}
