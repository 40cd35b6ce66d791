using Engram.Data;
using Engram.Data.Datasets;
using Engram.Multimodal;
using Engram.Store;

namespace Engram.Tests.Store;

public sealed class MemoryStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-store-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private static IDataset Emoji(int count) => EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", count);

    private static MemoryEncoders ImageAndText(bool harmonic) =>
        MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null, harmonic: harmonic ? Model("emoji-harmonic.safetensors") : null);

    private static MemoryItem Item(DatasetItem e) => new(e.Id, e.Caption);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_store_built_in_ten_batches_with_some_forgotten_recalls_what_one_built_at_once_recalls(bool harmonic)
    {
        // Given 60 emoji added to a store in 10 batches, with 3 of them (5 %) forgotten along the way
        IDataset emoji = Emoji(60);
        Tensor images = DatasetImages.Load(emoji, 32, grey: false);
        MemoryEncoders encoders = ImageAndText(harmonic);
        string path = Path.Combine(_folder, "emoji.store");
        var forgotten = new HashSet<string>(StringComparer.Ordinal);
        using (MemoryStore store = MemoryStore.Create(path, encoders))
        {
            for (int batch = 0; batch < 10; batch++)
            {
                int start = batch * 6;
                store.Add(Enumerable.Range(start, 6).Select(i => Item(emoji[i])).ToArray(), images.Rows(start, 6));
                if (batch is 2 or 5 or 8)
                {
                    string id = emoji[start - 4].Id;
                    store.Forget(id);
                    forgotten.Add(id);
                }
            }
        }

        // When it is opened again, and the survivors are also built into a memory at once
        using MemoryStore reopened = MemoryStore.Open(path);
        MultimodalMemory incremental = reopened.Snapshot();
        int[] survivors = Enumerable.Range(0, emoji.Count).Where(i => !forgotten.Contains(emoji[i].Id)).ToArray();
        MultimodalMemory batchBuilt = MultimodalMemory.Build(
            survivors.Select(i => Item(emoji[i])).ToArray(), ImageAndText(harmonic), Tensor.FromArray(survivors.SelectMany(i => images.Row(i).ToArray()).ToArray(), survivors.Length, images.RowLength));

        // Then both hold the same items and stored patterns, and every caption recalls the same item with the same weights
        Assert.Equal(57, reopened.Count);
        Assert.Equal(batchBuilt.Items, incremental.Items);
        Assert.Equal(batchBuilt.Engine.Name, incremental.Engine.Name);
        // (within 1e-5, not bit for bit: encoding 6 items at a time and 57 at once may take different GEMM kernels, OpenBLAS's especially)
        float[] expected = batchBuilt.Network.Memory.Bank.Patterns.Span.ToArray(), actual = incremental.Network.Memory.Bank.Patterns.Span.ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.InRange(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max(), 0, 1e-5);
        foreach (int i in survivors)
        {
            MemoryRecall a = incremental.Recall(new MemoryCue(Text: emoji[i].Caption)), b = batchBuilt.Recall(new MemoryCue(Text: emoji[i].Caption));
            Assert.Equal(b.Index, a.Index);
            Assert.Equal(b.TopWeight, a.TopWeight, 5);
            Assert.Equal(b.RunnersUp.Select(r => r.Index), a.RunnersUp.Select(r => r.Index));
            Assert.All(b.RunnersUp.Zip(a.RunnersUp), p => Assert.Equal(p.First.Weight, p.Second.Weight, 5));
        }
    }

    [Fact]
    public void Original_media_are_kept_and_forgotten_with_their_item()
    {
        IDataset emoji = Emoji(4);
        string path = Path.Combine(_folder, "media.store");
        using MemoryStore store = MemoryStore.Create(path, MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
        store.Add([Item(emoji[0]), Item(emoji[1])], media: [[new StoredMedia("image", png)], [new StoredMedia("image", null, "/photos/b.png")]]);

        Assert.Equal(png, store.Media(emoji[0].Id, "image")!.Bytes);
        Assert.Equal("/photos/b.png", store.Media(emoji[1].Id, "image")!.Reference);
        store.Forget(emoji[0].Id);
        Assert.Null(store.Media(emoji[0].Id, "image"));
        Assert.Equal([emoji[1].Id], store.List().Select(i => i.Id));
        Assert.Equal("ok", store.IntegrityCheck());
    }

    [Fact]
    public void An_item_added_again_with_replace_is_updated_in_one_write_and_recalled_by_its_new_caption()
    {
        // Given a caption store of 6 emoji
        IDataset emoji = Emoji(6);
        using MemoryStore store = MemoryStore.Create(Path.Combine(_folder, "update.store"), MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        store.Add(emoji.Select(Item).ToArray());
        string id = emoji[2].Id;

        // When item 2 is added again without replace, then with replace and a new caption and original
        Assert.Throws<ArgumentException>(() => store.Add([new MemoryItem(id, "a purple elephant on roller skates")]));
        store.Add([new MemoryItem(id, "a purple elephant on roller skates")], media: [[new StoredMedia("image", [1, 2, 3])]], replace: true);

        // Then the store still holds 6 items, item 2 with its new caption (last, as if added again) and its new original,
        // and the new caption recalls it
        IReadOnlyList<MemoryItem> items = store.List();
        Assert.Equal(6, items.Count);
        Assert.Equal(new MemoryItem(id, "a purple elephant on roller skates"), items[^1]);
        Assert.Equal([1, 2, 3], store.Media(id, "image")!.Bytes);
        Assert.Equal(id, store.Snapshot().Recall(new MemoryCue(Text: "a purple elephant on roller skates")).Id);
    }

    [Fact]
    public void A_memory_written_as_a_store_holds_its_items_codes_and_originals_and_replaces_only_when_told()
    {
        // Given a memory of 5 emoji built from the shipped PNGs, whose originals lie in files of their own
        IDataset emoji = Emoji(5);
        Assert.All(emoji, e => Assert.True(File.Exists(e.ImageFile)));
        Tensor images = DatasetImages.Load(emoji, 32, grey: false);
        MultimodalMemory memory = MultimodalMemory.Build(emoji.Select(Item).ToArray(), ImageAndText(harmonic: false), images);
        string path = Path.Combine(_folder, "built.store");

        // When it is written as a store with the PNGs' bytes, and again over it with references only
        MemoryStore.CreateFrom(path, memory, emoji.Select(e => StoredMedia.Of(e)).ToArray());
        Assert.Equal(MemoryStore.FormatVersion, MemoryStore.FormatOf(path));
        using (MemoryStore store = MemoryStore.Open(path))
        {
            Assert.Equal(File.ReadAllBytes(emoji[3].ImageFile!), store.Media(emoji[3].Id, "image")!.Bytes);
            float[] built = memory.Network.Memory.Bank.Patterns.Span.ToArray(), stored = store.Snapshot().Network.Memory.Bank.Patterns.Span.ToArray();
            Assert.InRange(built.Zip(stored, (a, b) => Math.Abs(a - b)).Max(), 0, 1e-6);
        }

        IOException refused = Assert.Throws<IOException>(() => MemoryStore.CreateFrom(path, memory));
        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        MemoryStore.CreateFrom(path, memory, emoji.Select(e => StoredMedia.Of(e, MediaKeeping.Reference)).ToArray(), replace: true);

        // Then the store at the path is the new one, and nothing of the writes is left beside it
        using (MemoryStore store = MemoryStore.Open(path))
        {
            StoredMedia original = store.Media(emoji[3].Id, "image")!;
            Assert.Equal((null, Path.GetFullPath(emoji[3].ImageFile!)), (original.Bytes, original.Reference));
            Assert.Equal(5, store.Count);
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(_folder), f => f.Contains(".building-", StringComparison.Ordinal));
        Assert.Null(MemoryStore.FormatOf(Model("emoji-text.safetensors")));
    }

    [Fact]
    public void Bad_requests_and_bad_files_are_refused_naming_the_store_and_the_item_and_leave_the_store_unchanged()
    {
        IDataset emoji = Emoji(5);
        string path = Path.Combine(_folder, "bad.store");
        using (MemoryStore store = MemoryStore.Create(path, MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null)))
        {
            store.Add(emoji.Take(3).Select(Item).ToArray());

            // A duplicate id (one already stored, among new ones) stores nothing
            string duplicate = Assert.Throws<ArgumentException>(() => store.Add([Item(emoji[3]), Item(emoji[1])])).Message;
            Assert.Contains($"already holds an item '{emoji[1].Id}'", duplicate, StringComparison.Ordinal);
            Assert.Contains(path, duplicate, StringComparison.Ordinal);
            Assert.Equal(3, store.Count);

            // An id given twice in one add, an item that is not there
            Assert.Contains("the same id", Assert.Throws<ArgumentException>(() => store.Add([Item(emoji[4]), Item(emoji[4])])).Message, StringComparison.Ordinal);
            string missing = Assert.Throws<ArgumentException>(() => store.Forget("no-such-item")).Message;
            Assert.Contains("holds no item 'no-such-item'", missing, StringComparison.Ordinal);
            Assert.Equal(3, store.Count);

            // A cue for a slot the store lacks
            Assert.Contains("no image slot", Assert.Throws<ArgumentException>(() => store.Snapshot().Recall(new MemoryCue(Image: new float[3 * 32 * 32]))).Message, StringComparison.Ordinal);
        }

        // A second store over the first is refused
        Assert.Contains("already exists", Assert.Throws<IOException>(() => MemoryStore.Create(path, MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null))).Message, StringComparison.Ordinal);

        // A store of a newer version
        string newer = Path.Combine(_folder, "newer.store");
        File.Copy(path, newer);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = '2' WHERE key = 'format_version'";
            command.ExecuteNonQuery();
        }

        Assert.Contains("is a version 2 store; this build of Engram reads version 1", Assert.Throws<InvalidDataException>(() => MemoryStore.Open(newer)).Message, StringComparison.Ordinal);

        // A file that is not a database at all, and a database cut short
        string garbage = Path.Combine(_folder, "garbage.store");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 8192).Select(i => (byte)(i * 37)).ToArray());
        Assert.Contains(garbage, Assert.Throws<InvalidDataException>(() => MemoryStore.Open(garbage)).Message, StringComparison.Ordinal);
        string cut = Path.Combine(_folder, "cut.store");
        byte[] whole = File.ReadAllBytes(path);
        File.WriteAllBytes(cut, whole[..(whole.Length / 3)]);
        Exception truncated = Record.Exception(() =>
        {
            using MemoryStore opened = MemoryStore.Open(cut);
            opened.Snapshot();
        })!;
        Assert.IsType<InvalidDataException>(truncated);
        Assert.Contains(cut, truncated.Message, StringComparison.Ordinal);

        // And the original still opens with its three items
        using MemoryStore again = MemoryStore.Open(path);
        Assert.Equal(3, again.Count);
        Assert.Equal("ok", again.IntegrityCheck());
    }

    [Fact]
    public void A_second_writer_waits_then_is_told_that_another_process_is_writing_and_the_store_is_unchanged()
    {
        // Given a store, and another connection (as another process would have) holding a write transaction open
        IDataset emoji = Emoji(3);
        string path = Path.Combine(_folder, "two-writers.store");
        using MemoryStore store = MemoryStore.Create(path, MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        store.Add([Item(emoji[0])]);
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        // When this store adds an item, it waits out the busy timeout and is refused in words
        string message = Assert.Throws<IOException>(() => store.Add([Item(emoji[1])])).Message;
        Assert.Contains("is being written by another process", message, StringComparison.Ordinal);

        // And once the other writer is done, the store holds what it held, and takes the item
        using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        Assert.Equal(1, store.Count);
        store.Add([Item(emoji[1])]);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Recalls_on_several_threads_see_whole_snapshots_while_another_thread_adds_and_forgets_a_thousand_items()
    {
        // Given a store of 20 captions
        IDataset emoji = Emoji(60);
        string path = Path.Combine(_folder, "busy.store");
        using MemoryStore store = MemoryStore.Create(path, MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null));
        store.Add(emoji.Take(20).Select(Item).ToArray());
        var committed = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        foreach (DatasetItem e in emoji.Take(20))
        {
            committed[e.Id] = true;
        }

        // When one thread adds and forgets 1,000 items while three recall from snapshots
        using var done = new CancellationTokenSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        int recalls = 0;
        Thread[] readers = Enumerable.Range(0, 3).Select(r => new Thread(() =>
        {
            try
            {
                while (!done.IsCancellationRequested)
                {
                    MultimodalMemory snapshot = store.Snapshot();
                    MemoryItem probe = snapshot.Items[recalls % snapshot.Count];
                    MemoryRecall recall = snapshot.Recall(new MemoryCue(Text: probe.Caption));
                    Assert.True(committed.ContainsKey(recall.Id), $"recalled {recall.Id}, which no committed write added");
                    Assert.All(snapshot.Items, i => Assert.True(committed.ContainsKey(i.Id), $"the snapshot holds {i.Id}, which no committed write added"));
                    Interlocked.Increment(ref recalls);
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (Thread t in readers)
        {
            t.Start();
        }

        for (int k = 0; k < 1000; k++)
        {
            DatasetItem source = emoji[20 + (k % 40)];
            var item = new MemoryItem($"x{k}", source.Caption);
            committed[item.Id] = true; // marked before the commit: a reader may see it only once it is committed, never half of it
            store.Add([item]);
            if (k % 2 == 1)
            {
                store.Forget($"x{k - 1}");
                store.Forget(item.Id);
            }
        }

        done.Cancel();
        foreach (Thread t in readers)
        {
            t.Join();
        }

        // Then no reader failed or saw a torn item, and the store is sound
        Assert.Empty(errors);
        Assert.True(recalls > 0);
        Assert.Equal(20, store.Count);
        Assert.Equal("ok", store.IntegrityCheck());
    }
}
