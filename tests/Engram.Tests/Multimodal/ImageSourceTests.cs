using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Multimodal;

namespace Engram.Tests.Multimodal;

public sealed class ImageSourceTests
{
    [Fact]
    public void A_memory_built_from_images_read_a_batch_at_a_time_stores_what_one_built_from_every_image_at_once_stores()
    {
        // Given 1,300 items (more than one encoding batch of 1,024) cycling through the shipped emoji images
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped");
        DatasetItem[] items = Enumerable.Range(0, 1300)
            .Select(i => new DatasetItem($"item-{i}", () => emoji[i % emoji.Count].Image, [$"caption {i}"], imageAtMost: side => emoji[i % emoji.Count].ImageAtMost(side)))
            .ToArray();
        MemoryItem[] stored = items.Select(i => new MemoryItem(i.Id, i.Caption)).ToArray();
        MemoryEncoders encoders = MemoryEncoders.Open(Path.Combine(ShippedData.Find("models")!, "emoji-autoencoder.safetensors"), null, null);
        var decoded = new List<int>();

        // When one memory is built from every image decoded at once and another from a source read a batch at a time
        MultimodalMemory whole = MultimodalMemory.Build(stored, encoders, DatasetImages.Load(items, 32, grey: false));
        MultimodalMemory batched = MultimodalMemory.Build(stored, encoders, ImageSource.FromItems(items, 32, grey: false, new InlineProgress(decoded.Add)));

        // Then their stored patterns are identical, and the source said how far the decoding had come after each batch
        Assert.Equal(whole.Network.Memory.Bank.Patterns.Span.ToArray(), batched.Network.Memory.Bank.Patterns.Span.ToArray());
        Assert.Equal([1024, 1300], decoded);

        // And a source of the wrong size is refused, naming both shapes
        string refused = Assert.Throws<ArgumentException>(() => MultimodalMemory.Build(stored, encoders, ImageSource.FromItems(items[..10], 32, grey: false))).Message;
        Assert.Contains("[1300, 3072]", refused, StringComparison.Ordinal);
        Assert.Contains("[10, 3072]", refused, StringComparison.Ordinal);
    }

    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
