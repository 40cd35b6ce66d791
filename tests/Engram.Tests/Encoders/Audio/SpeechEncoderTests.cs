using Engram.Data.Audio;
using Engram.Encoders.Audio;
using Engram.Evaluation;
using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Tests.Encoders.Audio;

public sealed class SpeechEncoderTests : IDisposable
{
    private static readonly SpeechEncoderConfig s_small = new() { Mels = 16, Frames = 16, Widths = [4, 8, 8, 8], Hidden = 32, Dimension = 8 };
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-speech-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>"Word" w: one tone for the first half and another for the second, like two syllables.</summary>
    private static AudioClip Word(int w, double seconds, float amplitude, int rate)
    {
        double[] low = [300, 450, 700, 1000, 1500, 2200, 3200, 4500];
        double first = low[w % 8], second = low[(w * 3 + 5) % 8];
        var samples = new float[(int)(seconds * rate)];
        for (int i = 0; i < samples.Length; i++)
        {
            double f = i < samples.Length / 2 ? first : second;
            samples[i] = amplitude * (float)Math.Sin(2 * Math.PI * f * i / rate);
        }

        return new AudioClip(rate, 1, samples);
    }

    [Fact]
    public void Features_are_standardised_and_fixed_in_size_whatever_the_clips_length()
    {
        var encoder = new SpeechEncoder(s_small, new Rng(1));
        foreach (AudioClip clip in new[] { Word(1, 0.3, 0.5f, 16000), Word(1, 1.7, 0.05f, 22050) })
        {
            float[] f = encoder.Features(clip);
            Assert.Equal(16 * 16, f.Length);
            Support.Tolerance.Close(0, f.Average(v => (double)v), 0, 1e-5, "mean");
            Support.Tolerance.Close(1, Math.Sqrt(f.Average(v => (double)v * v)), 1e-4, 0, "standard deviation");
        }
    }

    [Fact]
    public void Should_learn_to_match_words_spoken_at_a_speed_and_loudness_it_never_heard()
    {
        // Given 8 words, each with a random unit text code, recorded at two speeds
        var random = new Rng(2);
        var textCodes = Tensor.FromArray(Enumerable.Range(0, 8 * 8).Select(_ => (float)random.NextNormal()).ToArray(), 8, 8);
        var encoder = new SpeechEncoder(s_small, new Rng(3));
        IReadOnlyList<float[]>[] recordings = Enumerable.Range(0, 8)
            .Select(w => (IReadOnlyList<float[]>)[encoder.Features(Word(w, 0.4, 0.5f, 16000)), encoder.Features(Word(w, 0.8, 0.2f, 16000))])
            .ToArray();

        // When it trains contrastively against the text codes
        SpeechEncoderTraining.Train(encoder, recordings, textCodes, new TrainerOptions { Epochs = 150, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 10 }, temperature: 0.1f);

        // Then a new recording of each word (another speed, loudness and sample rate) finds its own text code
        Tensor heard = encoder.Encode(Enumerable.Range(0, 8).Select(w => Word(w, 0.6, 0.05f, 22050)).ToArray());
        Assert.Equal(1.0, Retrieval.Accuracy(heard, textCodes, Enumerable.Range(0, 8).ToArray()));
    }

    [Fact]
    public void Saved_encoder_loads_and_gives_the_same_codes()
    {
        var encoder = new SpeechEncoder(s_small, new Rng(5));
        string path = Path.Combine(_folder, "speech.safetensors");
        encoder.Save(path);
        SpeechEncoder loaded = SpeechEncoder.Load(path);
        AudioClip[] clips = [Word(2, 0.5, 0.3f, 16000)];
        Assert.Equal(encoder.Encode(clips).Span.ToArray(), loaded.Encode(clips).Span.ToArray());
        Assert.Equal(s_small.Widths, loaded.Config.Widths);
    }

    [Fact]
    public void Should_refuse_a_clip_too_short_in_a_batch_with_its_own_message_not_an_aggregate()
    {
        // Given a batch whose second clip is empty
        var encoder = new SpeechEncoder(s_small, new Rng(1));
        AudioClip[] clips = [Word(2, 0.5, 0.3f, 16000), new AudioClip(16000, 1, [])];

        // When it is encoded, Then the clip's own refusal comes out, saying what to do
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode(clips));
        Assert.Contains("too short to encode: 0 ms (0 samples at 16 kHz); it needs at least 257 (17 ms): give a longer recording.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_clips_too_short_to_encode_and_files_that_are_not_speech_encoders()
    {
        var encoder = new SpeechEncoder(s_small, new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => encoder.Features(new AudioClip(16000, 1, new float[100])));
        Assert.Contains("too short to encode: 6 ms (100 samples at 16 kHz); it needs at least 257", e.Message, StringComparison.Ordinal);

        string path = Path.Combine(_folder, "other.safetensors");
        ModelWeights.Write(path, new Dictionary<string, NdArray<float>> { ["w"] = new NdArray<float>(1) });
        Assert.Contains("not an Engram speech encoder", Assert.Throws<InvalidDataException>(() => SpeechEncoder.Load(path)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SpeechEncoder(s_small with { Mels = 12 }, new Rng(1)));
    }
}
