using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Engram.Data;

namespace Engram.Cli;

/// <summary>
/// Machine-readable output: snake_case JSON, marked <c>"written_by": "engram"</c> so that a later run may replace
/// it (and nothing else: see <see cref="OutputPath"/>), written crash-safe by <see cref="AtomicFile"/>.
/// </summary>
internal static class JsonOutput
{
    /// <summary>The <c>--json</c> value that means standard output.</summary>
    public const string StandardOutput = "-";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>
    /// The <c>--json</c> target of a command, checked before the command does its work (so that a long run does not
    /// end on a refusal): null without <c>--json</c>; "-" is standard output; a file must hold nothing or an earlier
    /// <c>--json</c> report, unless <paramref name="force"/>.
    /// </summary>
    public static JsonTarget? Target(string? path, bool force)
    {
        if (path is null)
        {
            return null;
        }

        if (path != StandardOutput)
        {
            OutputPath.CheckReplaceable(path, OutputFileKind.JsonReport, force, "--json");
        }

        return new JsonTarget(path, force);
    }

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="path"/> ("-" writes to standard output), refusing a path
    /// that holds anything but an earlier <c>--json</c> report unless <paramref name="force"/>.
    /// </summary>
    public static void Write<T>(string path, T value, TextWriter stdout, bool force = false)
    {
        JsonNode? node = JsonSerializer.SerializeToNode(value, Options);
        if (node is JsonObject fields)
        {
            fields.Insert(0, "written_by", OutputPath.WrittenBy);
        }

        string json = node?.ToJsonString(Options) ?? "null";
        if (path == StandardOutput)
        {
            stdout.WriteLine(json);
            return;
        }

        OutputPath.CheckReplaceable(path, OutputFileKind.JsonReport, force, "--json");
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(json + "\n"));
    }
}

/// <summary>Where a command's <c>--json</c> goes, checked when the command started (see <see cref="JsonOutput.Target"/>).</summary>
internal sealed record JsonTarget(string Path, bool Force)
{
    /// <summary>Writes <paramref name="value"/> there ("-": the context's standard output, which then holds nothing else).</summary>
    public void Write<T>(T value, CliContext context) => JsonOutput.Write(Path, value, context.StandardOutput, Force);
}
