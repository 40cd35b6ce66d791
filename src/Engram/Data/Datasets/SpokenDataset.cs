using Engram.Data.Speech;

namespace Engram.Data.Datasets;

/// <summary>Adds speech to any dataset: each item's first caption spoken by espeak-ng with one voice.</summary>
public static class SpokenDataset
{
    /// <summary>
    /// The same items with audio: an item's own audio is kept; items without captions get none.
    /// Speech is made on first use and cached on disk.
    /// </summary>
    public static IDataset Add(IDataset dataset, SpeechSynthesizer speech, string voice = "en-us")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(speech);
        var items = dataset.Select(item => item.HasAudio || item.Caption is null
                ? item
                : item.WithAudio(() => speech.Speak(item.Caption, voice)))
            .ToArray();
        return new ListDataset(dataset.Name, $"{dataset.Source}, spoken by espeak-ng ({voice})", dataset.Location, items);
    }
}
