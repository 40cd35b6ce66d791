using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Data.Audio;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Encoders;
using Engram.Engines;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Microsoft.Data.Sqlite;

namespace Engram.Store;

/// <summary>An item's original media as the user gave it (a PNG's or WAV's bytes), kept beside its codes.</summary>
/// <param name="Kind">"image" or "audio" (a modality name).</param>
/// <param name="Bytes">The file's bytes, or null when only a reference is kept.</param>
/// <param name="Reference">Where the original lies (a path), when the bytes are not kept.</param>
public sealed record StoredMedia(string Kind, byte[]? Bytes, string? Reference = null)
{
    /// <summary>
    /// The originals of a dataset item that lie in files of their own (<see cref="DatasetItem.ImageFile"/>,
    /// <see cref="DatasetItem.AudioFile"/>): their bytes, or with <see cref="MediaKeeping.Reference"/> their full paths.
    /// An image unpacked from a dataset file, or generated speech, has no original to keep.
    /// </summary>
    public static IReadOnlyList<StoredMedia> Of(DatasetItem item, MediaKeeping keeping = MediaKeeping.Copy)
    {
        ArgumentNullException.ThrowIfNull(item);
        var media = new List<StoredMedia>(2);
        foreach ((string kind, string? file) in new[] { (Modality.ImageName, item.ImageFile), (Modality.AudioName, item.AudioFile) })
        {
            if (file is not null)
            {
                media.Add(keeping == MediaKeeping.Copy ? new StoredMedia(kind, File.ReadAllBytes(file)) : new StoredMedia(kind, null, System.IO.Path.GetFullPath(file)));
            }
        }

        return media;
    }

    /// <summary>
    /// The file extension for an original's <paramref name="bytes"/>, by their first bytes (".png", ".jpg", ".gif",
    /// ".webp", ".bmp", ".tif", ".wav", ".mp3", ".ogg", ".flac"), else ".bin" for <paramref name="kind"/> unknown.
    /// </summary>
    public static string Extension(ReadOnlySpan<byte> bytes, string kind)
    {
        static bool At(ReadOnlySpan<byte> b, int offset, ReadOnlySpan<byte> magic) => b.Length >= offset + magic.Length && b.Slice(offset, magic.Length).SequenceEqual(magic);
        return bytes switch
        {
            _ when At(bytes, 0, [0x89, (byte)'P', (byte)'N', (byte)'G']) => ".png",
            _ when At(bytes, 0, [0xFF, 0xD8, 0xFF]) => ".jpg",
            _ when At(bytes, 0, "GIF8"u8) => ".gif",
            _ when At(bytes, 0, "RIFF"u8) && At(bytes, 8, "WEBP"u8) => ".webp",
            _ when At(bytes, 0, "RIFF"u8) && At(bytes, 8, "WAVE"u8) => ".wav",
            _ when At(bytes, 0, "BM"u8) => ".bmp",
            _ when At(bytes, 0, "II*\0"u8) || At(bytes, 0, "MM\0*"u8) => ".tif",
            _ when At(bytes, 0, "ID3"u8) || (bytes.Length >= 2 && bytes[0] == 0xFF && (bytes[1] & 0xE0) == 0xE0) => ".mp3",
            _ when At(bytes, 0, "OggS"u8) => ".ogg",
            _ when At(bytes, 0, "fLaC"u8) => ".flac",
            _ => kind == Modality.AudioName ? ".audio" : ".bin",
        };
    }
}

/// <summary>How a store keeps an item's original media.</summary>
public enum MediaKeeping
{
    /// <summary>The file's bytes, in the store: the original survives the file being moved or deleted.</summary>
    Copy,

    /// <summary>Only the file's full path: the store stays small, and the original is there while the file is.</summary>
    Reference,
}

/// <summary>
/// A memory that grows and forgets: one SQLite database (WAL mode, one transaction per write) holding every item's id and
/// caption, its raw codes per slot (float32 blobs, the encoders' codes before any scaling), its original media, and the
/// encoders (with the SHA-256 of their weights), the recall options and the engine. Nothing already stored is re-encoded:
/// adding encodes only the new items, forgetting deletes rows. <see cref="Snapshot"/> reads every item in one read
/// transaction (so never half an item, while another connection writes) and makes a <see cref="MultimodalMemory"/> from
/// the raw codes exactly as <see cref="MultimodalMemory.Build"/> would from the same items: each slot's scale (mean norm 1)
/// is computed from the items present, so a store built item by item recalls what one built at once recalls.
/// </summary>
/// <remarks>
/// Codes are blobs in the database rather than segment files beside a catalog: one SQLite transaction then covers an
/// item's row, its codes and its media, so a crash leaves the whole item or none of it, with no second recovery protocol.
/// </remarks>
public sealed class MemoryStore : IDisposable
{
    /// <summary>The store format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SqliteConnection _connection;
    private readonly Lock _write = new();

    private MemoryStore(string path, SqliteConnection connection, MemoryEncoders encoders, RecallOptions options, string? engine)
    {
        Path = path;
        _connection = connection;
        Encoders = encoders;
        Options = options;
        EngineName = engine;
    }

    /// <summary>The store's database file.</summary>
    public string Path { get; }

    /// <summary>The encoders every item is encoded with.</summary>
    public MemoryEncoders Encoders { get; }

    /// <summary>The recall options saved with the store.</summary>
    public RecallOptions Options { get; }

    /// <summary>The engine named for the store, or null for the one its encoders call for.</summary>
    public string? EngineName { get; }

    /// <summary>Stored items, now.</summary>
    public int Count
    {
        get
        {
            using SqliteConnection reader = Reader();
            using SqliteCommand count = Command(reader, "SELECT COUNT(*) FROM items");
            return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Creates an empty store at <paramref name="path"/> for items encoded by <paramref name="encoders"/>; refused when a file
    /// is already there. <paramref name="engine"/> names the engine (see <see cref="EngineCatalog"/>).
    /// </summary>
    public static MemoryStore Create(string path, MemoryEncoders encoders, RecallOptions? options = null, string? engine = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(encoders);
        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new IOException($"{path} already exists: a new store needs a path of its own (open an existing store to add to it).");
        }

        IEngineKind kind = EngineCatalog.Choose(engine, encoders.Harmonic);
        RecallOptions chosen = options ?? kind.DefaultOptions;
        chosen.Validate();
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        SqliteConnection connection = Connect(path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            using SqliteTransaction transaction = connection.BeginTransaction();
            Execute(connection, transaction, """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE items (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, caption TEXT);
                CREATE TABLE codes (seq INTEGER NOT NULL REFERENCES items(seq) ON DELETE CASCADE, slot TEXT NOT NULL, code BLOB NOT NULL, PRIMARY KEY (seq, slot));
                CREATE TABLE media (seq INTEGER NOT NULL REFERENCES items(seq) ON DELETE CASCADE, kind TEXT NOT NULL, bytes BLOB, reference TEXT, PRIMARY KEY (seq, kind));
                """);
            var description = new StoreDescription
            {
                Encoders = encoders.Described.Select(e => e.Weights is null ? e : e with { Weights = System.IO.Path.GetRelativePath(folder, System.IO.Path.GetFullPath(e.Weights)) }).ToArray(),
                ImageShape = encoders.Image is { } codec ? [codec.Shape.Channels, codec.Shape.Height, codec.Shape.Width] : null,
                Similarity = chosen.Similarity,
                Beta = chosen.Beta,
                Steps = chosen.MaxSteps,
                Engine = engine,
            };
            SetMeta(connection, transaction, "format_version", FormatVersion.ToString(CultureInfo.InvariantCulture));
            SetMeta(connection, transaction, "description", JsonSerializer.Serialize(description, Json));
            transaction.Commit();
        }
        catch
        {
            connection.Dispose();
            SqliteConnection.ClearAllPools();
            File.Delete(path);
            throw;
        }

        return new MemoryStore(path, connection, encoders, chosen, engine);
    }

    /// <summary>
    /// Writes <paramref name="memory"/> (a built memory, or a memory file opened) as a new store at <paramref name="path"/>:
    /// its items, their codes with each slot's scale undone, its encoders, options and engine, and the items' original
    /// <paramref name="media"/> when given (one list per item). The store is made beside the path and renamed onto it once
    /// complete, so the path never holds half a store. Something already at the path is refused unless
    /// <paramref name="replace"/>; a store replaced must not be open in another process.
    /// </summary>
    public static void CreateFrom(string path, MultimodalMemory memory, IReadOnlyList<IReadOnlyList<StoredMedia>>? media = null, bool replace = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(memory);
        if (!replace && (File.Exists(path) || Directory.Exists(path)))
        {
            throw new IOException($"{path} already exists: a new store needs a path of its own (open an existing store to add to it).");
        }

        string full = System.IO.Path.GetFullPath(path);
        string building = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.building-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string? engine = EngineCatalog.Choose(null, memory.Encoders.Harmonic).Name == memory.Engine.Name ? null : memory.Engine.Name;
        try
        {
            using (MemoryStore store = Create(building, memory.Encoders, memory.Options, engine))
            {
                store.AddCodes(memory.Items, memory.Network.Layout.Slots.Select(s => new SlotCodes(s.Name, memory.StoredCodes(s.Name))).ToArray(), media);
            }

            // The last connection closed has checkpointed and removed the new store's WAL; an old store's must not be read with it.
            foreach (string companion in new[] { full + "-wal", full + "-shm" })
            {
                File.Delete(companion);
            }

            File.Move(building, full, overwrite: replace);
        }
        finally
        {
            foreach (string leftover in new[] { building, building + "-wal", building + "-shm" })
            {
                File.Delete(leftover);
            }
        }
    }

    /// <summary>The store format of the file at <paramref name="path"/>, or null when it is not an Engram store (or cannot be read).</summary>
    public static int? FormatOf(string path)
    {
        if (!IsStore(path))
        {
            return null;
        }

        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            return int.TryParse(GetMeta(connection, "format_version"), NumberStyles.None, CultureInfo.InvariantCulture, out int version) ? version : null;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, reopening its encoders (found by hash as a memory file's are); refused,
    /// naming the file, when it is not a store, is of a newer format, or is damaged.
    /// </summary>
    public static MemoryStore Open(string path, MemoryLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new MemoryLoadOptions();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The store {path} does not exist: make one with `engram build --store` or `engram import` (MemoryStore.Create in code).", path);
        }

        SqliteConnection? connection = null;
        StoreDescription description;
        try
        {
            connection = Connect(path, SqliteOpenMode.ReadWrite);
            string? version = GetMeta(connection, "format_version");
            if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            {
                throw new InvalidDataException($"{path} is a SQLite database but not an Engram store (no format version).");
            }

            if (v > FormatVersion)
            {
                throw new InvalidDataException($"{path} is a version {v} store; this build of Engram reads version {FormatVersion}. Open it with a newer Engram.");
            }

            description = JsonSerializer.Deserialize<StoreDescription>(GetMeta(connection, "description") ?? "null", Json)
                ?? throw new InvalidDataException($"The store {path} is damaged: it has no description.");
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw new InvalidDataException($"{path} is not a readable Engram store: {e.Message.TrimEnd('.')} (a corrupt or truncated database, or not a database at all).", e);
        }
        catch (JsonException e)
        {
            connection?.Dispose();
            throw new InvalidDataException($"The store {path} is damaged: its description is not valid JSON ({e.Message}).", e);
        }
        catch (InvalidDataException)
        {
            connection?.Dispose();
            throw;
        }

        try
        {
            ImageShape? shape = description.ImageShape is [int c, int h, int w] ? new ImageShape(c, h, w) : null;
            MemoryEncoders encoders = MemoryEncoders.Reopen(description.Encoders ?? [], path, shape, _ => null, options.ModelFolders);
            var recall = new RecallOptions { Similarity = description.Similarity, Beta = description.Beta, MaxSteps = description.Steps };
            recall.Validate();
            return new MemoryStore(path, connection, encoders, recall, description.Engine);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes <paramref name="items"/> (with their <paramref name="images"/>, captions and <paramref name="audio"/>, as
    /// <see cref="MultimodalMemory.Build"/> takes them) and stores them in one transaction, with their original
    /// <paramref name="media"/> when given (one list per item). Refused, storing nothing, when an id is given twice, or is
    /// already stored and <paramref name="replace"/> is false; with it, a stored item of that id is updated: forgotten and
    /// added again in the same transaction (it then comes last in <see cref="List"/>).
    /// </summary>
    public void Add(
        IReadOnlyList<MemoryItem> items, ImageSource? images = null, IReadOnlyList<AudioClip>? audio = null,
        IReadOnlyList<IReadOnlyList<StoredMedia>>? media = null, IProgress<string>? progress = null, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        if (MultimodalMemory.ItemTableProblem(items) is { } problem)
        {
            throw new ArgumentException($"The items cannot be added to {Path}: {problem}");
        }

        if (media is not null && media.Count != items.Count)
        {
            throw new ArgumentException($"{media.Count} media lists for {items.Count} items; give one per item.", nameof(media));
        }

        if (!replace)
        {
            // Refused before the (slower) encoding; the transaction checks again.
            RefuseStored(items);
        }

        AddCodes(items, MultimodalMemory.EncodeSlots(items, Encoders, images, audio, progress), media, replace);
    }

    private void RefuseStored(IReadOnlyList<MemoryItem> items)
    {
        using SqliteConnection connection = Reader();
        using SqliteCommand exists = Command(connection, "SELECT 1 FROM items WHERE id = $id");
        SqliteParameter existsId = exists.Parameters.Add("$id", SqliteType.Text);
        foreach (MemoryItem item in items)
        {
            existsId.Value = item.Id;
            if (exists.ExecuteScalar() is not null)
            {
                throw AlreadyStored(item.Id);
            }
        }
    }

    private ArgumentException AlreadyStored(string id) =>
        new($"The store {Path} already holds an item '{id}': forget it first, give the new one an id of its own, or replace it (engram add --replace).");

    /// <summary>Whether <paramref name="path"/> is a SQLite database (by its first 16 bytes), as a store is.</summary>
    public static bool IsStore(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> header = stackalloc byte[16];
        using FileStream file = File.OpenRead(path);
        return file.ReadAtLeast(header, 16, throwOnEndOfStream: false) == 16 && header.SequenceEqual("SQLite format 3\0"u8);
    }

    /// <summary>
    /// Stores <paramref name="items"/> with codes already made by the store's encoders (one [N, length] per slot,
    /// unscaled), in one transaction: how a memory file is imported. Refused, storing nothing, when an id is already stored
    /// and <paramref name="replace"/> is false (see <see cref="Add"/>).
    /// </summary>
    public void AddCodes(
        IReadOnlyList<MemoryItem> items, IReadOnlyList<SlotCodes> slots, IReadOnlyList<IReadOnlyList<StoredMedia>>? media = null, bool replace = false)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(slots);
        if (MultimodalMemory.ItemTableProblem(items) is { } problem)
        {
            throw new ArgumentException($"The items cannot be added to {Path}: {problem}");
        }

        string[] expected = Encoders.Described.Where(e => e.Slot != MemoryEncoders.HarmonicEntry).Select(e => e.Slot).Order(StringComparer.Ordinal).ToArray();
        if (!slots.Select(s => s.Name).Order(StringComparer.Ordinal).SequenceEqual(expected) || slots.Any(s => s.Codes.RowCount != items.Count || s.Codes.RowLength != CodeLength(s.Name)))
        {
            throw new ArgumentException($"The codes must give every slot of {Path} ({string.Join(", ", expected)}) for each of the {items.Count} items, at its encoder's length.", nameof(slots));
        }

        lock (_write)
        {
            Write(() => AddRows(items, slots, media, replace));
        }
    }

    // Runs one write; a store another process is writing to for longer than the busy timeout is reported as such.
    private void Write(Action write)
    {
        try
        {
            write();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            throw new IOException($"The store {Path} is being written by another process (one writer at a time): try again once it is done.", e);
        }
    }

    private void AddRows(IReadOnlyList<MemoryItem> items, IReadOnlyList<SlotCodes> slots, IReadOnlyList<IReadOnlyList<StoredMedia>>? media, bool replace)
    {
        using SqliteTransaction transaction = _connection.BeginTransaction();
        using SqliteCommand exists = Command(_connection, replace ? "DELETE FROM items WHERE id = $id" : "SELECT 1 FROM items WHERE id = $id", transaction);
        SqliteParameter existsId = exists.Parameters.Add("$id", SqliteType.Text);
        foreach (MemoryItem item in items)
        {
            existsId.Value = item.Id;
            if (replace)
            {
                exists.ExecuteNonQuery();
            }
            else if (exists.ExecuteScalar() is not null)
            {
                throw AlreadyStored(item.Id);
            }
        }

        using SqliteCommand insertItem = Command(_connection, "INSERT INTO items (id, caption) VALUES ($id, $caption) RETURNING seq", transaction);
        SqliteParameter id = insertItem.Parameters.Add("$id", SqliteType.Text), caption = insertItem.Parameters.Add("$caption", SqliteType.Text);
        using SqliteCommand insertCode = Command(_connection, "INSERT INTO codes (seq, slot, code) VALUES ($seq, $slot, $code)", transaction);
        SqliteParameter codeSeq = insertCode.Parameters.Add("$seq", SqliteType.Integer), slot = insertCode.Parameters.Add("$slot", SqliteType.Text),
            code = insertCode.Parameters.Add("$code", SqliteType.Blob);
        using SqliteCommand insertMedia = Command(_connection, "INSERT INTO media (seq, kind, bytes, reference) VALUES ($seq, $kind, $bytes, $reference)", transaction);
        SqliteParameter mediaSeq = insertMedia.Parameters.Add("$seq", SqliteType.Integer), kind = insertMedia.Parameters.Add("$kind", SqliteType.Text),
            bytes = insertMedia.Parameters.Add("$bytes", SqliteType.Blob), reference = insertMedia.Parameters.Add("$reference", SqliteType.Text);
        for (int i = 0; i < items.Count; i++)
        {
            id.Value = items[i].Id;
            caption.Value = (object?)items[i].Caption ?? DBNull.Value;
            long seq = (long)insertItem.ExecuteScalar()!;
            foreach (SlotCodes s in slots)
            {
                codeSeq.Value = seq;
                slot.Value = s.Name;
                code.Value = MemoryMarshal.AsBytes(s.Codes.Row(i)).ToArray();
                insertCode.ExecuteNonQuery();
            }

            foreach (StoredMedia m in media?[i] ?? [])
            {
                mediaSeq.Value = seq;
                kind.Value = m.Kind;
                bytes.Value = (object?)m.Bytes ?? DBNull.Value;
                reference.Value = (object?)m.Reference ?? DBNull.Value;
                insertMedia.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    /// <summary>Forgets item <paramref name="id"/> (its codes and media with it); refused (<see cref="ArgumentException"/>), naming the store, when it holds no such item.</summary>
    public void Forget(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        lock (_write)
        {
            Write(() => DeleteRow(id));
        }
    }

    private void DeleteRow(string id)
    {
        using SqliteTransaction transaction = _connection.BeginTransaction();
        using SqliteCommand delete = Command(_connection, "DELETE FROM items WHERE id = $id", transaction);
        delete.Parameters.AddWithValue("$id", id);
        if (delete.ExecuteNonQuery() == 0)
        {
            throw new ArgumentException($"The store {Path} holds no item '{id}' (`engram list` shows the ids).", nameof(id));
        }

        transaction.Commit();
    }

    /// <summary>The stored items, in the order they were added.</summary>
    public IReadOnlyList<MemoryItem> List()
    {
        using SqliteConnection connection = Reader();
        using SqliteCommand list = Command(connection, "SELECT id, caption FROM items ORDER BY seq");
        using SqliteDataReader reader = list.ExecuteReader();
        var items = new List<MemoryItem>();
        while (reader.Read())
        {
            items.Add(new MemoryItem(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return items;
    }

    /// <summary>The original media of item <paramref name="id"/> of kind <paramref name="kind"/>, or null when none was kept.</summary>
    public StoredMedia? Media(string id, string kind)
    {
        using SqliteConnection connection = Reader();
        using SqliteCommand query = Command(connection, "SELECT m.bytes, m.reference FROM media m JOIN items i ON i.seq = m.seq WHERE i.id = $id AND m.kind = $kind");
        query.Parameters.AddWithValue("$id", id);
        query.Parameters.AddWithValue("$kind", kind);
        using SqliteDataReader reader = query.ExecuteReader();
        return reader.Read() ? new StoredMedia(kind, reader.IsDBNull(0) ? null : (byte[])reader[0], reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>
    /// The memory as it is now: every item present in one committed state of the store (a read transaction: a write on
    /// another connection is seen whole or not at all), its raw codes scaled as <see cref="MultimodalMemory.Build"/> scales
    /// them, and the store's engine. Refused when the store is empty.
    /// </summary>
    public MultimodalMemory Snapshot()
    {
        try
        {
            return ReadSnapshot();
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"The store {Path} is damaged: {e.Message.TrimEnd('.')} (a corrupt or truncated database). Restore it from a copy, or export what still reads.", e);
        }
    }

    private MultimodalMemory ReadSnapshot()
    {
        // A connection of its own, so that a snapshot may be read on any thread while another adds or forgets.
        using SqliteConnection connection = Reader();
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: true);
        var items = new List<MemoryItem>();
        var seqs = new Dictionary<long, int>();
        using (SqliteCommand list = Command(connection, "SELECT seq, id, caption FROM items ORDER BY seq", transaction))
        using (SqliteDataReader reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                seqs[reader.GetInt64(0)] = items.Count;
                items.Add(new MemoryItem(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        if (items.Count == 0)
        {
            throw new InvalidOperationException($"The store {Path} holds no items yet: add some before recalling.");
        }

        var slots = Encoders.Described.Where(e => e.Slot != MemoryEncoders.HarmonicEntry).Select(e => e.Slot).ToArray();
        var codes = slots.ToDictionary(s => s, s => new Tensor(items.Count, CodeLength(s)), StringComparer.Ordinal);
        var filled = slots.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        using (SqliteCommand read = Command(connection, "SELECT seq, slot, code FROM codes", transaction))
        using (SqliteDataReader reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                string slot = reader.GetString(1);
                if (!codes.TryGetValue(slot, out Tensor? tensor) || !seqs.TryGetValue(reader.GetInt64(0), out int row))
                {
                    throw new InvalidDataException($"The store {Path} is damaged: it holds a '{slot}' code of an item or slot it does not describe.");
                }

                byte[] blob = (byte[])reader[2];
                if (blob.Length != tensor.RowLength * sizeof(float))
                {
                    throw new InvalidDataException($"The store {Path} is damaged: item '{items[row].Id}' has a {slot} code of {blob.Length} bytes, not {tensor.RowLength * sizeof(float)}.");
                }

                MemoryMarshal.Cast<byte, float>(blob).CopyTo(tensor.Row(row));
                filled[slot]++;
            }
        }

        transaction.Commit();
        if (filled.FirstOrDefault(p => p.Value != items.Count) is { Key: { } missing })
        {
            throw new InvalidDataException($"The store {Path} is damaged: {filled[missing]} of its {items.Count} items have a {missing} code.");
        }

        IEngineKind kind = EngineCatalog.Choose(EngineName, Encoders.Harmonic);
        // The all-pairs uniqueness check (O(N²), 26 s at 100,000 items) is not run on every snapshot: a snapshot's warnings are empty.
        return MultimodalMemory.FromCodes(items, Encoders, slots.Select(s => new SlotCodes(s, codes[s])).ToArray(), Options, kind, checkUniqueness: false);
    }

    /// <summary>SQLite's own check of the database ("ok" when it is sound).</summary>
    public string IntegrityCheck()
    {
        using SqliteConnection connection = Reader();
        using SqliteCommand check = Command(connection, "PRAGMA integrity_check");
        return (string)check.ExecuteScalar()!;
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private int CodeLength(string slot) => slot switch
    {
        Modality.ImageName => Encoders.Image!.CodeLength,
        Modality.TextName => Encoders.Text!.CodeLength,
        Modality.AudioName => Encoders.Audio!.CodeLength,
        _ => throw new InvalidDataException($"The store {Path} describes a slot '{slot}' that no encoder makes."),
    };

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();

        // WAL: readers see the last commit while a writer writes; a second writer waits up to 5 s, then gets SQLITE_BUSY.
        Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    // A read-only connection of its own: reads never share the writer's connection, so they may run on any thread.
    private SqliteConnection Reader()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, null, "PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;");
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static void SetMeta(SqliteConnection connection, SqliteTransaction transaction, string key, string value)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    private static string? GetMeta(SqliteConnection connection, string key)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    private sealed record StoreDescription
    {
        public SlotEncoder[]? Encoders { get; init; }

        public int[]? ImageShape { get; init; }

        public Similarity Similarity { get; init; }

        public float Beta { get; init; }

        public int Steps { get; init; }

        public string? Engine { get; init; }
    }
}
