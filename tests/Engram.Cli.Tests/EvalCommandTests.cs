using System.Text.Json;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Png(string name, int width, int height, Func<int, int, float> grey)
    {
        var image = new Image(width, height, PixelLayout.Grey);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.Pixels[(y * width) + x] = grey(x, y);
            }
        }

        string path = Path.Combine(_folder, name);
        PngEncoder.Save(path, image);
        return path;
    }

    [Fact]
    public void Should_print_the_mse_and_ssim_of_two_images()
    {
        // Given a gradient and a copy with a 4×4 block set to white (8-bit values, so the MSE is exact)
        string a = Png("a.png", 16, 12, (x, y) => ((x * 10) + y) / 255f);
        string b = Png("b.png", 16, 12, (x, y) => x < 4 && y < 4 ? 1f : ((x * 10) + y) / 255f);
        string json = Path.Combine(_folder, "scores.json");

        // When
        var (code, output, error) = CliRunner.Run("eval", "compare", a, b, "--json", json);

        // Then
        Assert.True(code == 0, error);
        double expectedMse = 0;
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                double d = 1 - (((x * 10) + y) / 255.0);
                expectedMse += d * d;
            }
        }

        expectedMse /= 16 * 12;
        JsonElement scores = CliRunner.ReadJson(json);
        Assert.Equal(expectedMse, scores.GetProperty("mse").GetDouble(), 6);
        Image ia = PngDecoder.Decode(a).Image, ib = PngDecoder.Decode(b).Image;
        Assert.Equal(Engram.Evaluation.Ssim.Compute(ia.Pixels, ib.Pixels, 12, 16), scores.GetProperty("ssim").GetDouble(), 12);
        Assert.True(scores.GetProperty("ssim").GetDouble() < 0.95);
        Assert.Contains("16×12×1", output, StringComparison.Ordinal);

        // And an image against itself scores MSE 0 and SSIM 1
        (code, output, _) = CliRunner.Run("eval", "compare", a, a, "--json", json);
        Assert.Equal(0, code);
        Assert.Equal(0, CliRunner.ReadJson(json).GetProperty("mse").GetDouble());
        Assert.Equal(1, CliRunner.ReadJson(json).GetProperty("ssim").GetDouble(), 12);
    }

    [Fact]
    public void Should_refuse_images_of_different_sizes_missing_files_and_images_under_11_pixels()
    {
        string a = Png("a.png", 16, 12, (_, _) => 0.5f), b = Png("b.png", 12, 16, (_, _) => 0.5f), tiny = Png("t.png", 8, 8, (x, _) => x / 8f);
        var (code, _, error) = CliRunner.Run("eval", "compare", a, b);
        Assert.Equal(1, code);
        Assert.Contains("a.png is 16×12 but", error, StringComparison.Ordinal);
        Assert.Contains("b.png is 12×16", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("eval", "compare", a, Path.Combine(_folder, "missing.png"));
        Assert.Equal(1, code);
        Assert.Contains("missing.png", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("eval", "compare", tiny, tiny);
        Assert.Equal(1, code);
        Assert.Contains("11", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Table1_writes_its_tables_figures_and_summary_and_prints_a_row_per_configuration()
    {
        string output = Path.Combine(_folder, "table1");
        var (code, stdout, error) = CliRunner.Run(
            "eval", "table1", "--n", "150", "--encoders", "raw,autoencoder", "--similarity", "l2", "--beta", "1000", "--out", output);

        Assert.True(code == 0, error);
        Assert.Contains("table1 fashion-mnist raw l2 β=1000 masked N=150: accuracy 1.0000", stdout, StringComparison.Ordinal);
        Assert.Contains("engram eval table1 took", stdout, StringComparison.Ordinal);
        foreach (string file in new[] { "table1.csv", "table1.md", "table1.json", "accuracy-full.svg", "accuracy-masked.svg" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} was not written");
        }

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "table1.json")));
        JsonElement rows = json.RootElement.GetProperty("rows");
        Assert.Equal(4, rows.GetArrayLength());
        Assert.Equal(["full", "masked", "full", "masked-free"], rows.EnumerateArray().Select(r => r.GetProperty("cue_mode").GetString()));
        Assert.Contains("| 150 |", File.ReadAllText(Path.Combine(output, "table1.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Experiments_refuse_unknown_encoders_and_values_with_the_option_named()
    {
        var (code, _, error) = CliRunner.Run("eval", "table1", "--encoders", "clip", "--out", _folder);
        Assert.Equal(1, code);
        Assert.Contains("Unknown encoder 'clip'", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("eval", "beta-sweep", "--beta", "1,ten", "--out", _folder);
        Assert.Equal(1, code);
        Assert.Contains("--beta: 'ten' is not a valid value", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("eval", "separability", "--models", Path.Combine(_folder, "none"), "--encoders", "vq-vae", "--n", "10", "--out", _folder);
        Assert.Equal(1, code);
        Assert.Contains("fmnist-vq-vae.safetensors", error, StringComparison.Ordinal);
    }
}
