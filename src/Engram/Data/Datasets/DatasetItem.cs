using Engram.Data.Audio;
using Engram.Data.Images;

namespace Engram.Data.Datasets;

/// <summary>
/// One item of a dataset: an id, an image, its captions, optional audio and an optional label.
/// Images and audio load on first use (a folder of thousands of PNGs costs nothing until read).
/// </summary>
public sealed class DatasetItem
{
    private readonly Lazy<Image> _image;
    private readonly Lazy<AudioClip>? _audio;

    public DatasetItem(string id, Func<Image> image, IReadOnlyList<string> captions, Func<AudioClip>? audio = null, int? label = null, string? labelName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(captions);
        Id = id;
        _image = new Lazy<Image>(image);
        _audio = audio is null ? null : new Lazy<AudioClip>(audio);
        Captions = captions;
        Label = label;
        LabelName = labelName;
    }

    /// <summary>A stable identifier within the dataset (a file stem, an emoji code point, "train-00042").</summary>
    public string Id { get; }

    /// <summary>The image, decoded on first use.</summary>
    public Image Image => _image.Value;

    /// <summary>Captions, most descriptive first; may be empty.</summary>
    public IReadOnlyList<string> Captions { get; }

    /// <summary>The first caption, or null.</summary>
    public string? Caption => Captions.Count > 0 ? Captions[0] : null;

    /// <summary>Whether the item has audio.</summary>
    public bool HasAudio => _audio is not null;

    /// <summary>The audio, decoded on first use; null when the item has none.</summary>
    public AudioClip? Audio => _audio?.Value;

    /// <summary>A class index, when the dataset has classes.</summary>
    public int? Label { get; }

    /// <summary>The class name, when the dataset has classes.</summary>
    public string? LabelName { get; }

    /// <summary>This item with audio attached (used to add speech to any dataset).</summary>
    public DatasetItem WithAudio(Func<AudioClip> audio) => new(Id, () => _image.Value, Captions, audio, Label, LabelName);
}
