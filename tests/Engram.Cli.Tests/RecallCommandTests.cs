using System.Text.Json;

namespace Engram.Cli.Tests;

public sealed class RecallCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_retrieve_almost_every_image_with_l2_and_cue_mode_masked()
    {
        // Given the shipped Fashion-MNIST subset
        string json = Path.Combine(_folder, "l2.json");

        // When
        var (code, output, error) = CliRunner.Run(
            "recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "300", "--similarity", "l2", "--cue-mode", "masked", "--json", json);

        // Then the table shows the run and the JSON holds the figures
        Assert.True(code == 0, error);
        Assert.Contains("first 300 images stored, each recalled from its bottom-half cue", output, StringComparison.Ordinal);
        Assert.Contains("accuracy", output, StringComparison.Ordinal);
        Assert.Contains("masked", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.True(root.GetProperty("accuracy").GetDouble() >= 0.98, root.ToString());
        Assert.Equal(300, root.GetProperty("n").GetInt32());
        Assert.InRange(root.GetProperty("mse").GetDouble(), 0, 0.01);
        Assert.InRange(root.GetProperty("metastable_fraction").GetDouble(), 0, 1);
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.Equal("l2", root.GetProperty("similarity").GetString());
        Assert.Equal("masked", root.GetProperty("cue_mode").GetString());
    }

    [Fact]
    public void Should_settle_on_stored_images_with_cue_mode_masked_free()
    {
        // Masked-free compares the visible pixels but clamps nothing: at a high β each state becomes a stored image.
        string json = Path.Combine(_folder, "free.json");
        var (code, _, error) = CliRunner.Run(
            "recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "300", "--similarity", "l2", "--beta", "10", "--cue-mode", "masked-free", "--json", json);
        Assert.True(code == 0, error);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal("masked-free", root.GetProperty("cue_mode").GetString());
        Assert.True(root.GetProperty("accuracy").GetDouble() >= 0.98, root.ToString());
        Assert.True(root.GetProperty("metastable_fraction").GetDouble() <= 0.02, root.ToString());
    }

    [Fact]
    public void Should_fail_to_retrieve_with_raw_dot_similarity_as_the_paper_says()
    {
        string json = Path.Combine(_folder, "dot.json");
        var (code, _, error) = CliRunner.Run(
            "recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "300", "--similarity", "dot", "--beta", "1", "--steps", "10", "--cue-mode", "full", "--json", json);
        Assert.True(code == 0, error);
        Assert.True(CliRunner.ReadJson(json).GetProperty("accuracy").GetDouble() < 0.2);
    }

    [Fact]
    public void Should_write_json_to_standard_output_with_a_dash()
    {
        var (code, output, _) = CliRunner.Run("recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "20", "--json", "-");
        Assert.Equal(0, code);
        int start = output.IndexOf('{', StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(output[start..]);
        Assert.Equal(20, doc.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public void Should_say_which_file_is_missing()
    {
        string path = Path.Combine(_folder, "missing.idx");
        var (code, output, error) = CliRunner.Run("recall", "idx", "--idx", path, "--n", "10");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: IDX file not found: {path}", error.Trim());
    }

    [Fact]
    public void Should_name_the_corrupt_file_and_the_offset()
    {
        string path = Path.Combine(_folder, "corrupt.idx");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]);
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", path, "--n", "2");
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {path}: at byte 19: the file ends early", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_how_many_images_the_file_holds_when_n_is_too_large()
    {
        string path = CliRunner.ShippedTrainImages();
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", path, "--n", "5000");
        Assert.Equal(1, code);
        Assert.Contains("--n 5000 asks for more images than", error, StringComparison.Ordinal);
        Assert.Contains("(2000); use --n 2000 or less", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_beta_that_is_not_positive()
    {
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "10", "--beta", "0");
        Assert.Equal(1, code);
        Assert.Contains("--beta must be a finite number > 0; got 0.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_list_the_choices_for_an_unknown_similarity()
    {
        var (code, _, error) = CliRunner.Run("recall", "--similarity", "manhattan");
        Assert.NotEqual(0, code);
        Assert.Contains("manhattan", error, StringComparison.Ordinal);
        Assert.Contains("dot", error, StringComparison.Ordinal);
        Assert.Contains("cosine", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_json_path_in_a_missing_folder_before_writing_anything()
    {
        string json = Path.Combine(_folder, "no-such-folder", "out.json");
        var (code, _, error) = CliRunner.Run("recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "10", "--json", json);
        Assert.Equal(1, code);
        Assert.Contains("the folder", error, StringComparison.Ordinal);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Should_teach_with_examples_in_help()
    {
        var (code, output, _) = CliRunner.Run("recall", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:", output, StringComparison.Ordinal);
        Assert.Contains("--cue-mode", output, StringComparison.Ordinal);
        Assert.Contains("--cue-mode <clamped|full|masked|masked-free>", output, StringComparison.Ordinal);
        Assert.Contains("engram recall [command] [options]", output, StringComparison.Ordinal);
    }
}
