using System.Text.Json;
using Engram.Tensors;

namespace Engram.Cli.Tests;

public sealed class BenchCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_time_our_png_decoder_and_resize_against_imagesharp_on_the_same_files()
    {
        // Given a folder of the shipped emoji PNGs
        string images = Path.Combine(Engram.Data.ShippedData.Find("emoji")!, "images"), json = Path.Combine(_folder, "images.json");

        // When
        var (code, output, error) = CliRunner.Run("bench", "images", "--folder", images, "--passes", "1", "--json", json);

        // Then each task has both timings and their ratio
        Assert.True(code == 0, error);
        Assert.Contains("239 PNG files", output, StringComparison.Ordinal);
        JsonElement[] timings = [.. CliRunner.ReadJson(json).GetProperty("timings").EnumerateArray()];
        Assert.Equal(["decode PNG, full size", "decode PNG, longest side 32", "decode PNG, ImageSharp to its own Rgba32 frame only"],
            timings.Take(3).Select(t => t.GetProperty("task").GetString()));
        Assert.StartsWith("area resize to longest side 32", timings[3].GetProperty("task").GetString(), StringComparison.Ordinal);
        Assert.All(timings, t => Assert.Equal(t.GetProperty("ours_seconds").GetDouble() / t.GetProperty("imagesharp_seconds").GetDouble(), t.GetProperty("ratio").GetDouble(), 9));
    }

    [Fact]
    public void Should_write_both_rates_and_their_ratio_for_gemm()
    {
        // Given
        string json = Path.Combine(_folder, "gemm.json");

        // When
        var (code, output, error) = CliRunner.Run("bench", "gemm", "--size", "96", "--json", json);

        // Then
        Assert.True(code == 0, error);
        Assert.Contains("SGEMM 96×96×96", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        double managed = root.GetProperty("managed_gflops").GetDouble();
        Assert.True(managed > 0);
        if (Gemm.OpenBlas is null)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("openblas_gflops").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("ratio").ValueKind);
        }
        else
        {
            double blas = root.GetProperty("openblas_gflops").GetDouble();
            Assert.Equal(managed / blas, root.GetProperty("ratio").GetDouble(), 1e-9);
        }
    }

    [Fact]
    public void Should_say_which_backend_the_default_is_and_why_for_gemm()
    {
        // Given
        string json = Path.Combine(_folder, "gemm-default.json");

        // When
        var (code, output, error) = CliRunner.Run("bench", "gemm", "--size", "64", "--json", json);

        // Then
        Assert.True(code == 0, error);
        GemmChoice choice = Gemm.DefaultChoice;
        Assert.Contains($"Default backend: {choice.Backend}, ", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal(choice.Backend, root.GetProperty("default_backend").GetString());
        Assert.Equal(choice.Source.ToString().ToLowerInvariant(), root.GetProperty("default_reason").GetString());
    }

    [OpenBlasFact]
    public void Should_name_the_core_OpenBLAS_runs_for_gemm()
    {
        // Given
        string json = Path.Combine(_folder, "gemm-core.json");
        OpenBlasInfo library = Gemm.OpenBlasLibrary ?? throw new InvalidOperationException("OpenBLAS is not installed: libopenblas.so.0 did not load.");

        // When
        var (code, output, error) = CliRunner.Run("bench", "gemm", "--size", "64", "--json", json);

        // Then a person sees the library file, its core (e.g. "Haswell", "Prescott") and its build
        Assert.True(code == 0, error);
        string flat = string.Join(' ', output.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        Assert.Contains($"; core {library.CoreName} (", flat, StringComparison.Ordinal);
        Assert.Contains($"config {library.Config}", flat, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal(library.CoreName, root.GetProperty("openblas_core").GetString());
        Assert.Equal(library.Config, root.GetProperty("openblas_config").GetString());
    }

    [Fact]
    public void Should_write_the_step_rate_against_the_gemm_rate_for_recall()
    {
        string json = Path.Combine(_folder, "recall.json");
        var (code, _, error) = CliRunner.Run("bench", "recall", "--n", "600", "--dim", "32", "--queries", "40", "--gemm-size", "128", "--backend", "managed", "--json", json);
        Assert.True(code == 0, error);
        JsonElement root = CliRunner.ReadJson(json);
        double step = root.GetProperty("step_seconds").GetDouble();
        double stepRate = root.GetProperty("step_gflops").GetDouble();
        double gemmRate = root.GetProperty("gemm_gflops").GetDouble();
        Assert.True(step > 0 && stepRate > 0 && gemmRate > 0);
        Assert.Equal(4.0 * 40 * 600 * 32 / step / 1e9, stepRate, 1e-6);
        Assert.Equal(stepRate / gemmRate, root.GetProperty("step_vs_gemm").GetDouble(), 1e-9);
        Assert.Equal("managed", root.GetProperty("backend").GetString());
    }

    [Fact]
    public void Should_write_each_layers_conv_rate_against_its_gemm_rate_for_conv()
    {
        // Given
        string json = Path.Combine(_folder, "conv.json");

        // When
        var (code, output, error) = CliRunner.Run(
            "bench", "conv", "--batch", "2", "--layer", "3,4,9,7,4,2,1", "--layer", "2,3,5,5,3,1,1", "--backend", "managed", "--json", json);

        // Then
        Assert.True(code == 0, error);
        Assert.Contains("batch 2, managed GEMM", output, StringComparison.Ordinal);
        Assert.Contains("3→4 4×4 s2 p1 at 9×7", output, StringComparison.Ordinal);
        Assert.Contains("conv / GEMM over all layers", output, StringComparison.Ordinal);
        JsonElement root = CliRunner.ReadJson(json);
        Assert.Equal("managed", root.GetProperty("backend").GetString());
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        JsonElement[] layers = [.. root.GetProperty("layers").EnumerateArray()];
        Assert.Equal(2, layers.Length);
        Assert.Equal(4, layers[0].GetProperty("out_height").GetInt32());
        Assert.Equal(3, layers[0].GetProperty("out_width").GetInt32());
        Assert.Equal(3.0 * 2 * 4 * (3 * 4 * 4) * (2 * 4 * 3), layers[0].GetProperty("flops").GetDouble());
        double convSeconds = 0, gemmSeconds = 0;
        foreach (JsonElement layer in layers)
        {
            double flops = layer.GetProperty("flops").GetDouble();
            double conv = layer.GetProperty("conv_seconds").GetDouble(), gemm = layer.GetProperty("gemm_seconds").GetDouble();
            Assert.True(conv > 0 && gemm > 0);
            Assert.Equal(flops / conv / 1e9, layer.GetProperty("conv_gflops").GetDouble(), 1e-6);
            Assert.Equal(flops / gemm / 1e9, layer.GetProperty("gemm_gflops").GetDouble(), 1e-6);
            Assert.Equal(gemm / conv, layer.GetProperty("conv_vs_gemm").GetDouble(), 1e-9);
            convSeconds += conv;
            gemmSeconds += gemm;
        }

        Assert.Equal(gemmSeconds / convSeconds, root.GetProperty("conv_vs_gemm").GetDouble(), 1e-9);
    }

    [Fact]
    public void Should_name_the_layer_that_does_not_parse_for_conv()
    {
        var (code, _, error) = CliRunner.Run("bench", "conv", "--layer", "3,4,9,7,4,2");
        Assert.Equal(1, code);
        Assert.Contains("--layer '3,4,9,7,4,2'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_size_that_is_not_positive()
    {
        var (code, _, error) = CliRunner.Run("bench", "gemm", "--size", "0");
        Assert.Equal(1, code);
        Assert.Contains("--size", error, StringComparison.Ordinal);
    }
}
