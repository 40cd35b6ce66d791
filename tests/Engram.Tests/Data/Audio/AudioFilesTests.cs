using Engram.Data;
using Engram.Data.Audio;
using Engram.Tests.Support;
using Xunit.Abstractions;

namespace Engram.Tests.Data.Audio;

/// <summary>
/// AudioFiles over the fixtures of Fixtures/sound (make_fixtures.py: one second of a chirp on the left and a
/// 1 kHz tone on the right, as WAV, then encoded by ffmpeg): each decode is compared with the WAV source.
/// </summary>
public sealed class AudioFilesTests(ITestOutputHelper output) : IDisposable
{
    internal static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sound");
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-sound-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_read_the_wav_source_as_the_formula_it_was_written_from()
    {
        // Given the source WAV, and the formula restated here
        AudioClip wav = AudioFiles.Read(Path.Combine(Fixtures, "tone.wav"));
        float[] formula = Tone.Samples(44100, 2, 1.0);

        // Then it is that formula, rounded to 16 bits
        Assert.Equal((44100, 2, 44100), (wav.SampleRate, wav.Channels, wav.FrameCount));
        for (int i = 0; i < formula.Length; i++)
        {
            Assert.True(Math.Abs(formula[i] - wav.Samples[i]) <= 1.0 / 32768, $"sample {i}: {wav.Samples[i]} against {formula[i]}");
        }
    }

    [Theory]
    [InlineData("tone.mp3", AudioFormat.Mp3, 44100, 2, 1.0, 44100, 0, 0.9999)]
    [InlineData("tone-lame.mp3", AudioFormat.Mp3, 44100, 2, 1.0, 44100, 0, 0.9999)]
    [InlineData("tone-22k-mono.mp3", AudioFormat.Mp3, 22050, 1, 1.0, 22050, 0, 0.9999)]
    [InlineData("tone-mp3.wav", AudioFormat.Wav, 44100, 2, 0.25, 12672, 1105, 0.9999)]
    [InlineData("tone.ogg", AudioFormat.OggVorbis, 44100, 2, 1.0, 44100, 0, 0.999)]
    public void Should_decode_mp3_and_ogg_vorbis_to_the_sound_of_the_wav_source(
        string name, AudioFormat format, int rate, int channels, double seconds, int frames, int lag, double correlation)
    {
        // Given a lossy encoding of the source
        string path = Path.Combine(Fixtures, name);
        Assert.Equal(format, AudioFiles.Detect(File.ReadAllBytes(path)));

        // When
        AudioClip clip = AudioFiles.Read(path);

        // Then it has the source's rate, channels and length (the encoder's delay and padding cut where the file
        // records them; a RIFF-wrapped MP3 records neither, so its sound starts 1,105 samples late and runs to the
        // end of its last frame), and each channel is the source's sound
        Assert.Equal(frames, clip.FrameCount);
        AssertSameSound(clip, rate, channels, seconds, lag, correlation);
    }

    [FfmpegTheory]
    [InlineData("tone.flac", AudioFormat.Flac, 44100, 2, 11025, 0.99999)]
    [InlineData("tone.opus", AudioFormat.Opus, 48000, 2, 12000, 0.999)]
    [InlineData("tone.m4a", AudioFormat.Mp4, 44100, 2, 11025, 0.98)]
    public void Should_decode_other_formats_through_ffmpeg_to_the_sound_of_the_wav_source(
        string name, AudioFormat format, int rate, int channels, int frames, double correlation)
    {
        // Given the first quarter second of the source in a format Engram hands to ffmpeg
        string path = Path.Combine(Fixtures, name);
        Assert.Equal(format, AudioFiles.Detect(File.ReadAllBytes(path)));

        // When
        AudioClip clip = AudioFiles.Read(path);

        // Then: at least the quarter second (AAC ends on a whole 1,024-sample block), the source's sound
        Assert.InRange(clip.FrameCount, frames, frames + 1024);
        AssertSameSound(clip, rate, channels, 0.25, lag: 0, correlation);
    }

    [FfmpegFact]
    public void Should_decode_flac_through_ffmpeg_to_exactly_the_wav_source()
    {
        // Given FLAC, which is lossless
        AudioClip wav = AudioFiles.Read(Path.Combine(Fixtures, "tone.wav"));

        // When
        AudioClip flac = AudioFiles.Read(Path.Combine(Fixtures, "tone.flac"));

        // Then it is the WAV's first quarter second, sample for sample
        Assert.Equal(wav.Samples.AsSpan(0, 11025 * 2).ToArray(), flac.Samples);
    }

    [Fact]
    public void Should_choose_the_decoder_by_content_not_by_the_name()
    {
        // Given an MP3 named .wav, an OGG named .mp3, and a PNG named .wav
        string mp3 = Copy("tone.mp3", "really-an-mp3.wav"), ogg = Copy("tone.ogg", "really-an-ogg.mp3");
        string png = Path.Combine(_folder, "picture.wav");
        File.Copy(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "png"), "*.png")[0], png);

        // When / Then
        Assert.Equal(44100, AudioFiles.Read(mp3).FrameCount);
        Assert.Equal(44100, AudioFiles.Read(ogg).FrameCount);
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(png));
        Assert.Equal(
            $"{png}: at byte 0: the file is a PNG image, not sound. Engram reads WAV, MP3 and OGG Vorbis itself, and FLAC, Opus, M4A/AAC, WebM, AIFF and other formats through ffmpeg.",
            e.Message);
    }

    [Theory]
    [InlineData("tone.flac", "FLAC audio")]
    [InlineData("tone.opus", "Opus audio")]
    [InlineData("tone.m4a", "M4A/MP4 audio")]
    public void Should_name_the_format_and_what_to_do_when_ffmpeg_is_not_installed(string name, string what)
    {
        // Given a format only ffmpeg decodes, and no ffmpeg
        string path = Path.Combine(Fixtures, name);
        var noFfmpeg = new AudioReadOptions { FfmpegPath = Path.Combine(_folder, "no-ffmpeg-here") };

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(path, noFfmpeg));

        // Then
        Assert.Equal(
            $"{path}: the file is {what}; Engram reads WAV, MP3 and OGG Vorbis itself, and other formats through ffmpeg, which is not installed " +
            $"(no file at {noFfmpeg.FfmpegPath}): apt-get install ffmpeg, or convert it to WAV.",
            e.Message);
        Assert.False(AudioFiles.IsFfmpegInstalled(noFfmpeg));
    }

    [Fact]
    public void Should_hand_a_wav_of_another_codec_to_ffmpeg_and_say_which_codec_when_it_is_missing()
    {
        // Given the WAV source relabelled μ-law (format tag 7)
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixtures, "tone.wav"));
        bytes[20] = 7;

        // When there is no ffmpeg
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(bytes, "call.wav", new AudioReadOptions { FfmpegPath = Path.Combine(_folder, "none") }));

        // Then the message names the codec inside the WAV
        Assert.StartsWith("call.wav: the file is WAV audio of μ-law (format tag 7); Engram reads WAV, MP3 and OGG Vorbis itself", e.Message, StringComparison.Ordinal);
    }

    [FfmpegFact]
    public void Should_decode_a_mu_law_wav_through_ffmpeg()
    {
        // Given the source converted to μ-law by ffmpeg
        string mulaw = Path.Combine(_folder, "mulaw.wav");
        RunFfmpeg("-i", Path.Combine(Fixtures, "tone.wav"), "-c:a", "pcm_mulaw", mulaw);

        // When
        AudioClip clip = AudioFiles.Read(mulaw);

        // Then
        Assert.Equal(44100, clip.FrameCount);
        AssertSameSound(clip, 44100, 2, 1.0, lag: 0, correlation: 0.999);
    }

    [Theory]
    [InlineData("tone.mp3", 0.6, "the MP3 is truncated: frame 25 needs 418 bytes but the file ends after ")]
    [InlineData("tone.ogg", 0.6, "the OGG file is truncated: Ogg page 3 needs ")]
    [InlineData("tone.ogg", 0.0, "the OGG file is truncated: it ends after 3 whole Ogg pages without the page that closes the stream")]
    public void Should_refuse_a_file_cut_short_saying_so(string name, double keep, string problem)
    {
        // Given a file cut at 60 % of its bytes (or, for keep 0, at the end of its third Ogg page)
        byte[] whole = File.ReadAllBytes(Path.Combine(Fixtures, name));
        byte[] cut = keep > 0 ? whole[..(int)(whole.Length * keep)] : whole[..OggPageEnd(whole, 3)];

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(cut, "cut"));

        // Then
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.EndsWith("; copy or download the file again.", e.Problem, StringComparison.Ordinal);
    }

    [FfmpegFact]
    public void Should_refuse_damaged_flac_with_ffmpegs_reason()
    {
        // Given FLAC cut in half
        byte[] whole = File.ReadAllBytes(Path.Combine(Fixtures, "tone.flac"));

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(whole[..(whole.Length / 2)], "half.flac"));

        // Then ffmpeg's own words, without its addresses
        Assert.StartsWith("half.flac: ffmpeg could not decode the FLAC audio: flac: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0x", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tone.mp3", "MP3 audio", "44,100 Hz, 2 channels")]
    [InlineData("tone.ogg", "OGG Vorbis audio", "44,100 Hz, 2 channels")]
    [InlineData("tone.wav", "WAV audio", "44,100 Hz, 2 channels")]
    [InlineData("tone-22k-mono.mp3", "MP3 audio", "22,050 Hz, 1 channel")]
    public void Should_refuse_sound_longer_than_the_cap(string name, string format, string at)
    {
        // Given a cap of 10,000 samples, a fraction of a second
        var options = new AudioReadOptions { MaxSamples = 10_000 };

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(Path.Combine(Fixtures, name), options));

        // Then
        Assert.Contains($"the {format} decodes to more than 10,000 samples (", e.Problem, StringComparison.Ordinal);
        Assert.Contains($" at {at}), more than Engram reads (AudioReadOptions.MaxSamples)", e.Problem, StringComparison.Ordinal);
    }

    [FfmpegFact]
    public void Should_stop_ffmpeg_once_its_output_passes_the_cap()
    {
        // Given a cap of 1,000 samples and a FLAC file of 22,050
        var options = new AudioReadOptions { MaxSamples = 1000 };

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(Path.Combine(Fixtures, "tone.flac"), options));

        // Then
        Assert.Contains("the FLAC audio decodes to more than 1,000 samples (0 minutes at 44,100 Hz, 2 channels)", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_stop_an_ffmpeg_that_hangs_at_the_timeout()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in is a shell script
        }

        // Given a stand-in for ffmpeg that never answers, and a timeout of half a second
        string ffmpeg = Path.Combine(_folder, "ffmpeg");
        File.WriteAllText(ffmpeg, "#!/bin/sh\nexec sleep 60\n");
        File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = new AudioReadOptions { FfmpegPath = ffmpeg, Timeout = TimeSpan.FromSeconds(0.5) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(Path.Combine(Fixtures, "tone.flac"), options));

        // Then it was stopped, and the message says so
        Assert.Contains("ffmpeg did not finish decoding the FLAC audio within 0.5 s (AudioReadOptions.Timeout), and was stopped", e.Problem, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Should_refuse_samples_that_are_not_finite_numbers()
    {
        // Given a float WAV holding a NaN
        string path = Path.Combine(_folder, "nan.wav");
        WavFile.Write(path, new AudioClip(8000, 1, [0f, 0.5f, float.NaN, 0f]), WavSampleFormat.Float32);

        // When
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(path));

        // Then
        Assert.Equal($"{path}: the WAV audio decodes to a sample that is not a finite number (NaN) at 0 s: the file is damaged.", e.Message);
    }

    [Theory]
    [InlineData("", "the file is empty: it holds no sound.")]
    [InlineData("hello, this is text", "the file is text, not sound.")]
    [InlineData("SQLite format 3\\0", "the file is an SQLite database (an Engram store is one), not sound.")]
    [InlineData("\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09", "the file is not a sound format Engram recognises (it starts with 0102030405060708).")]
    public void Should_say_what_a_file_that_is_not_sound_looks_like(string content, string problem)
    {
        byte[] bytes = Unescape(content);
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(bytes, "x"));
        Assert.StartsWith(problem, e.Problem, StringComparison.Ordinal);
        Assert.Equal(0, e.Offset);
    }

    [Theory]
    [InlineData("fLaC\\0\\0\\0\\x22", AudioFormat.Flac)]
    [InlineData("ID3\\x04\\0\\0\\0\\0\\0\\0fLaC", AudioFormat.Flac)]
    [InlineData("ID3\\x04\\0\\0\\0\\0\\0\\0\\x00\\x00", AudioFormat.Mp3)]
    [InlineData("\\0\\0\\0\\x20ftypM4A \\0\\0\\0\\0", AudioFormat.Mp4)]
    [InlineData("\\x1A\\x45\\xDF\\xA3\\x9F\\x42\\x86\\x81", AudioFormat.WebM)]
    [InlineData("FORM\\0\\0\\0\\x10AIFFCOMM", AudioFormat.Aiff)]
    [InlineData("FORM\\0\\0\\0\\x10AIFCCOMM", AudioFormat.Aiff)]
    [InlineData("\\xFF\\xF1\\x50\\x80\\x02\\x1F\\xFC", AudioFormat.Aac)]
    [InlineData("\\xFF\\xFB\\x90\\x00", AudioFormat.Mp3)]
    [InlineData("\\xFF\\xFF\\x90\\x00", AudioFormat.Mp3)]
    [InlineData("\\xFF\\xFD\\x90\\x00", AudioFormat.Mp3)]
    [InlineData("\\xFF\\xF9\\x50\\x80\\x02\\x1F\\xFC", AudioFormat.Aac)]
    [InlineData("\\xFF\\xFB\\xF0\\x00", AudioFormat.Unknown)]
    [InlineData("\\xFF\\xFB\\x9C\\x00", AudioFormat.Unknown)]
    [InlineData("\\xFF\\xEB\\x90\\x00", AudioFormat.Unknown)]
    [InlineData("caff\\0\\x01\\0\\0", AudioFormat.Caf)]
    [InlineData("#!AMR\\n", AudioFormat.Amr)]
    [InlineData("\\x30\\x26\\xB2\\x75\\x8E\\x66\\xCF\\x11", AudioFormat.Wma)]
    [InlineData("wvpk", AudioFormat.WavPack)]
    [InlineData("MAC \\x96\\x0F", AudioFormat.Ape)]
    [InlineData("RIFF\\0\\0\\0\\0WAVE", AudioFormat.Wav)]
    [InlineData("RIFF\\0\\0\\0\\0AVI ", AudioFormat.Unknown)]
    [InlineData("OggS", AudioFormat.OggVorbis)]
    public void Should_tell_the_format_from_the_first_bytes(string start, AudioFormat format) =>
        Assert.Equal(format, AudioFiles.Detect(Unescape(start)));

    [Fact]
    public void Should_find_mp3_frames_behind_something_else_and_ogg_codecs_in_the_first_packet()
    {
        // Given an MP3 with 1,000 bytes of zeros in front (no ID3 tag), and the Ogg fixtures
        byte[] mp3 = File.ReadAllBytes(Path.Combine(Fixtures, "tone.mp3"));
        byte[] padded = [.. new byte[1000], .. mp3.AsSpan(AudioFiles.SkipId3(mp3))];

        // Then
        Assert.Equal(AudioFormat.Mp3, AudioFiles.Detect(padded));
        Assert.Equal(AudioFormat.Unknown, AudioFiles.Detect(new byte[1000]));
        Assert.Equal(AudioFormat.OggVorbis, AudioFiles.Detect(File.ReadAllBytes(Path.Combine(Fixtures, "tone.ogg"))));
        Assert.Equal(AudioFormat.Opus, AudioFiles.Detect(File.ReadAllBytes(Path.Combine(Fixtures, "tone.opus"))));
    }

    [Fact]
    public void Should_say_which_file_is_missing()
    {
        string missing = Path.Combine(_folder, "none.mp3");
        Assert.Equal($"Sound file not found: {missing}", Assert.Throws<FileNotFoundException>(() => AudioFiles.Read(missing)).Message);
        Assert.Contains("is a folder, not a sound file", Assert.Throws<FileNotFoundException>(() => AudioFiles.Read(_folder)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioFiles.Read([], "x", new AudioReadOptions { MaxSamples = AudioClip.MaxSamples + 1 }));
    }

    private void AssertSameSound(AudioClip clip, int rate, int channels, double seconds, int lag, double correlation)
    {
        Assert.Equal((rate, channels), (clip.SampleRate, clip.Channels));
        float[] reference = Tone.Samples(rate, channels, Math.Min(seconds, Tone.Seconds));
        var aligned = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            float[] decoded = Channel(clip.Samples, channels, c), expected = Channel(reference, channels, c);
            (double best, int at) = Signals.BestAlignment(decoded, expected, maxLag: Math.Max(64, lag + 64));
            aligned[c] = decoded.AsSpan(Math.Max(0, at), Math.Min(decoded.Length - Math.Max(0, at), expected.Length)).ToArray();
            double level = Signals.Rms(aligned[c]) / Signals.Rms(expected);
            output.WriteLine($"{clip}, channel {c}: correlation {best:F6} at lag {at}, level {level:F4}");
            Assert.Equal(lag, at);
            Assert.True(best >= correlation, $"channel {c}: correlation {best} with the source, below {correlation}");
            Assert.InRange(level, 0.9, 1.1);
        }

        if (channels == 2)
        {
            // The 1 kHz tone is on the right, and only there: the channels are in order.
            double right = Signals.PowerFractionAt(aligned[1], rate, 1000), left = Signals.PowerFractionAt(aligned[0], rate, 1000);
            output.WriteLine($"power at 1 kHz: right {right:F4}, left {left:F4}");
            Assert.True(right > 0.95, $"right channel's power at 1 kHz: {right}");
            Assert.True(left < 0.05, $"left channel's power at 1 kHz: {left}");
        }
    }

    private string Copy(string fixture, string name)
    {
        string path = Path.Combine(_folder, name);
        File.Copy(Path.Combine(Fixtures, fixture), path);
        return path;
    }

    private static void RunFfmpeg(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-v", "error", "-y", .. arguments])
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors);
    }

    /// <summary>The offset just after Ogg page <paramref name="pages"/>.</summary>
    internal static int OggPageEnd(byte[] ogg, int pages)
    {
        int offset = 0;
        for (int p = 0; p < pages; p++)
        {
            int segments = ogg[offset + 26];
            offset += 27 + segments + ogg.AsSpan(offset + 27, segments).ToArray().Sum(b => b);
        }

        return offset;
    }

    private static byte[] Unescape(string text) =>
        System.Text.RegularExpressions.Regex.Unescape(text).Select(c => (byte)c).ToArray();

    private static float[] Channel(float[] samples, int channels, int c)
    {
        var one = new float[samples.Length / channels];
        for (int f = 0; f < one.Length; f++)
        {
            one[f] = samples[(f * channels) + c];
        }

        return one;
    }
}

/// <summary>The fixtures' tone, restated from make_fixtures.py: a chirp on the left, 1 kHz on the right; mono is their mean.</summary>
internal static class Tone
{
    public const double Seconds = 1.0;

    public static float[] Samples(int rate, int channels, double seconds)
    {
        int frames = (int)Math.Round(rate * seconds);
        var samples = new float[frames * channels];
        for (int n = 0; n < frames; n++)
        {
            double t = (double)n / rate;
            double fade = Math.Min(1.0, Math.Min(t / 0.01, (Seconds - t) / 0.01));
            double left = fade * 0.5 * Math.Sin(2 * Math.PI * ((300.0 * t) + (2700.0 * t * t / (2 * Seconds))));
            double right = fade * 0.3 * Math.Sin(2 * Math.PI * 1000.0 * t);
            if (channels == 1)
            {
                samples[n] = (float)((left + right) / 2);
            }
            else
            {
                samples[2 * n] = (float)left;
                samples[(2 * n) + 1] = (float)right;
            }
        }

        return samples;
    }
}

/// <summary>Comparisons of a decoded signal with its reference.</summary>
internal static class Signals
{
    /// <summary>The normalised cross-correlation of decoded[n + lag] with reference[n] at the best lag in ±maxLag, and that lag.</summary>
    public static (double Correlation, int Lag) BestAlignment(float[] decoded, float[] reference, int maxLag)
    {
        double best = double.NegativeInfinity;
        int bestLag = 0;
        for (int lag = -maxLag; lag <= maxLag; lag++)
        {
            double dot = 0, dd = 0, rr = 0;
            int from = Math.Max(0, -lag), to = Math.Min(reference.Length, decoded.Length - lag);
            for (int n = from; n < to; n++)
            {
                double d = decoded[n + lag], r = reference[n];
                dot += d * r;
                dd += d * d;
                rr += r * r;
            }

            double correlation = dd > 0 && rr > 0 ? dot / Math.Sqrt(dd * rr) : 0;
            if (correlation > best)
            {
                (best, bestLag) = (correlation, lag);
            }
        }

        return (best, bestLag);
    }

    public static double Rms(float[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / Math.Max(1, x.Length));

    /// <summary>The fraction of the signal's power at <paramref name="frequency"/> (Goertzel): 1 for a pure tone there, near 0 elsewhere.</summary>
    public static double PowerFractionAt(float[] x, int rate, double frequency)
    {
        double w = 2 * Math.PI * frequency / rate, coefficient = 2 * Math.Cos(w), s1 = 0, s2 = 0, total = 0;
        foreach (float v in x)
        {
            double s = v + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s;
            total += (double)v * v;
        }

        double power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * power / (x.Length * total);
    }
}
