using Engram.Encoders.Audio;
using Engram.Tests.Support;

namespace Engram.Tests.Encoders.Audio;

public sealed class LogMelSpectrogramTests
{
    public static TheoryData<string> SpectrogramCases() => [.. LogMelReference.Load().Spectrograms.Select(s => s.Name)];

    [Fact]
    public void Should_match_librosa_slaney_filterbanks()
    {
        // Given librosa's definition restated in numpy (see Fixtures/audio/make_logmel_fixtures.py)
        foreach (LogMelReference.Filterbank f in LogMelReference.Load().Filterbanks)
        {
            // When
            float[,] weights = MelFilterbank.Create(f.SampleRate, f.FftSize, f.Mels, f.MinFrequency, f.MaxFrequency);

            // Then: within float32 rounding
            int bins = (f.FftSize / 2) + 1;
            Assert.Equal(f.Mels, weights.GetLength(0));
            Assert.Equal(bins, weights.GetLength(1));
            for (int m = 0; m < f.Mels; m++)
            {
                for (int k = 0; k < bins; k++)
                {
                    Tolerance.Close(f.Weights[(m * bins) + k], weights[m, k], 1e-6, 1e-9, $"{f.SampleRate} Hz/{f.FftSize}/{f.Mels} weight [{m}, {k}]");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SpectrogramCases))]
    public void Should_match_the_numpy_reference_spectrogram(string name)
    {
        // Given a float32 signal and its log-mel spectrogram computed in float64 by numpy, framed as torch.stft(center=True, pad_mode="reflect")
        LogMelReference.Spectrogram s = LogMelReference.Load().Spectrograms.Single(c => c.Name == name);
        var spectrogram = new LogMelSpectrogram(new LogMelOptions());

        // When
        float[,] logMel = spectrogram.Compute(s.Samples);

        // Then: within float32 rounding of the output (measured 5e-7)
        Assert.Equal(s.Frames, spectrogram.FrameCount(s.Samples.Length));
        Assert.Equal(s.Frames, logMel.GetLength(0));
        Assert.Equal(s.Mels, logMel.GetLength(1));
        for (int t = 0; t < s.Frames; t++)
        {
            for (int m = 0; m < s.Mels; m++)
            {
                Tolerance.Close(s.LogMel[(t * s.Mels) + m], logMel[t, m], 0, 1e-5, $"{name} [{t}, {m}]");
            }
        }
    }

    [Fact]
    public void Should_place_the_slaney_scale_break_at_1_khz()
    {
        Tolerance.Close(15, MelFilterbank.HzToMel(1000), 1e-15);
        Tolerance.Close(7.5, MelFilterbank.HzToMel(500), 1e-15);
        Tolerance.Close(15 + 27, MelFilterbank.HzToMel(6400), 1e-15);
        foreach (double hz in new[] { 0.0, 40, 999.9, 1000, 1000.1, 3000, 8000, 11025 })
        {
            Tolerance.Close(hz, MelFilterbank.MelToHz(MelFilterbank.HzToMel(hz)), 1e-13, 1e-12, $"{hz} Hz round trip");
        }
    }

    [Fact]
    public void Should_give_the_log_floor_for_silence()
    {
        var spectrogram = new LogMelSpectrogram(new LogMelOptions { LogFloor = 1e-5 });
        float[,] logMel = spectrogram.Compute(new float[1000]);
        Assert.Equal(1 + (1000 / 160), logMel.GetLength(0));
        foreach (float v in logMel)
        {
            Assert.Equal((float)Math.Log(1e-5), v);
        }
    }

    [Fact]
    public void Should_put_a_tone_in_the_band_centred_on_it()
    {
        // Given a 2 kHz tone and the band whose centre lies nearest 2 kHz
        var options = new LogMelOptions();
        double[] centres = [.. Enumerable.Range(1, options.Mels).Select(m =>
            MelFilterbank.MelToHz(MelFilterbank.HzToMel(8000) * m / (options.Mels + 1)))];
        int expected = Array.IndexOf(centres, centres.MinBy(c => Math.Abs(c - 2000)));
        float[] tone = [.. Enumerable.Range(0, 3200).Select(t => (float)(0.5 * Math.Sin(2 * Math.PI * 2000 * t / 16000.0)))];

        // When
        float[,] logMel = new LogMelSpectrogram(options).Compute(tone);

        // Then: every frame's loudest band is that one
        for (int t = 0; t < logMel.GetLength(0); t++)
        {
            int loudest = Enumerable.Range(0, options.Mels).MaxBy(m => logMel[t, m]);
            Assert.Equal(expected, loudest);
        }
    }

    [Theory]
    [InlineData(257, 2)]
    [InlineData(319, 2)]
    [InlineData(320, 3)]
    [InlineData(16000, 101)]
    public void Should_count_one_frame_per_hop_plus_one(int samples, int frames)
    {
        var spectrogram = new LogMelSpectrogram(new LogMelOptions());
        Assert.Equal(frames, spectrogram.FrameCount(samples));
        Assert.Equal(frames, spectrogram.Compute(new float[samples]).GetLength(0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256)]
    public void Should_refuse_input_too_short_to_reflect(int samples)
    {
        var spectrogram = new LogMelSpectrogram(new LogMelOptions());
        var error = Assert.Throws<ArgumentException>(() => spectrogram.Compute(new float[samples]));
        Assert.Equal("samples", error.ParamName);
        Assert.Contains($"at least 257 samples", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {samples}.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => spectrogram.FrameCount(samples));
    }

    [Theory]
    [InlineData("SampleRate")]
    [InlineData("FftSize")]
    [InlineData("FftSize-not-power-of-two")]
    [InlineData("HopLength")]
    [InlineData("WindowLength")]
    [InlineData("WindowLength-over-FftSize")]
    [InlineData("Mels")]
    [InlineData("MinFrequency")]
    [InlineData("MinFrequency-at-Nyquist")]
    [InlineData("MaxFrequency")]
    [InlineData("MaxFrequency-over-Nyquist")]
    [InlineData("LogFloor")]
    [InlineData("LogFloor-NaN")]
    public void Should_name_the_invalid_option(string invalid)
    {
        // Given
        var defaults = new LogMelOptions();
        LogMelOptions options = invalid switch
        {
            "SampleRate" => defaults with { SampleRate = 0 },
            "FftSize" => defaults with { FftSize = 0 },
            "FftSize-not-power-of-two" => defaults with { FftSize = 400 },
            "HopLength" => defaults with { HopLength = -1 },
            "WindowLength" => defaults with { WindowLength = 0 },
            "WindowLength-over-FftSize" => defaults with { WindowLength = 513 },
            "Mels" => defaults with { Mels = 0 },
            "MinFrequency" => defaults with { MinFrequency = -1 },
            "MinFrequency-at-Nyquist" => defaults with { MinFrequency = 8000 },
            "MaxFrequency" => defaults with { MinFrequency = 300, MaxFrequency = 300 },
            "MaxFrequency-over-Nyquist" => defaults with { MaxFrequency = 8001 },
            "LogFloor" => defaults with { LogFloor = 0 },
            "LogFloor-NaN" => defaults with { LogFloor = double.NaN },
            _ => throw new ArgumentOutOfRangeException(nameof(invalid)),
        };

        // When
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LogMelSpectrogram(options));

        // Then
        string property = invalid.Split('-')[0];
        Assert.Equal(property, error.ParamName);
        Assert.StartsWith(property, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_the_frequency_of_a_sine_when_resampling()
    {
        // Given a tone at exactly bin 113 of a 4096-point FFT at 16 kHz, sampled by espeak-ng's 22,050 Hz
        const double Hz = 16000.0 * 113 / 4096;
        float[] tone = [.. Enumerable.Range(0, 22050).Select(t => (float)Math.Sin(2 * Math.PI * Hz * t / 22050))];

        // When
        float[] resampled = LogMelSpectrogram.Resample(tone, 22050, 16000);

        // Then: one second is still 16,000 samples, and a Hann-windowed FFT peaks at bin 113
        Assert.Equal(16000, resampled.Length);
        double[] frame = new double[4096];
        for (int i = 0; i < frame.Length; i++)
        {
            frame[i] = resampled[5000 + i] * (0.5 - (0.5 * Math.Cos(2 * Math.PI * i / frame.Length)));
        }

        double[] power = Fft.PowerSpectrum(frame);
        Assert.Equal(113, Array.IndexOf(power, power.Max()));

        // and each sample lies on the line between its neighbours in the source (linear interpolation)
        for (int j = 0; j < resampled.Length; j += 97)
        {
            Tolerance.Close(Math.Sin(2 * Math.PI * Hz * j / 16000), resampled[j], 0, 0.003, $"sample {j}");
        }
    }

    [Fact]
    public void Should_interpolate_linearly_and_hold_the_last_sample()
    {
        Assert.Equal([0f, 0.5f, 1f, 2.5f, 4f, 4f], LogMelSpectrogram.Resample([0f, 1f, 4f], 1, 2));
        Assert.Equal([0f, 4f], LogMelSpectrogram.Resample([0f, 1f, 4f, 9f], 2, 1));
        Assert.Equal([1f, 2f], LogMelSpectrogram.Resample([1f, 2f], 8000, 8000));
        Assert.Empty(LogMelSpectrogram.Resample([], 22050, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogMelSpectrogram.Resample([1f], 0, 16000));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogMelSpectrogram.Resample([1f], 22050, -1));
    }
}
