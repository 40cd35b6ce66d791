using System.Text.Json;
using Engram.Encoders.Images;
using Engram.Nn;
using Engram.Tensors;

namespace Engram.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_train_an_image_codec_write_its_weights_and_report_held_out_mse_and_ssim()
    {
        // Given
        string weights = Path.Combine(_folder, "ae.safetensors"), json = Path.Combine(_folder, "ae.json");

        // When
        var (code, output, error) = CliRunner.Run(
            "train", "autoencoder", "--max-items", "256", "--epochs", "1", "--batch-size", "64", "--test-items", "100", "--out", weights, "--json", json);

        // Then a person sees what is trained, each epoch and the held-out scores
        Assert.True(code == 0, error);
        Assert.Contains("Training autoencoder (", output, StringComparison.Ordinal);
        Assert.Contains("epoch 1/1: loss ", output, StringComparison.Ordinal);
        Assert.Contains("Fashion-MNIST test", output, StringComparison.Ordinal);
        Assert.Contains("SSIM", output, StringComparison.Ordinal);
        JsonElement report = CliRunner.ReadJson(json);
        Assert.Equal(100, report.GetProperty("test_images").GetInt32());
        double mse = report.GetProperty("metrics").GetProperty("test_mse").GetDouble();
        double ssim = report.GetProperty("metrics").GetProperty("test_ssim").GetDouble();
        Assert.InRange(mse, 1e-4, 0.2);
        Assert.InRange(ssim, -1, 1);
        Assert.True(report.GetProperty("epochs")[0].GetProperty("metrics").GetProperty("loss").GetDouble() > 0);

        // And the file is a codec whose metadata says how it was made
        ConvImageCodec codec = ImageCodecs.Load(weights);
        Assert.Equal(report.GetProperty("weights_sha256").GetString(), codec.WeightsHash);
        var (_, metadata) = ModelWeights.Read(weights);
        Assert.StartsWith("engram train autoencoder --max-items 256", metadata["engram.command"], StringComparison.Ordinal);
        Assert.Equal("1", metadata["engram.seed"]);
        Assert.Contains("test_ssim", metadata["engram.metrics"], StringComparison.Ordinal);
    }

    [Fact]
    public void Should_resume_from_the_checkpoint_when_the_same_command_runs_again()
    {
        string weights = Path.Combine(_folder, "vq.safetensors");
        string[] args = ["train", "vq-vae", "--max-items", "128", "--epochs", "1", "--batch-size", "64", "--test-items", "20", "--out", weights];
        var (first, _, error) = CliRunner.Run(args);
        Assert.True(first == 0, error);
        Assert.True(File.Exists(weights + ".checkpoint"));
        string hash = ImageCodecs.Load(weights).WeightsHash!;

        var (second, output, _) = CliRunner.Run(args);
        Assert.Equal(0, second);
        Assert.Contains($"Resumed from {weights}.checkpoint at step 2.", output, StringComparison.Ordinal);
        Assert.Equal(hash, ImageCodecs.Load(weights).WeightsHash);

        // --fresh starts again and, with the same seed, ends on the same weights
        var (third, fresh, _) = CliRunner.Run([.. args, "--fresh"]);
        Assert.Equal(0, third);
        Assert.DoesNotContain("Resumed", fresh, StringComparison.Ordinal);
        Assert.Equal(hash, ImageCodecs.Load(weights).WeightsHash);
    }

    [Theory]
    [InlineData(new[] { "--epochs", "2" }, "epochs 1 → 2")]
    [InlineData(new[] { "--lr", "0.001" }, "learning rate 0.002 → 0.001")]
    [InlineData(new[] { "--local-encoder" }, "--local-encoder no → yes")]
    public void Should_refuse_to_resume_a_finished_run_with_other_settings_naming_each_one(string[] changed, string named)
    {
        // Given a finished run and its checkpoint
        string weights = Path.Combine(_folder, "ae.safetensors");
        string[] args = ["train", "autoencoder", "--max-items", "128", "--batch-size", "64", "--test-items", "20", "--out", weights];
        var (first, _, error) = CliRunner.Run([.. args, "--epochs", "1"]);
        Assert.True(first == 0, error);
        string hash = ImageCodecs.Load(weights).WeightsHash!;

        // When the command runs again with another setting
        args = changed.Contains("--epochs") ? args : [.. args, "--epochs", "1"];
        var (code, output, message) = CliRunner.Run([.. args, .. changed]);

        // Then it is not resumed: the message names the setting, both values and what to do, and the weights are untouched
        Assert.Equal(1, code);
        Assert.DoesNotContain("Resumed", output, StringComparison.Ordinal);
        Assert.Contains($"{weights}.checkpoint is the checkpoint of a run with other settings", message, StringComparison.Ordinal);
        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.Contains("Start over with --fresh", message, StringComparison.Ordinal);
        Assert.Equal(hash, ImageCodecs.Load(weights).WeightsHash);

        // And with --fresh it trains from scratch on the new settings
        var (fresh, freshOutput, freshError) = CliRunner.Run([.. args, .. changed, "--fresh"]);
        Assert.True(fresh == 0, freshError);
        Assert.DoesNotContain("Resumed", freshOutput, StringComparison.Ordinal);
        Assert.NotEqual(hash, ImageCodecs.Load(weights).WeightsHash);
    }

    [Fact]
    public void Should_end_on_the_same_weights_when_the_same_command_runs_while_both_cores_are_busy()
    {
        // Given the weights of a run of a training command
        string weights = Path.Combine(_folder, "busy.safetensors");
        string[] args = ["train", "vq-vae", "--max-items", "512", "--epochs", "1", "--batch-size", "32", "--test-items", "10", "--fresh", "--out", weights];
        var (code, _, error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        string quiet = ImageCodecs.Load(weights).WeightsHash!;

        // When it runs again while a thread per core spins and, in this same process, another command
        // benchmarks convolutions on the other GEMM backend (as a parallel test or a second caller would)
        string other = Gemm.Default.Name == "managed" && Gemm.OpenBlas is not null ? "openblas" : "managed";
        int benchmarks;
        using (var load = new BusyMachine(["bench", "conv", "--batch", "8", "--layer", "8,16,14,14,3,1,1", "--backend", other], TimeSpan.FromMinutes(3)))
        {
            load.WaitUntilStarted();
            (code, _, error) = CliRunner.Run(args);
            benchmarks = load.Stop();
        }

        // Then the load ran throughout, and the weights are the same to the bit
        Assert.True(code == 0, error);
        Assert.True(benchmarks > 0, "The benchmark under load never ran.");
        Assert.Equal(quiet, ImageCodecs.Load(weights).WeightsHash);
    }

    [Fact]
    public void Should_train_a_text_encoder_against_an_emoji_codec_and_report_caption_retrieval()
    {
        string codec = Path.Combine(_folder, "emoji-ae.safetensors"), text = Path.Combine(_folder, "text.safetensors"), json = Path.Combine(_folder, "text.json");
        var (code, _, error) = CliRunner.Run("train", "autoencoder", "--dataset", "emoji", "--max-items", "64", "--epochs", "1", "--batch-size", "32", "--out", codec);
        Assert.True(code == 0, error);

        (code, string output, error) = CliRunner.Run("train", "text", "--image-codec", codec, "--max-items", "64", "--epochs", "3", "--batch-size", "32", "--out", text, "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("caption → image (top-1 of all)", output, StringComparison.Ordinal);
        Assert.Contains("other wordings (short names)", output, StringComparison.Ordinal);
        double accuracy = CliRunner.ReadJson(json).GetProperty("metrics").GetProperty("name_to_image_accuracy").GetDouble();
        Assert.InRange(accuracy, 0, 1);
        Assert.Equal("text", CliRunner.ReadJson(json).GetProperty("encoder").GetString());
    }

    [Fact]
    public void Should_train_on_a_folder_of_pngs_captioned_by_their_title()
    {
        // Given eight 16×16 PNGs, each a bar at another height, captioned only by a tEXt Title
        string folder = Directory.CreateDirectory(Path.Combine(_folder, "mine")).FullName;
        for (int i = 0; i < 8; i++)
        {
            var image = new Engram.Data.Images.Image(16, 16, Engram.Data.Images.PixelLayout.Rgb);
            for (int x = 0; x < 16 * 3; x++)
            {
                image.Pixels[(i * 2 * 16 * 3) + x] = 1f;
            }

            Engram.Data.Png.PngEncoder.Save(Path.Combine(folder, $"bar{i}.png"), image, new Dictionary<string, string> { ["Title"] = $"bar number {i}" });
        }

        // When an image codec and then a text encoder are trained on the folder
        string codec = Path.Combine(_folder, "mine-ae.safetensors"), json = Path.Combine(_folder, "mine-text.json");
        var (code, output, error) = CliRunner.Run("train", "autoencoder", "--dataset", folder, "--epochs", "2", "--batch-size", "4", "--out", codec);
        Assert.True(code == 0, error);
        Assert.Contains("8 32×32×3 images", output, StringComparison.Ordinal);
        (code, output, error) = CliRunner.Run("train", "text", "--dataset", folder, "--image-codec", codec, "--epochs", "2", "--batch-size", "4", "--out", Path.Combine(_folder, "t.safetensors"), "--json", json);

        // Then the report has the names and no other wordings, since each image has one caption
        Assert.True(code == 0, error);
        Assert.DoesNotContain("other wordings", output, StringComparison.Ordinal);
        JsonElement metrics = CliRunner.ReadJson(json).GetProperty("metrics");
        Assert.True(metrics.TryGetProperty("name_to_image_accuracy", out _));
        Assert.False(metrics.TryGetProperty("other_wording_to_image_accuracy", out _));
    }

    [EspeakFact]
    public void Should_train_a_speech_encoder_on_spoken_captions_and_report_a_held_out_voice()
    {
        string codec = Path.Combine(_folder, "e.safetensors"), text = Path.Combine(_folder, "t.safetensors"), speech = Path.Combine(_folder, "s.safetensors");
        Assert.Equal(0, CliRunner.Run("train", "autoencoder", "--dataset", "emoji", "--max-items", "16", "--epochs", "1", "--batch-size", "16", "--out", codec).ExitCode);
        Assert.Equal(0, CliRunner.Run("train", "text", "--image-codec", codec, "--max-items", "16", "--epochs", "2", "--batch-size", "16", "--out", text).ExitCode);

        var (code, output, error) = CliRunner.Run("train", "audio", "--text-encoder", text, "--max-items", "16", "--epochs", "2", "--batch-size", "16", "--voices", "en-us", "--out", speech);
        Assert.True(code == 0, error);
        Assert.Contains("en-us (trained)", output, StringComparison.Ordinal);
        Assert.Contains("en-gb+f2 (held out)", output, StringComparison.Ordinal);
        Assert.True(File.Exists(speech));
    }

    [Theory]
    [InlineData(new[] { "train", "autoencoder", "--dataset", "no-such-set" }, "Unknown dataset 'no-such-set'")]
    [InlineData(new[] { "train", "text" }, "engram train text needs --image-codec PATH")]
    [InlineData(new[] { "train", "audio" }, "engram train audio needs --text-encoder PATH")]
    [InlineData(new[] { "train", "text", "--dataset", "fashion-mnist", "--image-codec", "x" }, "Fashion-MNIST's captions are its 10 class names")]
    [InlineData(new[] { "train", "text", "--dataset", "emoji", "--image-codec", "no-such.safetensors" }, "not found: no-such.safetensors")]
    [InlineData(new[] { "train", "dvae", "--epochs", "0" }, "Epochs")]
    [InlineData(new[] { "train", "dvae", "--out", "/no/such/folder/x.safetensors" }, "the folder /no/such/folder does not exist")]
    public void Should_explain_what_is_wrong_and_exit_with_1(string[] args, string message)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Should_refuse_a_weight_file_of_the_wrong_kind_naming_it()
    {
        string codec = Path.Combine(_folder, "c.safetensors");
        Assert.Equal(0, CliRunner.Run("train", "autoencoder", "--dataset", "emoji", "--max-items", "16", "--epochs", "1", "--batch-size", "16", "--out", codec).ExitCode);
        var (code, _, error) = CliRunner.Run("train", "audio", "--text-encoder", codec, "--max-items", "4");
        Assert.Equal(1, code);
        Assert.Contains($"{codec} has no 'engram.text_encoder' metadata, so it is not an Engram text encoder", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_teaches_with_examples()
    {
        var (code, output, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        Assert.Contains("engram train autoencoder --dataset fashion-mnist", output, StringComparison.Ordinal);
        Assert.Contains("resumes", output, StringComparison.Ordinal);
        Assert.Contains("--image-codec", output, StringComparison.Ordinal);
    }
}

/// <summary>
/// Load on every core for a bounded time: a spinning thread per processor, and a thread that runs an
/// engram command in this process over and over. <see cref="Stop"/> ends it and says how many commands finished.
/// </summary>
internal sealed class BusyMachine : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim _started = new();
    private int _commands;

    public BusyMachine(string[] command, TimeSpan limit)
    {
        _stop = new CancellationTokenSource(limit);
        CancellationToken token = _stop.Token;
        var spinners = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            double x = 1;
            while (!token.IsCancellationRequested)
            {
                for (int i = 0; i < 100_000; i++)
                {
                    x = (x * 1.0000001) + 1e-9;
                }
            }

            GC.KeepAlive(x);
        }) { IsBackground = true });
        var runner = new Thread(() =>
        {
            while (!token.IsCancellationRequested)
            {
                _started.Set();
                CliRunner.Run(command);
                Interlocked.Increment(ref _commands);
            }
        }) { IsBackground = true };
        _threads = [.. spinners, runner];
        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    public void WaitUntilStarted() => _started.Wait(TimeSpan.FromSeconds(30));

    public int Stop()
    {
        int during = Volatile.Read(ref _commands);
        _stop.Cancel();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        return Math.Max(during, Volatile.Read(ref _commands));
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
        _started.Dispose();
    }
}
