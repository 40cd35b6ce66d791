using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Tests.Data.Datasets;

namespace Engram.Cli.Tests;

/// <summary><c>engram build</c> and <c>engram add --dataset</c> over folders as users keep them: every format, nested, and the trouble real folders have.</summary>
public sealed class FolderBuildTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-folder-build-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Should_build_from_a_folder_of_every_format_and_recall_each_item_from_its_caption()
    {
        // Given a nested folder of GIF, BMP, WebP, JPEG, PNG and TIFF files captioned from captions.csv, .txt files, XMP,
        // a PNG Title and EXIF, one of them with a WAV beside it
        string photos = Path.Combine(_folder, "photos");
        MixedFolder.Create(photos);

        // When a memory is built from it (resnet18 and minilm, the folder defaults)
        string memory = Path.Combine(_folder, "photos.engram"), json = Path.Combine(_folder, "build.json");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--out", memory, "--json", json);

        // Then every item is stored, and the build says once that the audio slot is left out because six have no sound
        Assert.True(code == 0, error);
        Assert.Contains($"Stored {MixedFolder.Items.Length} items from folder", stdout, StringComparison.Ordinal);
        Assert.Contains("had problems, though no item was left out", stdout, StringComparison.Ordinal);
        Assert.Contains("6 items have no sound, so the audio slot is left out: anim.gif, bitmap.bmp, photos/harbour.jpg, photos/kite.png, photos/sunset.jpg, scan.tif.", stdout, StringComparison.Ordinal);
        JsonElement built = CliRunner.ReadJson(json);
        Assert.Equal(["image", "text"], built.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(6, built.GetProperty("problems").GetArrayLength());

        // And each item recalls from its caption, whatever its format and wherever the caption came from
        foreach ((string id, string caption, string source) in MixedFolder.Items)
        {
            (code, stdout, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--json", json);
            Assert.True(code == 0, error);
            Assert.True(CliRunner.ReadJson(json).GetProperty("item_id").GetString() == id, $"'{caption}' (from {source}) recalled {stdout}");
        }

        // And the sideways JPEG, given as an image cue, recalls itself
        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--image", Path.Combine(photos, "photos", "sunset.jpg"), "--json", json);
        Assert.True(code == 0, error);
        Assert.Equal("photos/sunset", CliRunner.ReadJson(json).GetProperty("item_id").GetString());
    }

    [Fact]
    public void Should_build_from_images_with_mp3_and_ogg_sounds_beside_them_with_an_audio_slot_and_recall_each_item()
    {
        // Given the mixed folder (GIF, BMP, WebP, JPEG, PNG, TIFF) with a sound beside every image: MP3 and OGG, some in
        // upper case, leaf's WAV (with an OGG beside it)
        string photos = Path.Combine(_folder, "photos");
        MixedFolder.Create(photos, sounds: true);

        // When a memory is built from it with the folder defaults (every item has a sound: the shipped speech encoder)
        string memory = Path.Combine(_folder, "photos.engram"), json = Path.Combine(_folder, "build.json");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--out", memory, "--json", json);

        // Then every item is stored with its sound, and nothing is wrong
        Assert.True(code == 0, error);
        Assert.Contains($"Stored {MixedFolder.Items.Length} items from folder", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("no sound", stdout, StringComparison.Ordinal);
        JsonElement built = CliRunner.ReadJson(json);
        Assert.Equal(["image", "text", "audio"], built.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(0, built.GetProperty("problems").GetArrayLength());

        // And each item recalls from its caption
        foreach ((string id, string caption, string source) in MixedFolder.Items)
        {
            (code, stdout, error) = CliRunner.Run("recall", "--memory", memory, "--text", caption, "--json", json);
            Assert.True(code == 0, error);
            Assert.True(CliRunner.ReadJson(json).GetProperty("item_id").GetString() == id, $"'{caption}' (from {source}) recalled {stdout}");
        }

        // And an MP3 and an OGG are taken as sound cues
        foreach (string cue in new[] { "anim.mp3", "photos/kite.ogg" })
        {
            (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--audio", Path.Combine(photos, cue), "--json", json);
            Assert.True(code == 0, error);
            Assert.False(string.IsNullOrEmpty(CliRunner.ReadJson(json).GetProperty("item_id").GetString()), cue);
        }
    }

    [Fact]
    public void Should_say_which_images_have_no_sound_when_one_has_an_mp3_and_another_none()
    {
        // Given the mixed folder, where the WebP has a WAV, with an MP3 beside the GIF: five images have no sound
        string photos = Path.Combine(_folder, "photos");
        MixedFolder.Create(photos);
        File.Copy(Path.Combine(MixedFolder.SoundFixtures, "short.mp3"), Path.Combine(photos, "anim.mp3"));
        const string Silent = "bitmap.bmp, photos/harbour.jpg, photos/kite.png, photos/sunset.jpg, scan.tif";

        // When it is built with the defaults (as a memory file, so that it can be built again at the path), the audio slot is left out, saying so and naming the five; nothing is silently lost
        string memory = Path.Combine(_folder, "photos.engram"), json = Path.Combine(_folder, "build.json");
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--memory-file", "--out", memory, "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains($"5 items have no sound, so the audio slot is left out: {Silent}.", stdout, StringComparison.Ordinal);
        Assert.Equal(["image", "text"], CliRunner.ReadJson(json).GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("name").GetString()));

        // When an audio encoder is asked for, the five are left out, named, and the MP3's and the WAV's items are stored
        string speech = Path.Combine(ShippedData.Find("models")!, "emoji-speech.safetensors");
        (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--audio-encoder", speech, "--memory-file", "--out", memory, "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("Stored 2 items from folder", stdout, StringComparison.Ordinal);
        Assert.Contains($"5 items have no sound (the audio slot needs one for every item), so they were left out: {Silent}.", stdout, StringComparison.Ordinal);

        // And with --strict the build refuses, naming them
        (code, _, error) = CliRunner.Run("build", "--dataset", photos, "--audio-encoder", speech, "--memory-file", "--out", memory, "--strict");
        Assert.NotEqual(0, code);
        Assert.Contains("bitmap.bmp", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_leave_out_the_items_it_cannot_store_and_end_with_one_summary_or_refuse_them_all_with_strict()
    {
        // Given the folder with a text file named .png, a JPEG cut after a third, a BMP without a caption and a captions.csv row for no file
        string photos = Path.Combine(_folder, "photos");
        MixedFolder.Create(photos, troubled: true);
        string memory = Path.Combine(_folder, "photos.engram");

        // When it is built with --strict
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--audio-encoder", "none", "--out", memory, "--strict");

        // Then nothing is written, and the refusal names every problem, grouped
        Assert.Equal(1, code);
        Assert.False(File.Exists(memory));
        Assert.Contains($"--strict: {photos} has problems, so nothing was stored: 2 files could not be decoded, so their items were left out: notes.png (", error, StringComparison.Ordinal);
        Assert.Contains("photos/cut.jpg (not a readable JPEG file", error, StringComparison.Ordinal);
        Assert.Contains("1 item has no caption (no captions.csv row, no .txt beside it, no title in the file), so it was left out: untitled.bmp; ", error, StringComparison.Ordinal);
        Assert.Contains("1 captions.csv row matches no file: row 5 'missing.png'. Fix them, or leave out --strict", error, StringComparison.Ordinal);

        // When it is built without
        (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--audio-encoder", "none", "--out", memory);

        // Then the good items are stored, and the run ends with the same problems, one line per kind
        Assert.True(code == 0, error);
        string[] lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"warning: {photos} had problems; 3 of 10 items were left out (--strict refuses instead):", lines);
        Assert.Single(lines, l => l.StartsWith("2 files could not be decoded, so their items were left out: notes.png (", StringComparison.Ordinal));
        Assert.Contains("1 item has no caption (no captions.csv row, no .txt beside it, no title in the file), so it was left out: untitled.bmp.", lines);
        Assert.Contains("1 captions.csv row matches no file: row 5 'missing.png'.", lines);
        Assert.Contains("Stored 7 items from folder", stdout, StringComparison.Ordinal);
        Assert.Contains("; 3 left out.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_add_a_troubled_folder_to_a_store_leaving_out_what_it_cannot_store_unless_strict()
    {
        // Given a store of the clean folder
        string clean = Path.Combine(_folder, "clean"), troubled = Path.Combine(_folder, "troubled"), store = Path.Combine(_folder, "photos.store");
        MixedFolder.Create(clean);
        MixedFolder.Create(troubled, troubled: true);
        var (code, _, error) = CliRunner.Run("build", "--dataset", clean, "--audio-encoder", "none", "--store", "--out", store);
        Assert.True(code == 0, error);

        // When the troubled folder is added with --strict, then without (replacing the items of the same ids)
        (code, _, error) = CliRunner.Run("add", "--memory", store, "--dataset", troubled, "--replace", "--strict");
        Assert.Equal(1, code);
        Assert.Contains("--strict: ", error, StringComparison.Ordinal);
        Assert.Contains("2 files could not be decoded", error, StringComparison.Ordinal);
        (code, string added, error) = CliRunner.Run("add", "--memory", store, "--dataset", troubled, "--replace");

        // Then the refusal changed nothing, and the second adds the good items and names the rest
        Assert.True(code == 0, error);
        Assert.Contains("3 of 10 items were left out", added, StringComparison.Ordinal);
        Assert.Contains("Added 7 items from folder", added, StringComparison.Ordinal);
        Assert.Contains("it holds 7", added, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_once_per_group_which_items_share_a_caption_and_which_images_are_blank()
    {
        // Given six emoji PNGs captioned alike and two blank white PNGs with captions of their own
        string photos = Path.Combine(_folder, "photos");
        Directory.CreateDirectory(photos);
        string[] emoji = Directory.GetFiles(Path.Combine(ShippedData.Find("emoji")!, "images"), "*.png").Order(StringComparer.Ordinal).Take(6).ToArray();
        var rows = new List<string> { "file,caption" };
        foreach (string file in emoji)
        {
            File.Copy(file, Path.Combine(photos, Path.GetFileName(file)));
            rows.Add($"{Path.GetFileName(file)},gramastar");
        }

        foreach (string blank in new[] { "blank-a.png", "blank-b.png" })
        {
            PngEncoder.Save(Path.Combine(photos, blank), new Image(16, 16, PixelLayout.Grey, Enumerable.Repeat(1f, 256).ToArray()));
            rows.Add($"{blank},{blank[..^4]} is white");
        }

        File.WriteAllLines(Path.Combine(photos, "captions.csv"), rows);

        // When it is built (raw pixels, whose codes tell a flat colour; through resnet18 the two are "identical images")
        var (code, stdout, error) = CliRunner.Run("build", "--dataset", photos, "--image-codec", "raw", "--out", Path.Combine(_folder, "photos.engram"));

        // Then one line per group, not one per pair (15 + 1 of them)
        Assert.True(code == 0, error);
        string[] warnings = stdout.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, warnings.Length);
        Assert.StartsWith("warning: 6 items share the caption 'gramastar': a caption cue alone recalls a mixture of them (", warnings[0], StringComparison.Ordinal);
        Assert.EndsWith(" and 1 more).", warnings[0].TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("warning: 2 images are blank (one flat colour) and identical: a cue of the image slot alone recalls a mixture of them (blank-a, blank-b).", warnings[1].TrimEnd());
        Assert.Contains("2 groups of items share a cue", stdout, StringComparison.Ordinal);
    }
}
