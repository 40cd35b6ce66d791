using Engram.Data;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Engines;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Nn;

namespace Engram.Tests.Engines;

/// <summary>
/// The third engine, added through the contract alone: a plain modern Hopfield memory over one modality. Nothing in
/// Multimodal/ names it; the memory, its file, the CLI and the explorer reach it through <see cref="EngineCatalog"/>.
/// </summary>
public sealed class HopfieldEngineTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "engram-hopfield-engine-" + Guid.NewGuid().ToString("N"));

    public HopfieldEngineTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private static (MemoryItem[] Items, Tensor Images, IDataset Emoji) Emoji(int count)
    {
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", count);
        return (emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), DatasetImages.Load(emoji, 32, grey: false), emoji);
    }

    [Fact]
    public void A_memory_of_images_built_with_the_hopfield_engine_recalls_saves_and_reopens_as_one()
    {
        // Given 50 emoji images stored through the shipped autoencoder, with the plain Hopfield engine
        var (items, images, _) = Emoji(50);
        MemoryEncoders encoders = MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), null, null);
        MultimodalMemory built = MultimodalMemory.Build(items, encoders, images, engine: "hopfield");
        Assert.Equal("hopfield", built.Engine.Name);

        // When it is saved and opened again
        string path = Path.Combine(_folder, "emoji-images.engram");
        built.Save(path);
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then it still recalls with the Hopfield engine, and every stored image, and most top halves, recall their own item
        Assert.Equal("hopfield", memory.Engine.Name);
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, 32, 32).SelectMany(m => new[] { m, m, m }).ToArray();
        int byWhole = 0, byHalf = 0;
        for (int i = 0; i < items.Length; i++)
        {
            MemoryRecall whole = memory.Recall(new MemoryCue(Image: images.Row(i).ToArray()));
            byWhole += whole.Id == items[i].Id && !whole.Metastable ? 1 : 0;
            Assert.Equal(Modality.Image, Assert.Single(whole.Completed).Modality);

            MemoryRecall half = memory.Recall(new MemoryCue(Image: Occlusion.Apply(images.Rows(i, 1), mask).Span.ToArray(), PixelMask: mask));
            byHalf += half.Id == items[i].Id ? 1 : 0;
        }

        // A few emoji faces differ in a detail the 32×32 autoencoder's code barely keeps (1F473 and 1F46E), so not quite all
        Assert.True(byWhole >= 0.95 * items.Length, $"{byWhole} of {items.Length} recalled cleanly from their whole image");
        Assert.True(byHalf >= 0.8 * items.Length, $"{byHalf} of {items.Length} recalled from their top half");
    }

    [Fact]
    public void On_a_memory_of_one_slot_the_hopfield_engine_and_the_hen_recall_alike()
    {
        // The two engines run the same dynamics over one slot: the contract must not change what they find.
        var (items, images, _) = Emoji(40);
        MemoryEncoders encoders = MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), null, null);
        MultimodalMemory plain = MultimodalMemory.Build(items, encoders, images, engine: "hopfield");
        MultimodalMemory hen = MultimodalMemory.Build(items, encoders, images);
        var noise = new Rng(3);
        for (int i = 0; i < items.Length; i++)
        {
            float[] noisy = images.Row(i).ToArray().Select(v => v + (0.3f * (float)noise.NextNormal())).ToArray();
            MemoryRecall a = plain.Recall(new MemoryCue(Image: noisy)), b = hen.Recall(new MemoryCue(Image: noisy));
            Assert.Equal((b.Index, b.Steps, b.Metastable), (a.Index, a.Steps, a.Metastable));
            Assert.Equal(b.TopWeight, a.TopWeight, 6);
            Assert.Equal(b.Image, a.Image);
        }
    }

    [Fact]
    public void A_memory_of_two_slots_is_refused_by_the_hopfield_engine_saying_what_to_do()
    {
        var (items, images, _) = Emoji(5);
        MemoryEncoders encoders = MemoryEncoders.Open(Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null);
        string message = Assert.Throws<ArgumentException>(() => MultimodalMemory.Build(items, encoders, images, engine: "hopfield")).Message;
        Assert.Contains("stores one modality, and this one has image, text", message, StringComparison.Ordinal);
        Assert.Contains("--text-encoder none", message, StringComparison.Ordinal);
        Assert.Contains("hopfield", string.Join(" ", EngineCatalog.Kinds.Select(k => k.Name)), StringComparison.Ordinal);
    }
}
