using System.Text.Json.Nodes;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders.Images;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Nn;

namespace Engram.Tests.Hen;

/// <summary>
/// A memory copied to another folder still opens: its encoders are found by the SHA-256 of their weights in the
/// models path, or taken from the memory file itself when it was saved with them; when one is nowhere, the error
/// names it, its hash and every place searched.
/// </summary>
public sealed class PortableMemoryTests : IDisposable
{
    private const int Items = 8;
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-portable-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private static IDataset Emoji() => EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", Items);

    private string Folder(params string[] parts)
    {
        string path = Path.Combine([_folder, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    // A memory of the first emoji, with the image codec at codecPath and the shipped text encoder, saved at path.
    private static MultimodalMemory BuildAndSave(string codecPath, string path, MemorySaveOptions? options = null)
    {
        IDataset emoji = Emoji();
        MemoryEncoders encoders = MemoryEncoders.Open(codecPath, Model("emoji-text.safetensors"), null);
        MultimodalMemory memory = MultimodalMemory.Build(emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, DatasetImages.Load(emoji, 32, grey: false));
        memory.Save(path, options);
        return memory;
    }

    // An image codec whose weights ship nowhere: an untrained one of the emoji shape.
    private static string UntrainedCodec(string path, int seed = 5)
    {
        ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), (ulong)seed).Save(path);
        return path;
    }

    private static MemoryRecall RecallByCaption(MultimodalMemory memory) => memory.Recall(new MemoryCue(Text: Emoji()[3].Caption));

    // Moves the file into a folder deeper than the one it was saved in, so that the relative paths it records point nowhere.
    private string MoveAway(string path)
    {
        string moved = Path.Combine(Folder("elsewhere", "deeper", "still"), Path.GetFileName(path));
        File.Move(path, moved);
        return moved;
    }

    [Fact]
    public void Should_open_a_memory_moved_to_another_folder_and_recall_the_same_item_at_the_same_weight()
    {
        // Given a memory built from the shipped emoji encoders, and its recall of a caption
        MultimodalMemory built = BuildAndSave(Model("emoji-autoencoder.safetensors"), Path.Combine(Folder("built"), "m.engram"));
        MemoryRecall before = RecallByCaption(built);

        // When the file is moved where its recorded (relative) encoder paths no longer lead, and opened
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));
        MultimodalMemory memory = MultimodalMemory.Load(moved);
        MemoryRecall after = RecallByCaption(memory);

        // Then its encoders were found in the shipped models by their hashes, and the recall is the same item at the same weight
        Assert.Equal(MemoryChecksum.Verified, memory.Checksum);
        Assert.Equal(2, memory.Encoders.Relocated.Count);
        Assert.All(memory.Encoders.Relocated, note => Assert.Contains(Path.GetFullPath(ShippedData.Find("models")!), note, StringComparison.Ordinal));
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.TopWeight, after.TopWeight);
        Assert.Equal(built.Network.Memory.Bank.Patterns.Span.ToArray(), memory.Network.Memory.Bank.Patterns.Span.ToArray());
    }

    [Fact]
    public void Should_find_an_encoder_copied_under_another_name_into_a_models_folder()
    {
        // Given a memory built with a codec that ships nowhere, moved away, and the codec renamed into a folder of its own
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        MultimodalMemory built = BuildAndSave(codec, Path.Combine(Folder("built"), "m.engram"));
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));
        string models = Folder("models");
        File.Move(codec, Path.Combine(models, "renamed.safetensors"));

        // When it is opened with that folder in its models path
        MultimodalMemory memory = MultimodalMemory.Load(moved, new MemoryLoadOptions { ModelFolders = [models] });

        // Then the renamed codec was taken, and the recall is what it was
        Assert.Contains(memory.Encoders.Relocated, note => note.Contains(Path.Combine(models, "renamed.safetensors"), StringComparison.Ordinal));
        Assert.Equal(Path.Combine(models, "renamed.safetensors"), memory.Encoders.Described.Single(e => e.Slot == "image").Weights);
        Assert.Equal(RecallByCaption(built).Id, RecallByCaption(memory).Id);
        Assert.Equal(RecallByCaption(built).TopWeight, RecallByCaption(memory).TopWeight);
    }

    [Fact]
    public void Should_name_the_encoder_its_hash_and_every_place_searched_in_order_when_it_is_nowhere()
    {
        // Given a memory built with a codec that ships nowhere, moved away, and the codec deleted
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        string sha = ModelWeights.ParameterHash(ImageCodecs.Load(codec));
        BuildAndSave(codec, Path.Combine(Folder("built"), "m.engram"));
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));
        File.Delete(codec);
        string models = Folder("models");

        // When it is opened with a models folder that does not hold it either
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(moved, new MemoryLoadOptions { ModelFolders = [models] }));

        // Then the error names the encoder, both forms of its hash, every place in order with what was there, and what to do
        string message = error.Message;
        Assert.Contains("needs its image encoder (image slot, kind autoencoder)", message, StringComparison.Ordinal);
        Assert.Contains($"SHA-256 {sha[..12]}…", message, StringComparison.Ordinal);
        Assert.Contains($"(full: {sha})", message, StringComparison.Ordinal);
        string recordedAt = Path.GetFullPath(Path.Combine("..", "encoders", "codec.safetensors"), Path.GetDirectoryName(moved)!);
        string[] places =
        [
            $"1. {recordedAt} (the path the memory records): not there",
            $"2. {Path.GetDirectoryName(moved)} (the memory's folder): no image encoder weights",
            $"3. {Path.GetFullPath(ShippedData.Find("models")!)} (the shipped models): only other image encoder weights: ",
            $"{models} (--models): no image encoder weights",
        ];
        int[] at = places.Select(p => message.IndexOf(p, StringComparison.Ordinal)).ToArray();
        Assert.All(at, i => Assert.True(i >= 0, message));
        Assert.Equal(at.Order().ToArray(), at);
        Assert.Contains("--models FOLDER", message, StringComparison.Ordinal);
        Assert.Contains("ENGRAM_MODELS=FOLDER", message, StringComparison.Ordinal);
        Assert.Contains("engram build --embed-encoders", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_not_take_a_weight_file_with_the_recorded_name_but_other_weights_and_say_so()
    {
        // Given a moved memory whose codec is gone, and beside it a codec of the same name with other weights
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        BuildAndSave(codec, Path.Combine(Folder("built"), "m.engram"));
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));
        File.Delete(codec);
        string impostor = UntrainedCodec(Path.Combine(Path.GetDirectoryName(moved)!, "codec.safetensors"), seed: 99);
        string other = ModelWeights.ParameterHash(ImageCodecs.Load(impostor));

        // When it is opened
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(moved));

        // Then the impostor was not taken, and the error says it holds other weights, with their hash
        Assert.Contains($"(the memory's folder): only other image encoder weights: codec.safetensors (SHA-256 {other[..12]}…)", error.Message, StringComparison.Ordinal);

        // And a file that claims the recorded hash in its metadata but holds other weights is refused on its parameters' own hash
        var (arrays, metadata) = ModelWeights.Read(impostor);
        string recorded = ModelWeights.ParameterHash(ImageCodecs.Create(ConvCodecConfig.Emoji("autoencoder"), 5));
        ModelWeights.Write(impostor, arrays, new Dictionary<string, string>(metadata) { [ModelWeights.HashKey] = recorded });
        error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(moved));
        Assert.Contains($"codec.safetensors (its metadata claims SHA-256 {recorded[..12]}…, but its parameters hash to {other[..12]}…)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_open_a_memory_that_carries_its_encoders_when_moved_alone()
    {
        // Given a memory saved with its encoders embedded, its codec deleted, and the file moved away
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        MultimodalMemory built = BuildAndSave(codec, Path.Combine(Folder("built"), "m.engram"), new MemorySaveOptions { EmbedEncoders = true });
        File.Delete(codec);
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));

        // When it is opened
        MultimodalMemory memory = MultimodalMemory.Load(moved);

        // Then it took both encoders from itself, its checksum holds, and it recalls what it did
        Assert.Equal(MemoryChecksum.Verified, memory.Checksum);
        Assert.Equal(2, memory.Encoders.Relocated.Count(n => n.Contains("is the one the memory file carries", StringComparison.Ordinal)));
        Assert.Equal(RecallByCaption(built).Id, RecallByCaption(memory).Id);
        Assert.Equal(RecallByCaption(built).TopWeight, RecallByCaption(memory).TopWeight);

        // And saved again with its encoders, taken from the ones it carried, it opens alone too
        string resaved = Path.Combine(Folder("resaved"), "m.engram");
        memory.Save(resaved, new MemorySaveOptions { EmbedEncoders = true });
        Assert.Equal(RecallByCaption(built).Id, RecallByCaption(MultimodalMemory.Load(resaved)).Id);
    }

    [Fact]
    public void Should_refuse_a_memory_whose_carried_encoder_weights_were_changed()
    {
        // Given a memory saved with its encoders embedded, and a copy with one embedded weight changed
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        string path = Path.Combine(Folder("built"), "m.engram");
        BuildAndSave(codec, path, new MemorySaveOptions { EmbedEncoders = true });
        var (arrays, metadata) = ModelWeights.Read(path);
        string name = arrays.Keys.Where(k => k.StartsWith("encoder.image.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
        arrays[name].Data[0] += 1;
        string changed = Path.Combine(Folder("changed"), "m.engram");
        ModelWeights.Write(changed, arrays, metadata);

        // When it is opened, even without the checksum
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(changed, new MemoryLoadOptions { VerifyChecksum = false }));

        // Then it is refused as damaged, naming the encoder it carries
        Assert.Contains("is damaged: the image encoder it carries has weights SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_cover_the_carried_encoders_descriptions_with_the_checksum()
    {
        // Given a memory saved with its encoders embedded, and a copy whose embedded text encoder's description was edited
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        string path = Path.Combine(Folder("built"), "m.engram");
        BuildAndSave(codec, path, new MemorySaveOptions { EmbedEncoders = true });
        var (arrays, metadata) = ModelWeights.Read(path);
        JsonNode description = JsonNode.Parse(metadata[MultimodalMemory.MetadataKey])!;
        JsonObject text = description["embedded"]!.AsArray().Single(e => (string?)e!["slot"] == "text")!["metadata"]!.AsObject();
        text["engram.note"] = "edited after the memory was written";
        string edited = description.ToJsonString();
        string changed = Path.Combine(Folder("changed"), "m.engram");
        ModelWeights.Write(changed, arrays, new Dictionary<string, string>(metadata) { [MultimodalMemory.MetadataKey] = edited });

        // When it is opened
        var error = Assert.Throws<InvalidDataException>(() => MultimodalMemory.Load(changed));

        // Then its checksum no longer matches
        Assert.Contains("is damaged: its content", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_find_or_carry_a_harmonic_memorys_model_like_its_encoders()
    {
        // Given a harmonic memory of the shipped emoji models, saved once plainly and once carrying its encoders and model
        IDataset emoji = Emoji();
        MemoryEncoders encoders = MemoryEncoders.Open(
            Model("emoji-autoencoder.safetensors"), Model("emoji-text.safetensors"), null, harmonic: Model("emoji-harmonic.safetensors"));
        MultimodalMemory built = MultimodalMemory.Build(emoji.Select(e => new MemoryItem(e.Id, e.Caption)).ToArray(), encoders, DatasetImages.Load(emoji, 32, grey: false));
        built.Save(Path.Combine(Folder("plain"), "m.engram"));
        built.Save(Path.Combine(Folder("carrying"), "m.engram"), new MemorySaveOptions { EmbedEncoders = true });

        // When both are moved away and opened
        string plain = Path.Combine(Folder("elsewhere", "a", "b"), "m.engram"), carrying = Path.Combine(Folder("elsewhere", "c", "d"), "m.engram");
        File.Move(Path.Combine(_folder, "plain", "m.engram"), plain);
        File.Move(Path.Combine(_folder, "carrying", "m.engram"), carrying);
        MultimodalMemory found = MultimodalMemory.Load(plain), carried = MultimodalMemory.Load(carrying);

        // Then the first found the harmonic model in the shipped models, the second took it from itself, and both complete as built
        Assert.Contains(found.Encoders.Relocated, n => n.StartsWith("note: the harmonic model", StringComparison.Ordinal) && n.Contains("found the same weights", StringComparison.Ordinal));
        Assert.Contains(carried.Encoders.Relocated, n => n.StartsWith("note: the harmonic model", StringComparison.Ordinal) && n.Contains("carries", StringComparison.Ordinal));
        CompletedModality expected = Assert.Single(RecallByCaption(built).Completed!);
        Assert.Equal(expected, Assert.Single(RecallByCaption(found).Completed!));
        Assert.Equal(expected, Assert.Single(RecallByCaption(carried).Completed!));
    }

    [Fact]
    public void Should_write_version_4_only_for_a_memory_that_carries_its_encoders()
    {
        // Given one memory saved plainly and carrying its encoders
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        string plain = Path.Combine(Folder("built"), "plain.engram"), carrying = Path.Combine(_folder, "built", "carrying.engram");
        MultimodalMemory built = BuildAndSave(codec, plain);
        built.Save(carrying, new MemorySaveOptions { EmbedEncoders = true });

        // When their descriptions are read
        int Version(string path) => (int)JsonNode.Parse(ModelWeights.Read(path).Metadata[MultimodalMemory.MetadataKey])!["version"]!;

        // Then the plain one is version 3, which older builds read, and only the one that carries encoders is version 4
        Assert.Equal(3, Version(plain));
        Assert.Equal(4, Version(carrying));
    }

    [Fact]
    public void Should_pass_over_files_of_another_kind_and_files_that_claim_other_weights_without_reading_their_tensors()
    {
        // Given a moved memory whose codec is gone, and in its folder a speech encoder and a file that says it is an image
        // codec with other weights but whose architecture and tensors are not a codec's at all
        string codec = UntrainedCodec(Path.Combine(Folder("encoders"), "codec.safetensors"));
        BuildAndSave(codec, Path.Combine(Folder("built"), "m.engram"));
        string moved = MoveAway(Path.Combine(_folder, "built", "m.engram"));
        File.Delete(codec);
        string folder = Path.GetDirectoryName(moved)!;
        File.Copy(Model("emoji-speech.safetensors"), Path.Combine(folder, "speech.safetensors"));
        string claimed = new('a', 64);
        ModelWeights.Write(
            Path.Combine(folder, "claims.safetensors"),
            new Dictionary<string, NdArray<float>> { ["not.a.codec"] = NdArray<float>.FromArray([1f, 2f], [2]) },
            new Dictionary<string, string> { [ConvImageCodec.ConfigKey] = "not a configuration", [ModelWeights.HashKey] = claimed });

        // When it is opened
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(moved));

        // Then the speech encoder is not counted, and the claiming file is listed by its claim, unread (reading it would fail)
        Assert.Contains($"(the memory's folder): only other image encoder weights: claims.safetensors (SHA-256 {claimed[..12]}…)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("speech.safetensors", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("unreadable", error.Message, StringComparison.Ordinal);
    }
}
