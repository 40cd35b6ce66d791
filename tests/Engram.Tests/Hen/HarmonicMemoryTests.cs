using System.Text.Json.Nodes;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Safetensors;
using Engram.Data.Speech;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Engines;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;
using Engram.Nn;
using Engram.Tests.Support;

namespace Engram.Tests.Hen;

/// <summary>A harmonic memory (the shipped emoji harmonic model over the shipped encoders) as a user builds, saves, opens and recalls it.</summary>
public sealed class HarmonicMemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-harmonic-memory-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private static IDataset Emoji(int count) => EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", count);

    // Image and text slots (no espeak-ng needed): the three-modality model stores the two it is given.
    private static MultimodalMemory Build(IDataset emoji, string? codec = null, string? harmonic = null)
    {
        MemoryEncoders encoders = MemoryEncoders.Open(
            codec ?? Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null, harmonic: harmonic ?? Model("emoji-harmonic.safetensors"));
        return MultimodalMemory.Build(emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, DatasetImages.Load(emoji, 32, grey: false));
    }

    [Fact]
    public void A_saved_harmonic_memory_opens_and_completes_the_image_from_each_caption_and_the_caption_from_each_image()
    {
        // Given 80 emoji stored as a harmonic memory of image and text, saved
        IDataset emoji = Emoji(80);
        MultimodalMemory built = Build(emoji);
        string path = Path.Combine(_folder, "emoji-harmonic.engram");
        built.Save(path);

        // When the file is opened again
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then it is a harmonic memory over the same codes, with the model's image–text coupling only
        Assert.Equal("harmonic", memory.Engine.Name);
        Assert.Equal("hen", MultimodalMemory.Build([new MemoryItem("a", "a"), new MemoryItem("b", "b")], MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null)).Engine.Name);
        Assert.Equal(["image", "text"], ((HarmonicEngine)memory.Engine).Network.Modalities.Select(m => m.Name));
        Assert.True(Assert.Single(((HarmonicEngine)memory.Engine).Network.Couplings).Pair.Joins("image", "text"));
        Assert.Equal(20, memory.Options.MaxSteps);
        Assert.Equal(built.StoredCodes("text").Span.ToArray(), memory.StoredCodes("text").Span.ToArray());

        // And each caption clamps the text and completes the image on its own item, and each stored image the caption
        for (int i = 0; i < emoji.Count; i++)
        {
            MemoryRecall byCaption = memory.Recall(new MemoryCue(Text: emoji[i].Caption));
            CompletedModality image = Assert.Single(byCaption.Completed);
            Assert.Equal((Modality.Image, i, emoji[i].Id), (image.Modality, image.Index, image.Id));
            Assert.Equal(emoji[i].Id, byCaption.Id);
            Assert.False(byCaption.Metastable);
            Assert.Equal(i, byCaption.RunnersUp[0].Index);
            Assert.Equal(32 * 32 * 3, byCaption.Image!.Length);

            MemoryRecall byImage = memory.Recall(new MemoryCue(Image: memory.StoredImage(i)));
            Assert.Equal((Modality.Text, emoji[i].Id), (byImage.Completed[0].Modality, byImage.Id));
        }
    }

    [Fact]
    public void A_completed_image_is_the_attractors_read_out_decoded_and_the_trace_descends_to_the_final_state()
    {
        IDataset emoji = Emoji(40);
        MultimodalMemory memory = Build(emoji);
        MemoryRecall recall = memory.Recall(new MemoryCue(Text: emoji[11].Caption), trace: true);

        // The read-out of a clean attractor is the item's own stored code, so its decoded image is the stored image
        Assert.True(recall.TopWeight > 0.999, $"top weight {recall.TopWeight}");
        float[] stored = memory.StoredImage(11)!;
        Assert.True(Enumerable.Range(0, stored.Length).Max(i => Math.Abs(stored[i] - recall.Image![i])) < 1e-3f);

        // Every sweep of the trace: an energy no higher than the one before, its heaviest items and a decoded image
        Assert.Equal(recall.Steps, recall.Trace!.Count);
        double[] energies = [recall.Energies[0], .. recall.Trace.Select(s => s.Energy)];
        for (int t = 1; t < energies.Length; t++)
        {
            // The states are float32: a settled state moves by rounding alone, so allow a float's relative precision.
            Assert.True(energies[t] <= energies[t - 1] + 1e-6 * Math.Abs(energies[t - 1]), $"energy rose at sweep {t}: {energies[t - 1]} → {energies[t]}");
        }

        Assert.Equal(recall.Energies[^1], recall.Trace[^1].Energy, 1e-9);
        Assert.Equal(emoji[11].Id, recall.Trace[^1].Top[0].Id);
        Assert.All(recall.Trace, s => Assert.Equal(32 * 32 * 3, s.Image!.Length));
    }

    [Fact]
    public void Recall_options_that_do_not_apply_and_a_cue_of_every_modality_are_refused_with_the_reason()
    {
        IDataset emoji = Emoji(10);
        MultimodalMemory memory = Build(emoji);
        var cue = new MemoryCue(Text: emoji[0].Caption);
        Assert.Contains("no cue modes", Assert.Throws<ArgumentException>(() => memory.Recall(cue, new RecallSettings { Hopfield = new HopfieldSettings { CueMode = CueMode.Masked } })).Message, StringComparison.Ordinal);
        Assert.Contains("β are its model's (image 100, text 100)", Assert.Throws<ArgumentException>(() => memory.Recall(cue, new RecallSettings { Hopfield = new HopfieldSettings { Beta = 5 } })).Message, StringComparison.Ordinal);
        Assert.Contains("nothing is left to complete", Assert.Throws<ArgumentException>(() => memory.Recall(cue with { Image = memory.StoredImage(0) })).Message, StringComparison.Ordinal);

        // The number of sweeps may change
        Assert.True(memory.Recall(cue, new RecallSettings { Steps = 2 }).Steps <= 2);
    }

    [Fact]
    public void A_model_trained_on_other_codes_is_refused_and_so_is_a_memory_whose_model_weights_changed()
    {
        IDataset emoji = Emoji(10);

        // Codes of another length: raw pixels are 3072 long, the model's image adapter reads 256
        string Refusal(Action build) => Assert.Throws<ArgumentException>(build).Message;
        Assert.Contains("reads codes of 256 components, but this memory's image codes have 3072",
            Refusal(() => MultimodalMemory.Build(
                emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(),
                MemoryEncoders.Open("raw", Model("emoji-text.safetensors"), null, new ImageShape(3, 32, 32), Model("emoji-harmonic.safetensors")),
                DatasetImages.Load(emoji, 32, grey: false))), StringComparison.Ordinal);

        // Codes of the same length from another codec (an untrained one)
        string other = Path.Combine(_folder, "other-codec.safetensors");
        ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), 7).Save(other);
        Assert.Contains("trained on image codes from the encoder e45d512ce1b7…", Refusal(() => Build(emoji, codec: other)), StringComparison.Ordinal);

        // A saved memory whose model file now holds other weights (a model that ships nowhere, so no other copy can stand in)
        string model = Path.Combine(_folder, "harmonic.safetensors");
        HarmonicModel own = HarmonicModel.Load(Model("emoji-harmonic.safetensors"));
        var noBase = new Dictionary<string, string> { [HarmonicModel.BaseEncodersKey] = "{}" };
        own.EnforceBound(0.25);
        own.Save(model, noBase);
        string path = Path.Combine(_folder, "m.engram");
        Build(emoji, harmonic: model).Save(path);
        own.EnforceBound(0.1);
        own.Save(model, noBase);
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(path));
        Assert.Contains("needs its harmonic model (kind harmonic)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{model} (the path the memory records): other harmonic model weights: harmonic.safetensors (SHA-256 ", error.Message, StringComparison.Ordinal);

        // And a model missing one of the memory's slots
        var twoModalities = new HarmonicModel(HarmonicModelConfig.Coupled(
            [new HarmonicModalityConfig { Name = "image", BaseDimension = 256 }, new HarmonicModalityConfig { Name = "audio", BaseDimension = 64 }]), new Rng(1));
        string partial = Path.Combine(_folder, "image-audio.safetensors");
        twoModalities.Save(partial);
        Assert.Contains("has no 'text' modality (it has image (256), audio (64))", Refusal(() => Build(emoji, harmonic: partial)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_1_memory_file_still_opens_and_a_newer_one_is_refused()
    {
        IDataset emoji = Emoji(5);
        string path = Path.Combine(_folder, "v.engram");
        MultimodalMemory.Build(emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), MemoryEncoders.Open(null, Model("emoji-text.safetensors"), null)).Save(path);

        void Rewrite(int version)
        {
            Dictionary<string, string> metadata;
            Tensor patterns;
            using (SafetensorsFile file = SafetensorsFile.Open(path))
            {
                metadata = new Dictionary<string, string>(file.Metadata, StringComparer.Ordinal);
                patterns = file.ReadFloat32("patterns");
            }

            JsonNode json = JsonNode.Parse(metadata["engram.memory"])!;
            json["version"] = version;
            metadata["engram.memory"] = json.ToJsonString();
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("patterns", patterns)], metadata);
        }

        Rewrite(1);
        Assert.Equal("hen", MultimodalMemory.Load(path).Engine.Name);
        Rewrite(MultimodalMemory.FormatVersion + 1);
        Assert.Contains($"reads versions 1 to {MultimodalMemory.FormatVersion}", Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(path)).Message, StringComparison.Ordinal);
    }

    [EspeakFact]
    public void A_spoken_name_completes_the_image_and_the_caption_of_a_three_modality_memory()
    {
        // Given 40 emoji stored with their names spoken by espeak-ng (the storage voice)
        SpeechSynthesizer speech = SpeechSynthesizer.TryCreate()!;
        IDataset emoji = SpokenDataset.Add(Emoji(40), speech, "en-us");
        MemoryEncoders encoders = MemoryEncoders.Open(
            Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), Model("emoji-speech.safetensors"), harmonic: Model("emoji-harmonic.safetensors"));
        MultimodalMemory memory = MultimodalMemory.Build(
            emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, DatasetImages.Load(emoji, 32, grey: false), emoji.Select(e => e.Audio!).ToArray());
        Assert.Equal(3, ((HarmonicEngine)memory.Engine).Network.Couplings.Count);

        // When each name is spoken again as the cue, every item's image and caption are completed
        for (int i = 0; i < emoji.Count; i++)
        {
            MemoryRecall recall = memory.Recall(new MemoryCue(Audio: speech.Speak(emoji[i].Caption!, "en-us")));
            Assert.Equal(["image", "text"], recall.Completed.Select(c => c.Modality.Name).Order());
            Assert.All(recall.Completed, c => Assert.Equal(emoji[i].Id, c.Id));
        }
    }
}
