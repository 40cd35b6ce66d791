namespace Engram.Engines;

/// <summary>
/// A kind of content an item holds and a cue may give: an image, a caption, a sound. Each modality is one slot of a
/// stored pattern, encoded by its own encoder; an engine recalls some modalities from cues of others.
/// </summary>
public readonly record struct Modality
{
    private readonly string? _name;

    /// <summary>A modality named <paramref name="name"/>: letters, digits, '-' or '_' (a name is also a key in memory files).</summary>
    public Modality(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"A modality's name is made of letters, digits, '-' and '_'; got '{name}'.", nameof(name));
        }

        _name = name;
    }

    /// <summary>The modality's name, as memory files, the CLI and the explorer write it.</summary>
    public string Name => _name ?? "";

    /// <summary>The name of <see cref="Image"/>, for switch patterns and constants.</summary>
    public const string ImageName = "image";

    /// <summary>The name of <see cref="Text"/>.</summary>
    public const string TextName = "text";

    /// <summary>The name of <see cref="Audio"/>.</summary>
    public const string AudioName = "audio";

    /// <summary>Images, through an image codec.</summary>
    public static Modality Image { get; } = new(ImageName);

    /// <summary>Captions, through a text encoder.</summary>
    public static Modality Text { get; } = new(TextName);

    /// <summary>Sounds, through an audio encoder.</summary>
    public static Modality Audio { get; } = new(AudioName);

    /// <summary>The modalities a multimodal memory knows encoders for, in slot order.</summary>
    public static IReadOnlyList<Modality> Known { get; } = [Image, Text, Audio];

    /// <inheritdoc />
    public override string ToString() => Name;
}
