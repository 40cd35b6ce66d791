using Engram.Encoders;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Harmonic;
using Engram.Nn;

namespace Engram.Hen;

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
    public static readonly IReadOnlyList<string> Slots = ["image", "text", "audio"];

    /// <summary>The name under which <see cref="Described"/> records a harmonic model.</summary>
    public const string HarmonicEntry = "harmonic";

    private MemoryEncoders(IImageCodec? image, ITextEncoder? text, IAudioEncoder? audio, HarmonicModel? harmonic, IReadOnlyList<SlotEncoder> described)
    {
        Image = image;
        Text = text;
        Audio = audio;
        Harmonic = harmonic;
        Described = described;
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

        var described = new List<SlotEncoder>();
        IImageCodec? codec = null;
        if (image is not null)
        {
            if (image == "raw")
            {
                codec = new IdentityCodec(rawShape ?? throw new ArgumentException("Raw images need a shape (channels, height, width)."));
                described.Add(new SlotEncoder("image", "raw"));
            }
            else
            {
                ConvImageCodec conv = ImageCodecs.Load(Existing(image, "image codec"));
                codec = conv;
                described.Add(new SlotEncoder("image", conv.Config.Kind, image, conv.ParameterHash()));
            }
        }

        ITextEncoder? textEncoder = null;
        if (text is not null)
        {
            if (text == "pixelized")
            {
                textEncoder = new PixelizedTextEncoder(codec ?? throw new ArgumentException("Pixelized text is drawn and passed through the image codec: choose an image codec too."));
                described.Add(new SlotEncoder("text", "pixelized"));
            }
            else
            {
                NgramTextEncoder ngram = NgramTextEncoder.Load(Existing(text, "text encoder"));
                textEncoder = ngram;
                described.Add(new SlotEncoder("text", "ngram", text, ModelWeights.ParameterHash(ngram)));
            }
        }

        IAudioEncoder? audioEncoder = null;
        if (audio is not null)
        {
            SpeechEncoder speech = SpeechEncoder.Load(Existing(audio, "audio encoder"));
            audioEncoder = speech;
            described.Add(new SlotEncoder("audio", "speech", audio, ModelWeights.ParameterHash(speech)));
        }

        HarmonicModel? model = null;
        if (harmonic is not null)
        {
            model = HarmonicModel.Load(Existing(harmonic, "harmonic model"));
            described.Add(new SlotEncoder(HarmonicEntry, "harmonic", harmonic, ModelWeights.ParameterHash(model)));
        }

        return new MemoryEncoders(codec, textEncoder, audioEncoder, model, described);
    }

    /// <summary>
    /// Reopens the encoders a memory file names, with weight paths relative to <paramref name="folder"/>,
    /// and refuses any whose weights are no longer the ones the memory was built with.
    /// </summary>
    internal static MemoryEncoders Reopen(IReadOnlyList<SlotEncoder> described, string folder, ImageShape? rawShape, string memoryPath)
    {
        string? Resolve(SlotEncoder? e) => e?.Weights is null ? e?.Kind : Path.GetFullPath(e.Weights, folder);
        SlotEncoder? image = described.FirstOrDefault(e => e.Slot == "image"), text = described.FirstOrDefault(e => e.Slot == "text"), audio = described.FirstOrDefault(e => e.Slot == "audio");
        SlotEncoder? harmonic = described.FirstOrDefault(e => e.Slot == HarmonicEntry);
        foreach (SlotEncoder e in described.Where(e => e.Weights is not null))
        {
            string path = Path.GetFullPath(e.Weights!, folder);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{memoryPath} was built with the {What(e)} {e.Weights}, which is not at {path}: put the weights back, or build the memory again.");
            }
        }

        // Only the built-in encoders come without a weight file; any other kind without one is a damaged description.
        if (described.FirstOrDefault(e => e.Weights is null && e.Kind is not ("raw" or "pixelized")) is { } unnamed)
        {
            throw new InvalidDataException($"{memoryPath} names the {What(unnamed)} '{unnamed.Kind}' without its weight file, so it is damaged: build the memory again.");
        }

        MemoryEncoders encoders = Open(Resolve(image), Resolve(text), Resolve(audio), rawShape, harmonic is null ? null : Resolve(harmonic));
        foreach (SlotEncoder recorded in described.Where(e => e.Sha256 is not null))
        {
            SlotEncoder? now = encoders.Described.FirstOrDefault(e => e.Slot == recorded.Slot);
            if (now is null || !string.Equals(now.Sha256, recorded.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException(
                    $"{memoryPath} was built with {What(recorded)} weights {recorded.Sha256![..Math.Min(12, recorded.Sha256!.Length)]}…, but {recorded.Weights} now holds {now?.Sha256?[..12] ?? "no such encoder"}…: " +
                    (recorded.Slot == HarmonicEntry ? "its adapters and couplings are not the ones the memory was built with" : "its codes would not match the stored ones") +
                    ". Restore those weights, or build the memory again.");
            }
        }

        return encoders;
    }

    private static string What(SlotEncoder e) => e.Slot == HarmonicEntry ? "harmonic model" : $"{e.Slot} encoder";

    private static string Existing(string path, string what) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"The {what} {path} does not exist (trained weights ship in data/models; see its MANIFEST.md).", path);
}
