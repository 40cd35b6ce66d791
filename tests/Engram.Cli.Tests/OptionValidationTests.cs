using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary>
/// Values that used to be taken silently (NaN or a negative σ, a negative ε, an empty caption) or that ended in a
/// .NET message (a huge step count): each is refused, or works, with a message in the user's words.
/// </summary>
public sealed class OptionValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string EmojiMemory()
    {
        string memory = Path.Combine(_folder, "emoji.engram");
        var (code, _, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "40", "--out", memory);
        Assert.True(code == 0, error);
        return memory;
    }

    [Theory]
    [InlineData("--noise", "NaN", "--noise must be a finite number ≥ 0; got NaN.")]
    [InlineData("--noise", "-1", "--noise must be a finite number ≥ 0; got -1.")]
    [InlineData("--noise", "Infinity", "--noise must be a finite number ≥ 0; got Infinity.")]
    [InlineData("--beta", "NaN", "--beta must be a finite number > 0; got NaN.")]
    [InlineData("--beta", "0", "--beta must be a finite number > 0; got 0.")]
    [InlineData("--runners-up", "0", "--runners-up must be a whole number from 1 to 10,000; got 0.")]
    [InlineData("--steps", "0", "--steps must be a whole number from 1 to 2,147,483,647; got 0.")]
    public void Should_refuse_an_out_of_range_value_of_a_memory_recall_naming_the_option(string option, string value, string message)
    {
        // Given a memory and an image cue
        string memory = EmojiMemory();

        // When the option is out of range
        var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--item", "0", option, value);

        // Then nothing is recalled and the error names the option, the range and the value, and where help is
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"error: {message}", error, StringComparison.Ordinal);
        Assert.Contains("See 'engram recall --help' for the options.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Description:", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tolerance", "-1", "--tolerance must be a finite number ≥ 0; got -1.")]
    [InlineData("--tolerance", "NaN", "--tolerance must be a finite number ≥ 0; got NaN.")]
    [InlineData("--step-size", "NaN", "--step-size must be a finite number > 0; got NaN.")]
    [InlineData("--step-size", "-0.1", "--step-size must be a finite number > 0; got -0.1.")]
    [InlineData("--top-k", "-2", "--top-k must be a whole number from 0 to 2,147,483,647; got -2.")]
    [InlineData("--n", "0", "--n must be a whole number from 1 to 2,147,483,647; got 0.")]
    public void Should_refuse_an_out_of_range_value_of_an_idx_recall_naming_the_option(string option, string value, string message)
    {
        string[] n = option == "--n" ? [] : ["--n", "20"];
        var (code, _, error) = CliRunner.Run(["recall", "idx", "--idx", CliRunner.ShippedTrainImages(), .. n, option, value]);
        Assert.Equal(1, code);
        Assert.Contains($"error: {message}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train autoencoder --epochs 0", "--epochs must be a whole number from 1 to 1,000,000; got 0.", "engram train --help")]
    [InlineData("train harmonic --lr NaN", "--lr must be a finite number > 0; got NaN.", "engram train --help")]
    [InlineData("bench gemm --size -5", "--size must be a whole number from 1 to 65,536; got -5.", "engram bench gemm --help")]
    [InlineData("build --dataset emoji --beta 0 --out never.engram", "--beta must be a finite number > 0; got 0.", "engram build --help")]
    [InlineData("eval table1 --steps 0", "--steps must be a whole number from 1 to 2,147,483,647; got 0.", "engram eval table1 --help")]
    public void Should_refuse_out_of_range_values_in_every_command_before_any_work(string line, string message, string help)
    {
        var (code, _, error) = CliRunner.Run(line.Split(' '));
        Assert.Equal(1, code);
        Assert.Contains($"error: {message}", error, StringComparison.Ordinal);
        Assert.Contains($"See '{help}' for the options.", error, StringComparison.Ordinal);
        Assert.False(File.Exists("never.engram"));
    }

    [Fact]
    public void Should_refuse_an_empty_caption_instead_of_naming_an_arbitrary_item()
    {
        string memory = EmojiMemory();
        foreach (string empty in new[] { "", "   " })
        {
            var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--text", empty);
            Assert.Equal(1, code);
            Assert.DoesNotContain("Recalled item", output, StringComparison.Ordinal);
            Assert.Contains("The caption cue is empty", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_take_the_largest_step_count_and_stop_when_the_state_settles()
    {
        // Given a memory; when T is int.MaxValue (it used to overflow a list's capacity into a .NET message)
        string memory = EmojiMemory();
        string json = Path.Combine(_folder, "r.json");
        var (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--item", "3", "--steps", "2147483647", "--json", json);

        // Then the cue settles on its item after a few steps
        Assert.True(code == 0, error);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal(3, root.GetProperty("item_index").GetInt32());
        Assert.InRange(root.GetProperty("steps").GetInt32(), 1, 50);
    }

    [Fact]
    public void Should_keep_the_memorys_beta_when_only_the_steps_are_given()
    {
        // --steps alone used to replace the memory's β (1000) by the IDX benchmark's default (1).
        string memory = EmojiMemory();
        string json = Path.Combine(_folder, "steps.json");
        var (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--text", "grinning face", "--steps", "1", "--json", json);
        Assert.True(code == 0, error);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal(1000, root.GetProperty("beta").GetDouble());
        Assert.Equal(1, root.GetProperty("steps").GetInt32());
    }

    [Fact]
    public void Should_print_library_errors_without_the_parameter_tails_of_dotnet()
    {
        // A cue the parser accepts but the library refuses (ArgumentException naming its parameter): the message must read as a sentence.
        string memory = EmojiMemory();
        string wav = Path.Combine(_folder, "a.wav");
        Engram.Data.Audio.WavFile.Write(wav, new Engram.Data.Audio.AudioClip(16000, 1, new float[8000]));
        var (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--audio", wav);
        Assert.Equal(1, code);
        Assert.Contains("has no audio slot", error, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value was", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_a_word_is_not_a_number_in_the_users_words()
    {
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--steps", "abc");
        Assert.Equal(1, code);
        Assert.Contains("error: --steps takes a whole number; got 'abc'.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int32", error, StringComparison.Ordinal);
    }
}
