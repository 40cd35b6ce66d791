using Engram.Encoders;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Nn;

namespace Engram.Multimodal;

/// <summary>
/// Which encoder makes a slot's codes, as a memory file records it: the slot ("image", "text" or
/// "audio"), the encoder's kind ("raw", a codec kind such as "autoencoder", "pixelized", "ngram" or
/// "speech"), the weight file and the SHA-256 of its parameters when the encoder has weights. A
/// harmonic memory's model is recorded the same way, under the slot name "harmonic".
/// </summary>
public sealed record SlotEncoder(string Slot, string Kind, string? Weights = null, string? Sha256 = null);

/// <summary>
/// The encoders of a multimodal memory, one per slot: an image codec (raw pixels or a trained codec),
/// a text encoder (pixelized through the image codec, or a trained n-gram encoder) and a speech
/// encoder. Any may be absent, but a memory has at least one. A harmonic memory also has a
/// <see cref="HarmonicModel"/>: the adapters that take each slot's codes into its modality space, and
/// the learned couplings between them.
/// </summary>
public sealed class MemoryEncoders
{
    /// <summary>The slot names, in the order slots are laid out.</summary>
    public static readonly IReadOnlyList<string> Slots = Modality.Known.Select(m => m.Name).ToArray();

    /// <summary>The name under which <see cref="Described"/> records a harmonic model.</summary>
    public const string HarmonicEntry = "harmonic";

    private MemoryEncoders(
        IImageCodec? image, ITextEncoder? text, IAudioEncoder? audio, HarmonicModel? harmonic, IReadOnlyList<SlotEncoder> described,
        IReadOnlyDictionary<string, LoadedModel> weighted, IReadOnlyList<string> relocated)
    {
        Image = image;
        Text = text;
        Audio = audio;
        Harmonic = harmonic;
        Described = described;
        Weighted = weighted;
        Relocated = relocated;
    }

    /// <summary>The image codec of the image slot; null when the memory stores no images.</summary>
    public IImageCodec? Image { get; }

    /// <summary>The text encoder of the caption slot; null when the memory stores no captions.</summary>
    public ITextEncoder? Text { get; }

    /// <summary>The audio encoder of the sound slot; null when the memory stores no sounds.</summary>
    public IAudioEncoder? Audio { get; }

    /// <summary>The harmonic model of a harmonic memory; null for a Hopfield Encoding Network memory.</summary>
    public HarmonicModel? Harmonic { get; }

    /// <summary>What each present slot's encoder is (and the harmonic model, when there is one), as saved in a memory file.</summary>
    public IReadOnlyList<SlotEncoder> Described { get; }

    /// <summary>
    /// One line per encoder of a reopened memory that was not at the path the memory records, saying where it was found
    /// (by the SHA-256 of its weights) or that the memory carries it; empty when every encoder was where it was recorded.
    /// </summary>
    public IReadOnlyList<string> Relocated { get; }

    /// <summary>The encoders (and harmonic model) that have weights, by slot, with the metadata of their weight files: what a memory embeds.</summary>
    internal IReadOnlyDictionary<string, LoadedModel> Weighted { get; }

    /// <summary>
    /// Opens the encoders: <paramref name="image"/> is "raw" (pixels at <paramref name="rawShape"/>) or a codec
    /// weight file; <paramref name="text"/> is "pixelized" (through the image codec) or an n-gram weight
    /// file; <paramref name="audio"/> a speech weight file. Null leaves the slot out.
    /// <paramref name="harmonic"/>, a harmonic model's weight file, makes the memory a harmonic one.
    /// </summary>
    public static MemoryEncoders Open(string? image, string? text, string? audio, ImageShape? rawShape = null, string? harmonic = null)
    {
        if (image is null && text is null && audio is null)
        {
            throw new ArgumentException("A memory needs at least one of an image codec, a text encoder and an audio encoder.");
        }

        var weighted = new Dictionary<string, (LoadedModel, string)>(StringComparer.Ordinal);
        void Read(string slot, string? path, string what)
        {
            if (path is not null)
            {
                weighted[slot] = (ModelLocator.Read(slot, Existing(path, what)), path);
            }
        }

        Read(Modality.ImageName, image is "raw" ? null : image, "image codec");
        Read(Modality.TextName, text is "pixelized" ? null : text, "text encoder");
        Read(Modality.AudioName, audio, "audio encoder");
        Read(HarmonicEntry, harmonic, "harmonic model");
        return Compose(image is "raw", text is "pixelized", weighted, rawShape, []);
    }

    /// <summary>
    /// Reopens the encoders a memory file names, and refuses any whose weights are not the ones the memory was built
    /// with. An encoder the memory embeds (<paramref name="embedded"/>) is taken from it; any other is found by the
    /// SHA-256 of its weights in the models path (see <see cref="ModelLocator"/>), with <paramref name="folders"/> last.
    /// </summary>
    internal static MemoryEncoders Reopen(
        IReadOnlyList<SlotEncoder> described, string memoryPath, ImageShape? rawShape, Func<SlotEncoder, LoadedModel?> embedded, IReadOnlyList<string> folders)
    {
        // Only the built-in encoders come without a weight file; any other kind without one is a damaged description.
        if (described.FirstOrDefault(e => e.Weights is null && e.Kind is not ("raw" or "pixelized")) is { } unnamed)
        {
            throw new InvalidDataException($"{memoryPath} names the {ModelLocator.What(unnamed)} '{unnamed.Kind}' without its weight file, so it is damaged: build the memory again.");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(memoryPath))!;
        var weighted = new Dictionary<string, (LoadedModel, string)>(StringComparer.Ordinal);
        var relocated = new List<string>();
        foreach (SlotEncoder recorded in described.Where(e => e.Weights is not null))
        {
            string at = Path.GetFullPath(recorded.Weights!, folder);
            LoadedModel model;
            if (embedded(recorded) is { } carried)
            {
                if (!string.Equals(carried.Sha256, recorded.Sha256, StringComparison.Ordinal))
                {
                    throw new InvalidDataException(
                        $"The memory file {memoryPath} is damaged: the {ModelLocator.What(recorded)} it carries has weights SHA-256 {ModelLocator.Short(carried.Sha256)}…, " +
                        $"not the {ModelLocator.Short(recorded.Sha256 ?? "none")}… it records. Rebuild it with `engram build --embed-encoders`.");
                }

                model = carried;
                relocated.Add($"note: the {ModelLocator.What(recorded)} ({ModelLocator.Short(carried.Sha256)}…) is the one the memory file carries.");
            }
            else if (recorded.Sha256 is null)
            {
                // A description without a hash has nothing to search by: only the recorded path can be tried.
                model = ModelLocator.Read(recorded.Slot, File.Exists(at) ? at : throw new InvalidDataException(
                    $"{memoryPath} was built with the {ModelLocator.What(recorded)} {recorded.Weights}, which is not at {at} and has no recorded hash to search by: put the weights back, or build the memory again."));
            }
            else
            {
                model = ModelLocator.Find(recorded, memoryPath, folders);
                if (!string.Equals(model.Source, at, StringComparison.Ordinal))
                {
                    relocated.Add($"note: the {ModelLocator.What(recorded)} ({ModelLocator.Short(model.Sha256)}…) was not at {at}; found the same weights at {model.Source}.");
                }
            }

            weighted[recorded.Slot] = (model, model.Source == memoryPath ? at : model.Source);
        }

        MemoryEncoders encoders = Compose(
            described.Any(e => e.Slot == Modality.ImageName && e.Kind == "raw"), described.Any(e => e.Slot == Modality.TextName && e.Kind == "pixelized"), weighted, rawShape, relocated);
        foreach (SlotEncoder recorded in described)
        {
            SlotEncoder? now = encoders.Described.FirstOrDefault(e => e.Slot == recorded.Slot);
            if (now is null || now.Kind != recorded.Kind)
            {
                throw new InvalidDataException(
                    $"{memoryPath} records a {recorded.Kind} {ModelLocator.What(recorded)}, but its weights make a {now?.Kind ?? "different"} one: the memory file is damaged; build it again.");
            }
        }

        return encoders;
    }

    // The encoders from the chosen built-ins and the loaded weights (slot → model and the path to record for it).
    private static MemoryEncoders Compose(
        bool rawImage, bool pixelizedText, Dictionary<string, (LoadedModel Model, string Path)> weighted, ImageShape? rawShape, IReadOnlyList<string> relocated)
    {
        var described = new List<SlotEncoder>();
        IImageCodec? codec = null;
        if (rawImage)
        {
            codec = new IdentityCodec(rawShape ?? throw new ArgumentException("Raw images need a shape (channels, height, width)."));
            described.Add(new SlotEncoder(Modality.ImageName, "raw"));
        }
        else if (weighted.TryGetValue(Modality.ImageName, out var image))
        {
            var conv = (ConvImageCodec)image.Model.Module;
            codec = conv;
            described.Add(new SlotEncoder(Modality.ImageName, conv.Config.Kind, image.Path, image.Model.Sha256));
        }

        ITextEncoder? textEncoder = null;
        if (pixelizedText)
        {
            textEncoder = new PixelizedTextEncoder(codec ?? throw new ArgumentException("Pixelized text is drawn and passed through the image codec: choose an image codec too."));
            described.Add(new SlotEncoder(Modality.TextName, "pixelized"));
        }
        else if (weighted.TryGetValue(Modality.TextName, out var text))
        {
            textEncoder = (NgramTextEncoder)text.Model.Module;
            described.Add(new SlotEncoder(Modality.TextName, "ngram", text.Path, text.Model.Sha256));
        }

        IAudioEncoder? audioEncoder = null;
        if (weighted.TryGetValue(Modality.AudioName, out var audio))
        {
            audioEncoder = (SpeechEncoder)audio.Model.Module;
            described.Add(new SlotEncoder(Modality.AudioName, "speech", audio.Path, audio.Model.Sha256));
        }

        HarmonicModel? model = null;
        if (weighted.TryGetValue(HarmonicEntry, out var harmonic))
        {
            model = (HarmonicModel)harmonic.Model.Module;
            described.Add(new SlotEncoder(HarmonicEntry, "harmonic", harmonic.Path, harmonic.Model.Sha256));
        }

        return new MemoryEncoders(codec, textEncoder, audioEncoder, model, described, weighted.ToDictionary(p => p.Key, p => p.Value.Model, StringComparer.Ordinal), relocated);
    }

    private static string Existing(string path, string what) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"The {what} {path} does not exist (trained weights ship in data/models; see its MANIFEST.md).", path);
}
