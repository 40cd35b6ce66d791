using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Data.Safetensors;
using Engram.Encoders;
using Engram.Engines;
using Engram.Hen;
using Engram.Memory;
using Engram.Nn;

namespace Engram.Multimodal;

/// <summary>A stored item: its id and, when it has one, its caption.</summary>
public sealed record MemoryItem(string Id, string? Caption = null);

/// <summary>How <see cref="MultimodalMemory.Load(string, MemoryLoadOptions?)"/> opens a memory file.</summary>
public sealed record MemoryLoadOptions
{
    /// <summary>
    /// Whether to compute the file's checksum and compare it with the one it records (default true). Skipping it
    /// saves one SHA-256 pass over the stored patterns; every other check (ids, shapes, finite values, encoder
    /// hashes) still runs.
    /// </summary>
    public bool VerifyChecksum { get; init; } = true;

    /// <summary>
    /// More folders to look in for the encoders' weight files, searched last, after the path the memory records, the
    /// memory's folder, the shipped data/models and the folders in <c>ENGRAM_MODELS</c> (the CLI's <c>--models</c>).
    /// A weight file is taken only when the SHA-256 of its parameters is the one the memory records, whatever its name.
    /// </summary>
    public IReadOnlyList<string> ModelFolders { get; init; } = [];
}

/// <summary>How <see cref="MultimodalMemory.Save(string, MemorySaveOptions?)"/> writes a memory file.</summary>
public sealed record MemorySaveOptions
{
    /// <summary>
    /// Whether to store the encoders' (and harmonic model's) weights inside the memory file (default false), so that the
    /// one file opens anywhere; it grows by the size of their weights. The file still records each encoder's path and hash.
    /// </summary>
    public bool EmbedEncoders { get; init; }
}

/// <summary>What the checksum check said when a memory was opened.</summary>
public enum MemoryChecksum
{
    /// <summary>The memory was built in this process, not opened from a file.</summary>
    NotFromFile,

    /// <summary>The file's checksum was computed and matches the one it records.</summary>
    Verified,

    /// <summary>The check was skipped (<see cref="MemoryLoadOptions.VerifyChecksum"/> false).</summary>
    Skipped,

    /// <summary>The file is of a format version written before memory files carried a checksum (1 or 2): it is unverified.</summary>
    Absent,
}

/// <summary>
/// A cue for a <see cref="MultimodalMemory"/>: any of an image (samples at the image codec's shape,
/// with an optional observation mask, 1 = visible), a caption and a sound.
/// </summary>
public sealed record MemoryCue(float[]? Image = null, float[]? PixelMask = null, string? Text = null, AudioClip? Audio = null)
{
    /// <summary>The modalities this cue gives.</summary>
    public IEnumerable<Modality> Modalities =>
        new (Modality Modality, bool Given)[] { (Modality.Image, Image is not null), (Modality.Text, Text is not null), (Modality.Audio, Audio is not null) }
            .Where(p => p.Given).Select(p => p.Modality);
}

/// <summary>An item, its softmax weight at the final state and, among a recall's runners-up, its similarity to the cue (<see cref="RankedItem.Similarity"/>).</summary>
public sealed record RunnerUp(int Index, string Id, string? Caption, double Weight, double? Similarity = null);

/// <summary>One step of a traced recall: the energy, the heaviest memories and the decoded image of the state.</summary>
public sealed record RecallStep(int Step, double Energy, IReadOnlyList<RunnerUp> Top, float[]? Image);

/// <summary>What a memory returned for one cue, whatever its engine.</summary>
public sealed record MemoryRecall
{
    /// <summary>The recalled item: the one the completions settle nearest to (see <see cref="Recollection.Item"/>).</summary>
    public required int Index { get; init; }

    /// <summary>The recalled item's id.</summary>
    public required string Id { get; init; }

    /// <summary>The recalled item's caption, when it has one.</summary>
    public string? Caption { get; init; }

    /// <summary>The deciding completion's largest association weight at the final state.</summary>
    public double TopWeight => Recollection.Decider.Attractor.TopWeight;

    /// <summary>Update steps taken (for a harmonic memory, sweeps).</summary>
    public int Steps => Recollection.Steps;

    /// <summary>Whether the deciding completion's read-out is a mixture rather than a stored item.</summary>
    public bool Metastable => Recollection.Decider.Attractor.Metastable;

    /// <summary>
    /// The stored items most similar to the cue (<see cref="RecallConfidence.Ranked"/>), most similar first, each with its
    /// association weight at the final state (the first is usually the recalled item).
    /// </summary>
    public required IReadOnlyList<RunnerUp> RunnersUp { get; init; }

    /// <summary>How sure the recall is: the cue's similarity to the recalled item in each cued slot, the margin to the next item, and whether anything stored is near the cue at all.</summary>
    public required RecallConfidence Confidence { get; init; }

    /// <summary>
    /// The recalled image, decoded; null when the memory has no image slot, or when its image encoder has no decoder
    /// (<see cref="IImageCodec.Decodes"/>: resnet18, a user's ONNX model), whose codes cannot become pixels. A store keeps
    /// the recalled item's original image instead (<c>MemoryStore.Media</c>).
    /// </summary>
    public float[]? Image { get; init; }

    /// <summary>The energy before the first step and after each.</summary>
    public IReadOnlyList<double> Energies => Recollection.Energies;

    /// <summary>Step by step, when asked for.</summary>
    public IReadOnlyList<RecallStep>? Trace { get; init; }

    /// <summary>Each recalled modality's completion, with the item it settled nearest to, in the order the engine visits them.</summary>
    public required IReadOnlyList<CompletedModality> Completed { get; init; }

    /// <summary>The cued modalities the engine held at the cue (none for a Hopfield Encoding Network in its default cue mode).</summary>
    public IReadOnlyList<Modality> Clamped => Recollection.Clamped;

    /// <summary>What the engine found, diagnostics and energy terms included.</summary>
    public required Recollection Recollection { get; init; }

    /// <summary>The settings recall ran with, every one filled in (an engine's part is null when it is another engine's).</summary>
    public required RecallSettings Settings { get; init; }
}

/// <summary>What one recalled modality settled on.</summary>
/// <param name="Modality">The modality.</param>
/// <param name="Index">The stored item its attractor weighs most.</param>
/// <param name="Id">That item's id.</param>
/// <param name="Caption">That item's caption, when it has one.</param>
/// <param name="Attractor">The attractor's diagnostics (top weight, 1/Σp², metastable, cosine of the state with the item).</param>
/// <param name="Steps">The steps the modality took to settle.</param>
public sealed record CompletedModality(Modality Modality, int Index, string Id, string? Caption, Attractor Attractor, int Steps);

/// <summary>
/// A memory of items with images, captions and sounds, as a user builds, saves and recalls it: the items' ids and
/// captions, the <see cref="MemoryEncoders"/> that turn media into codes and back, the stored codes of every slot, and an
/// engine (<see cref="IMemoryEngine"/>) that recalls from them. The memory encodes a cue, lets the engine settle it,
/// has the recall diagnosed in one place (<see cref="Recollection.Of"/>) and decodes the answer; it knows no engine by
/// name (<see cref="EngineCatalog"/> makes them). Saved as one safetensors file: the stored codes (each slot scaled to
/// mean norm 1) as a tensor, and in the metadata the format version, engine, slot layout and scales, item ids and
/// captions, recall options and each encoder (and a trained model) with the SHA-256 of its weights, checked on open.
/// </summary>
public sealed partial class MultimodalMemory
{
    /// <summary>The newest version of the file format this build writes; it reads this and every earlier one.</summary>
    /// <remarks>
    /// Version 5 added the engine's name, written (as version 5) only when it is not the one the encoders call for (a
    /// harmonic model calls for the harmonic engine, no model for the Hopfield Encoding Network).
    /// Version 4 added encoders carried in the file (<see cref="MemorySaveOptions.EmbedEncoders"/>), and only a file that
    /// carries them is written as version 4, so that older builds still read every other file and refuse these by
    /// their version; version 3 added the checksum (see <see cref="Checksum"/>); version 2 added the harmonic model
    /// to the encoders; a version 1 file is a version 2 file without one. Versions 1 and 2 open unverified.
    /// </remarks>
    public const int FormatVersion = 5;

    /// <summary>The first format version whose files record a checksum.</summary>
    private const int ChecksumVersion = 3;

    /// <summary>The first format version whose files may carry their encoders.</summary>
    private const int EmbeddedVersion = 4;

    /// <summary>The first format version whose files may name their engine.</summary>
    private const int EngineVersion = 5;

    /// <summary>The safetensors metadata key of a memory file's description (it also tells that a file is a memory).</summary>
    public const string MetadataKey = "engram.memory";
    private const string PatternsTensor = "patterns";

    // An embedded encoder's tensors are named "encoder.<slot>.<parameter>"; slot names have no dots.
    private const string EmbeddedPrefix = "encoder.";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private MultimodalMemory(
        HopfieldEncodingNetwork network, MemoryEncoders encoders, IReadOnlyList<MemoryItem> items, RecallOptions options, IEngineKind kind,
        MemoryChecksum checksum = MemoryChecksum.NotFromFile)
    {
        Network = network;
        Encoders = encoders;
        Items = items;
        Options = options;
        Checksum = checksum;
        Engine = kind.Create(new EngineInputs(
            network, options, encoders.Harmonic,
            encoders.Described.Where(e => e.Slot != MemoryEncoders.HarmonicEntry).ToDictionary(e => new Modality(e.Slot), e => e.Sha256 ?? e.Kind)));
    }

    /// <summary>The engine that recalls from the stored codes.</summary>
    public IMemoryEngine Engine { get; }

    /// <summary>The stored codes: slots, scales and stored patterns (every engine is made from them).</summary>
    public HopfieldEncodingNetwork Network { get; }

    /// <summary>The encoders that turn cues and stored items into slot codes and decode recalled states.</summary>
    public MemoryEncoders Encoders { get; }

    /// <summary>The stored items, in the order of the network's patterns.</summary>
    public IReadOnlyList<MemoryItem> Items { get; }

    /// <summary>The recall options saved with the memory: similarity, β and steps (each recall may override them; the cue mode is chosen per cue).</summary>
    public RecallOptions Options { get; }

    /// <summary>Stored items.</summary>
    public int Count => Items.Count;

    /// <summary>Whether the file this memory was opened from had its checksum verified (see <see cref="ChecksumNote"/>).</summary>
    public MemoryChecksum Checksum { get; }

    /// <summary>A line to show the user when the memory's content was not verified on open; null when it was, or when it was built here.</summary>
    public string? ChecksumNote => Checksum switch
    {
        MemoryChecksum.Skipped => "note: the memory's checksum was not checked (--no-verify), so damage to its stored patterns or items would go unnoticed.",
        MemoryChecksum.Absent => "note: this memory file was written before memory files carried a checksum, so it is unverified; rebuild it with `engram build` to add one.",
        _ => null,
    };

    /// <summary>
    /// The store-time uniqueness warnings, one line per group of items that a cue of one slot cannot tell apart
    /// ("32 items share the caption 'gramastar'", "5 images are blank (one flat colour) and identical"), largest group
    /// first (<see cref="CollisionGroups"/>); <see cref="HopfieldEncodingNetwork.Warnings"/> has one line per pair.
    /// </summary>
    public IEnumerable<string> Warnings => CollisionGroups.Lines(this);

    /// <summary>
    /// The options of the default engine (the Hopfield Encoding Network): L2 similarity, β = 1000 (every slot has mean
    /// norm 1), 10 steps. Each engine has its own (<see cref="IEngineKind.DefaultOptions"/>).
    /// </summary>
    public static RecallOptions DefaultOptions => HenEngine.Kind.DefaultOptions;

    /// <summary>
    /// Encodes and stores <paramref name="items"/>: <paramref name="images"/> ([N, image shape], needed when
    /// there is an image codec: a tensor, or an <see cref="ImageSource"/> read and encoded a batch at a time, so that only
    /// the codes are held), the items' captions (needed with a text encoder) and <paramref name="audio"/>
    /// (needed with an audio encoder). <paramref name="engine"/> names the engine (see <see cref="EngineCatalog"/>; by
    /// default the one the encoders' model calls for). <paramref name="progress"/> hears each slot as it is encoded.
    /// </summary>
    public static MultimodalMemory Build(
        IReadOnlyList<MemoryItem> items, MemoryEncoders encoders, ImageSource? images = null, IReadOnlyList<AudioClip>? audio = null,
        RecallOptions? options = null, IProgress<string>? progress = null, string? engine = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encoders);
        if (items.Count == 0)
        {
            throw new ArgumentException("A memory needs at least one item.", nameof(items));
        }

        if (ItemTableProblem(items) is { } problem)
        {
            throw new ArgumentException($"The items cannot be stored: {problem} Give every item an id of its own.");
        }

        IReadOnlyList<SlotCodes> slots = EncodeSlots(items, encoders, images, audio, progress);
        IEngineKind kind = EngineCatalog.Choose(engine, encoders.Harmonic);
        return FromCodes(items, encoders, slots, options ?? kind.DefaultOptions, kind, progress);
    }

    /// <summary>
    /// A memory of <paramref name="items"/> from their codes, already made by <paramref name="encoders"/> (each slot's
    /// codes [N, length], unscaled): what <see cref="Build"/> does after encoding, and what a store does when it opens.
    /// </summary>
    internal static MultimodalMemory FromCodes(
        IReadOnlyList<MemoryItem> items, MemoryEncoders encoders, IReadOnlyList<SlotCodes> slots, RecallOptions options, IEngineKind kind,
        IProgress<string>? progress = null, bool checkUniqueness = true)
    {
        progress?.Report(checkUniqueness ? $"storing {items.Count:N0} items and checking that their cues are unique" : $"storing {items.Count:N0} items");
        var network = HopfieldEncodingNetwork.Store(slots, options, items.Select(i => i.Id).ToArray(), 1e-3, checkUniqueness);
        return new MultimodalMemory(network, encoders, items, options, kind);
    }

    // Images per encoding batch: a multiple of the conv codecs' own batch (256), so the codes are those of one call.
    private const int ImageBatch = 1024;

    /// <summary>
    /// The codes of every slot of <paramref name="encoders"/> for <paramref name="items"/>, checked as <see cref="Build"/> describes;
    /// the images read and encoded <see cref="ImageBatch"/> at a time.
    /// </summary>
    internal static IReadOnlyList<SlotCodes> EncodeSlots(
        IReadOnlyList<MemoryItem> items, MemoryEncoders encoders, ImageSource? images, IReadOnlyList<AudioClip>? audio, IProgress<string>? progress)
    {
        var slots = new List<SlotCodes>();
        if (encoders.Image is { } codec)
        {
            if (images is null || images.Count != items.Count || images.Length != codec.Shape.Length)
            {
                string got = images is null ? "none" : $"[{images.Count}, {images.Length}]";
                throw new ArgumentException($"The image slot needs [{items.Count}, {codec.Shape.Length}] images ({codec.Shape}); got {got}.", nameof(images));
            }

            if (images.Codes is { } encoded)
            {
                // Encoded already (a folder's images are decoded and encoded a batch at a time): only the codec must be the memory's.
                if (!ReferenceEquals(images.EncodedBy, codec))
                {
                    throw new ArgumentException($"The images were encoded by another {images.EncodedBy!.Name} codec than this memory's {codec.Name}: encode them with the memory's own.", nameof(images));
                }

                slots.Add(new SlotCodes(Modality.Image.Name, encoded));
            }
            else
            {
                progress?.Report($"encoding {items.Count:N0} images ({codec.Name})");
                var codes = new Tensor(items.Count, codec.CodeLength);
                for (int start = 0; start < items.Count; start += ImageBatch)
                {
                    int rows = Math.Min(ImageBatch, items.Count - start);
                    codec.Encode(images.Read(start, rows)).Span.CopyTo(codes.Span.Slice(start * codec.CodeLength, rows * codec.CodeLength));
                }

                slots.Add(new SlotCodes(Modality.Image.Name, codes));
            }
        }

        if (encoders.Text is { } text)
        {
            MemoryItem? uncaptioned = items.FirstOrDefault(i => string.IsNullOrWhiteSpace(i.Caption));
            if (uncaptioned is not null)
            {
                throw new ArgumentException($"Item '{uncaptioned.Id}' has no caption, and the memory has a text slot: give every item a caption, or leave the text encoder out.", nameof(items));
            }

            progress?.Report($"encoding {items.Count:N0} captions ({text.Name})");
            slots.Add(new SlotCodes(Modality.Text.Name, text.Encode(items.Select(i => i.Caption!).ToArray())));
        }

        if (encoders.Audio is { } speech)
        {
            if (audio is null || audio.Count != items.Count)
            {
                throw new ArgumentException($"The audio slot needs one sound per item ({items.Count}); got {audio?.Count ?? 0}.", nameof(audio));
            }

            progress?.Report($"encoding {items.Count:N0} sounds ({speech.Name})");
            slots.Add(new SlotCodes(Modality.Audio.Name, speech.Encode(audio)));
        }

        return slots;
    }

    /// <summary>
    /// Recalls from <paramref name="cue"/>: encodes it, lets the engine settle it under <paramref name="settings"/> (the
    /// memory's own options for whatever they leave out), and decodes the recalled image. With <paramref name="trace"/>,
    /// every step's energy, heaviest items and decoded image come back too.
    /// </summary>
    public MemoryRecall Recall(MemoryCue cue, RecallSettings? settings = null, bool trace = false, int runnersUp = 5, CancellationToken cancellationToken = default)
    {
        CueBatch batch = Encode(cue);
        RecallSettings resolved = Engine.Resolve(settings);
        Recollection found = Settle(batch, resolved, cancellationToken);
        RecallConfidence confidence = Assess(batch, cue, found.Item, runnersUp);
        return new MemoryRecall
        {
            Index = found.Item,
            Id = Items[found.Item].Id,
            Caption = Items[found.Item].Caption,
            RunnersUp = RunnersUpBySimilarity(confidence, found.Decider.Weights),
            Confidence = confidence,
            Image = DecodeImage(found, batch),
            Trace = trace ? Trace(batch, resolved, found.Steps, cancellationToken) : null,
            Completed = found.Completions
                .Select(c => new CompletedModality(c.Modality, c.Attractor.Nearest, Items[c.Attractor.Nearest].Id, Items[c.Attractor.Nearest].Caption, c.Attractor, c.Steps))
                .ToArray(),
            Recollection = found,
            Settings = resolved,
        };
    }

    // The cue's codes: each given modality through its encoder, an image's pixel mask as its code mask.
    private CueBatch Encode(MemoryCue cue)
    {
        ArgumentNullException.ThrowIfNull(cue);
        var cues = new Dictionary<Modality, Tensor>();
        var masks = new Dictionary<Modality, Tensor>();
        string has = string.Join(", ", Engine.Modalities);
        if (!cue.Modalities.Any())
        {
            throw new ArgumentException($"The cue is empty: give an image, a caption or a sound (this memory has {has}).", nameof(cue));
        }

        if (cue.Modalities.FirstOrDefault(m => !Engine.Modalities.Contains(m)) is { Name.Length: > 0 } missing)
        {
            throw new ArgumentException($"This memory has no {missing} slot (it has {has}): cue it with one of those.", nameof(cue));
        }

        if (cue.Image is { } image)
        {
            IImageCodec codec = Encoders.Image!;
            if (image.Length != codec.Shape.Length)
            {
                throw new ArgumentException($"The image cue has {image.Length} samples; this memory's images are {codec.Shape} ({codec.Shape.Length}).", nameof(cue));
            }

            cues[Modality.Image] = codec.Encode(Tensor.FromArray(image, 1, image.Length));
            if (cue.PixelMask is { } pixelMask)
            {
                float[] codeMask = codec.CodeMask(pixelMask);
                if (!codeMask.Any(m => m != 0))
                {
                    throw new ArgumentException("The image cue hides every part of the image that the codec's code could be compared on; show more of it.", nameof(cue));
                }

                masks[Modality.Image] = Tensor.FromArray(codeMask, 1, codeMask.Length);
            }
        }

        if (cue.Text is { } text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                // An empty caption still encodes to some code, and the recall would name an arbitrary item at full weight.
                throw new ArgumentException("The caption cue is empty: give some words, or leave the caption out.", nameof(cue));
            }

            cues[Modality.Text] = Encoders.Text!.Encode([text]);
        }

        if (cue.Audio is { } audio)
        {
            cues[Modality.Audio] = Encoders.Audio!.Encode([audio]);
        }

        return new CueBatch(cues, masks);
    }

    private Recollection Settle(CueBatch batch, RecallSettings settings, CancellationToken cancellationToken) =>
        Recollection.Of(Engine, Engine.Settle(batch, settings, cancellationToken: cancellationToken)[0], settings);

    // The recalled image: the image attractor's read-out Σₙ pₙ zₙ through the stored items' codec codes zₙ, decoded; a cued
    // image that the engine held is decoded as given.
    private float[]? DecodeImage(Recollection found, CueBatch batch)
    {
        if (Encoders.Image is not { Decodes: true } codec)
        {
            return null;
        }

        if (found.CompletionOf(Modality.Image) is not { } completion)
        {
            return codec.Decode(batch.Codes[Modality.Image]).Span.ToArray();
        }

        Tensor stored = ConfidenceCodes()[Modality.ImageName];
        var code = new Tensor(1, stored.Shape[1]);
        float[] p = completion.Weights;
        for (int n = 0; n < p.Length; n++)
        {
            if (p[n] != 0)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(stored.Row(n), p[n], code.Row(0), code.Row(0));
            }
        }

        return codec.Decode(code).Span.ToArray();
    }

    /// <summary>The decoded stored image of item <paramref name="index"/> (Dec(ξ)); null without an image slot, or when its encoder has no decoder (<see cref="IImageCodec.Decodes"/>).</summary>
    public float[]? StoredImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Encoders.Image is { Decodes: true } codec ? codec.Decode(StoredCodes(Modality.Image.Name, index, 1)).Span.ToArray() : null;
    }

    /// <summary>
    /// The codes slot <paramref name="slot"/> stores for items <paramref name="start"/> onwards (at most
    /// <paramref name="count"/>, default all): the encoder's codes, unscaled, [rows, slot length].
    /// </summary>
    public Tensor StoredCodes(string slot, int start = 0, int? count = null)
    {
        if (!Network.Layout.Contains(slot))
        {
            throw new ArgumentException($"This memory has no {slot} slot (it has {string.Join(", ", Network.Layout.Slots.Select(s => s.Name))}).", nameof(slot));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count);
        int rows = Math.Min(count ?? Count - start, Count - start);
        ArgumentOutOfRangeException.ThrowIfNegative(rows, nameof(count));
        Slot s = Network.Layout[slot];
        float inverse = 1f / Network.Scales[s.Index];
        var codes = new Tensor(rows, s.Length);
        for (int i = 0; i < rows; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(Network.Memory.Bank[start + i].Slice(s.Offset, s.Length), inverse, codes.Row(i));
        }

        return codes;
    }

    /// <summary>
    /// Writes the memory to <paramref name="path"/> whole or not at all; encoder paths are kept relative to its folder, and
    /// with <see cref="MemorySaveOptions.EmbedEncoders"/> the encoders' weights are stored in the file too.
    /// </summary>
    public void Save(string path, MemorySaveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new MemorySaveOptions();
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;

        // The engine is written only when it is not the one the encoders call for, so that every other file stays readable by older builds.
        bool named = EngineCatalog.Choose(null, Encoders.Harmonic).Name != Engine.Name;
        var file = new MemoryFileContents
        {
            Version = named ? EngineVersion : options.EmbedEncoders ? EmbeddedVersion : ChecksumVersion,
            Engine = named ? Engine.Name : null,
            Slots = Network.Layout.Slots.Select(s => new SlotEntry(s.Name, s.Length, s.Weight, Network.Scales[s.Index])).ToArray(),
            Encoders = Encoders.Described.Select(e => e.Weights is null ? e : e with { Weights = Path.GetRelativePath(folder, Path.GetFullPath(e.Weights)) }).ToArray(),
            ImageShape = Encoders.Image is { } codec ? [codec.Shape.Channels, codec.Shape.Height, codec.Shape.Width] : null,
            Items = Items.ToArray(),
            Options = new OptionsEntry(Options.Similarity, Options.Beta, Options.MaxSteps),
            Collisions = Network.Collisions.ToArray(),
            Embedded = options.EmbedEncoders
                ? Encoders.Weighted.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => new EmbeddedEntry(p.Key, new SortedDictionary<string, string>(p.Value.Metadata.ToDictionary(), StringComparer.Ordinal))).ToArray()
                : null,
        };
        file = file with { Sha256 = ContentHash(file, Network.Memory.Bank.Patterns.Span, [.. Network.Memory.Bank.Patterns.Shape]) };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [MetadataKey] = JsonSerializer.Serialize(file, Json) };
        var tensors = new List<SafetensorsTensor> { SafetensorsTensor.FromFloat32(PatternsTensor, Network.Memory.Bank.Patterns) };
        if (options.EmbedEncoders)
        {
            tensors.AddRange(Encoders.Weighted.SelectMany(p => p.Value.Module.StateDict().Select(
                t => SafetensorsTensor.FromFloat32($"{EmbeddedPrefix}{p.Key}.{t.Key}", t.Value.Data, t.Value.ShapeArray))));
        }

        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Opens a saved memory, reopening its encoders; refuses a file that is not a memory, is of another
    /// format version, is inconsistent (an item without an id, two items with one id, rows that do not match
    /// the items, a stored value that is not finite), whose checksum does not match its content, or whose
    /// encoders' weights have changed, saying which and why. <paramref name="options"/> may skip the checksum.
    /// </summary>
    public static MultimodalMemory Load(string path, MemoryLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new MemoryLoadOptions();
        if (!File.Exists(path))
        {
            throw Directory.Exists(path)
                ? new FileNotFoundException($"{path} is a folder, not a memory file: give the path of a file made by `engram build`.", path)
                : new FileNotFoundException($"The memory file {path} does not exist (make one with `engram build`).", path);
        }

        MemoryFileContents file;
        Tensor patterns;
        Dictionary<string, Dictionary<string, NdArray<float>>> embedded;
        try
        {
            using SafetensorsFile safetensors = SafetensorsFile.Open(path);
            if (!safetensors.Metadata.TryGetValue(MetadataKey, out string? json))
            {
                throw new InvalidDataException($"{path} is a safetensors file but not an Engram memory (no '{MetadataKey}' metadata); make one with `engram build`.");
            }

            file = JsonSerializer.Deserialize<MemoryFileContents>(json, Json) ?? throw new InvalidDataException($"{path}: the memory metadata is empty.");
            if (file.Version is < 1 or > FormatVersion)
            {
                throw new InvalidDataException($"{path} is a version {file.Version} memory; this build of Engram reads versions 1 to {FormatVersion}. Build the memory again.");
            }

            if (!safetensors.Contains(PatternsTensor))
            {
                throw new InvalidDataException($"{path} has no '{PatternsTensor}' tensor.");
            }

            patterns = safetensors.ReadFloat32(PatternsTensor);
            embedded = EmbeddedTensors(safetensors);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the memory metadata is not valid JSON ({e.Message}).", e);
        }

        if (file.Slots is null || file.Items is null || file.Encoders is null || file.Options is null || file.Slots.Length == 0)
        {
            throw new InvalidDataException($"{path}: the memory metadata lacks slots, items, encoders or options.");
        }

        if ((DescriptionProblem(file) ?? ItemTableProblem(file.Items)) is { } problem)
        {
            throw Damaged(path, problem);
        }

        if (file.Engine is not null && file.Version < EngineVersion)
        {
            throw Damaged(path, $"it is a version {file.Version} memory but names its engine ('{file.Engine}'), which only version {EngineVersion} files do.");
        }

        int length = file.Slots.Sum(s => Math.Max(0, s.Length));
        if (patterns.Rank != 2 || patterns.RowCount != file.Items.Length || patterns.Shape[1] != length)
        {
            throw Damaged(path, $"the stored patterns are {patterns}, but the metadata describes {file.Items.Length} items of length {length}.");
        }

        int nonFinite = FirstNonFinite(patterns.Span);
        if (nonFinite >= 0)
        {
            int row = nonFinite / length;
            throw Damaged(path, string.Create(CultureInfo.InvariantCulture,
                $"the stored pattern of item '{file.Items[row].Id}' (row {row}) holds {patterns.Span[nonFinite]} at component {nonFinite % length}; stored values must be finite."));
        }

        // The checksum before anything is built from the description: a damaged file is named as damaged.
        MemoryChecksum checksum = CheckSum(path, file, patterns, options);
        SlotLayout layout;
        MemoryEncoders encoders;
        RecallOptions recallOptions;
        HopfieldEncodingNetwork network;
        IEngineKind kind;
        try
        {
            // What the library refuses to build from the description (a slot of length 0, a scale of 0, β = ∞, no
            // encoder at all…) is damage to the file, whether or not the checksum was checked.
            layout = new SlotLayout(file.Slots.Select(s => (s.Name, s.Length, s.Weight)).ToArray());
            ImageShape? shape = file.ImageShape is [int c, int h, int w] ? new ImageShape(c, h, w) : null;
            encoders = MemoryEncoders.Reopen(file.Encoders, path, shape, recorded => Embedded(path, file, embedded, recorded), options.ModelFolders);
            foreach (Slot slot in layout.Slots)
            {
                int expected = slot.Name switch
                {
                    Modality.ImageName => encoders.Image?.CodeLength ?? -1, // Modality.Image.Name
                    Modality.TextName => encoders.Text?.CodeLength ?? -1,
                    Modality.AudioName => encoders.Audio?.CodeLength ?? -1,
                    _ => -1,
                };
                if (expected != slot.Length)
                {
                    throw new InvalidDataException($"{path}: slot '{slot.Name}' holds {slot.Length} components, but its encoder makes codes of {expected}.");
                }
            }

            recallOptions = new RecallOptions { Similarity = file.Options.Similarity, Beta = file.Options.Beta, MaxSteps = file.Options.Steps };
            recallOptions.Validate();
            kind = EngineCatalog.Choose(file.Engine, encoders.Harmonic);
            network = HopfieldEncodingNetwork.Restore(
                layout, file.Slots.Select(s => s.Scale).ToArray(), patterns, file.Items.Select(i => i!.Id).ToArray(), recallOptions, file.Collisions ?? []);
        }
        catch (ArgumentException e)
        {
            throw Damaged(path, ExceptionMessages.WithoutParameter(e).TrimEnd('.') + ".");
        }

        try
        {
            return new MultimodalMemory(network, encoders, file.Items, recallOptions, kind, checksum);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The memory file {path} cannot be recalled from: {ExceptionMessages.WithoutParameter(e)}", e);
        }
    }

    // A version 3 file records the SHA-256 of its content; earlier versions record none and open unverified.
    private static MemoryChecksum CheckSum(string path, MemoryFileContents file, Tensor patterns, MemoryLoadOptions options)
    {
        if (file.Version < ChecksumVersion)
        {
            return MemoryChecksum.Absent;
        }

        if (string.IsNullOrEmpty(file.Sha256))
        {
            throw Damaged(path, $"it is a version {file.Version} memory but records no checksum, which every such file has, so it was altered after it was written.");
        }

        if (!options.VerifyChecksum)
        {
            return MemoryChecksum.Skipped;
        }

        string actual = ContentHash(file, patterns.Span, [.. patterns.Shape]);
        if (!string.Equals(actual, file.Sha256, StringComparison.Ordinal))
        {
            throw Damaged(path,
                $"its content (stored patterns, items, slots or options) has SHA-256 {actual[..12]}…, not the {file.Sha256[..Math.Min(12, file.Sha256.Length)]}… it recorded when it was written, " +
                "so it was changed or damaged since.");
        }

        return MemoryChecksum.Verified;
    }

    // Each embedded encoder's tensors, by slot, without the prefix.
    private static Dictionary<string, Dictionary<string, NdArray<float>>> EmbeddedTensors(SafetensorsFile safetensors)
    {
        var bySlot = new Dictionary<string, Dictionary<string, NdArray<float>>>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in safetensors.Entries.Where(e => e.Name.StartsWith(EmbeddedPrefix, StringComparison.Ordinal)))
        {
            string rest = entry.Name[EmbeddedPrefix.Length..];
            int dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0)
            {
                throw Damaged(safetensors.Path, $"its tensor '{entry.Name}' is named as an embedded encoder's but names no slot and parameter.");
            }

            Tensor t = safetensors.ReadFloat32(entry.Name);
            string slot = rest[..dot];
            if (!bySlot.TryGetValue(slot, out var arrays))
            {
                bySlot[slot] = arrays = new Dictionary<string, NdArray<float>>(StringComparer.Ordinal);
            }

            arrays[rest[(dot + 1)..]] = NdArray<float>.FromArray(t.Span.ToArray(), t.Shape.ToArray());
        }

        return bySlot;
    }

    // The encoder the memory file carries for the recorded slot, or null when it carries none.
    private static LoadedModel? Embedded(string path, MemoryFileContents file, Dictionary<string, Dictionary<string, NdArray<float>>> tensors, SlotEncoder recorded)
    {
        EmbeddedEntry? entry = file.Embedded?.FirstOrDefault(e => e?.Slot == recorded.Slot);
        bool hasTensors = tensors.TryGetValue(recorded.Slot, out var arrays);
        if (entry is null && !hasTensors)
        {
            return null;
        }

        if (file.Version < EmbeddedVersion)
        {
            throw Damaged(path, $"it is a version {file.Version} memory but carries {ModelLocator.What(recorded)} weights or their description, which only version {EmbeddedVersion} files do.");
        }

        if (entry?.Metadata is null || !hasTensors)
        {
            throw Damaged(path, $"it carries the {ModelLocator.What(recorded)}'s {(hasTensors ? "weights but not their description" : "description but not its weights")}.");
        }

        try
        {
            return ModelLocator.Build(recorded.Slot, path, arrays!, entry.Metadata);
        }
        catch (InvalidDataException e)
        {
            throw Damaged(path, $"the {ModelLocator.What(recorded)} it carries cannot be read ({e.Message.TrimEnd('.')}).");
        }
    }

    private static InvalidDataException Damaged(string path, string problem) =>
        new($"The memory file {path} is damaged: {problem} Rebuild it with `engram build` (recall from it could give a wrong answer without a warning).");

    // Entries the JSON left null, or a slot without a name: what the checksum's own hashing and every later step assume is there.
    private static string? DescriptionProblem(MemoryFileContents file)
    {
        for (int i = 0; i < file.Slots!.Length; i++)
        {
            if (file.Slots[i] is not { } slot || string.IsNullOrWhiteSpace(slot.Name))
            {
                return $"slot {i} has no name.";
            }
        }

        for (int i = 0; i < file.Encoders!.Length; i++)
        {
            if (file.Encoders[i] is not { } encoder || string.IsNullOrWhiteSpace(encoder.Slot) || string.IsNullOrWhiteSpace(encoder.Kind))
            {
                return $"encoder entry {i} does not say which slot it encodes and with what.";
            }
        }

        return null;
    }

    // What is wrong with an item table, or null: every item needs an id of its own, since recall answers with it.
    internal static string? ItemTableProblem(IReadOnlyList<MemoryItem?> items)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item || string.IsNullOrWhiteSpace(item.Id))
            {
                return $"item {i}{(items[i]?.Caption is { } caption ? $" ('{caption}')" : "")} has no id.";
            }

            if (!seen.TryAdd(item.Id, i))
            {
                return $"items {seen[item.Id]} and {i} have the same id '{item.Id}'; every item needs its own.";
            }
        }

        return null;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The SHA-256 of what recall answers from: the slots (name, length, weight, scale), the encoders (slot, kind,
    /// weight hash), the image shape, the items (ids and captions, in order), the recall options and the stored
    /// patterns' shape and float32 bytes (little-endian), each field length-prefixed so that no two contents share
    /// a byte stream, and the descriptions of the encoders the file carries. Encoder paths and collisions are left out:
    /// a memory may move away from its encoders (they are found by hash), and collisions are warnings only.
    /// </summary>
    private static string ContentHash(MemoryFileContents file, ReadOnlySpan<float> patterns, int[] shape)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        using (var header = new MemoryStream())
        {
            using (var w = new BinaryWriter(header, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write("engram.memory content");
                w.Write(file.Slots!.Length);
                foreach (SlotEntry slot in file.Slots)
                {
                    w.Write(slot.Name);
                    w.Write(slot.Length);
                    w.Write(slot.Weight);
                    w.Write(slot.Scale);
                }

                w.Write(file.Encoders!.Length);
                foreach (SlotEncoder encoder in file.Encoders)
                {
                    w.Write(encoder.Slot);
                    w.Write(encoder.Kind);
                    w.Write(encoder.Sha256 ?? "");
                }

                int[] imageShape = file.ImageShape ?? [];
                w.Write(imageShape.Length);
                foreach (int d in imageShape)
                {
                    w.Write(d);
                }

                w.Write(file.Items!.Length);
                foreach (MemoryItem item in file.Items)
                {
                    w.Write(item.Id);
                    w.Write(item.Caption is not null);
                    w.Write(item.Caption ?? "");
                }

                w.Write(file.Options!.Similarity.ToString());
                w.Write(file.Options.Beta);
                w.Write(file.Options.Steps);
                w.Write(shape.Length);
                foreach (int d in shape)
                {
                    w.Write(d);
                }

                // The engine, when the file names one (only version 5 files do): written only then, so earlier files keep their checksum.
                if (file.Engine is { } engine)
                {
                    w.Write(engine);
                }

                // The embedded encoders' descriptions (their architecture among them) decide what their weights compute; the
                // weights themselves are covered by the encoder hashes above, which they must match. Written only when there
                // are some, so that a file without embedded encoders has the checksum it always had.
                foreach (EmbeddedEntry? embedded in file.Embedded ?? [])
                {
                    w.Write(embedded?.Slot ?? "");
                    w.Write(embedded?.Metadata?.Count ?? 0);
                    foreach (var (key, value) in (embedded?.Metadata ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        w.Write(key);
                        w.Write(value);
                    }
                }
            }

            hash.AppendData(header.GetBuffer(), 0, (int)header.Length);
        }

        if (BitConverter.IsLittleEndian)
        {
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(patterns));
        }
        else
        {
            Span<byte> value = stackalloc byte[4];
            foreach (float f in patterns)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(value, f);
                hash.AppendData(value);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // The heaviest items of a weight per item, heaviest first (the lowest index first among equal weights).
    private RunnerUp[] Top(float[] weights, int count) =>
        weights
            .Select((w, n) => (w, n))
            .OrderByDescending(p => p.w)
            .Take(count)
            .Select(p => new RunnerUp(p.n, Items[p.n].Id, Items[p.n].Caption, p.w))
            .ToArray();

    // Each step's state is the state after t steps: recall again with T = t (deterministic, so the same path), then weigh
    // and decode it.
    private RecallStep[] Trace(CueBatch batch, RecallSettings settings, int steps, CancellationToken cancellationToken)
    {
        var trace = new RecallStep[steps];
        for (int t = 1; t <= steps; t++)
        {
            Recollection partial = Settle(batch, settings with { Steps = t, Tolerance = 0 }, cancellationToken);
            trace[t - 1] = new RecallStep(t, partial.Energies[^1], Top(partial.Decider.Weights, 5), DecodeImage(partial, batch));
        }

        return trace;
    }

    private sealed record SlotEntry(string Name, int Length, float Weight, float Scale);

    private sealed record OptionsEntry(Similarity Similarity, float Beta, int Steps);

    private sealed record EmbeddedEntry(string? Slot, IReadOnlyDictionary<string, string>? Metadata);

    private sealed record MemoryFileContents
    {
        public int Version { get; init; }

        public SlotEntry[]? Slots { get; init; }

        public SlotEncoder[]? Encoders { get; init; }

        public int[]? ImageShape { get; init; }

        public MemoryItem[]? Items { get; init; }

        public OptionsEntry? Options { get; init; }

        public Collision[]? Collisions { get; init; }

        /// <summary>The weight files' metadata of the encoders the file carries (their tensors are "encoder.&lt;slot&gt;.…"); absent when it carries none.</summary>
        public EmbeddedEntry[]? Embedded { get; init; }

        /// <summary>The engine's name, when it is not the one the encoders call for; from version 5 on.</summary>
        public string? Engine { get; init; }

        /// <summary>The SHA-256 of the content (see <see cref="ContentHash"/>); from version 3 on.</summary>
        public string? Sha256 { get; init; }
    }
}
