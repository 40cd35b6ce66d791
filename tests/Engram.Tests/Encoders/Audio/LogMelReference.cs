using System.Text.Json;

namespace Engram.Tests.Encoders.Audio;

/// <summary>Fixtures/audio/logmel_reference.json, written by make_logmel_fixtures.py (numpy, float64).</summary>
internal sealed record LogMelReference(LogMelReference.Filterbank[] Filterbanks, LogMelReference.Spectrum[] Spectra, LogMelReference.Spectrogram[] Spectrograms)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };
    private static readonly Lazy<LogMelReference> s_reference = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "audio", "logmel_reference.json");
        return JsonSerializer.Deserialize<LogMelReference>(File.ReadAllText(path), s_json)!;
    });

    public static LogMelReference Load() => s_reference.Value;

    /// <summary>librosa.filters.mel(..., htk=False, norm="slaney"), row-major [mels, fftSize/2 + 1].</summary>
    internal sealed record Filterbank(int SampleRate, int FftSize, int Mels, double MinFrequency, double MaxFrequency, double[] Weights);

    internal sealed record Spectrum(float[] Signal, double[] Power);

    /// <summary>The log-mel spectrogram of <see cref="Samples"/> under the default <c>LogMelOptions</c>, row-major [frames, mels].</summary>
    internal sealed record Spectrogram(string Name, float[] Samples, int Frames, int Mels, double[] LogMel);
}
