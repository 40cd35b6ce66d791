namespace Engram.Encoders.Audio;

/// <summary>
/// Triangular mel filters on the Slaney scale with Slaney's area normalisation, exactly as
/// <c>librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm="slaney")</c> computes them.
/// </summary>
/// <remarks>
/// The Slaney scale (Auditory Toolbox) is linear below 1 kHz, 3 mels per 200 Hz, and logarithmic above:
/// 15 mels at 1 kHz, then 27 mels per factor of 6.4. Each filter is scaled by 2 / (its upper − lower edge in Hz),
/// so every filter has roughly unit area and wide high-frequency filters do not dominate.
/// </remarks>
public static class MelFilterbank
{
    private const double LinearHzPerMel = 200.0 / 3;
    private const double MinLogHz = 1000;
    private const double MinLogMel = MinLogHz / LinearHzPerMel; // 15
    private static readonly double s_logStep = Math.Log(6.4) / 27;

    /// <summary>Hz to Slaney mels.</summary>
    public static double HzToMel(double hz) =>
        hz >= MinLogHz ? MinLogMel + (Math.Log(hz / MinLogHz) / s_logStep) : hz / LinearHzPerMel;

    /// <summary>Slaney mels to Hz.</summary>
    public static double MelToHz(double mel) =>
        mel >= MinLogMel ? MinLogHz * Math.Exp(s_logStep * (mel - MinLogMel)) : mel * LinearHzPerMel;

    /// <summary>
    /// The filterbank as [<paramref name="mels"/>, <paramref name="fftSize"/>/2 + 1]: row m weighs the bins of a
    /// power spectrum into mel band m. Computed in double, returned in float (as librosa's default dtype).
    /// </summary>
    public static float[,] Create(int sampleRate, int fftSize, int mels, double minFrequency, double maxFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fftSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mels);
        if (!double.IsFinite(minFrequency) || minFrequency < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minFrequency), minFrequency, "The lowest mel frequency must be finite and at least 0 Hz.");
        }

        if (!double.IsFinite(maxFrequency) || maxFrequency <= minFrequency)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFrequency), maxFrequency, $"The highest mel frequency must be finite and above the lowest ({minFrequency} Hz).");
        }

        int bins = (fftSize / 2) + 1;

        // n_mels + 2 edges, evenly spaced in mels (np.linspace: start + i·step, the last one exact).
        var edges = new double[mels + 2];
        double minMel = HzToMel(minFrequency), maxMel = HzToMel(maxFrequency);
        double step = (maxMel - minMel) / (mels + 1);
        for (int i = 0; i < edges.Length; i++)
        {
            edges[i] = MelToHz(i == edges.Length - 1 ? maxMel : minMel + (i * step));
        }

        var weights = new float[mels, bins];
        for (int m = 0; m < mels; m++)
        {
            double lower = edges[m], centre = edges[m + 1], upper = edges[m + 2];
            double norm = 2.0 / (upper - lower);
            for (int k = 0; k < bins; k++)
            {
                // np.fft.rfftfreq: k·sr/n_fft.
                double hz = (double)k * sampleRate / fftSize;
                double rising = (hz - lower) / (centre - lower);
                double falling = (upper - hz) / (upper - centre);
                weights[m, k] = (float)(Math.Max(0, Math.Min(rising, falling)) * norm);
            }
        }

        return weights;
    }
}
