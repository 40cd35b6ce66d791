using System.Text.Json;
using Engram.Encoders;
using Engram.Encoders.Onnx;

namespace Engram.Tests.Encoders.Onnx;

/// <summary>
/// A user's own ONNX model through its sidecar (onnx:PATH): tiny models exported by torch.onnx.export in
/// make_onnx_fixtures.py, against the same torch modules run in float64; and every mistake in a sidecar refused by name.
/// </summary>
public sealed class OnnxEncoderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-onnx-tests-").FullName;

    private static string Fixture(string file) => Path.Combine(OnnxReference.Folder, file);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_tokenize_pool_and_normalise_as_the_sidecar_says()
    {
        // Given the tiny text model with mean pooling and L2 (tiny_text.onnx.json) and with [CLS] pooling, unnormalised
        using var mean = (OnnxTextEncoder)PretrainedEncoders.Onnx(Fixture("tiny_text.onnx"));
        using var cls = (OnnxTextEncoder)PretrainedEncoders.Onnx(Fixture("tiny_text_cls.onnx"));
        JsonElement[] rows = OnnxReference.TinyText.ToArray();
        string[] texts = rows.Select(r => r.GetProperty("text").GetString()!).ToArray();

        // When they encode the reference sentences
        Tensor meanCodes = mean.Encode(texts), clsCodes = cls.Encode(texts);

        // Then the ids are the reference WordPiece ids (cut at maxLength 8) and both poolings are the torch module's to float32 rounding
        Assert.Equal("onnx", mean.Name);
        Assert.Equal(6, mean.CodeLength);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(OnnxReference.Ints(rows[i], "ids"), mean.Tokenize(texts[i]));
            Assert.True(OnnxReference.MaxAbsoluteError(OnnxReference.Doubles(rows[i], "mean"), meanCodes.Row(i)) < 1e-6, $"mean pooling of '{texts[i]}'");
            Assert.True(OnnxReference.MaxAbsoluteError(OnnxReference.Doubles(rows[i], "cls"), clsCodes.Row(i)) < 1e-6, $"[CLS] pooling of '{texts[i]}'");
        }
    }

    [Fact]
    public void Should_prepare_images_as_the_sidecar_says()
    {
        // Given the tiny image model: 16×16 planes in BGR order, ImageNet mean and std, mean pooling over its 2×2 output positions
        using var encoder = (OnnxImageEncoder)PretrainedEncoders.Onnx(Fixture("tiny_image.onnx"));
        JsonElement[] rows = OnnxReference.TinyImages.ToArray();

        // When it encodes the fixture images, all in one batch
        float[] images = rows.SelectMany(r => OnnxReference.Image(r.GetProperty("image").GetString()!, 16)).ToArray();
        Tensor codes = encoder.Encode(Tensor.FromArray(images, rows.Length, 16 * 16 * 3));

        // Then each code is the torch module's (a channel order, mean or std applied wrongly moves it by far more)
        Assert.Equal(new ImageShape(3, 16, 16), encoder.Shape);
        Assert.Equal(4, encoder.CodeLength);
        Assert.False(encoder.Decodes);
        for (int i = 0; i < rows.Length; i++)
        {
            double error = OnnxReference.MaxAbsoluteError(OnnxReference.Doubles(rows[i], "code"), codes.Row(i));
            Assert.True(error < 1e-5, $"{rows[i].GetProperty("image").GetString()}: max |error| {error:G3}.");
        }
    }

    [Fact]
    public void Should_hash_the_model_its_sidecar_and_its_vocabulary()
    {
        // Given a copy of the tiny text model, its sidecar and its vocabulary
        string model = Copy("tiny_text.onnx");
        string before = PretrainedEncoders.OnnxSha256(model);

        // When the vocabulary changes by one token
        File.AppendAllText(Path.Combine(_folder, "tiny_vocab.txt"), "zebra\n");

        // Then the hash changes with it, and the opened encoder records the new one
        string after = PretrainedEncoders.OnnxSha256(model);
        Assert.NotEqual(before, after);
        using var encoder = (OnnxTextEncoder)PretrainedEncoders.Onnx(model);
        Assert.Equal(after, encoder.Sha256);
    }

    [Fact]
    public void Should_refuse_a_model_without_its_sidecar_saying_what_to_write()
    {
        // Given a model whose sidecar is missing
        string model = Path.Combine(_folder, "lonely.onnx");
        File.Copy(Fixture("tiny_text.onnx"), model);

        // When it is opened
        var error = Assert.Throws<FileNotFoundException>(() => PretrainedEncoders.Onnx(model));

        // Then the message names the sidecar it looked for and shows one
        Assert.Contains("lonely.onnx.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"modality\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"output\": \"hidden\"", "\"output\": \"hiddn\"", "has no output 'hiddn'")]
    [InlineData("\"inputIds\": \"input_ids\"", "\"inputIds\": \"ids\"", "has no input 'ids'")]
    [InlineData("\"attentionMask\": \"attention_mask\",", "", "'attention_mask', which the sidecar does not name")]
    [InlineData("\"pooling\": \"mean\"", "\"pooling\": \"average\"", "not a valid encoder description")]
    [InlineData("\"normalize\": true", "\"normalise\": true", "not a valid encoder description")]
    [InlineData("\"pooling\": \"mean\"", "\"pooling\": \"none\"", "pooling 'none' reads [batch, dimension]")]
    [InlineData("\"vocab\": \"tiny_vocab.txt\"", "\"vocab\": \"missing.txt\"", "names the vocabulary missing.txt")]
    [InlineData("\"modality\": \"text\"", "\"modality\": \"image\"", "an image encoder needs \"input\"")]
    public void Should_refuse_a_sidecar_that_does_not_fit_its_graph_naming_what_is_wrong(string original, string replacement, string expected)
    {
        // Given the tiny text model with one setting of its sidecar changed
        string model = Copy("tiny_text.onnx");
        string sidecar = OnnxEncoderConfig.SidecarPath(model);
        string json = File.ReadAllText(sidecar);
        Assert.Contains(original, json, StringComparison.Ordinal);
        File.WriteAllText(sidecar, json.Replace(original, replacement, StringComparison.Ordinal));

        // When it is opened
        Exception error = Assert.ThrowsAny<Exception>(() => PretrainedEncoders.Onnx(model));

        // Then it is refused with a message that says what was wrong
        Assert.True(error is InvalidDataException or FileNotFoundException, error.GetType().Name);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_list_the_graphs_inputs_when_a_name_is_wrong()
    {
        // Given an image sidecar naming an input the graph does not have
        string model = Copy("tiny_image.onnx");
        string sidecar = OnnxEncoderConfig.SidecarPath(model);
        File.WriteAllText(sidecar, File.ReadAllText(sidecar).Replace("\"input\": \"pixels\"", "\"input\": \"images\"", StringComparison.Ordinal));

        // When it is opened
        var error = Assert.Throws<InvalidDataException>(() => PretrainedEncoders.Onnx(model));

        // Then the message names the graph's real input and its shape
        Assert.Contains("has no input 'images'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'pixels' float[batch, 3, 16, 16]", error.Message, StringComparison.Ordinal);
    }

    // The fixture model, its sidecar and its vocabulary, copied into the test's own folder.
    private string Copy(string model)
    {
        foreach (string file in new[] { model, model + ".json", "tiny_vocab.txt" })
        {
            File.Copy(Fixture(file), Path.Combine(_folder, file), overwrite: true);
        }

        return Path.Combine(_folder, model);
    }
}
