using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Png;

namespace Engram.Cli.Tests;

/// <summary>engram demo, build and recall --memory, as a person runs them.</summary>
public sealed class MemoryCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-memory-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Demo_runs_the_main_job_on_the_shipped_data_and_writes_a_report_and_three_memories()
    {
        string output = Path.Combine(_folder, "demo");
        string json = Path.Combine(_folder, "demo.json");
        var (code, stdout, error) = CliRunner.Run("demo", "--out", output, "--json", json);

        Assert.True(code == 0, error);
        Assert.Contains("engram demo took", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "report.html")));
        Assert.True(File.Exists(Path.Combine(output, "fmnist.engram")));
        Assert.True(File.Exists(Path.Combine(output, "emoji.engram")));
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);

        // The encoded memory recalls (nearly) every occluded image, raw pixels the paper's way do not, and every emoji comes back from its name
        JsonElement[] rows = [.. CliRunner.ReadJson(json).GetProperty("rows").EnumerateArray()];
        Assert.True(rows[0].GetProperty("accuracy").GetDouble() >= 0.99, rows[0].ToString());
        Assert.True(rows[1].GetProperty("accuracy").GetDouble() < 0.1, rows[1].ToString());
        Assert.Equal(1.0, rows[2].GetProperty("accuracy").GetDouble());

        // And the shipped photos come back from other words, from their top halves and (the sunflower) from a voice note
        Assert.True(File.Exists(Path.Combine(output, "photos.engram")));
        Assert.Equal(8, rows.Length);
        Assert.Equal(["the caption in other words (27 paraphrases)", "the top half of the photo (cropped)", "a voice note in another voice (sunflower-note.mp3)"],
            rows[5..].Select(r => r.GetProperty("cue").GetString()));
        // (25 and 24 of 27 here, from this machine's ONNX Runtime; a model's last bits may differ on another CPU, so one near-tie is allowed)
        Assert.True(rows[5].GetProperty("accuracy").GetDouble() >= 24.0 / 27, rows[5].ToString());
        Assert.True(rows[6].GetProperty("accuracy").GetDouble() >= 23.0 / 27, rows[6].ToString());
        Assert.Equal(1.0, rows[7].GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void A_memory_built_from_a_folder_of_pngs_captioned_by_their_title_recalls_from_a_caption_and_from_an_occluded_copy()
    {
        // Given a folder of 24 PNGs (shipped emoji) whose captions are in their tEXt Title
        string photos = Path.Combine(_folder, "photos");
        Directory.CreateDirectory(photos);
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped", 24);
        foreach (DatasetItem item in emoji)
        {
            PngEncoder.Save(Path.Combine(photos, item.Id + ".png"), item.Image, new Dictionary<string, string> { ["Title"] = item.Caption! });
        }

        // When a memory is built from it (a folder's defaults: a living store of resnet18 and minilm codes, keeping the originals)
        string memory = Path.Combine(_folder, "photos.engram");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--out", memory, "--json", Path.Combine(_folder, "build.json"));
        Assert.True(code == 0, error);
        Assert.Contains("Stored 24 items", stdout, StringComparison.Ordinal);
        Assert.Contains("every item's cues are unique", stdout, StringComparison.Ordinal);

        // Then a caption recalls its image
        DatasetItem target = emoji[9];
        string json = Path.Combine(_folder, "recall.json"), saved = Path.Combine(_folder, "recalled.png");
        (code, stdout, error) = CliRunner.Run("recall", "--memory", memory, "--text", target.Caption!, "--json", json, "--save", saved);
        Assert.True(code == 0, error);
        Assert.Contains($"Recalled item {target.Id}", stdout, StringComparison.Ordinal);
        JsonElement result = CliRunner.ReadJson(json);
        Assert.Equal(target.Id, result.GetProperty("item_id").GetString());
        Assert.Equal(target.Caption, result.GetProperty("caption").GetString());
        Assert.False(result.GetProperty("metastable").GetBoolean());
        Assert.True(result.GetProperty("top_weight").GetDouble() > 0.5);
        Assert.Equal(target.Id, result.GetProperty("runners_up")[0].GetProperty("item_id").GetString());
        // And the image it saves is the stored original (resnet18 has no decoder), pixel for pixel
        Assert.Contains("original image", stdout, StringComparison.Ordinal);
        Assert.Equal(PngDecoder.Decode(Path.Combine(photos, target.Id + ".png")).Image.Pixels, PngDecoder.Decode(saved).Image.Pixels);

        // And so does a copy of its image with the bottom half hidden
        string copy = Path.Combine(_folder, "copy.png");
        PngEncoder.Save(copy, target.Image);
        (code, stdout, error) = CliRunner.Run("recall", "--memory", memory, "--image", copy, "--occlude", "bottom-half", "--json", json);
        Assert.True(code == 0, error);
        Assert.Equal(target.Id, CliRunner.ReadJson(json).GetProperty("item_id").GetString());
    }

    [Fact]
    public void Errors_name_the_missing_file_the_damaged_memory_the_unknown_dataset_and_the_slot_a_memory_lacks()
    {
        var (code, _, error) = CliRunner.Run("recall", "--memory", Path.Combine(_folder, "none.engram"), "--text", "cat");
        Assert.Equal(1, code);
        Assert.Contains("none.engram does not exist", error, StringComparison.Ordinal);

        string damaged = Path.Combine(_folder, "damaged.engram");
        File.WriteAllText(damaged, "not a memory");
        (code, _, error) = CliRunner.Run("recall", "--memory", damaged, "--text", "cat");
        Assert.Equal(1, code);
        Assert.Contains("damaged.engram", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("build", "--dataset", "imagenet", "--out", Path.Combine(_folder, "x.engram"));
        Assert.Equal(1, code);
        Assert.Contains("Unknown dataset 'imagenet'", error, StringComparison.Ordinal);

        string memory = Path.Combine(_folder, "emoji.engram");
        (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "30", "--out", memory);
        Assert.True(code == 0, error);
        string wav = Path.Combine(_folder, "a.wav");
        Engram.Data.Audio.WavFile.Write(wav, new Engram.Data.Audio.AudioClip(16000, 1, new float[8000]));
        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--audio", wav);
        Assert.Equal(1, code);
        Assert.Contains("has no audio slot (it has image, text)", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--item", "nothing-like-this");
        Assert.Equal(1, code);
        Assert.Contains("--item nothing-like-this: no item has that id", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--text", "grinning", "--occlude", "bottom-half");
        Assert.Equal(1, code);
        Assert.Contains("--occlude and --noise change an image cue", error, StringComparison.Ordinal);
    }
}
