using System.Text.Json;
using Engram.Data;
using Engram.Data.Audio;

namespace Engram.Tests.Data.Audio;

public sealed class WavFileTests : IDisposable
{
    private static readonly string s_fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "wav");
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-wav-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("pcm8-mono", 128.0, -128.0)]          // unsigned: (v − 128) / 128
    [InlineData("pcm16-stereo", 32768.0, 0.0)]
    [InlineData("pcm24-mono", 8388608.0, 0.0)]
    [InlineData("pcm32-ext", 2147483648.0, 0.0)]      // WAVE_FORMAT_EXTENSIBLE
    [InlineData("float64-stereo", 1.0, 0.0)]
    public void Should_read_the_python_written_fixtures_exactly(string name, double scale, double shift)
    {
        // Given a file written by an independent writer, and its sample values
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_fixtures, name + ".json")));
        JsonElement root = expected.RootElement;

        // When
        AudioClip audio = WavFile.Read(Path.Combine(s_fixtures, name + ".wav"));

        // Then
        Assert.Equal(root.GetProperty("rate").GetInt32(), audio.SampleRate);
        Assert.Equal(root.GetProperty("channels").GetInt32(), audio.Channels);
        double[] values = root.GetProperty("values").EnumerateArray().Select(v => (v.GetDouble() + shift) / scale).ToArray();
        Assert.Equal(values.Select(v => (float)v).ToArray(), audio.Samples);
    }

    [Fact]
    public void Should_read_espeak_stdout_whose_sizes_are_placeholders_to_the_end_of_the_file()
    {
        // Given espeak-ng --stdout output: RIFF and data sizes near 2³¹, far past the file's 28,974 bytes
        string path = Path.Combine(s_fixtures, "espeak-stdout.wav");

        // When
        AudioClip audio = WavFile.Read(path);

        // Then every whole frame after the 44-byte header is read
        Assert.Equal(22050, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.Equal((28974 - 44) / 2, audio.FrameCount);
        Assert.True(audio.Samples.Max(Math.Abs) > 0.05f);
    }

    [Theory]
    [InlineData(1, 8000, 1)]
    [InlineData(2, 44100, 1001)]
    [InlineData(3, 22050, 17)]
    public void Should_round_trip_pcm16_within_one_step_and_float32_exactly(int channels, int rate, int frames)
    {
        // Given samples over the whole range, with values past ±1 that PCM must clamp
        var random = new Random(channels * 1000 + frames);
        float[] samples = Enumerable.Range(0, channels * frames).Select(_ => (float)((random.NextDouble() * 2.2) - 1.1)).ToArray();
        var audio = new AudioClip(rate, channels, samples);
        string pcm = Path.Combine(_folder, "pcm.wav"), flt = Path.Combine(_folder, "float.wav");

        // When
        WavFile.Write(pcm, audio, WavSampleFormat.Pcm16);
        WavFile.Write(flt, audio, WavSampleFormat.Float32);
        AudioClip fromPcm = WavFile.Read(pcm), fromFloat = WavFile.Read(flt);

        // Then: PCM16 writes round(x·32767) and reads n/32768, so the error is at most 1.5 steps of 1/32768
        Assert.Equal((rate, channels), (fromPcm.SampleRate, fromPcm.Channels));
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.True(Math.Abs(Math.Clamp(samples[i], -1f, 1f) - fromPcm.Samples[i]) <= 1.5 / 32768, $"sample {i}: {samples[i]} → {fromPcm.Samples[i]}");
        }

        Assert.Equal(samples, fromFloat.Samples);
        Assert.Equal(44 + (samples.Length * 2), new FileInfo(pcm).Length);
    }

    [Fact]
    public void Should_average_channels_for_mono()
    {
        var audio = new AudioClip(8000, 2, [1f, 0f, -0.5f, 0.5f]);
        Assert.Equal([0.5f, 0f], audio.ToMono());
        Assert.Equal(2, audio.FrameCount);
        Assert.Equal(TimeSpan.FromSeconds(2.0 / 8000), audio.Duration);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not a WAV file")]
    [InlineData(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 4, 0, 0, 0, (byte)'W', (byte)'A', (byte)'V', (byte)'E' }, "no fmt chunk was found")]
    public void Should_name_what_is_wrong_with_a_file_that_is_not_wav(byte[] bytes, string problem)
    {
        var e = Assert.Throws<DataFormatException>(() => WavFile.Read(bytes, "x.wav"));
        Assert.StartsWith("x.wav: at byte ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_unsupported_and_inconsistent_formats()
    {
        byte[] good = File.ReadAllBytes(Path.Combine(s_fixtures, "pcm16-stereo.wav"));

        byte[] adpcm = (byte[])good.Clone();
        adpcm[20] = 2; // format tag 2 (ADPCM)
        Assert.Contains("format tag 2 with 16 bits per sample is not supported", Assert.Throws<DataFormatException>(() => WavFile.Read(adpcm, "a.wav")).Message, StringComparison.Ordinal);

        byte[] noChannels = (byte[])good.Clone();
        noChannels[22] = 0;
        Assert.Contains("0 channels", Assert.Throws<DataFormatException>(() => WavFile.Read(noChannels, "c.wav")).Message, StringComparison.Ordinal);

        byte[] badAlign = (byte[])good.Clone();
        badAlign[32] = 3;
        Assert.Contains("block align 3 does not match 2 channels of 16 bits", Assert.Throws<DataFormatException>(() => WavFile.Read(badAlign, "b.wav")).Message, StringComparison.Ordinal);

        byte[] truncatedList = good[..44]; // the LIST chunk's header survives, its 7 bytes do not
        Assert.Contains("claims 7 bytes", Assert.Throws<DataFormatException>(() => WavFile.Read(truncatedList, "t.wav")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_see_only_clear_errors_when_valid_files_are_mutated_thousands_of_times()
    {
        // Given every fixture, mutated 3,000 times in total by seeded byte flips, truncations and insertions
        byte[][] files = Directory.GetFiles(s_fixtures, "*.wav").Select(File.ReadAllBytes).ToArray();
        var random = new Random(2026);
        int decoded = 0, refused = 0;
        for (int round = 0; round < 3000; round++)
        {
            byte[] bytes = Mutate(files[round % files.Length], random);

            // When / Then: it decodes, or says why it cannot; nothing else escapes
            try
            {
                WavFile.Read(bytes, "fuzz.wav");
                decoded++;
            }
            catch (DataFormatException)
            {
                refused++;
            }
        }

        Assert.Equal(3000, decoded + refused);
        Assert.True(refused > 100 && decoded > 100, $"decoded {decoded}, refused {refused}: the mutations should exercise both paths");
    }

    [Fact]
    public void Should_write_through_a_temporary_file_and_say_when_the_folder_is_missing()
    {
        string path = Path.Combine(_folder, "a.wav");
        WavFile.Write(path, new AudioClip(8000, 1, [0.5f]));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_folder).Select(Path.GetFileName));
        Assert.Throws<DirectoryNotFoundException>(() => WavFile.Write(Path.Combine(_folder, "no", "b.wav"), new AudioClip(8000, 1, [0f])));
        Assert.Contains("not found", Assert.Throws<FileNotFoundException>(() => WavFile.Read(Path.Combine(_folder, "none.wav"))).Message, StringComparison.Ordinal);
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = new List<byte>(source);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            switch (random.Next(4))
            {
                case 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 1:
                    int at = random.Next(bytes.Count);
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.Insert(random.Next(bytes.Count), (byte)random.Next(256));
                    break;
                default:
                    // Header fields live in the first 44 bytes: hit them often.
                    bytes[random.Next(Math.Min(44, bytes.Count))] = (byte)random.Next(256);
                    break;
            }
        }

        return [.. bytes];
    }
}
