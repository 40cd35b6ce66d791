using System.Text.Json;

namespace Engram.Cli.Tests;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_list_each_dataset_with_where_it_is_and_how_many_items()
    {
        // When
        string json = Path.Combine(_folder, "info.json");
        var (code, output, error) = CliRunner.Run("data", "info", "--json", json);

        // Then
        Assert.True(code == 0, error);
        Assert.Contains("fashion-mnist train", output, StringComparison.Ordinal);
        Assert.Contains("emoji", output, StringComparison.Ordinal);
        Assert.Contains("espeak-ng", output, StringComparison.Ordinal);
        JsonElement[] datasets = CliRunner.ReadJson(json).GetProperty("datasets").EnumerateArray().ToArray();
        JsonElement train = datasets.Single(d => d.GetProperty("name").GetString() == "fashion-mnist train");
        Assert.True(train.GetProperty("available").GetBoolean());
        Assert.True(train.GetProperty("items").GetInt32() is 2000 or 60000);
        JsonElement emoji = datasets.Single(d => d.GetProperty("name").GetString() == "emoji");
        Assert.True(emoji.GetProperty("items").GetInt32() is 239 or 1911);
    }

    [Fact]
    public void Should_pass_a_folder_of_good_files()
    {
        string shipped = Path.GetDirectoryName(CliRunner.ShippedTrainImages())!;
        var (code, output, error) = CliRunner.Run("data", "check", shipped);
        Assert.True(code == 0, error);
        Assert.Contains("4 files checked: 4 decoded, 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_list_the_files_that_fail_and_exit_with_1()
    {
        // Given
        File.WriteAllBytes(Path.Combine(_folder, "broken.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]);
        File.WriteAllBytes(Path.Combine(_folder, "empty.wav"), []);
        string json = Path.Combine(_folder, "..", Path.GetFileName(_folder) + "-check.json");

        // When
        var (code, output, _) = CliRunner.Run("data", "check", _folder, "--json", json);

        // Then
        Assert.Equal(1, code);
        Assert.Contains("2 files checked: 0 decoded, 2 failed", output, StringComparison.Ordinal);
        Assert.Contains("broken.png", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        File.Delete(json);
        Assert.Equal(2, root.GetProperty("files").GetInt32());
        Assert.Equal(0, root.GetProperty("decoded").GetInt32());
        JsonElement[] failed = root.GetProperty("failed").EnumerateArray().ToArray();
        Assert.Equal(2, failed.Length);
        Assert.All(failed, f => Assert.False(string.IsNullOrEmpty(f.GetProperty("error").GetString())));
        Assert.EndsWith("broken.png", failed[0].GetProperty("file").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_decode_mp3_and_ogg_sounds_and_name_a_damaged_mp3()
    {
        // Given a folder with an MP3, an OGG (named in upper case) and an MP3 cut short
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sound");
        File.Copy(Path.Combine(fixtures, "tone.mp3"), Path.Combine(_folder, "song.mp3"));
        File.Copy(Path.Combine(fixtures, "short.ogg"), Path.Combine(_folder, "bird.OGG"));
        byte[] mp3 = File.ReadAllBytes(Path.Combine(fixtures, "tone.mp3"));
        File.WriteAllBytes(Path.Combine(_folder, "cut.mp3"), mp3[..(mp3.Length / 2)]);
        string json = Path.Combine(_folder, "..", Path.GetFileName(_folder) + "-sound.json");

        // When
        var (code, output, _) = CliRunner.Run("data", "check", _folder, "--json", json);

        // Then the two good ones decode, and the cut one is named with the reason
        Assert.Equal(1, code);
        Assert.Contains("3 files checked: 2 decoded, 1 failed", output, StringComparison.Ordinal);
        Assert.Contains("cut.mp3", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        File.Delete(json);
        JsonElement failed = root.GetProperty("failed").EnumerateArray().Single();
        Assert.EndsWith("cut.mp3", failed.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Equal("sound", failed.GetProperty("kind").GetString());
        Assert.Contains("the MP3 is truncated", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_when_the_path_does_not_exist()
    {
        string path = Path.Combine(_folder, "nothing-here");
        var (code, _, error) = CliRunner.Run("data", "check", path);
        Assert.Equal(1, code);
        Assert.Equal($"error: Nothing to check: {path} is neither a file nor a folder.", error.Trim());
    }
}
