using System.Security.Cryptography;
using Engram.Data;
using Engram.Data.Speech;

namespace Engram.Cli.Tests;

/// <summary>What build, train, demo, eval and --json may overwrite: only a file of the kind they write, or anything with --force.</summary>
public sealed class OutputPathTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-output-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    // A small, quick memory: eight emoji as raw 8×8 pixels.
    private static (int ExitCode, string Output, string Error) Build(string output, params string[] more) =>
        CliRunner.Run(["build", "--dataset", "emoji", "--n", "8", "--image-codec", "raw", "--image-size", "8", "--text-encoder", "none", "--out", output, .. more]);

    private string CopyOfTextEncoder()
    {
        string model = In("emoji-text.safetensors");
        File.Copy(Path.Combine(ShippedData.Find("models")!, "emoji-text.safetensors"), model);
        return model;
    }

    [Fact]
    public void Should_refuse_to_build_a_memory_over_a_trained_model_and_leave_the_model_unchanged()
    {
        // Given a trained text encoder where the memory is to go
        string model = CopyOfTextEncoder();
        string before = Hash(model);

        // When a memory is built onto it
        var (code, output, error) = Build(model);

        // Then the build is refused before any work, saying what the file is and how to replace it, and the model is untouched
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --out {model}: it holds a trained text encoder (from engram train text)", error, StringComparison.Ordinal);
        Assert.Contains("pass --force to replace it", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Stored", output, StringComparison.Ordinal);
        Assert.Equal(before, Hash(model));
    }

    [Fact]
    public void Should_replace_an_earlier_memory_without_force_and_a_model_with_force()
    {
        // Given a memory built once
        string memory = In("m.engram");
        Assert.Equal(0, Build(memory).ExitCode);

        // When it is built again to the same path, Then it is replaced
        var (code, output, error) = Build(memory);
        Assert.True(code == 0, error);
        Assert.Contains($"Stored 8 items from", output, StringComparison.Ordinal);

        // And with --force a model file is replaced by the memory
        string model = CopyOfTextEncoder();
        (code, _, error) = Build(model, "--force");
        Assert.True(code == 0, error);
        Assert.Equal(OutputFileKind.Memory, OutputPath.Identify(model));
    }

    [Fact]
    public void Should_refuse_to_train_a_model_over_a_memory_or_a_model_of_another_kind()
    {
        // Given a memory and a text encoder
        string memory = In("m.engram");
        Assert.Equal(0, Build(memory).ExitCode);
        string before = Hash(memory);
        string model = CopyOfTextEncoder();

        // When an image codec is to be trained onto each
        var (code, output, error) = CliRunner.Run("train", "autoencoder", "--dataset", "emoji", "--max-items", "16", "--epochs", "1", "--out", memory);
        var (onModel, _, modelError) = CliRunner.Run("train", "autoencoder", "--dataset", "emoji", "--max-items", "16", "--epochs", "1", "--out", model);

        // Then both are refused before training, naming what is there, and the memory is untouched
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --out {memory}: it holds an Engram memory (from engram build)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Training", output, StringComparison.Ordinal);
        Assert.Equal(before, Hash(memory));
        Assert.Equal(1, onModel);
        Assert.Contains("it holds a trained text encoder", modelError, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_json_path_holding_a_data_file_and_replace_an_earlier_report()
    {
        // Given a JSON data file of the user's
        string data = In("items.json");
        File.WriteAllText(data, "{\"items\": [1, 2, 3]}\n");

        // When a build is asked to write its --json there
        var (code, output, error) = Build(In("m.engram"), "--json", data);

        // Then it is refused before the build, and the file is kept
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --json {data}: it holds a file that Engram did not write (it may be data of yours)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Stored", output, StringComparison.Ordinal);
        Assert.Equal("{\"items\": [1, 2, 3]}\n", File.ReadAllText(data));

        // And a report written by an earlier run is marked as Engram's and replaced
        string report = In("build.json");
        Assert.Equal(0, Build(In("m.engram"), "--json", report).ExitCode);
        Assert.Equal("engram", CliRunner.ReadJson(report).GetProperty("written_by").GetString());
        (code, _, error) = Build(In("m.engram"), "--json", report);
        Assert.True(code == 0, error);
    }

    [Fact]
    public void Should_refuse_a_demo_folder_holding_a_page_the_demo_did_not_write()
    {
        // Given a folder whose report.html is the user's own page
        string folder = In("demo");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.html"), "<!doctype html><title>my notes</title>");

        // When the demo is asked to write there
        var (code, output, error) = CliRunner.Run("demo", "--out", folder);

        // Then it is refused before any work
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --out {Path.Combine(folder, "report.html")}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Fashion-MNIST", output, StringComparison.Ordinal);
        Assert.Equal("<!doctype html><title>my notes</title>", File.ReadAllText(Path.Combine(folder, "report.html")));
    }

    [Fact]
    public void Should_refuse_an_eval_folder_holding_a_file_of_the_reports_name_that_eval_did_not_write()
    {
        // Given a folder with the user's own table1.csv
        string folder = In("results");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "table1.csv"), "a,b\n1,2\n");

        // When table1 is asked to write there
        var (code, output, error) = CliRunner.Run("eval", "table1", "--quick", "--out", folder);

        // Then it is refused before the run
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --out {Path.Combine(folder, "table1.csv")}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("writing into", output, StringComparison.Ordinal);
    }

    [EspeakFact]
    public void Should_say_where_spoken_names_are_cached_and_how_much_the_cache_holds()
    {
        // Given a memory of emoji sounds (the names spoken by espeak-ng)
        string memory = In("spoken.engram");

        // When it is built
        var (code, output, error) = CliRunner.Run(
            "build", "--dataset", "emoji", "--n", "4", "--image-codec", "none", "--text-encoder", "none",
            "--audio-encoder", Path.Combine(ShippedData.Find("models")!, "emoji-speech.safetensors"), "--out", memory);

        // Then the run names the cache folder once, with its size and how to move it
        Assert.True(code == 0, error);
        string line = $"Spoken names are cached as WAV files in {SpeechSynthesizer.DefaultCacheFolder()} (now ";
        Assert.Contains(line, output, StringComparison.Ordinal);
        Assert.Equal(output.IndexOf(line, StringComparison.Ordinal), output.LastIndexOf(line, StringComparison.Ordinal));
        Assert.Contains("set ENGRAM_CACHE to keep the cache elsewhere", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_to_save_a_recalled_image_over_a_model_but_replace_its_own_earlier_image()
    {
        // Given a memory, a trained model and a PNG path
        string memory = In("m.engram");
        Assert.Equal(0, Build(memory).ExitCode);
        string model = CopyOfTextEncoder();
        string before = Hash(model);
        string png = In("recalled.png");

        // When recall --save points at the model, Then it is refused before the memory is opened, and the model is untouched
        var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--item", "1", "--save", model);
        Assert.Equal(1, code);
        Assert.Contains($"Refusing to write --save {model}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Recalled item", output, StringComparison.Ordinal);
        Assert.Equal(before, Hash(model));

        // And a recalled image may replace the one an earlier recall saved, twice over
        for (int i = 0; i < 2; i++)
        {
            (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--item", "1", "--save", png, "--json", In("r.json"));
            Assert.True(code == 0, error);
        }

        // And --force replaces the model
        (code, _, error) = CliRunner.Run("recall", "--memory", memory, "--item", "1", "--save", model, "--force");
        Assert.True(code == 0, error);
        Assert.NotEqual(before, Hash(model));
    }

    [Fact]
    public void Should_recall_from_a_memory_with_no_verify_and_say_it_was_not_checked()
    {
        string memory = In("m.engram");
        Assert.Equal(0, Build(memory).ExitCode);
        var (code, output, error) = CliRunner.Run("recall", "--memory", memory, "--item", "2", "--no-verify");
        Assert.True(code == 0, error);
        Assert.Contains("Recalled item", output, StringComparison.Ordinal);
        Assert.Contains("--no-verify", error, StringComparison.Ordinal);
    }
}
