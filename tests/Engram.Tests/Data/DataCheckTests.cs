using Engram.Data;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Tests.Data;

public sealed class DataCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-check-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_decode_every_known_file_and_list_the_failures_with_reasons()
    {
        // Given a good PNG, a PNG cut short, an IDX file with a bad magic number, a shipped IDX file and a text file
        PngEncoder.Save(Path.Combine(_folder, "good.png"), new Image(3, 2, PixelLayout.Rgb), null);
        byte[] png = File.ReadAllBytes(Path.Combine(_folder, "good.png"));
        File.WriteAllBytes(Path.Combine(_folder, "cut.png"), png[..(png.Length / 2)]);
        File.WriteAllBytes(Path.Combine(_folder, "bad.idx"), [1, 2, 3, 4, 5]);
        File.Copy(Path.Combine(FashionMnist.ShippedDirectory()!, "train-labels-idx1-ubyte.gz"), Path.Combine(_folder, "labels-idx1-ubyte.gz"));
        File.WriteAllText(Path.Combine(_folder, "readme.txt"), "not data");

        // When
        DataCheckReport report = DataCheck.Run(_folder);

        // Then
        Assert.Equal(4, report.Files);
        Assert.Equal(2, report.Decoded);
        Assert.Equal(1, report.Skipped);
        Assert.Equal(["bad.idx", "cut.png"], report.Failed.Select(f => Path.GetFileName(f.File)));
        Assert.Contains("not an IDX file", report.Failed[0].Error, StringComparison.Ordinal);
        Assert.Contains("cut.png", report.Failed[1].Error, StringComparison.Ordinal);
        Assert.Equal(DataFileKind.Image, report.Failed[1].Kind);
    }

    [Fact]
    public void Should_go_on_to_the_next_file_after_a_header_with_a_string_shape_and_name_the_bad_file()
    {
        // Given a safetensors file whose shape is a string, sorted before a good PNG
        byte[] json = System.Text.Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}");
        byte[] bad = [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[8]];
        File.WriteAllBytes(Path.Combine(_folder, "a-bad.safetensors"), bad);
        byte[] shape = System.Text.Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}");
        File.WriteAllBytes(Path.Combine(_folder, "b-bad.safetensors"), [.. BitConverter.GetBytes((ulong)shape.Length), .. shape, .. new byte[8]]);
        File.WriteAllBytes(Path.Combine(_folder, "c-bad.idx"), Convert.FromHexString("00000b032000ea607200003d0000001c"));
        PngEncoder.Save(Path.Combine(_folder, "d-good.png"), new Image(3, 2, PixelLayout.Rgb), null);

        // When
        DataCheckReport report = DataCheck.Run(_folder);

        // Then every file was looked at, the good one decoded and each failure names its file
        Assert.Equal(4, report.Files);
        Assert.Equal(1, report.Decoded);
        Assert.Equal(["a-bad.safetensors", "b-bad.safetensors", "c-bad.idx"], report.Failed.Select(f => Path.GetFileName(f.File)));
        Assert.All(report.Failed, f => Assert.StartsWith(f.File + ":", f.Error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a.PNG", DataFileKind.Image)]
    [InlineData("x/voice.wav", DataFileKind.Sound)]
    [InlineData("song.MP3", DataFileKind.Sound)]
    [InlineData("bird.ogg", DataFileKind.Sound)]
    [InlineData("take.flac", DataFileKind.Sound)]
    [InlineData("model.safetensors", DataFileKind.Safetensors)]
    [InlineData("train-images-idx3-ubyte.gz", DataFileKind.Idx)]
    [InlineData("t10k-labels-idx1-ubyte", DataFileKind.Idx)]
    [InlineData("data.idx", DataFileKind.Idx)]
    [InlineData("notes.txt", null)]
    [InlineData("archive.gz", null)]
    public void Should_recognise_files_by_name(string name, DataFileKind? kind) => Assert.Equal(kind, DataCheck.KindOf(name));

    [Fact]
    public void Should_say_when_the_path_does_not_exist()
    {
        string path = Path.Combine(_folder, "missing");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => DataCheck.Run(path)).Message, StringComparison.Ordinal);
    }
}
