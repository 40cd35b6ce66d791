namespace Engram.Encoders.Audio;

/// <summary>Analysis windows.</summary>
internal static class Window
{
    /// <summary>
    /// The periodic Hann window, 0.5 − 0.5·cos(2πn/N) for n = 0 … N−1: one period of a raised cosine,
    /// as torch.hann_window(N, periodic=True) and librosa's default "hann" compute it (it tiles with hop N/2).
    /// </summary>
    public static double[] PeriodicHann(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var window = new double[length];
        for (int n = 0; n < length; n++)
        {
            window[n] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / length));
        }

        return window;
    }
}
