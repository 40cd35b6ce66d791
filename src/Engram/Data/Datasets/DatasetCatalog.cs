using System.Text.Json;
using Engram.Data.Speech;

namespace Engram.Data.Datasets;

/// <summary>Which datasets this machine has, where they are and how many items each holds.</summary>
public static class DatasetCatalog
{
    /// <summary>Looks for every dataset Engram knows: Fashion-MNIST (train, test), emoji, and espeak-ng speech.</summary>
    public static IReadOnlyList<DatasetAvailability> Describe()
    {
        var result = new List<DatasetAvailability>();
        foreach ((string name, string file) in new[] { ("fashion-mnist train", "train-images-idx3-ubyte.gz"), ("fashion-mnist test", "t10k-images-idx3-ubyte.gz") })
        {
            (string? path, string source) = FashionMnistDataset.Locate(file);
            result.Add(path is null
                ? new DatasetAvailability(name, false, "not found", null, 0, "install Debian's dataset-fashion-mnist")
                : new DatasetAvailability(name, true, source, path, IdxFile.Read(path, maxItems: 0).Dimensions[0], null));
        }

        (string? emoji, string emojiSource) = EmojiDataset.Locate();
        result.Add(emoji is null
            ? new DatasetAvailability("emoji", false, "not found", null, 0, $"npm install {EmojiDataset.PackageName}@16.0.0")
            : new DatasetAvailability("emoji", true, emojiSource, emoji, CountEntries(Path.Combine(emoji, "emoji.json")), null));

        SpeechSynthesizer? speech = SpeechSynthesizer.TryCreate();
        result.Add(speech is null
            ? new DatasetAvailability("speech (espeak-ng)", false, "not found", null, 0, "install Debian's espeak-ng")
            : new DatasetAvailability("speech (espeak-ng)", true, speech.Version, speech.Executable, 0, $"any caption; cached in {speech.CacheFolder}"));
        return result;
    }

    private static int CountEntries(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.GetArrayLength() : 0;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new DataFormatException(path, null, $"cannot be read as the emoji list: {e.Message}");
        }
    }
}

/// <summary>One dataset: whether it is here, from where, how many items, and a note (what to install, or where speech is cached).</summary>
public sealed record DatasetAvailability(string Name, bool Available, string Source, string? Location, int Items, string? Note);
