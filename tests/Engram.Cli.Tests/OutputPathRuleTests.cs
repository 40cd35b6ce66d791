using Engram.Cli;
using Engram.Data;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Encoders;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Tensors;

namespace Engram.Cli.Tests;

/// <summary>What an output path holds, recognised by what Engram writes into its files, and what may replace it.</summary>
public sealed class OutputPathRuleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-output-path-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    private static string Model(string name) => Path.Combine(ShippedData.Find("models")!, name);

    private string SaveMemory()
    {
        var images = new Tensor(2, 4);
        images.Span[0] = 1;
        images.Span[5] = 1;
        string path = In("m.engram");
        MultimodalMemory.Build([new MemoryItem("a"), new MemoryItem("b")], MemoryEncoders.Open("raw", null, null, new ImageShape(1, 2, 2)), images).Save(path);
        return path;
    }

    [Fact]
    public void Should_recognise_each_kind_of_file_engram_writes_by_its_content()
    {
        // Given files of every kind, under names that say nothing
        string memory = SaveMemory();
        string png = In("a.bin"), foreignPng = In("b.bin"), html = In("c.bin"), json = In("d.bin"), csv = In("e.bin"), data = In("f.bin");
        var image = new Image(2, 2, PixelLayout.Grey, new float[4]);
        PngEncoder.Save(png, image, OutputPath.PngText);
        PngEncoder.Save(foreignPng, image, new Dictionary<string, string> { ["Software"] = "GIMP" });
        File.WriteAllText(html, $"<!doctype html><html><head><meta charset=\"utf-8\">{OutputPath.HtmlGeneratorTag}<title>x</title>");
        File.WriteAllText(json, "{\"written_by\": \"engram\", \"items\": 3}");
        File.WriteAllText(csv, "experiment,dataset,encoder,similarity\n");
        File.WriteAllText(data, "{\"items\": 3}");

        // When each is identified, Then it is the kind its content says
        Assert.Equal(OutputFileKind.Memory, OutputPath.Identify(memory));
        Assert.Equal(OutputFileKind.TextEncoder, OutputPath.Identify(Model("emoji-text.safetensors")));
        Assert.Equal(OutputFileKind.ImageCodec, OutputPath.Identify(Model("emoji-autoencoder.safetensors")));
        Assert.Equal(OutputFileKind.SpeechEncoder, OutputPath.Identify(Model("emoji-speech.safetensors")));
        Assert.Equal(OutputFileKind.HarmonicModel, OutputPath.Identify(Model("emoji-harmonic.safetensors")));
        Assert.Equal(OutputFileKind.EngramImage, OutputPath.Identify(png));
        Assert.Equal(OutputFileKind.Unrecognised, OutputPath.Identify(foreignPng));
        Assert.Equal(OutputFileKind.DemoReport, OutputPath.Identify(html));
        Assert.Equal(OutputFileKind.JsonReport, OutputPath.Identify(json));
        Assert.Equal(OutputFileKind.ExperimentReport, OutputPath.Identify(csv));
        Assert.Equal(OutputFileKind.Unrecognised, OutputPath.Identify(data));
        Assert.Equal(OutputFileKind.Unrecognised, OutputPath.Identify(Model("emoji-text.json")));
        Assert.Equal(OutputFileKind.Folder, OutputPath.Identify(_folder));
        File.WriteAllBytes(In("empty"), []);
        Assert.Equal(OutputFileKind.Empty, OutputPath.Identify(In("empty")));
        Assert.Equal(OutputFileKind.Absent, OutputPath.Identify(In("none")));
    }

    [Fact]
    public void Should_let_a_file_replace_only_one_of_its_own_kind_unless_forced()
    {
        // Given a memory and a copy of a trained text encoder
        string memory = SaveMemory();
        string model = In("text.safetensors");
        File.Copy(Model("emoji-text.safetensors"), model);

        // When a memory is to be written over each, Then the memory may be replaced and the model may not, but with force
        OutputPath.CheckReplaceable(memory, OutputFileKind.Memory, force: false, "--out");
        var error = Assert.Throws<IOException>(() => OutputPath.CheckReplaceable(model, OutputFileKind.Memory, force: false, "--out"));
        Assert.Equal(
            $"Refusing to write --out {model}: it holds a trained text encoder (from engram train text), and this command writes an Engram memory (from engram build), " +
            "which must not replace it. Choose another path, or pass --force to replace it.", error.Message);
        OutputPath.CheckReplaceable(model, OutputFileKind.Memory, force: true, "--out");
        File.WriteAllBytes(In("empty"), []);
        OutputPath.CheckReplaceable(In("empty"), OutputFileKind.TextEncoder, force: false, "--out");

        // And a model is refused a model of another kind, a folder always, a missing folder with its name
        Assert.Contains("it holds an Engram memory", Assert.Throws<IOException>(() =>
            OutputPath.CheckReplaceable(memory, OutputFileKind.ImageCodec, force: false, "--out")).Message, StringComparison.Ordinal);
        Assert.Contains("it is a folder", Assert.Throws<IOException>(() =>
            OutputPath.CheckReplaceable(_folder, OutputFileKind.Memory, force: true, "--out")).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() =>
            OutputPath.CheckReplaceable(In("no/m.engram"), OutputFileKind.Memory, force: false, "--out")).Message, StringComparison.Ordinal);
    }
}
