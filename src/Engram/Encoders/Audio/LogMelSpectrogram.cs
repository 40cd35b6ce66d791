using System.Numerics;

namespace Engram.Encoders.Audio;

/// <summary>
/// Log-mel spectrogram: log(max(filterbank · |STFT|², floor)), frame by frame.
/// </summary>
/// <remarks>
/// Framing follows <c>torch.stft(x, n_fft, hop_length, win_length, hann_window(win_length), center=True,
/// pad_mode="reflect")</c>: the signal is padded by FftSize/2 on each side with its reflection (the edge sample
/// not repeated: c b | a b c … x y | x w), frame t covers padded samples [t·hop, t·hop + FftSize), and the
/// window, WindowLength long, sits centred in the FftSize frame with zeros either side. Mel filters are
/// <see cref="MelFilterbank"/>'s (librosa's Slaney defaults). Everything is computed in double.
/// </remarks>
public sealed class LogMelSpectrogram
{
    private readonly LogMelOptions _options;
    private readonly double[] _window;
    private readonly float[,] _filterbank;
    private readonly int _bins;

    /// <summary>A front end with <paramref name="options"/>, checked here: the window, FFT size and mel bands must fit the sample rate.</summary>
    public LogMelSpectrogram(LogMelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
        _bins = (options.FftSize / 2) + 1;

        // torch.stft pads the window on both sides to n_fft, the extra zero (if odd) on the right.
        _window = new double[options.FftSize];
        int left = (options.FftSize - options.WindowLength) / 2;
        Window.PeriodicHann(options.WindowLength).CopyTo(_window, left);

        _filterbank = MelFilterbank.Create(
            options.SampleRate, options.FftSize, options.Mels, options.MinFrequency, MaxFrequency);
    }

    /// <summary>The settings this front end was made with.</summary>
    public LogMelOptions Options => _options;

    /// <summary>The upper edge of the mel bands in Hz: <see cref="LogMelOptions.MaxFrequency"/> or SampleRate/2.</summary>
    public double MaxFrequency => _options.MaxFrequency ?? _options.SampleRate / 2.0;

    /// <summary>The fewest samples <see cref="Compute"/> accepts: FftSize/2 + 1, so the reflect padding has samples to reflect.</summary>
    public int MinimumSampleCount => (_options.FftSize / 2) + 1;

    /// <summary>Frames that <see cref="Compute"/> returns for <paramref name="sampleCount"/> samples: 1 + sampleCount/HopLength (rounded down).</summary>
    public int FrameCount(int sampleCount)
    {
        RequireLength(sampleCount, nameof(sampleCount));
        int half = _options.FftSize / 2;
        return 1 + ((sampleCount + (2 * half) - _options.FftSize) / _options.HopLength);
    }

    /// <summary>The log-mel spectrogram of <paramref name="samples"/> (mono, at <see cref="LogMelOptions.SampleRate"/>) as [frames, mels].</summary>
    public float[,] Compute(ReadOnlySpan<float> samples)
    {
        RequireLength(samples.Length, nameof(samples));
        int n = samples.Length, fft = _options.FftSize, half = fft / 2, hop = _options.HopLength;
        int frames = FrameCount(n);
        int mels = _options.Mels;
        double floor = _options.LogFloor;

        var result = new float[frames, mels];
        var frame = new double[fft];
        var scratch = new Complex[fft];
        var power = new double[_bins];
        for (int t = 0; t < frames; t++)
        {
            int start = (t * hop) - half;
            for (int i = 0; i < fft; i++)
            {
                frame[i] = _window[i] == 0 ? 0 : _window[i] * samples[Reflect(start + i, n)];
            }

            Fft.PowerSpectrum(frame, scratch, power);
            for (int m = 0; m < mels; m++)
            {
                double sum = 0;
                for (int k = 0; k < _bins; k++)
                {
                    sum += _filterbank[m, k] * power[k];
                }

                result[t, m] = (float)Math.Log(Math.Max(sum, floor));
            }
        }

        return result;
    }

    /// <summary>
    /// Resamples by linear interpolation between neighbouring samples: output sample j is the input at time
    /// j/toRate, i.e. at position j·fromRate/toRate, interpolated between the two samples around it (the last
    /// sample is held past the end). The output has ⌊length·toRate/fromRate⌋ samples. There is no anti-aliasing
    /// filter: when downsampling (espeak-ng's 22,050 Hz to the encoder's 16 kHz), content above the new
    /// Nyquist frequency folds back; speech has little energy there.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> samples, int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        if (fromRate == toRate)
        {
            return samples.ToArray();
        }

        long count = (long)samples.Length * toRate / fromRate;
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"Resampling {samples.Length} samples from {fromRate} Hz to {toRate} Hz gives {count} samples, more than an array holds.", nameof(samples));
        }

        var output = new float[count];
        for (long j = 0; j < count; j++)
        {
            // Exact integer position and remainder, so long inputs do not drift.
            long scaled = j * fromRate;
            int i = (int)(scaled / toRate);
            double fraction = (double)(scaled % toRate) / toRate;
            float a = samples[i];
            float b = i + 1 < samples.Length ? samples[i + 1] : a;
            output[j] = (float)(a + (fraction * (b - a)));
        }

        return output;
    }

    /// <summary>Index into [0, n) of padded position <paramref name="i"/> under reflect padding without edge repeat.</summary>
    private static int Reflect(int i, int n)
    {
        // One reflection suffices: the padding (FftSize/2) is less than n, as RequireLength checked.
        if (i < 0)
        {
            return -i;
        }

        return i >= n ? (2 * (n - 1)) - i : i;
    }

    private void RequireLength(int sampleCount, string paramName)
    {
        if (sampleCount < MinimumSampleCount)
        {
            throw new ArgumentException(
                $"The log-mel spectrogram needs at least {MinimumSampleCount} samples (FftSize/2 + 1, for the reflect padding of {_options.FftSize / 2} on each side); got {sampleCount}.",
                paramName);
        }
    }

    /// <summary>An out-of-range error whose parameter name is the option's property name.</summary>
    private static ArgumentOutOfRangeException Invalid(string property, object value, string message) =>
        new(property, value, message);

    private static void Validate(LogMelOptions o)
    {
        if (o.SampleRate <= 0)
        {
            throw Invalid(nameof(o.SampleRate), o.SampleRate, "SampleRate must be positive.");
        }

        if (!Fft.IsPowerOfTwo(o.FftSize) || o.FftSize < 2)
        {
            throw Invalid(nameof(o.FftSize), o.FftSize, "FftSize must be a power of two, at least 2.");
        }

        if (o.HopLength <= 0)
        {
            throw Invalid(nameof(o.HopLength), o.HopLength, "HopLength must be positive.");
        }

        if (o.WindowLength <= 0 || o.WindowLength > o.FftSize)
        {
            throw Invalid(nameof(o.WindowLength), o.WindowLength, $"WindowLength must be between 1 and FftSize ({o.FftSize}).");
        }

        if (o.Mels <= 0)
        {
            throw Invalid(nameof(o.Mels), o.Mels, "Mels must be positive.");
        }

        double nyquist = o.SampleRate / 2.0;
        if (!double.IsFinite(o.MinFrequency) || o.MinFrequency < 0 || o.MinFrequency >= nyquist)
        {
            throw Invalid(nameof(o.MinFrequency), o.MinFrequency, $"MinFrequency must be at least 0 Hz and below the Nyquist frequency ({nyquist} Hz).");
        }

        if (o.MaxFrequency is double max && (!double.IsFinite(max) || max <= o.MinFrequency || max > nyquist))
        {
            throw Invalid(nameof(o.MaxFrequency), max, $"MaxFrequency must be above MinFrequency ({o.MinFrequency} Hz) and at most the Nyquist frequency ({nyquist} Hz).");
        }

        if (!double.IsFinite(o.LogFloor) || o.LogFloor <= 0)
        {
            throw Invalid(nameof(o.LogFloor), o.LogFloor, "LogFloor must be positive and finite.");
        }
    }
}
