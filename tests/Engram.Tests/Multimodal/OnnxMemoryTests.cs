using Engram.Encoders;
using Engram.Encoders.Onnx;
using Engram.Multimodal;
using Engram.Tests.Encoders.Onnx;

namespace Engram.Tests.Multimodal;

/// <summary>
/// Memories whose slots ONNX encoders make: the encoder and its model's SHA-256 recorded, reopened by that hash (a user's
/// model found again after it moved, and refused when it changed), and no image decoded from an encoder without a decoder.
/// </summary>
public sealed class OnnxMemoryTests : IDisposable
{
    private static readonly string[] s_files = ["tiny_text.onnx", "tiny_text.onnx.json", "tiny_image.onnx", "tiny_image.onnx.json", "tiny_vocab.txt"];
    private static readonly string[] s_captions = ["a puppy", "thumbs up sign", "smiling cat face with open mouth", "red hearts"];
    private static readonly string[] s_images = ["gradient.png", "stripes.png", "disc.png", "checker-alpha.png"];
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-onnx-memory-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_record_a_users_onnx_encoders_and_reopen_them_from_where_they_were()
    {
        // Given a memory of four items built with the tiny ONNX image and text models, saved beside them
        string models = CopyModels("models");
        MultimodalMemory built = Build(models);
        string path = Path.Combine(_folder, "tiny.engram");
        built.Save(path);

        // When it is opened again
        MultimodalMemory memory = MultimodalMemory.Load(path);

        // Then each slot records kind onnx, the model file and its SHA-256, the encoders are the same models, and a caption recalls its item
        SlotEncoder text = memory.Encoders.Described.Single(e => e.Slot == "text");
        Assert.Equal(("onnx", Path.Combine(models, "tiny_text.onnx")), (text.Kind, text.Weights));
        Assert.Equal(PretrainedEncoders.OnnxSha256(Path.Combine(models, "tiny_text.onnx")), text.Sha256);
        Assert.Equal("onnx", memory.Encoders.Described.Single(e => e.Slot == "image").Kind);
        Assert.Empty(memory.Encoders.Relocated);
        Assert.Equal(built.StoredCodes("text").Span.ToArray(), memory.StoredCodes("text").Span.ToArray());
        Assert.Equal("item2", memory.Recall(new MemoryCue(Text: "smiling cat face with open mouth")).Id);
    }

    [Fact]
    public void Should_find_a_moved_model_by_its_hash_and_refuse_one_that_changed()
    {
        // Given a saved memory whose models are then moved to another folder
        string models = CopyModels("models");
        string path = Path.Combine(_folder, "tiny.engram");
        Build(models).Save(path);
        string moved = Path.Combine(_folder, "elsewhere");
        Directory.Move(models, moved);

        // When it is opened with that folder among the model folders
        MultimodalMemory memory = MultimodalMemory.Load(path, new MemoryLoadOptions { ModelFolders = [moved] });

        // Then the models are found there by their hash, and the memory says so
        Assert.Equal(2, memory.Encoders.Relocated.Count);
        Assert.All(memory.Encoders.Relocated, note => Assert.Contains($"found the same model at {moved}", note, StringComparison.Ordinal));

        // And when the text model's vocabulary changes, its codes would too: the memory is refused, naming the hash and where it looked
        File.AppendAllText(Path.Combine(moved, "tiny_vocab.txt"), "zebra\n");
        var error = Assert.Throws<FileNotFoundException>(() => MultimodalMemory.Load(path, new MemoryLoadOptions { ModelFolders = [moved] }));
        Assert.Contains("needs its ONNX text encoder with model files SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{moved} (--models): only other models: tiny_text.onnx (SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_return_no_decoded_image_from_an_encoder_without_a_decoder()
    {
        // Given a memory whose image slot is encoded by a model without a decoder
        MultimodalMemory memory = Build(CopyModels("models"));
        float[] image = OnnxReference.Image("disc.png", 16);

        // When it is recalled from an image and from a caption
        MemoryRecall fromImage = memory.Recall(new MemoryCue(Image: image));
        MemoryRecall fromText = memory.Recall(new MemoryCue(Text: "red hearts"), trace: true);

        // Then the items are found, and there is no image to show: not the recalled one, not a stored one, not a step's
        Assert.False(memory.Encoders.Image!.Decodes);
        Assert.Equal(("item2", "item3"), (fromImage.Id, fromText.Id));
        Assert.Null(fromImage.Image);
        Assert.Null(fromText.Image);
        Assert.All(fromText.Trace!, step => Assert.Null(step.Image));
        Assert.Null(memory.StoredImage(0));
    }

    [Fact]
    public void Should_refuse_a_pretrained_model_other_than_the_one_the_memory_was_built_with()
    {
        // Given a memory description that records minilm with another model's hash
        var recorded = new SlotEncoder("text", "minilm", null, new string('0', 64));

        // When its encoders are reopened
        var error = Assert.Throws<InvalidDataException>(() => MemoryEncoders.Reopen([recorded], Path.Combine(_folder, "old.engram"), null, _ => null, []));

        // Then the refusal names both hashes and what to do
        Assert.Contains("was built with the minilm text encoder whose model files have SHA-256 000000000000…", error.Message, StringComparison.Ordinal);
        Assert.Contains("build it again", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("minilm", null, "minilm is a text encoder: use it for the caption slot (--text-encoder minilm).")]
    [InlineData(null, "resnet18", "resnet18 is an image encoder: use it for the image slot (--image-codec resnet18).")]
    public void Should_refuse_a_pretrained_encoder_in_the_other_modalitys_slot(string? image, string? text, string expected)
    {
        // When a pretrained encoder is given for the wrong slot
        var error = Assert.Throws<ArgumentException>(() => MemoryEncoders.Open(image, text, null));

        // Then the message says which slot takes it
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Should_refuse_a_users_model_in_the_other_modalitys_slot()
    {
        // When the tiny text model is given as the image codec
        string models = CopyModels("models");
        var error = Assert.Throws<ArgumentException>(() => MemoryEncoders.Open("onnx:" + Path.Combine(models, "tiny_text.onnx"), null, null));

        // Then the message says what the sidecar says it is, and which option takes it
        Assert.Contains("is a text model (its sidecar says \"modality\": \"text\"): use it for the caption slot (--text-encoder", error.Message, StringComparison.Ordinal);
    }

    private string CopyModels(string name)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_folder, name)).FullName;
        foreach (string file in s_files)
        {
            File.Copy(Path.Combine(OnnxReference.Folder, file), Path.Combine(folder, file));
        }

        return folder;
    }

    private static MultimodalMemory Build(string models)
    {
        MemoryEncoders encoders = MemoryEncoders.Open("onnx:" + Path.Combine(models, "tiny_image.onnx"), "onnx:" + Path.Combine(models, "tiny_text.onnx"), null);
        float[] images = s_images.SelectMany(f => OnnxReference.Image(f, 16)).ToArray();
        MemoryItem[] items = s_captions.Select((c, i) => new MemoryItem($"item{i}", c)).ToArray();
        return MultimodalMemory.Build(items, encoders, Tensor.FromArray(images, items.Length, 16 * 16 * 3));
    }
}
