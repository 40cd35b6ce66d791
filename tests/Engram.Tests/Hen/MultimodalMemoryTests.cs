using Engram.Data;
using Engram.Data.Cues;
using Engram.Data.Datasets;
using Engram.Encoders.Images;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;

namespace Engram.Tests.Hen;

/// <summary>A memory as a user builds, saves, opens and recalls it, on the shipped emoji and weights.</summary>
public sealed class MultimodalMemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-memory-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private static (MultimodalMemory Memory, Tensor Images, IDataset Emoji) BuildEmoji(string codecPath, int count = 60)
    {
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", count);
        Tensor images = DatasetImages.Load(emoji, 32, grey: false);
        MemoryEncoders encoders = MemoryEncoders.Open(codecPath, Model("emoji-text.safetensors"), null);
        MemoryItem[] items = emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray();
        return (MultimodalMemory.Build(items, encoders, images), images, emoji);
    }

    [Fact]
    public void A_saved_memory_opens_and_recalls_each_item_from_its_caption_and_from_half_its_image()
    {
        // Given 60 emoji stored as [image; caption] and saved
        var (built, images, emoji) = BuildEmoji(Model("emoji-autoencoder.safetensors"));
        string path = Path.Combine(_folder, "emoji.engram");
        built.Save(path);

        // When the file is opened again
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then it holds the same items and patterns, and every caption recalls its item with a dominant weight
        Assert.Equal(built.Items, memory.Items);
        Assert.Equal(built.Network.Memory.Bank.Patterns.Span.ToArray(), memory.Network.Memory.Bank.Patterns.Span.ToArray());
        float[] mask = Occlusion.Mask(OcclusionRegion.BottomHalf, 32, 32).SelectMany(m => new[] { m, m, m }).ToArray();
        int byHalf = 0;
        for (int i = 0; i < emoji.Count; i++)
        {
            MemoryRecall byCaption = memory.Recall(new MemoryCue(Text: emoji[i].Caption));
            Assert.Equal(emoji[i].Id, byCaption.Id);
            Assert.Equal(CueMode.MaskedFree, byCaption.Settings.Hopfield!.CueMode);
            Assert.False(byCaption.Metastable);
            Assert.Equal(i, byCaption.RunnersUp[0].Index);

            float[] hidden = Occlusion.Apply(images.Rows(i, 1), mask).Span.ToArray();
            MemoryRecall byImage = memory.Recall(new MemoryCue(Image: hidden, PixelMask: mask));
            byHalf += byImage.Id == emoji[i].Id ? 1 : 0;
            Assert.Equal(CueMode.MaskedFree, byImage.Settings.Hopfield!.CueMode);
        }

        // The top halves of some faces are alike (the same eyes over different mouths), so a few half images are ambiguous
        Assert.True(byHalf >= 0.9 * emoji.Count, $"{byHalf} of {emoji.Count} recalled from their top half");
    }

    [Fact]
    public void A_traced_recall_gives_each_steps_energy_weights_and_image_and_the_energy_never_rises()
    {
        var (memory, _, emoji) = BuildEmoji(Model("emoji-autoencoder.safetensors"), 30);
        MemoryRecall recall = memory.Recall(new MemoryCue(Text: emoji[7].Caption), trace: true);
        Assert.NotNull(recall.Trace);
        Assert.Equal(recall.Steps, recall.Trace!.Count);
        Assert.All(recall.Trace, s => Assert.Equal(32 * 32 * 3, s.Image!.Length));
        double[] energies = [recall.Energies[0], .. recall.Trace.Select(s => s.Energy)];
        for (int t = 1; t < energies.Length; t++)
        {
            Assert.True(energies[t] <= energies[t - 1] + 1e-6, $"energy rose at step {t}: {energies[t - 1]} → {energies[t]}");
        }

        Assert.Equal(recall.Energies[^1], recall.Trace[^1].Energy, 1e-9);
        Assert.Equal(emoji[7].Id, recall.Trace[^1].Top[0].Id);
    }

    [Fact]
    public void A_memory_whose_encoder_weights_changed_is_refused_with_the_reason()
    {
        // Given a memory built with a codec that is nowhere else (an untrained one), saved beside it
        string codec = Path.Combine(_folder, "codec.safetensors");
        ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), 5).Save(codec);
        var (memory, _, _) = BuildEmoji(codec, 10);
        string path = Path.Combine(_folder, "m.engram");
        memory.Save(path);

        // When the codec's weights are replaced by others (an untrained codec of the same shape, another seed)
        ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), 99).Save(codec);

        // Then the memory is refused, naming the encoder and saying that the file there holds other weights
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(path));
        Assert.Contains("needs its image encoder", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{codec} (the path the memory records): other image encoder weights: codec.safetensors (SHA-256 ", error.Message, StringComparison.Ordinal);

        // And when the codec is gone, the message says it is not there
        File.Delete(codec);
        error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(path));
        Assert.Contains($"{codec} (the path the memory records): not there", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_memories_or_are_damaged_are_refused_and_cues_of_missing_slots_too()
    {
        string weights = Model("emoji-text.safetensors");
        Assert.Contains("not an Engram memory", Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(weights)).Message, StringComparison.Ordinal);

        string garbage = Path.Combine(_folder, "garbage.engram");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Contains(garbage, Assert.Throws<DataFormatException>(() => MultimodalMemory.Load(garbage)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(Path.Combine(_folder, "none.engram"))).Message, StringComparison.Ordinal);

        // A memory cut short is refused, not half read
        var (memory, _, _) = BuildEmoji(Model("emoji-autoencoder.safetensors"), 10);
        string path = Path.Combine(_folder, "cut.engram");
        memory.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        Assert.Contains(path, Assert.Throws<DataFormatException>(() => MultimodalMemory.Load(path)).Message, StringComparison.Ordinal);

        // A cue of a slot the memory lacks, or an empty one
        Assert.Contains("no audio slot", Assert.Throws<ArgumentException>(() => memory.Recall(new MemoryCue(Audio: new Engram.Data.Audio.AudioClip(16000, 1, new float[1600])))).Message, StringComparison.Ordinal);
        Assert.Contains("The cue is empty", Assert.Throws<ArgumentException>(() => memory.Recall(new MemoryCue())).Message, StringComparison.Ordinal);
        Assert.Contains("has no caption", Assert.Throws<ArgumentException>(() => MultimodalMemory.Build(
            [new MemoryItem("a")], MemoryEncoders.Open(null, weights, null))).Message, StringComparison.Ordinal);
    }
}
