namespace Engram.Encoders.Audio;

/// <summary>
/// Settings of <see cref="LogMelSpectrogram"/>. The defaults are the usual speech front end: 16 kHz audio,
/// 25 ms windows (400 samples) every 10 ms (160 samples), a 512-point FFT and 40 Slaney mel bands over 0–8 kHz.
/// </summary>
public sealed record LogMelOptions
{
    /// <summary>Samples per second of the input.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>FFT length, a power of two; each frame gives FftSize/2 + 1 frequency bins.</summary>
    public int FftSize { get; init; } = 512;

    /// <summary>Samples between the starts of consecutive frames.</summary>
    public int HopLength { get; init; } = 160;

    /// <summary>Length of the periodic Hann window, at most <see cref="FftSize"/>; it is zero-padded, centred, to FftSize.</summary>
    public int WindowLength { get; init; } = 400;

    /// <summary>Number of mel bands.</summary>
    public int Mels { get; init; } = 40;

    /// <summary>Lower edge of the lowest mel band, in Hz.</summary>
    public double MinFrequency { get; init; }

    /// <summary>Upper edge of the highest mel band, in Hz; null means the Nyquist frequency, SampleRate/2.</summary>
    public double? MaxFrequency { get; init; }

    /// <summary>Mel powers below this are raised to it before the logarithm, so silence gives log(LogFloor), not −∞.</summary>
    public double LogFloor { get; init; } = 1e-6;
}
