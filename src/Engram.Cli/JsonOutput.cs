using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engram.Cli;

/// <summary>Machine-readable output: snake_case JSON, written whole to a temporary file and renamed into place.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> ("-" writes to standard output).</summary>
    public static void Write<T>(string path, T value, TextWriter stdout)
    {
        string json = JsonSerializer.Serialize(value, Options);
        if (path == "-")
        {
            stdout.WriteLine(json);
            return;
        }

        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write --json {path}: the folder {directory} does not exist.");
        }

        string temporary = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, json + "\n");
        File.Move(temporary, full, overwrite: true);
    }
}
