namespace Engram.Cli.Tests;

/// <summary>
/// <c>engram recall --memory</c> and <c>engram recall idx</c> are two modes with their own options: each help lists
/// only its own, with the defaults that apply there, and an option of the other mode is refused naming its mode.
/// </summary>
public sealed class RecallModesTests
{
    [Fact]
    public void Should_list_only_the_memory_options_with_the_memorys_defaults_in_recall_help()
    {
        // When
        var (code, output, _) = CliRunner.Run("recall", "--help");

        // Then the memory's own options are the defaults, and the IDX benchmark is named as a subcommand
        Assert.Equal(0, code);
        Assert.Contains("--text <TEXT>", output, StringComparison.Ordinal);
        Assert.Contains("Inverse temperature β > 0. Default: the memory's own", output, StringComparison.Ordinal);
        Assert.Contains("idx  The IDX benchmark", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: dot]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: full]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--tolerance", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--n <n>", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_list_only_the_benchmark_options_with_its_defaults_in_recall_idx_help()
    {
        // When
        var (code, output, _) = CliRunner.Run("recall", "idx", "--help");

        // Then
        Assert.Equal(0, code);
        Assert.Contains("engram recall idx [options]", output, StringComparison.Ordinal);
        Assert.Contains("[default: dot]", output, StringComparison.Ordinal);
        Assert.Contains("[default: full]", output, StringComparison.Ordinal);
        Assert.Contains("--tolerance", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--text", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--memory <FILE>", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--n", "20")]
    [InlineData("--idx", "train-images-idx3-ubyte.gz")]
    [InlineData("--update", "gradient")]
    [InlineData("--tolerance", "0")]
    [InlineData("--top-k", "3")]
    [InlineData("--backend", "managed")]
    public void Should_refuse_a_benchmark_option_in_a_memory_recall_naming_its_mode(string option, string value)
    {
        // When
        var (code, output, error) = CliRunner.Run("recall", "--memory", "m.engram", "--text", "cat", option, value);

        // Then
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"error: {option} belongs to the IDX benchmark, `engram recall idx`", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--memory", "m.engram")]
    [InlineData("--text", "cat")]
    [InlineData("--item", "3")]
    [InlineData("--no-verify", null)]
    public void Should_refuse_a_memory_option_in_the_idx_benchmark_naming_its_mode(string option, string? value)
    {
        // When
        string[] given = value is null ? [option] : [option, value];
        var (code, output, error) = CliRunner.Run(["recall", "idx", "--n", "20", .. given]);

        // Then
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"error: {option} belongs to recall from a memory, `engram recall --memory FILE`", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_a_recall_needs_a_memory_and_where_the_benchmark_went()
    {
        // When
        var (code, _, error) = CliRunner.Run("recall", "--similarity", "l2");

        // Then
        Assert.Equal(1, code);
        Assert.Contains("error: engram recall needs --memory FILE", error, StringComparison.Ordinal);
        Assert.Contains("the IDX benchmark is `engram recall idx`", error, StringComparison.Ordinal);
    }
}
