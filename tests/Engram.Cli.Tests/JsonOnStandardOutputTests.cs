using System.Text.Json;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Cli.Tests;

/// <summary>
/// <c>--json -</c> leaves standard output to one JSON document, so that it can be piped into a JSON reader: the
/// tables, progress and notes a person reads go to standard error, in every command that has <c>--json</c>.
/// </summary>
public sealed class JsonOnStandardOutputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-json-stdout-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // The whole of standard output parses as one JSON document written by engram.
    private static JsonElement SoleJson(string output)
    {
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal("engram", doc.RootElement.GetProperty("written_by").GetString());
        return doc.RootElement.Clone();
    }

    private string Png(string name)
    {
        var image = new Image(16, 16, PixelLayout.Grey);
        for (int i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = i / 256f;
        }

        string path = Path.Combine(_folder, name);
        PngEncoder.Save(path, image);
        return path;
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_when_recalling_from_a_memory()
    {
        // Given a memory
        string memory = Path.Combine(_folder, "emoji.engram"), saved = Path.Combine(_folder, "recalled.png");
        var (built, _, buildError) = CliRunner.Run("build", "--dataset", "emoji", "--n", "40", "--out", memory);
        Assert.True(built == 0, buildError);

        // When the recall's JSON goes to standard output
        var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--item", "3", "--save", saved, "--json", "-");

        // Then standard output is the JSON alone; the tables and the note about the saved image are on standard error
        Assert.True(code == 0, error);
        Assert.Equal(3, SoleJson(output).GetProperty("item_index").GetInt32());
        Assert.Contains("Recalled item", error, StringComparison.Ordinal);
        Assert.Contains("top weight", error, StringComparison.Ordinal);
        Assert.Contains($"Wrote the recalled image to {saved}.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_in_the_idx_benchmark()
    {
        // When
        var (code, output, error) = CliRunner.Run("recall", "idx", "--idx", CliRunner.ShippedTrainImages(), "--n", "20", "--json", "-");

        // Then
        Assert.True(code == 0, error);
        Assert.Equal(20, SoleJson(output).GetProperty("n").GetInt32());
        Assert.Contains("accuracy", error, StringComparison.Ordinal);
        Assert.Contains("first 20 images stored", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_when_building()
    {
        // When
        string memory = Path.Combine(_folder, "emoji.engram");
        var (code, output, error) = CliRunner.Run("build", "--dataset", "emoji", "--n", "20", "--out", memory, "--json", "-");

        // Then
        Assert.True(code == 0, error);
        Assert.Equal(20, SoleJson(output).GetProperty("items").GetInt32());
        Assert.Contains("Stored 20 items", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_in_bench_gemm()
    {
        // When
        var (code, output, error) = CliRunner.Run("bench", "gemm", "--size", "64", "--json", "-");

        // Then
        Assert.True(code == 0, error);
        Assert.Equal(64, SoleJson(output).GetProperty("size").GetInt32());
        Assert.Contains("SGEMM 64×64×64", error, StringComparison.Ordinal);
        Assert.Contains("GFLOP/s", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_in_data_info_and_data_check()
    {
        // Given a folder of one good image
        Png("good.png");

        // When
        var (infoCode, info, infoError) = CliRunner.Run("data", "info", "--json", "-");
        var (checkCode, check, checkError) = CliRunner.Run("data", "check", _folder, "--json", "-");

        // Then
        Assert.True(infoCode == 0, infoError);
        Assert.True(SoleJson(info).GetProperty("datasets").GetArrayLength() > 0);
        Assert.Contains("fashion-mnist train", infoError, StringComparison.Ordinal);
        Assert.True(checkCode == 0, checkError);
        Assert.Equal(1, SoleJson(check).GetProperty("files").GetInt32());
        Assert.Contains("1 files checked: 1 decoded, 0 failed", checkError, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_when_training()
    {
        // When a tiny autoencoder is trained
        string weights = Path.Combine(_folder, "ae.safetensors");
        var (code, output, error) = CliRunner.Run(
            "train", "autoencoder", "--max-items", "64", "--epochs", "1", "--batch-size", "32", "--test-items", "20", "--out", weights, "--json", "-");

        // Then the epochs and the held-out scores are on standard error, the report alone on standard output
        Assert.True(code == 0, error);
        Assert.Equal(20, SoleJson(output).GetProperty("test_images").GetInt32());
        Assert.Contains("epoch 1/1: loss ", error, StringComparison.Ordinal);
        Assert.Contains("SSIM", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_write_only_the_json_on_standard_output_in_eval_compare()
    {
        // Given
        string a = Png("a.png"), b = Png("b.png");

        // When
        var (code, output, error) = CliRunner.Run("eval", "compare", a, b, "--json", "-");

        // Then
        Assert.True(code == 0, error);
        Assert.Equal(0, SoleJson(output).GetProperty("mse").GetDouble());
        Assert.Contains("SSIM", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_tables_on_standard_output_when_the_json_goes_to_a_file()
    {
        // When
        string json = Path.Combine(_folder, "gemm.json");
        var (code, output, error) = CliRunner.Run("bench", "gemm", "--size", "64", "--json", json);

        // Then
        Assert.True(code == 0, error);
        Assert.Contains("SGEMM 64×64×64", output, StringComparison.Ordinal);
        Assert.DoesNotContain("SGEMM", error, StringComparison.Ordinal);
    }
}
