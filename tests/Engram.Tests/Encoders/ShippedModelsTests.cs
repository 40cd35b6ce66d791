using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Evaluation;
using Engram.Nn;

namespace Engram.Tests.Encoders;

/// <summary>The weights shipped in data/models load, are the weights their metadata names, and still do their job.</summary>
public sealed class ShippedModelsTests
{
    private static string Model(string name) =>
        Path.Combine(ShippedData.Find("models") ?? throw new DirectoryNotFoundException("data/models was not found above the test or working folder."), name);

    [Theory]
    [InlineData("fmnist-autoencoder.safetensors", 0.0085)]
    [InlineData("fmnist-vq-vae.safetensors", 0.011)]
    [InlineData("fmnist-dvae.safetensors", 0.015)]
    [InlineData("fmnist-local-autoencoder.safetensors", 0.0035)]
    public void Fashion_mnist_codecs_reconstruct_the_shipped_test_images(string file, double mseBelow)
    {
        // Given the codec and the 500 test images shipped in data/fashion-mnist (an untrained codec's MSE is about 0.1)
        ConvImageCodec codec = ImageCodecs.Load(Model(file));
        IdxData test = IdxFile.Read(Path.Combine(FashionMnist.ShippedDirectory()!, "t10k-images-idx3-ubyte.gz"), scale: 1.0 / 255);
        Tensor images = test.Items.Reshape(test.Count, 784);

        // When they go through the code and back
        ReconstructionReport report = ReconstructionReport.Measure(codec, images);

        // Then the weights are the ones recorded, and the reconstruction is as good as the manifest says
        Assert.Equal(codec.ParameterHash(), codec.WeightsHash);
        Assert.True(report.Mse < mseBelow, $"{file}: MSE {report.Mse:G4} on {report.Images} shipped test images (expected below {mseBelow}).");
        Assert.True(report.Ssim > 0.6, $"{file}: SSIM {report.Ssim:G4}.");
    }

    [Fact]
    public void Emoji_text_encoder_finds_each_shipped_emoji_by_its_name()
    {
        ConvImageCodec codec = ImageCodecs.Load(Model("emoji-autoencoder.safetensors"));
        NgramTextEncoder text = NgramTextEncoder.Load(Model("emoji-text.safetensors"));
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped");
        Tensor targets = text.EncodeImageCodes(codec.Encode(DatasetImages.Load(emoji, 32, grey: false)));
        Tensor queries = text.Encode(emoji.Select(e => e.Captions[0]).ToArray());

        double accuracy = Retrieval.Accuracy(queries, targets, Enumerable.Range(0, emoji.Count).ToArray());

        Assert.Equal(ModelWeights.ParameterHash(text), text.WeightsHash);
        Assert.True(accuracy >= 0.98, $"name → image accuracy over the {emoji.Count} shipped emoji: {accuracy:F4}.");
    }

    [Fact]
    public void Speech_encoder_loads_with_the_text_encoders_code_length()
    {
        SpeechEncoder speech = SpeechEncoder.Load(Model("emoji-speech.safetensors"));
        NgramTextEncoder text = NgramTextEncoder.Load(Model("emoji-text.safetensors"));
        Assert.Equal(text.CodeLength, speech.CodeLength);
        Assert.Equal(ModelWeights.ParameterHash(speech), speech.WeightsHash);
    }
}
