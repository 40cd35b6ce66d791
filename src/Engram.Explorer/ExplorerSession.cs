using System.Globalization;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Encoders;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Multimodal;
using Engram.Store;
using Engram.Tensors;
using Microsoft.AspNetCore.Http;

namespace Engram.Explorer;

/// <summary>
/// The served memory: a memory file (read-only), or a living store that the API adds items to and forgets them from.
/// The memory a request reads is <see cref="Current"/>, one <see cref="ServedSnapshot"/> taken once at the request's
/// start; a write runs under its own lock (the store's write, then a new snapshot of the store, then the swap), so readers
/// never wait for the database and never see half a write.
/// </summary>
/// <remarks>
/// One lock (<see cref="RecallGate"/>) keeps the encoders, the engines and recall to one request at a time (a local tool:
/// simple beats parallel); the encoders are shared by every snapshot and by the store's adds, so encoding a new item and
/// making the new snapshot take it too. Another keeps uploaded images to one decode at a time, so that what parallel
/// uploads allocate does not add up.
/// </remarks>
internal sealed class ExplorerSession
{
    public const int MaxSteps = 1000;
    public const int MaxTraceSteps = 100;
    public const int MaxRunnersUp = 50;

    private readonly Lock _write = new();

    // Its own lock, not the recall's: a large upload takes a second or more to decode, and a caption-only recall need not wait for it.
    private readonly Lock _decodeGate = new();
    private readonly MemoryStore? _store;
    private ServedSnapshot _current;

    /// <summary>A memory file's memory, served as it is: <see cref="IsWritable"/> is false.</summary>
    public ExplorerSession(MultimodalMemory memory, ExplorerOptions options)
    {
        Options = options;
        Encoders = memory.Encoders;
        EngineName = memory.Engine.Name;
        _current = new ServedSnapshot(this, memory, 1);
    }

    /// <summary>A living store, served from a snapshot of it that every add and forget through the session replaces.</summary>
    public ExplorerSession(MemoryStore store, ExplorerOptions options)
    {
        Options = options;
        _store = store;
        Encoders = store.Encoders;
        EngineName = EngineCatalog.Choose(store.EngineName, store.Encoders.Harmonic).Name;
        _current = TakeSnapshot(store, 1);
    }

    public ExplorerOptions Options { get; }

    /// <summary>The encoders every snapshot (and every add) shares.</summary>
    public MemoryEncoders Encoders { get; }

    /// <summary>The engine the memory recalls with.</summary>
    public string EngineName { get; }

    /// <summary>Whether the API may add and forget items: a store is written to, a memory file never.</summary>
    public bool IsWritable => _store is not null;

    /// <summary>The memory as of now; a request reads it once and works on that.</summary>
    public ServedSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Held while encoders or an engine run: recalls, stored images, adds and new snapshots.</summary>
    public Lock RecallGate { get; } = new();

    public ImageShape? Shape => Encoders.Image?.Shape;

    /// <summary>The slots, in order, that the encoders make (what an empty store describes).</summary>
    public IReadOnlyList<string> SlotNames => [.. Modality.Known.Select(m => m.Name).Where(HasSlot)];

    /// <summary>An empty store's slots: each encoder's code length, weight 1 (as a store stores them).</summary>
    public IReadOnlyList<SlotView> EmptySlots => SlotNames.Select(s => new SlotView(s, CodeLength(s), 1f)).ToArray();

    /// <summary>An empty store's recall options as saved with it; a harmonic memory's similarity and β are its model's (null).</summary>
    public OptionsView EmptyOptions => EngineName == HarmonicEngine.Kind.Name
        ? new OptionsView(null, null, _store!.Options.MaxSteps)
        : new OptionsView(Names.Of(_store!.Options.Similarity), _store.Options.Beta, _store.Options.MaxSteps);

    public bool HasSlot(string slot) => slot switch
    {
        Modality.ImageName => Encoders.Image is not null,
        Modality.TextName => Encoders.Text is not null,
        Modality.AudioName => Encoders.Audio is not null,
        _ => false,
    };

    public string NoSlot(string slot) =>
        $"This memory has no {slot} slot (it has {string.Join(", ", SlotNames)}): cue it with one of those.";

    /// <summary>
    /// Decodes an uploaded image (any format <see cref="ImageFiles"/> reads: JPEG, PNG, GIF, BMP, TIFF, WebP, TGA, by its
    /// content) as stored items are decoded, shrunk while or right after decoding, then padded and resized to the memory's
    /// image size: refused from its header when it has more pixels than the explorer takes, and one decode at a time.
    /// <paramref name="name"/> names the upload in messages.
    /// </summary>
    public float[] PrepareImage(byte[] image, string name)
    {
        IImageCodec codec = Encoders.Image ?? throw ApiException.BadRequest(NoSlot("image"));
        CheckPixels(image, name);

        // Shrunk as stored items are (a PNG's two rows and the small image; another format's 8-bit frame and the small image,
        // never the full-size float one); one at a time, so that parallel uploads take turns at the CPU rather than add up.
        lock (_decodeGate)
        {
            ImageDecodeOptions decode = DatasetImages.CueDecodeOptions(codec.Shape.Width) with { MaxPixels = Options.MaxImagePixels };
            return ImageOps.Prepare(ImageFiles.Decode(image, name, decode), codec.Shape.Width, grey: codec.Shape.Channels == 1);
        }
    }

    /// <summary>
    /// Stores <paramref name="item"/> in the store (encoded with its image and sound, and its original media kept), then
    /// serves a snapshot that holds it; answers the new snapshot and the item's index in it. Refused with 405 for a memory
    /// file, 409 for an id already stored.
    /// </summary>
    public (ServedSnapshot Snapshot, int Index) Add(MemoryItem item, float[]? image, AudioClip? sound, IReadOnlyList<StoredMedia> media)
    {
        MemoryStore store = WritableStore();
        lock (_write)
        {
            if (Current.IndexOf(item.Id) is not null)
            {
                throw AlreadyStored(item.Id);
            }

            Tensor? pixels = image is null ? null : Tensor.FromArray(image, 1, image.Length);
            try
            {
                lock (RecallGate)
                {
                    Written(() => store.Add([item], pixels, sound is null ? null : [sound], [media]));
                }
            }
            catch (ArgumentException) when (store.List().Any(i => i.Id == item.Id))
            {
                // Added meanwhile by another process (`engram add`): this snapshot had not seen it.
                throw AlreadyStored(item.Id);
            }

            ServedSnapshot next = Swap(store);
            return (next, next.IndexOf(item.Id) ?? next.Count - 1);
        }
    }

    /// <summary>Forgets item <paramref name="id"/> (its codes and media) and serves a snapshot without it; 404 naming it when the store holds no such item.</summary>
    public ServedSnapshot Forget(string id)
    {
        MemoryStore store = WritableStore();
        lock (_write)
        {
            try
            {
                Written(() => store.Forget(id));
            }
            catch (ArgumentException)
            {
                ServedSnapshot now = Current;
                throw ApiException.NotFound(now.Count == 0
                    ? $"No item has the id '{id}': this store holds no items."
                    : $"No item has the id '{id}', so there is nothing to forget: give the id of a stored item (GET /api/items lists them).");
            }

            return Swap(store);
        }
    }

    /// <summary>The original media of kind <paramref name="kind"/> kept for item <paramref name="id"/>, or null (always, for a memory file).</summary>
    public StoredMedia? Media(string id, string kind) => _store?.Media(id, kind);

    /// <summary>
    /// The bytes of item <paramref name="id"/>'s original image as the store kept them (its bytes, or the file a reference
    /// names), or null when this is a memory file, the item has none, or a referenced file is gone: what stands in for a
    /// decoded image when the image codec has no decoder (a pretrained feature extractor such as resnet18).
    /// </summary>
    public byte[]? OriginalImage(string id)
    {
        if (_store?.Media(id, Modality.ImageName) is not { } media)
        {
            return null;
        }

        if (media.Bytes is { } bytes)
        {
            return bytes;
        }

        string path = ReferencePath(media.Reference ?? "");
        return media.Reference is not null && File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>
    /// The file extension of item <paramref name="id"/>'s original <paramref name="kind"/> ("image" or "audio") as its
    /// bytes show it (".jpg", ".mp3", …: <see cref="StoredMedia.Extension"/>), or null when the store kept none: what
    /// the page names a download by.
    /// </summary>
    public string? MediaExtension(string id, string kind)
    {
        if (_store?.Media(id, kind) is not { } media)
        {
            return null;
        }

        if (media.Bytes is { } bytes)
        {
            return StoredMedia.Extension(bytes, kind);
        }

        string path = ReferencePath(media.Reference ?? "");
        if (media.Reference is null || !File.Exists(path))
        {
            return null;
        }

        var head = new byte[64];
        using FileStream file = File.OpenRead(path);
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return StoredMedia.Extension(head.AsSpan(0, read), kind);
    }

    /// <summary>
    /// Item <paramref name="id"/>'s original image as a PNG of at most <paramref name="maxSide"/> pixels a side, or null
    /// when there is none (<see cref="OriginalImage"/>); an original that no longer decodes is a 404 naming it.
    /// </summary>
    public byte[]? OriginalPng(string id, int maxSide)
    {
        if (OriginalImage(id) is not { } bytes)
        {
            return null;
        }

        try
        {
            lock (_decodeGate)
            {
                return Engram.Data.Png.PngEncoder.Encode(ImageFiles.Decode(bytes, $"the original image of {id}", new ImageDecodeOptions { MaxSide = maxSide, MaxPixels = Options.MaxImagePixels }));
            }
        }
        catch (DataFormatException e)
        {
            throw ApiException.NotFound($"Item '{id}''s original image cannot be shown: {e.Message}");
        }
    }

    /// <summary>Why there is no image to show for item <paramref name="id"/> when the image codec does not decode.</summary>
    public string NoDecodedImage(string id) =>
        $"The image codec {Encoders.Image?.Name} is an encoder without a decoder, so item '{id}''s stored code cannot be shown as an image, and " +
        (IsWritable ? "the store kept no original image of it." : "a memory file keeps no originals: build a store (engram build --store, the default for a folder) to keep and show them.");

    /// <summary>Where a media reference points: a relative path is taken from the store's folder.</summary>
    public string ReferencePath(string reference) =>
        Path.IsPathRooted(reference) ? reference : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_store!.Path))!, reference);

    /// <summary>What the API says when asked to change a memory file.</summary>
    public string ReadOnlyMessage(string what)
    {
        string name = Options.MemoryName ?? "the memory file";
        string store = Path.ChangeExtension(Options.MemoryName ?? "memory.engram", ".store");
        return $"This explorer serves {name}, a memory file, which is read-only: it cannot {what}. To add and forget items, import it into a store " +
            $"(engram import --memory {name} --out {store}) and serve that (engram serve --memory {store}).";
    }

    // The decoder refuses an image over the cap itself; reading its size from the header first (of any format) says so in
    // the explorer's words (when there is no header to read, the decoder says what is wrong).
    private void CheckPixels(byte[] image, string name)
    {
        ImageFileInfo header;
        try
        {
            header = ImageFiles.Identify(image, name);
        }
        catch (DataFormatException)
        {
            return;
        }

        long width = header.Width, height = header.Height;
        if (width * height > Options.MaxImagePixels)
        {
            string size = Invariant($"{name} is {width}×{height} pixels{(width * height >= 1_000_000 ? Invariant($" ({width * height / 1e6:0.#} megapixels)") : "")}");
            string example = Options.MaxImagePixels == ExplorerOptions.DefaultMaxImagePixels ? " (such as 6000×4000)" : "";
            string cap = Options.MaxImagePixels >= 1_000_000
                ? Invariant($"the explorer takes images of at most {Options.MaxImagePixels / 1e6:0.#} megapixels{example}")
                : Invariant($"the explorer takes images of at most {Options.MaxImagePixels:N0} pixels");
            // A side the memory still gets every detail from (the decoder shrinks to 8 × its side anyway), within the cap.
            long side = Math.Min(Shape!.Value.Width * DatasetImages.DecodeSideFactor, (long)Math.Sqrt(Options.MaxImagePixels));
            throw ApiException.BadRequest(
                $"{size}; {cap}. Scale it down to about {side} pixels a side (it is shrunk to {Shape.Value.Width}×{Shape.Value.Height} anyway) and send it again.");
        }
    }

    private MemoryStore WritableStore() =>
        _store ?? throw new ApiException(StatusCodes.Status405MethodNotAllowed, ReadOnlyMessage("add or forget items"));

    private static ApiException AlreadyStored(string id) => new(
        StatusCodes.Status409Conflict,
        $"The store already holds an item with the id '{id}': forget it first (the item's Forget button, or DELETE /api/items/{Uri.EscapeDataString(id)}), or give the new item an id of its own (the field \"id\").");

    // A store another process is writing to (`engram add` in a terminal) is busy past SQLite's timeout: the client may try again.
    private static void Written(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, e.Message);
        }
    }

    private ServedSnapshot Swap(MemoryStore store)
    {
        ServedSnapshot next = TakeSnapshot(store, Current.Version + 1);
        Volatile.Write(ref _current, next);
        return next;
    }

    private ServedSnapshot TakeSnapshot(MemoryStore store, long version)
    {
        MultimodalMemory? memory;
        lock (RecallGate)
        {
            try
            {
                memory = store.Snapshot();
            }
            catch (InvalidOperationException) when (store.Count == 0)
            {
                // An empty store has no memory to recall from: the explorer still describes it, lists no items and takes adds.
                memory = null;
            }
        }

        return new ServedSnapshot(this, memory, version);
    }

    private int CodeLength(string slot) => slot switch
    {
        Modality.ImageName => Encoders.Image!.CodeLength,
        Modality.TextName => Encoders.Text!.CodeLength,
        _ => Encoders.Audio!.CodeLength,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
