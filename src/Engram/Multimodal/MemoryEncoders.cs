using Engram.Encoders;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Onnx;
using Engram.Encoders.Text;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Nn;

namespace Engram.Multimodal;

/// <summary>
/// Which encoder makes a slot's codes, as a memory file records it: the slot ("image", "text" or
/// "audio"), the encoder's kind ("raw", a codec kind such as "autoencoder", "pixelized", "ngram",
/// "speech", a pretrained "minilm" or "resnet18", or "onnx" for a user's ONNX model), the weight file
/// (a user's ONNX model: its .onnx file) and the SHA-256 of its parameters (of an ONNX encoder: of its
/// model files, <see cref="IOnnxEncoder.Sha256"/>). A harmonic memory's model is recorded the same way,
/// under the slot name "harmonic".
/// </summary>
public sealed record SlotEncoder(string Slot, string Kind, string? Weights = null, string? Sha256 = null);

/// <summary>
/// The encoders of a multimodal memory, one per slot: an image codec (raw pixels, a trained codec, or a pretrained
/// encoder run by ONNX Runtime: resnet18 or a user's onnx:PATH), a text encoder (pixelized through the image codec, a
/// trained n-gram encoder, minilm or onnx:PATH) and a speech encoder. Any may be absent, but a memory has at least one. A harmonic memory also has a
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
    /// Opens the encoders: <paramref name="image"/> is "raw" (pixels at <paramref name="rawShape"/>), "resnet18",
    /// "onnx:PATH" (a user's ONNX model with its sidecar PATH.json) or a codec weight file; <paramref name="text"/> is
    /// "pixelized" (through the image codec), "minilm", "onnx:PATH" or an n-gram weight file; <paramref name="audio"/> a
    /// speech weight file. Null leaves the slot out. <paramref name="harmonic"/>, a harmonic model's weight file, makes
    /// the memory a harmonic one. The ONNX encoders run with the default <see cref="OnnxRuntimeSettings"/>.
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

        var onnx = new Dictionary<string, (IOnnxEncoder, string?)>(StringComparer.Ordinal);
        foreach ((string slot, string? name) in new[] { (Modality.ImageName, image), (Modality.TextName, text) })
        {
            if (PretrainedEncoders.Names(name))
            {
                onnx[slot] = (OpenOnnx(slot, name!), name!.StartsWith(PretrainedEncoders.OnnxPrefix, StringComparison.Ordinal) ? name[PretrainedEncoders.OnnxPrefix.Length..] : null);
            }
        }

        Read(Modality.ImageName, image is "raw" || onnx.ContainsKey(Modality.ImageName) ? null : image, "image codec");
        Read(Modality.TextName, text is "pixelized" || onnx.ContainsKey(Modality.TextName) ? null : text, "text encoder");
        Read(Modality.AudioName, audio, "audio encoder");
        Read(HarmonicEntry, harmonic, "harmonic model");
        return Compose(image is "raw", text is "pixelized", weighted, onnx, rawShape, []);
    }

    /// <summary>Whether <paramref name="kind"/> is that of an encoder run by ONNX Runtime ("minilm", "resnet18", "onnx"), which a memory finds by its model's hash rather than by weights.</summary>
    internal static bool IsOnnxKind(string kind) => kind is PretrainedEncoders.MiniLmName or PretrainedEncoders.ResNet18Name or PretrainedEncoders.OnnxKind;

    // The ONNX encoder of a slot that name ("minilm", "resnet18", "onnx:PATH") gives; a name of the other modality is refused, saying which slot takes it.
    private static IOnnxEncoder OpenOnnx(string slot, string name)
    {
        bool image = slot == Modality.ImageName;
        IOnnxEncoder encoder = name switch
        {
            PretrainedEncoders.MiniLmName when !image => PretrainedEncoders.MiniLm(),
            PretrainedEncoders.ResNet18Name when image => PretrainedEncoders.ResNet18(),
            PretrainedEncoders.MiniLmName or PretrainedEncoders.ResNet18Name => throw new ArgumentException(
                $"{name} is {(image ? "a text encoder: use it for the caption slot (--text-encoder" : "an image encoder: use it for the image slot (--image-codec")} {name})."),
            _ => PretrainedEncoders.Onnx(name[PretrainedEncoders.OnnxPrefix.Length..]),
        };
        if ((encoder.Config.Modality == OnnxModality.Image) != image)
        {
            (encoder as IDisposable)?.Dispose();
            throw new ArgumentException(
                $"{name} is {(image ? "a text" : "an image")} model (its sidecar says \"modality\": \"{encoder.Config.Modality.ToString().ToLowerInvariant()}\"): " +
                $"use it for the {(image ? "caption slot (--text-encoder" : "image slot (--image-codec")} {name}).");
        }

        return encoder;
    }

    /// <summary>
    /// Reopens the encoders a memory file names, and refuses any whose weights are not the ones the memory was built
    /// with. An encoder the memory embeds (<paramref name="embedded"/>) is taken from it; any other is found by the
    /// SHA-256 of its weights in the models path (see <see cref="ModelLocator"/>), with <paramref name="folders"/> last.
    /// </summary>
    internal static MemoryEncoders Reopen(
        IReadOnlyList<SlotEncoder> described, string memoryPath, ImageShape? rawShape, Func<SlotEncoder, LoadedModel?> embedded, IReadOnlyList<string> folders)
    {
        // Only the built-in and pretrained encoders come without a weight file; any other kind without one is a damaged description.
        if (described.FirstOrDefault(e => e.Weights is null && e.Kind is not ("raw" or "pixelized" or PretrainedEncoders.MiniLmName or PretrainedEncoders.ResNet18Name)) is { } unnamed)
        {
            throw new InvalidDataException($"{memoryPath} names the {ModelLocator.What(unnamed)} '{unnamed.Kind}' without its weight file, so it is damaged: build the memory again.");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(memoryPath))!;
        var weighted = new Dictionary<string, (LoadedModel, string)>(StringComparer.Ordinal);
        var relocated = new List<string>();
        var onnx = new Dictionary<string, (IOnnxEncoder, string?)>(StringComparer.Ordinal);
        foreach (SlotEncoder recorded in described.Where(e => e.Slot != HarmonicEntry && IsOnnxKind(e.Kind)))
        {
            onnx[recorded.Slot] = ReopenOnnx(recorded, memoryPath, folder, folders, relocated);
        }

        foreach (SlotEncoder recorded in described.Where(e => e.Weights is not null && !(e.Slot != HarmonicEntry && IsOnnxKind(e.Kind))))
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
            described.Any(e => e.Slot == Modality.ImageName && e.Kind == "raw"), described.Any(e => e.Slot == Modality.TextName && e.Kind == "pixelized"), weighted, onnx, rawShape, relocated);
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

    // The encoders from the chosen built-ins, the loaded weights (slot → model and the path to record for it) and the
    // ONNX encoders (slot → encoder and the model path to record: null for a pretrained one, found by name).
    private static MemoryEncoders Compose(
        bool rawImage, bool pixelizedText, Dictionary<string, (LoadedModel Model, string Path)> weighted, Dictionary<string, (IOnnxEncoder Encoder, string? Path)> onnx,
        ImageShape? rawShape, IReadOnlyList<string> relocated)
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
        else if (onnx.TryGetValue(Modality.ImageName, out var pretrained))
        {
            codec = (IImageCodec)pretrained.Encoder;
            described.Add(new SlotEncoder(Modality.ImageName, codec.Name, pretrained.Path, pretrained.Encoder.Sha256));
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
        else if (onnx.TryGetValue(Modality.TextName, out var pretrained))
        {
            textEncoder = (ITextEncoder)pretrained.Encoder;
            described.Add(new SlotEncoder(Modality.TextName, textEncoder.Name, pretrained.Path, pretrained.Encoder.Sha256));
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

    // A pretrained encoder is opened by name and must have the model the memory records; a user's ONNX model is taken
    // from its recorded path when its files there hash to the recorded SHA-256, else found by that hash in the models path.
    private static (IOnnxEncoder Encoder, string? Path) ReopenOnnx(
        SlotEncoder recorded, string memoryPath, string folder, IReadOnlyList<string> folders, List<string> relocated)
    {
        if (recorded.Kind != PretrainedEncoders.OnnxKind)
        {
            IOnnxEncoder pretrained = OpenOnnx(recorded.Slot, recorded.Kind);
            if (recorded.Sha256 is not null && !string.Equals(pretrained.Sha256, recorded.Sha256, StringComparison.Ordinal))
            {
                (pretrained as IDisposable)?.Dispose();
                throw new InvalidDataException(
                    $"{memoryPath} was built with the {recorded.Kind} {ModelLocator.What(recorded)} whose model files have SHA-256 {ModelLocator.Short(recorded.Sha256)}…, " +
                    $"but the one found here ({PretrainedEncoders.Describe(recorded.Kind)}) has {ModelLocator.Short(pretrained.Sha256)}…: its codes would not match the stored ones. " +
                    "Open the memory with the engram that built it, or build it again with this one.");
            }

            return (pretrained, null);
        }

        string at = Path.GetFullPath(recorded.Weights!, folder);
        string found = File.Exists(at) && File.Exists(OnnxEncoderConfig.SidecarPath(at)) && (recorded.Sha256 is null || PretrainedEncoders.OnnxSha256(at) == recorded.Sha256)
            ? at
            : recorded.Sha256 is null
                ? throw new InvalidDataException($"{memoryPath} was built with the ONNX {ModelLocator.What(recorded)} {recorded.Weights}, which is not at {at} and has no recorded hash to search by: put the model back, or build the memory again.")
                : ModelLocator.FindOnnx(recorded, memoryPath, folders);
        if (!string.Equals(found, at, StringComparison.Ordinal))
        {
            relocated.Add($"note: the ONNX {ModelLocator.What(recorded)} ({ModelLocator.Short(recorded.Sha256!)}…) was not at {at}; found the same model at {found}.");
        }

        return (OpenOnnx(recorded.Slot, PretrainedEncoders.OnnxPrefix + found), found);
    }

    private static string Existing(string path, string what) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"The {what} {path} does not exist (trained weights ship in data/models; see its MANIFEST.md).", path);
}
