using System.Text.Json;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Speech;

namespace Engram.Cli.Tests;

/// <summary>engram train harmonic, build --harmonic and recall --memory on a harmonic memory, as a person runs them.</summary>
public sealed class HarmonicMemoryCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-harmonic-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string ShippedModel(string name) => Path.Combine(ShippedData.Find("models")!, name);

    [Fact]
    public void A_harmonic_model_trained_on_image_and_text_codes_makes_a_memory_that_completes_the_image_from_a_caption()
    {
        // Given a harmonic model trained on 60 emoji's image and text codes (no audio slot)
        string model = Path.Combine(_folder, "h.safetensors"), trainJson = Path.Combine(_folder, "train.json");
        var (code, stdout, error) = CliRunner.Run(
            "train", "harmonic", "--dataset", "emoji", "--max-items", "60", "--audio-encoder", "none", "--epochs", "40", "--out", model, "--json", trainJson);
        Assert.True(code == 0, error);
        Assert.Contains("image → text", stdout, StringComparison.Ordinal);
        JsonElement trained = CliRunner.ReadJson(trainJson);
        Assert.Equal("harmonic", trained.GetProperty("encoder").GetString());
        Assert.Equal(60, trained.GetProperty("items").GetInt32());
        JsonElement[] pairs = [.. trained.GetProperty("pairs").EnumerateArray()];
        Assert.Equal(2, pairs.Length);
        Assert.All(pairs, p => Assert.True(p.GetProperty("accuracy").GetDouble() >= 0.95, p.ToString()));

        // When a memory is built with it and recalled from a caption
        string memory = Path.Combine(_folder, "h.engram"), json = Path.Combine(_folder, "recall.json"), saved = Path.Combine(_folder, "recalled.png");
        (code, stdout, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "60", "--harmonic", model, "--out", memory);
        Assert.True(code == 0, error);
        Assert.Contains("Harmonic network: image (d 64, λ 1, β 100), text (d 64, λ 1, β 100); 1 couplings", stdout, StringComparison.Ordinal);
        var emoji = Engram.Data.Datasets.EmojiDataset.Load(60);
        string caption = emoji[17].Caption!;
        (code, stdout, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--json", json, "--save", saved);

        // Then the text is clamped and the image completed on the caption's own item
        Assert.True(code == 0, error);
        Assert.Contains("clamped", stdout, StringComparison.Ordinal);
        JsonElement result = CliRunner.ReadJson(json);
        Assert.Equal("harmonic", result.GetProperty("engine").GetString());
        Assert.Equal(emoji[17].Id, result.GetProperty("item_id").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("cue_mode").ValueKind);
        JsonElement completed = Assert.Single(result.GetProperty("completed").EnumerateArray());
        Assert.Equal(("image", emoji[17].Id), (completed.GetProperty("modality").GetString(), completed.GetProperty("item_id").GetString()));
        Assert.True(File.Exists(saved));

        // And options that do not apply to a harmonic memory are refused, saying why
        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--cue-mode", "masked");
        Assert.Equal(1, code);
        Assert.Contains("A harmonic memory has no cue modes", error, StringComparison.Ordinal);
        (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "10", "--harmonic", model, "--beta", "50", "--out", Path.Combine(_folder, "x.engram"));
        Assert.Equal(1, code);
        Assert.Contains("--beta does not apply to a harmonic memory", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_harmonic_model_can_train_on_images_with_halves_hidden_and_says_what_it_cannot_augment()
    {
        // When a model is trained with two more views of each image (its top and its left half hidden)
        string model = Path.Combine(_folder, "robust.safetensors");
        var (code, stdout, error) = CliRunner.Run(
            "train", "harmonic", "--max-items", "30", "--audio-encoder", "none", "--epochs", "20", "--augment-occlusions", "top-half,left-half", "--out", model);

        // Then it trains on three image views per item and says so, in the output and in the weight file
        Assert.True(code == 0, error);
        Assert.Contains("views per item: image 3, text 1", stdout, StringComparison.Ordinal);
        using (var file = Engram.Data.Safetensors.SafetensorsFile.Open(model))
        {
            Assert.Contains("the images with the top half, the left half hidden", file.Metadata["engram.data"], StringComparison.Ordinal);
        }

        // And other voices without an audio slot, or an unknown half, are refused with the reason
        (code, _, error) = CliRunner.Run("train", "harmonic", "--max-items", "10", "--audio-encoder", "none", "--augment-voices", "en-us+f3", "--out", model);
        Assert.Equal(1, code);
        Assert.Contains("--augment-voices speaks the names in other voices for the audio slot, and there is no audio slot", error, StringComparison.Ordinal);
        (code, _, error) = CliRunner.Run("train", "harmonic", "--max-items", "10", "--audio-encoder", "none", "--augment-occlusions", "middle", "--out", model);
        Assert.Equal(1, code);
        Assert.Contains("Unknown occlusion 'middle'", error, StringComparison.Ordinal);
    }

    [EspeakFact]
    public void The_shipped_emoji_harmonic_model_makes_a_three_modality_memory_that_a_spoken_name_recalls()
    {
        // Given the shipped model: the audio slot comes by default, the names spoken by espeak-ng
        string memory = Path.Combine(_folder, "e.engram"), json = Path.Combine(_folder, "r.json"), wav = Path.Combine(_folder, "cue.wav");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "50", "--harmonic", ShippedModel("emoji-harmonic.safetensors"), "--out", memory);
        Assert.True(code == 0, error);
        Assert.Contains("3 couplings", stdout, StringComparison.Ordinal);

        // When one of the names is spoken again as the cue
        var emoji = Engram.Data.Datasets.EmojiDataset.Load(50);
        AudioClip spoken = SpeechSynthesizer.TryCreate()!.Speak(emoji[33].Caption!, "en-us");
        WavFile.Write(wav, spoken);
        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--audio", wav, "--json", json);

        // Then the image and the caption are completed on that item
        Assert.True(code == 0, error);
        JsonElement result = CliRunner.ReadJson(json);
        Assert.Equal(["audio"], result.GetProperty("clamped").EnumerateArray().Select(c => c.GetString()));
        Assert.All(result.GetProperty("completed").EnumerateArray(), c => Assert.Equal(emoji[33].Id, c.GetProperty("item_id").GetString()));
        Assert.Equal(2, result.GetProperty("completed").GetArrayLength());
    }
}
