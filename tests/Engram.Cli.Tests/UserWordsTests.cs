
namespace Engram.Cli.Tests;

/// <summary>
/// Bad input that used to end in .NET's words (an aggregate exception with "(Parameter 'clip')", "The file '…' already
/// exists." after a whole experiment had run) or in a message that did not say what to do: each now names the file or
/// option, says what was wrong in the user's words, and what to do.
/// </summary>
public sealed class UserWordsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-words-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string ShippedModel(string name) =>
        Path.Combine(Engram.Data.ShippedData.Find("models") ?? throw new DirectoryNotFoundException("data/models was not found."), name);

    [EspeakFact]
    public void Should_name_the_sound_file_that_is_too_short_rather_than_crash()
    {
        // Given a memory with a sound slot and an empty WAV
        string memory = Path.Combine(_folder, "voice.engram"), wav = Path.Combine(_folder, "empty.wav");
        var (built, _, buildError) = CliRunner.Run(
            "build", "--dataset", "emoji", "--n", "6", "--audio-encoder", ShippedModel("emoji-speech.safetensors"), "--out", memory);
        Assert.True(built == 0, buildError);
        Engram.Data.Audio.WavFile.Write(wav, new Engram.Data.Audio.AudioClip(16000, 1, []));

        // When
        var (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--audio", wav);

        // Then
        Assert.Equal(1, code);
        Assert.Equal(
            $"error: --audio {wav}: The clip is too short to encode: 0 ms (0 samples at 16 kHz); it needs at least 257 (17 ms): give a longer recording.",
            error.Trim());
    }

    [Theory]
    [InlineData("eval", "table1", "--quick")]
    [InlineData("demo")]
    public void Should_refuse_a_file_given_as_the_output_folder_before_any_work(params string[] command)
    {
        // Given a file where the command writes a folder of files
        string file = Path.Combine(_folder, "results.txt");
        File.WriteAllText(file, "mine");

        // When
        var (code, output, error) = CliRunner.Run([.. command, "--out", file]);

        // Then nothing ran, and the file is untouched
        Assert.Equal(1, code);
        Assert.Equal(
            $"error: Cannot write into --out {file}: it is a file, and this command writes a folder of files. Give the path of a folder (it is made if missing).",
            error.Trim());
        Assert.DoesNotContain("accuracy", output, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void Should_say_a_folder_is_not_a_memory_file()
    {
        var (code, _, error) = CliRunner.Run("recall", "--memory", _folder, "--text", "cat");
        Assert.Equal(1, code);
        Assert.Equal($"error: {_folder} is a folder, not a memory file: give the path of a file made by `engram build`.", error.Trim());
    }

    [Fact]
    public void Should_say_a_folder_is_not_an_idx_file()
    {
        // When
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", _folder, "--n", "5");

        // Then
        Assert.Equal(1, code);
        Assert.Equal($"error: {_folder} is a folder, not an IDX file: give the path of an IDX file.", error.Trim());
    }

    [Fact]
    public void Should_name_the_folder_without_pngs_in_bench_png()
    {
        // When
        var (code, _, error) = CliRunner.Run("bench", "png", "--folder", _folder);

        // Then
        Assert.Equal(1, code);
        Assert.Equal($"error: The folder {_folder} holds no .png files (subfolders are not searched): give --folder a folder of PNG images.", error.Trim());
    }

    [Fact]
    public void Should_name_the_size_that_is_too_small_in_an_experiment()
    {
        // When
        var (code, _, error) = CliRunner.Run("eval", "table1", "--quick", "--n", "100,1", "--out", Path.Combine(_folder, "t1"));

        // Then
        Assert.Equal(1, code);
        Assert.Equal("error: Every size N must be at least 2 (an item is recalled against the others); got 1.", error.Trim());
    }

    [Fact]
    public void Should_suggest_installing_the_full_set_only_when_it_is_not_installed()
    {
        // When an experiment asks for more images than the training file holds
        var (code, _, error) = CliRunner.Run("eval", "table1", "--quick", "--n", "100000", "--encoders", "raw", "--out", Path.Combine(_folder, "t1"));

        // Then with Debian's 60,000 the advice is a smaller --n; with the shipped subset, installing the full set
        Assert.Equal(1, code);
        Assert.Contains("error: N = 100000 needs 100,000 Fashion-MNIST training images", error, StringComparison.Ordinal);
        Assert.EndsWith(
            error.Contains("has 60,000", StringComparison.Ordinal) ? "use --n 60000 or less." : "install Debian's dataset-fashion-mnist for the full 60,000, or use a smaller --n.",
            error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_which_command_makes_a_harmonic_model()
    {
        // When an image codec is given where a harmonic model belongs
        var (code, _, error) = CliRunner.Run(
            "build", "--dataset", "emoji", "--harmonic", ShippedModel("emoji-autoencoder.safetensors"), "--out", Path.Combine(_folder, "h.engram"));

        // Then
        Assert.Equal(1, code);
        Assert.Contains("is not an Engram harmonic model (make one with `engram train harmonic`).", error, StringComparison.Ordinal);
    }
}
