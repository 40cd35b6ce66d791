using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Tensors;

namespace Engram.Cli.Commands;

/// <summary>
/// The items of a memory and what encodes them, as <c>engram build</c> and <c>engram train harmonic</c> choose
/// them: a dataset (or folder), its encoders (the shipped ones by default) and its decoded images and sounds.
/// </summary>
internal sealed record MemorySource(IDataset Items, MemoryEncoders Encoders, Tensor? Images, IReadOnlyList<AudioClip>? Sounds)
{
    /// <summary>
    /// Opens dataset <paramref name="name"/> (at most <paramref name="max"/> items, 0: all) and the encoders:
    /// each of <paramref name="imageCodec"/>, <paramref name="textEncoder"/> and <paramref name="audioEncoder"/> is a
    /// path, a built-in or pretrained name ("raw", "pixelized", "resnet18", "minilm", "onnx:PATH"; see
    /// <see cref="MemoryEncoders.Open"/>), "none", or null for the dataset's default. The audio slot is on by default for a folder whose
    /// every item has a WAV, and, for emoji, when <paramref name="withAudio"/> or the harmonic model has an
    /// audio modality; emoji names are then spoken by espeak-ng in <paramref name="voice"/>.
    /// </summary>
    public static MemorySource Load(
        CliContext context, string name, int max, string? imageCodec, string? textEncoder, string? audioEncoder, string? harmonic,
        string voice, int imageSize, bool grey, bool withAudio = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max, "--n");
        IDataset items = Open(name, max > 0 ? max : int.MaxValue);
        if (items.Count == 0)
        {
            throw new ArgumentException($"{name} holds no items.");
        }

        string? models = ShippedData.Find("models");
        string? Shipped(string file) => models is null ? null : Path.Combine(models, file);
        bool folder = name is not ("fashion-mnist" or "emoji");
        bool harmonicAudio = harmonic is not null && harmonic != "none" && File.Exists(harmonic)
            && Harmonic.HarmonicModel.Load(harmonic).Config.Modalities.Any(m => m.Name == "audio");
        string? image = Choice(imageCodec, name switch
        {
            "fashion-mnist" => Shipped("fmnist-local-autoencoder.safetensors"),
            "emoji" => Shipped("emoji-autoencoder.safetensors"),
            _ => "raw",
        });
        string? text = Choice(textEncoder, name == "fashion-mnist" ? null : Shipped("emoji-text.safetensors") ?? "pixelized");
        bool audioByDefault = folder ? items.All(i => i.HasAudio) : name == "emoji" && (withAudio || harmonicAudio);
        string? audio = Choice(audioEncoder, audioByDefault ? Shipped("emoji-speech.safetensors") : null);
        MemoryEncoders encoders = MemoryEncoders.Open(image, text, audio, new ImageShape(name == "fashion-mnist" || grey ? 1 : 3, imageSize, imageSize), Choice(harmonic, null));

        SpeechSynthesizer? speech = null;
        if (encoders.Audio is not null && !items.All(i => i.HasAudio))
        {
            if (name != "emoji")
            {
                string without = items.First(i => !i.HasAudio).Id;
                throw new ArgumentException($"--audio-encoder needs a sound for every item, and {without} has none (put {without}.wav beside its PNG).");
            }

            speech = SpeechSynthesizer.TryCreate()
                ?? throw new InvalidOperationException(
                    "Speaking the emoji names needs espeak-ng (Debian package espeak-ng); install it, or leave the audio slot out with --audio-encoder none" +
                    (harmonicAudio ? " (the harmonic model then stores image and text only)." : "."));
            items = SpokenDataset.Add(items, speech, voice);
        }

        Tensor? images = null;
        if (encoders.Image is { } codec)
        {
            images = Progress.Run(context, "decoding images", items.Count,
                (progress, _) => DatasetImages.Load(items, codec.Shape.Width, codec.Shape.Channels == 1, progress));
        }

        IReadOnlyList<AudioClip>? sounds = encoders.Audio is null ? null
            : Progress.Run(context, "reading sounds", items.Count, (progress, _) => items.Select((item, i) =>
            {
                progress.Report(i + 1);
                return item.Audio!;
            }).ToArray());
        if (speech is not null)
        {
            context.Output.WriteLine(SpeechCacheLine(speech.CacheFolder));
        }

        return new MemorySource(items, encoders, images, sounds);
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

    /// <summary>A dataset by name, or a folder of the user's files.</summary>
    public static IDataset Open(string name, int max) => name switch
    {
        "fashion-mnist" => FashionMnistDataset.Load(train: true, max),
        "emoji" => EmojiDataset.Load(max),
        _ when Directory.Exists(name) => Take(FolderDataset.Load(name), max),
        _ => throw new DirectoryNotFoundException($"Unknown dataset '{name}': use fashion-mnist, emoji or an existing folder of PNG files."),
    };

    /// <summary>Encodes and stores the items as a memory (nothing is written).</summary>
    public MultimodalMemory Build(Memory.RecallOptions options, IProgress<string>? progress, string? engine = null) =>
        MultimodalMemory.Build(Items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray(), Encoders, Images, Sounds, options, progress, engine);

    private static IDataset Take(IDataset dataset, int max) =>
        max >= dataset.Count ? dataset : new ListDataset(dataset.Name, dataset.Source, dataset.Location, dataset.Take(max).ToList());

    // An option's value, with "none" meaning the slot is left out and no value meaning the default.
    private static string? Choice(string? given, string? fallback) => given switch
    {
        null => fallback,
        "none" => null,
        _ => given,
    };
}
