using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Tensors;

namespace Engram.Cli.Commands;

/// <summary>
/// The items of a memory and what encodes them, as <c>engram build</c> and <c>engram train harmonic</c> choose
/// them: a dataset (or folder), its encoders (the shipped ones by default), its images (already encoded, so that only
/// their codes are held), its decoded sounds, and what was wrong with the items that were left out (<see cref="Problems"/>).
/// </summary>
internal sealed record MemorySource(IDataset Items, MemoryEncoders Encoders, ImageSource? Images, IReadOnlyList<AudioClip>? Sounds, IReadOnlyList<DatasetProblem> Problems)
{
    /// <summary>A folder's image codec unless one is given: ImageNet ResNet-18 features (an encoder only; a store keeps the originals).</summary>
    public const string FolderImageCodec = "resnet18";

    /// <summary>A folder's text encoder unless one is given: all-MiniLM-L6-v2 sentence embeddings, so that other words for a caption find it.</summary>
    public const string FolderTextEncoder = "minilm";

    /// <summary>
    /// Opens dataset <paramref name="name"/> (at most <paramref name="max"/> items, 0: all) and the encoders:
    /// each of <paramref name="imageCodec"/>, <paramref name="textEncoder"/> and <paramref name="audioEncoder"/> is a
    /// path, a built-in or pretrained name ("raw", "pixelized", "resnet18", "minilm", "onnx:PATH"; see
    /// <see cref="MemoryEncoders.Open"/>), "none", or null for the dataset's default (a folder's: <see cref="FolderImageCodec"/>
    /// and <see cref="FolderTextEncoder"/>). The audio slot is on by default for a folder whose
    /// every item has a sound (when only some have one, it is left out, and the others are named in the problems), and,
    /// for emoji, when <paramref name="withAudio"/> or the harmonic model has an audio modality; emoji names are then
    /// spoken by espeak-ng in <paramref name="voice"/>. An item that cannot be stored (see <see cref="Prepare"/>) is left
    /// out and named in <see cref="Problems"/>; with <paramref name="strict"/> any problem refuses the whole build.
    /// </summary>
    public static MemorySource Load(
        CliContext context, string name, int max, string? imageCodec, string? textEncoder, string? audioEncoder, string? harmonic,
        string voice, int imageSize, bool grey, bool withAudio = false, bool strict = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max, "--n");
        IDataset items = Open(name, max > 0 ? max : int.MaxValue);
        if (items.Count == 0)
        {
            throw new ArgumentException(items.Problems.Count == 0 ? $"{name} holds no items." : $"{name} holds no item that can be read: {DatasetProblems.Summary(items.Problems)}");
        }

        string? models = ShippedData.Find("models");
        string? Shipped(string file) => models is null ? null : Path.Combine(models, file);
        bool folder = IsFolder(name);
        bool harmonicAudio = harmonic is not null && harmonic != "none" && File.Exists(harmonic)
            && Harmonic.HarmonicModel.Load(harmonic).Config.Modalities.Any(m => m.Name == "audio");
        // A folder is the user's own photos and words: the pretrained encoders, which know the world beyond the shipped datasets.
        string? image = Choice(imageCodec, name switch
        {
            "fashion-mnist" => Shipped("fmnist-local-autoencoder.safetensors"),
            "emoji" => Shipped("emoji-autoencoder.safetensors"),
            _ => FolderImageCodec,
        });
        string? text = Choice(textEncoder, name switch
        {
            "fashion-mnist" => null,
            "emoji" => Shipped("emoji-text.safetensors") ?? "pixelized",
            _ => FolderTextEncoder,
        });
        bool audioByDefault = folder ? items.All(i => i.HasAudio) : name == "emoji" && (withAudio || harmonicAudio);
        string? audio = Choice(audioEncoder, audioByDefault ? Shipped("emoji-speech.safetensors") : null);
        var notes = new List<DatasetProblem>();
        if (folder && audioEncoder is null && items.Any(i => i.HasAudio) && !audioByDefault)
        {
            // Some sounds but not all: the slot is left out rather than half the items, and the silent ones are named.
            notes.AddRange(items.Where(i => !i.HasAudio).Select(i => new DatasetProblem(DatasetProblemKind.NoSound, Subject(items, i))));
        }

        MemoryEncoders encoders = MemoryEncoders.Open(image, text, audio, new ImageShape(name == "fashion-mnist" || grey ? 1 : 3, imageSize, imageSize), Choice(harmonic, null));

        SpeechSynthesizer? speech = null;
        if (encoders.Audio is not null && name == "emoji" && !items.All(i => i.HasAudio))
        {
            speech = SpeechSynthesizer.TryCreate()
                ?? throw new InvalidOperationException(
                    "Speaking the emoji names needs espeak-ng (Debian package espeak-ng); install it, or leave the audio slot out with --audio-encoder none" +
                    (harmonicAudio ? " (the harmonic model then stores image and text only)." : "."));
            items = SpokenDataset.Add(items, speech, voice);
        }

        MemorySource source = Prepare(context, items, encoders, [.. items.Problems, .. notes], strict, name);
        if (speech is not null)
        {
            context.Output.WriteLine(SpeechCacheLine(speech.CacheFolder));
        }

        return source;
    }

    /// <summary>
    /// Readies <paramref name="items"/> for <paramref name="encoders"/>, leaving out each item that cannot be stored and
    /// saying why: without a caption while there is a text slot, without a sound (or with one that cannot be read) while
    /// there is an audio slot, with an image that does not decode while there is an image slot. Every problem, these and
    /// <paramref name="known"/> ones, is in the result's <see cref="Problems"/>; with <paramref name="strict"/> any problem
    /// refuses instead, naming them all (<see cref="DatasetProblems.Summary"/>), and so does a dataset none of whose items can be stored.
    /// </summary>
    public static MemorySource Prepare(CliContext context, IDataset items, MemoryEncoders encoders, IReadOnlyList<DatasetProblem> known, bool strict, string name)
    {
        var problems = new List<DatasetProblem>(known);
        List<DatasetItem> kept = [.. items];
        if (encoders.Text is not null)
        {
            problems.AddRange(kept.Where(i => string.IsNullOrWhiteSpace(i.Caption)).Select(i => new DatasetProblem(DatasetProblemKind.NoCaption, Subject(items, i))));
            kept.RemoveAll(i => string.IsNullOrWhiteSpace(i.Caption));
        }

        List<AudioClip>? sounds = null;
        if (encoders.Audio is not null)
        {
            problems.AddRange(kept.Where(i => !i.HasAudio).Select(i => new DatasetProblem(DatasetProblemKind.NoSoundLeftOut, Subject(items, i))));
            kept.RemoveAll(i => !i.HasAudio);
            sounds = [];
            var unreadable = new HashSet<DatasetItem>();
            Progress.Run(context, "reading sounds", kept.Count, (progress, _) =>
            {
                for (int i = 0; i < kept.Count; i++)
                {
                    try
                    {
                        sounds.Add(kept[i].Audio!);
                    }
                    catch (DataFormatException e)
                    {
                        problems.Add(new DatasetProblem(DatasetProblemKind.UnreadableSound, Relative(items, kept[i].AudioFile ?? kept[i].Id), e.Problem));
                        unreadable.Add(kept[i]);
                    }

                    progress.Report(i + 1);
                }

                return 0;
            });
            kept.RemoveAll(unreadable.Contains);
        }

        ImageSource? images = null;
        if (encoders.Image is { } codec && kept.Count > 0)
        {
            // Decoded and encoded a batch at a time, so that a folder of ten thousand photographs holds their codes, not their pixels.
            List<DatasetItem> decoding = kept;
            EncodedDatasetImages prepared = Progress.Run(context, $"decoding and encoding images ({codec.Name})", decoding.Count,
                (progress, _) => DatasetImages.EncodeEach(decoding, codec, progress, items.Source == "folder" ? items.Location : null));
            problems.AddRange(prepared.Failed);
            images = prepared.Images;
            sounds = sounds is null ? null : [.. prepared.Decoded.Select(i => sounds[i])];
            kept = [.. prepared.Decoded.Select(i => decoding[i])];
        }

        if (strict && problems.Count > 0)
        {
            throw new ArgumentException(
                $"--strict: {name} has problems, so nothing was stored: {DatasetProblems.Summary(problems)} Fix them, or leave out --strict to store the items that can be read.");
        }

        if (kept.Count == 0)
        {
            throw new ArgumentException($"No item of {name} can be stored: {DatasetProblems.Summary(problems)}");
        }

        var dataset = new ListDataset(items.Name, items.Source, items.Location, kept, problems);
        return new MemorySource(dataset, encoders, images, sounds, problems);
    }

    /// <summary>
    /// The line a run that spoke names prints once: where espeak-ng's WAV files are kept and how much the folder now
    /// holds, and how to put it elsewhere.
    /// </summary>
    internal static string SpeechCacheLine(string folder)
    {
        FileInfo[] files = Directory.Exists(folder) ? new DirectoryInfo(folder).GetFiles("*.wav", SearchOption.AllDirectories) : [];
        double megabytes = files.Sum(f => f.Length) / 1024.0 / 1024.0;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Spoken names are cached as WAV files in {folder} (now {files.Length:N0} files, {megabytes:F1} MB; set ENGRAM_CACHE to keep the cache elsewhere, or delete the folder to free the space).");
    }

    /// <summary>Whether <paramref name="name"/> names a folder of the user's files rather than a shipped dataset.</summary>
    public static bool IsFolder(string name) => name is not ("fashion-mnist" or "emoji");

    /// <summary>A dataset by name, or a folder of the user's files.</summary>
    public static IDataset Open(string name, int max) => name switch
    {
        "fashion-mnist" => FashionMnistDataset.Load(train: true, max),
        "emoji" => EmojiDataset.Load(max),
        _ when Directory.Exists(name) => Take(FolderDataset.Load(name), max),
        _ => throw new DirectoryNotFoundException($"Unknown dataset '{name}': use fashion-mnist, emoji or an existing folder of images."),
    };

    /// <summary>Encodes and stores the items as a memory (nothing is written).</summary>
    public MultimodalMemory Build(Memory.RecallOptions options, IProgress<string>? progress, string? engine = null) =>
        MultimodalMemory.Build(Items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray(), Encoders, Images, Sounds, options, progress, engine);

    private static IDataset Take(IDataset dataset, int max) =>
        max >= dataset.Count ? dataset : new ListDataset(dataset.Name, dataset.Source, dataset.Location, dataset.Take(max).ToList(), dataset.Problems);

    // An item as a person finds it: its image file relative to the folder, else its id.
    private static string Subject(IDataset items, DatasetItem item) => item.ImageFile is { } file ? Relative(items, file) : item.Id;

    private static string Relative(IDataset items, string file) =>
        items.Source == "folder" && Path.IsPathRooted(file) ? Path.GetRelativePath(items.Location, file).Replace('\\', '/') : file;

    // An option's value, with "none" meaning the slot is left out and no value meaning the default.
    private static string? Choice(string? given, string? fallback) => given switch
    {
        null => fallback,
        "none" => null,
        _ => given,
    };
}
