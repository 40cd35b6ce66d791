using System.Buffers.Binary;
using System.Text;

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
    public void Should_name_the_png_whose_image_data_is_cut_rather_than_crash_in_build()
    {
        // Given a folder of good PNGs and one whose chunks are whole but whose compressed pixels stop halfway
        string photos = Path.Combine(_folder, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < 24; i++)
        {
            Engram.Data.Png.PngEncoder.Save(Path.Combine(photos, $"photo-{i:D2}.png"), Noise(i), new Dictionary<string, string> { ["Title"] = $"photo {i}" });
        }

        string cut = Path.Combine(photos, "photo-10-cut.png");
        File.WriteAllBytes(cut, CutImageData(Engram.Data.Png.PngEncoder.Encode(Noise(99), new Dictionary<string, string> { ["Title"] = "cut" })));

        // When it is built with --strict
        string memory = Path.Combine(_folder, "photos.engram");
        var (code, output, error) = CliRunner.Run("build", "--dataset", photos, "--out", memory, "--strict");

        // Then the file and what is wrong with it, in one line, and no memory
        Assert.Equal(1, code);
        Assert.StartsWith("error: --strict: ", error.Trim(), StringComparison.Ordinal);
        Assert.Contains("1 file could not be decoded, so its item was left out: photo-10-cut.png (the image data is short", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("AggregateException", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.False(File.Exists(memory));

        // When it is built without: the other 24 are stored, and the cut one is named at the end
        (code, output, error) = CliRunner.Run("build", "--dataset", photos, "--out", memory);
        Assert.True(code == 0, error);
        Assert.Contains("Stored 24 items", output, StringComparison.Ordinal);
        Assert.Contains("  1 file could not be decoded, so its item was left out: photo-10-cut.png (the image data is short", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
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

    private static Engram.Data.Images.Image Noise(int seed)
    {
        var random = new Random(seed);
        return new Engram.Data.Images.Image(16, 16, Engram.Data.Images.PixelLayout.Grey, Enumerable.Range(0, 256).Select(_ => random.NextSingle()).ToArray());
    }

    // The PNG with its IDAT chunk (one, the last before IEND, as PngEncoder writes it) holding only the first half of
    // the compressed pixels, its CRC made right: the chunks read, the image does not decode.
    private static byte[] CutImageData(byte[] png)
    {
        int idat = 8;
        while (Encoding.ASCII.GetString(png, idat + 4, 4) != "IDAT")
        {
            idat += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        }

        return [.. png.AsSpan(0, idat), .. Chunk("IDAT", png.AsSpan(idat + 8, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat)) / 2)), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        var chunk = new byte[8 + data.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typed.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Engram.Data.Png.Crc32.Compute(typed));
        return chunk;
    }
}
