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
    private readonly Func<int, Image>? _imageAtMost;
    private readonly Lazy<AudioClip>? _audio;

    /// <param name="id">A stable identifier within the dataset.</param>
    /// <param name="image">Decodes the image at full size (called once, on first use).</param>
    /// <param name="captions">Captions, most descriptive first.</param>
    /// <param name="audio">Decodes the audio, when the item has some.</param>
    /// <param name="label">A class index.</param>
    /// <param name="labelName">The class name.</param>
    /// <param name="imageAtMost">
    /// Decodes the image shrunk while decoding so that its longer side is at most the given number of pixels
    /// (see <see cref="ImageAtMost"/>); null when the source cannot, and <see cref="Image"/> serves.
    /// </param>
    /// <param name="imageFile">The file the image is read from, when it is a file of its own (see <see cref="ImageFile"/>).</param>
    /// <param name="audioFile">The file the audio is read from, when it is a file of its own (see <see cref="AudioFile"/>).</param>
    public DatasetItem(
        string id, Func<Image> image, IReadOnlyList<string> captions, Func<AudioClip>? audio = null, int? label = null, string? labelName = null,
        Func<int, Image>? imageAtMost = null, string? imageFile = null, string? audioFile = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(captions);
        Id = id;
        _image = new Lazy<Image>(image);
        _imageAtMost = imageAtMost;
        _audio = audio is null ? null : new Lazy<AudioClip>(audio);
        Captions = captions;
        Label = label;
        LabelName = labelName;
        ImageFile = imageFile;
        AudioFile = audio is null ? null : audioFile;
    }

    /// <summary>A stable identifier within the dataset (a file stem, an emoji code point, "train-00042").</summary>
    public string Id { get; }

    /// <summary>The image, decoded on first use.</summary>
    public Image Image => _image.Value;

    /// <summary>
    /// The image for a caller that wants it small: decoded (each call, not kept) with its longer side at most
    /// <paramref name="maxSide"/> when the item's source can shrink while decoding (a folder's PNGs: memory is then
    /// that of the small image, not of the full-size one), else <see cref="Image"/> as it is.
    /// </summary>
    public Image ImageAtMost(int maxSide)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSide);
        return _imageAtMost is null ? _image.Value : _imageAtMost(maxSide);
    }

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

    /// <summary>
    /// The file the image is read from when it is a file of its own, as the user keeps it (a folder's PNG, an emoji's PNG);
    /// null when the image is unpacked from a dataset file (Fashion-MNIST's IDX). A store keeps its bytes as the item's original.
    /// </summary>
    public string? ImageFile { get; }

    /// <summary>The file the audio is read from when it is a file of its own (a WAV beside a folder's PNG); null for generated speech or no audio.</summary>
    public string? AudioFile { get; }

    /// <summary>This item with audio attached (used to add speech to any dataset), read from <paramref name="audioFile"/> when it is a file of its own.</summary>
    public DatasetItem WithAudio(Func<AudioClip> audio, string? audioFile = null) =>
        new(Id, () => _image.Value, Captions, audio, Label, LabelName, _imageAtMost, ImageFile, audioFile);
}
