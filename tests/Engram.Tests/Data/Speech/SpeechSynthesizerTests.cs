using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Speech;

public sealed class SpeechSynthesizerTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("engram-speech-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [EspeakFact]
    public void Should_speak_a_caption_once_and_serve_it_from_the_cache_after()
    {
        // Given
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(_cache), EspeakFactAttribute.Missing);

        // When
        string first = speech.SpeakToFile("grinning face", "en-us");
        DateTime written = File.GetLastWriteTimeUtc(first);
        string second = speech.SpeakToFile("grinning face", "en-us");
        var audio = speech.Speak("grinning face", "en-us");

        // Then: one file, in the cache, not rewritten; 22,050 Hz mono speech of a plausible length
        Assert.Equal(first, second);
        Assert.StartsWith(_cache, first, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));
        Assert.Equal(22050, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.InRange(audio.Duration.TotalSeconds, 0.3, 3.0);
        Assert.True(audio.Samples.Max(Math.Abs) > 0.05f, "the speech should not be silence");
    }

    [EspeakFact]
    public void Should_give_the_same_samples_for_the_same_text_and_different_ones_for_another_voice()
    {
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(_cache), EspeakFactAttribute.Missing);
        SpeechSynthesizer fresh = RequiredDependency.Require(SpeechSynthesizer.TryCreate(Path.Combine(_cache, "other")), EspeakFactAttribute.Missing);
        float[] a = speech.Speak("red apple", "en-us").Samples;
        float[] b = fresh.Speak("red apple", "en-us").Samples; // made again, in another cache
        float[] c = speech.Speak("red apple", "en-us+f3").Samples;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [EspeakFact]
    public void Should_speak_text_that_starts_with_a_dash_as_text()
    {
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(_cache), EspeakFactAttribute.Missing);
        Assert.True(speech.Speak("--version", "en-us").Duration.TotalSeconds > 0.2);
    }

    [EspeakFact]
    public void Should_refuse_a_voice_with_spaces_and_name_an_unknown_voice()
    {
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(_cache), EspeakFactAttribute.Missing);
        Assert.Contains("spaces", Assert.Throws<ArgumentException>(() => speech.SpeakToFile("hi", "en us")).Message, StringComparison.Ordinal);
        Assert.Contains("espeak-ng has no voice 'no-such-voice-xyz'", Assert.Throws<ArgumentException>(() => speech.SpeakToFile("hi", "no-such-voice-xyz")).Message, StringComparison.Ordinal);
        Assert.Contains("no voice variant 'zz9'", Assert.Throws<ArgumentException>(() => speech.SpeakToFile("hi", "en-us+zz9")).Message, StringComparison.Ordinal);
    }

    [EspeakFact]
    public void Should_add_speech_of_the_first_caption_to_every_item_of_a_dataset()
    {
        SpeechSynthesizer speech = RequiredDependency.Require(SpeechSynthesizer.TryCreate(_cache), EspeakFactAttribute.Missing);
        IDataset data = SpokenDataset.Add(FashionMnistDataset.Load(maxItems: 2), speech, "en-us");
        Assert.All(data, item => Assert.True(item.HasAudio));
        Assert.Equal(speech.Speak("Ankle boot", "en-us").Samples, data[0].Audio!.Samples);
        Assert.Contains("espeak-ng (en-us)", data.Source, StringComparison.Ordinal);
    }
}
