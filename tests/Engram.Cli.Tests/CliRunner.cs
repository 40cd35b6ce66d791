using System.Text.Json;

namespace Engram.Cli.Tests;

/// <summary>Runs the engram command in-process and captures what a person would see.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = EngramApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public static JsonElement ReadJson(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    public static string ShippedTrainImages() =>
        Path.Combine(
            Engram.Data.FashionMnist.ShippedDirectory() ?? throw new FileNotFoundException("The shipped data/fashion-mnist subset was not found."),
            "train-images-idx3-ubyte.gz");
}
