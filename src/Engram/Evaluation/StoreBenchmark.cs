using System.Diagnostics;
using Engram.Data.Datasets;
using Engram.Engines;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Store;

namespace Engram.Evaluation;

/// <summary>What <see cref="StoreBenchmark.Run"/> measured, every ratio taken in one run on this machine.</summary>
/// <param name="Items">Items added one by one.</param>
/// <param name="AddWithEncoders">Items per second, adding one by one with the encoders (each add one transaction).</param>
/// <param name="AddCodesOnly">Items per second, adding the same codes one by one without encoding them.</param>
/// <param name="OpenItems">Items in the store that was opened.</param>
/// <param name="OpenStoreSeconds">Median seconds to open the store and make its memory (snapshot).</param>
/// <param name="OpenFileSeconds">Median seconds to open the same memory from a memory file (checksum verified).</param>
/// <param name="RecallStoreSeconds">Median seconds of one recall through the store's memory.</param>
/// <param name="RecallFileSeconds">Median seconds of the same recall through the memory file's memory.</param>
/// <param name="RecallEngineSeconds">Median seconds of the same caption encoded and settled by the bare engine (<see cref="IMemoryEngine.Settle"/>: no read-out, diagnostics or confidence).</param>
public sealed record StoreBenchmarkResult(
    int Items, double AddWithEncoders, double AddCodesOnly, int OpenItems, double OpenStoreSeconds, double OpenFileSeconds,
    double RecallStoreSeconds, double RecallFileSeconds, double RecallEngineSeconds)
{
    /// <summary>File open time over store open time (above 1: the store opens faster).</summary>
    public double OpenRatio => OpenFileSeconds / OpenStoreSeconds;

    /// <summary>File recall time over store recall time (1: the store costs nothing at recall).</summary>
    public double RecallRatio => RecallFileSeconds / RecallStoreSeconds;

    /// <summary>Bare network time over store recall time (what the memory adds on top of the network).</summary>
    public double EngineRatio => RecallEngineSeconds / RecallStoreSeconds;
}

/// <summary>The living store's costs against today's memory file and the bare engine, in one run (medians of repeats).</summary>
public static class StoreBenchmark
{
    /// <summary>
    /// Adds <paramref name="items"/> one by one to a fresh store in <paramref name="folder"/> with <paramref name="encoders"/>
    /// (then the same codes without encoding), opens a store of <paramref name="openItems"/> synthetic items of the
    /// encoders' shapes against the same memory as a file, and times one caption recall through each and through the bare engine.
    /// </summary>
    public static StoreBenchmarkResult Run(IDataset items, MemoryEncoders encoders, string folder, int openItems, int repeats = 5, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encoders);
        Directory.CreateDirectory(folder);
        Tensor? images = encoders.Image is { } codec ? DatasetImages.Load(items, codec.Shape.Width, codec.Shape.Channels == 1) : null;
        MemoryItem[] all = items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();

        progress?.Report($"adding {all.Length:N0} items one by one, encoders included");
        string withEncoders = System.IO.Path.Combine(folder, "add-encoded.store");
        var clock = Stopwatch.StartNew();
        using (MemoryStore store = MemoryStore.Create(withEncoders, encoders))
        {
            for (int i = 0; i < all.Length; i++)
            {
                store.Add([all[i]], images?.Rows(i, 1));
            }
        }

        double encodedRate = all.Length / clock.Elapsed.TotalSeconds;
        progress?.Report($"adding the same {all.Length:N0} codes one by one, without encoding");
        IReadOnlyList<SlotCodes> codes = MultimodalMemory.EncodeSlots(all, encoders, images, null, null);
        string codesOnly = System.IO.Path.Combine(folder, "add-codes.store");
        clock.Restart();
        using (MemoryStore store = MemoryStore.Create(codesOnly, encoders))
        {
            for (int i = 0; i < all.Length; i++)
            {
                store.AddCodes([all[i]], codes.Select(s => new SlotCodes(s.Name, s.Codes.Rows(i, 1))).ToArray());
            }
        }

        double codesRate = all.Length / clock.Elapsed.TotalSeconds;

        // A large store of synthetic codes (the encoders' lengths, random directions) and the same memory as a file.
        progress?.Report($"writing a store of {openItems:N0} synthetic items and the same memory as a file");
        var random = new Nn.Rng(7);
        SlotCodes[] synthetic = codes.Select(s =>
        {
            var t = new Tensor(openItems, s.Codes.RowLength);
            Span<float> span = t.Span;
            for (int j = 0; j < span.Length; j++)
            {
                span[j] = (float)random.NextNormal();
            }

            return new SlotCodes(s.Name, t);
        }).ToArray();
        MemoryItem[] many = Enumerable.Range(0, openItems).Select(i => new MemoryItem($"s{i}", $"synthetic item {i}")).ToArray();
        string large = System.IO.Path.Combine(folder, "large.store"), file = System.IO.Path.Combine(folder, "large.engram");
        using (MemoryStore store = MemoryStore.Create(large, encoders))
        {
            store.AddCodes(many, synthetic);
            store.Snapshot().Save(file);
        }

        progress?.Report($"opening each {repeats} times");
        double openStore = Median(repeats, () =>
        {
            using MemoryStore store = MemoryStore.Open(large);
            store.Snapshot();
        });
        double openFile = Median(repeats, () => MultimodalMemory.Load(file));

        // One caption cue through each path.
        MultimodalMemory fromStore, fromFile;
        using (MemoryStore store = MemoryStore.Open(withEncoders))
        {
            fromStore = store.Snapshot();
        }

        fromStore.Save(System.IO.Path.Combine(folder, "emoji.engram"));
        fromFile = MultimodalMemory.Load(System.IO.Path.Combine(folder, "emoji.engram"));
        var cue = new MemoryCue(Text: all[all.Length / 2].Caption);
        IMemoryEngine engine = fromStore.Engine;
        RecallSettings settings = engine.Resolve(null);
        Action[] recalls =
        [
            () => fromStore.Recall(cue),
            () => fromFile.Recall(cue),
            () => engine.Settle(new CueBatch(new Dictionary<Modality, Tensor> { [Modality.Text] = encoders.Text!.Encode([cue.Text!]) }, new Dictionary<Modality, Tensor>()), settings),
        ];

        // Warmed up (until the JIT has compiled every path at full optimisation), then timed in turns, so that whatever
        // else the machine does falls on the three alike.
        progress?.Report($"recalling one caption {repeats * 20} times through each, in turns");
        foreach (Action recall in recalls)
        {
            Repeat(200, recall);
        }

        double[][] times = [new double[repeats], new double[repeats], new double[repeats]];
        for (int r = 0; r < repeats; r++)
        {
            for (int k = 0; k < recalls.Length; k++)
            {
                var turn = Stopwatch.StartNew();
                Repeat(20, recalls[k]);
                times[k][r] = turn.Elapsed.TotalSeconds / 20;
            }
        }

        double recallStore = MedianOf(times[0]), recallFile = MedianOf(times[1]), recallEngine = MedianOf(times[2]);
        return new StoreBenchmarkResult(all.Length, encodedRate, codesRate, openItems, openStore, openFile, recallStore, recallFile, recallEngine);
    }

    private static void Repeat(int count, Action action)
    {
        for (int i = 0; i < count; i++)
        {
            action();
        }
    }

    private static double Median(int repeats, Action action)
    {
        var times = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[r] = clock.Elapsed.TotalSeconds;
        }

        return MedianOf(times);
    }

    private static double MedianOf(double[] times)
    {
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
