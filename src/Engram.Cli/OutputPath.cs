using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Safetensors;
using Engram.Encoders.Audio;
using Engram.Encoders.Images;
using Engram.Encoders.Text;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Cli;

/// <summary>
/// What a path holds, as far as Engram can tell: nothing, a folder, a file it wrote (by kind) or a file it did not.
/// It lives with the commands (the only writers of output paths) because recognising a file needs every layer's metadata keys.
/// </summary>
public enum OutputFileKind
{
    /// <summary>Nothing is there.</summary>
    Absent,

    /// <summary>A folder.</summary>
    Folder,

    /// <summary>A file of no bytes (such as a placeholder a script made): there is nothing in it to lose.</summary>
    Empty,

    /// <summary>A file Engram does not recognise as one it wrote: data or anything else of the user's.</summary>
    Unrecognised,

    /// <summary>A safetensors file without any of Engram's metadata: someone else's weights.</summary>
    ForeignSafetensors,

    /// <summary>A memory from <c>engram build</c> (safetensors with <c>engram.memory</c> metadata).</summary>
    Memory,

    /// <summary>An image codec's weights from <c>engram train autoencoder|vq-vae|dvae</c>.</summary>
    ImageCodec,

    /// <summary>A text encoder's weights from <c>engram train text</c>.</summary>
    TextEncoder,

    /// <summary>A speech encoder's weights from <c>engram train audio</c>.</summary>
    SpeechEncoder,

    /// <summary>A harmonic model's weights from <c>engram train harmonic</c>.</summary>
    HarmonicModel,

    /// <summary>A training checkpoint (weights, optimizer state and position).</summary>
    TrainingCheckpoint,

    /// <summary>A <c>--json</c> report (a JSON object whose <c>written_by</c> is <see cref="OutputPath.WrittenBy"/>).</summary>
    JsonReport,

    /// <summary>A file of an <c>engram eval</c> experiment report (its NAME.json, NAME.csv or NAME.md).</summary>
    ExperimentReport,

    /// <summary>The page <c>engram demo</c> writes (HTML with Engram's generator tag).</summary>
    DemoReport,

    /// <summary>A PNG that Engram saved (tEXt Software = <see cref="OutputPath.WrittenBy"/>), such as <c>recall --save</c>'s.</summary>
    EngramImage,

    /// <summary>
    /// A living store (<see cref="Engram.Store.MemoryStore"/>: SQLite with Engram's format version). Never replaced without
    /// --force, not even by another store: what was added to it since it was made is nowhere else.
    /// </summary>
    Store,

    /// <summary>
    /// A copy of an item's original as the user gave it (<c>engram recall --originals</c>): the user's own photo or recording,
    /// which carries no mark of Engram's, so it is never recognised and never replaced without --force.
    /// </summary>
    Original,
}

/// <summary>
/// The one rule for every file a command writes: an output path may replace only a file of the kind the command
/// itself writes (a memory over a memory, a text encoder over a text encoder, a report over a report), never a
/// model of another kind, a data file or anything Engram does not recognise, unless the user says --force. An
/// empty file holds nothing to lose and may be replaced by anything.
/// Files are recognised by what Engram writes into them (safetensors metadata, a JSON field, a PNG text chunk,
/// an HTML tag, an experiment's header), never by their name.
/// </summary>
public static class OutputPath
{
    /// <summary>The mark Engram leaves in the files it writes where the format has room for one (JSON, PNG, HTML).</summary>
    public const string WrittenBy = "engram";

    /// <summary>The key of the PNG text chunk that carries <see cref="WrittenBy"/>.</summary>
    public const string PngSoftwareKey = "Software";

    /// <summary>The tag in the head of the demo's page that carries <see cref="WrittenBy"/>.</summary>
    public const string HtmlGeneratorTag = "<meta name=\"generator\" content=\"" + WrittenBy + "\">";

    /// <summary>The PNG text that marks an image as Engram's: pass it to <see cref="Engram.Data.Png.PngEncoder.Save"/> so that a later run may replace the image.</summary>
    public static IReadOnlyDictionary<string, string> PngText { get; } = new Dictionary<string, string>(StringComparer.Ordinal) { [PngSoftwareKey] = WrittenBy };

    // Larger JSON files are not parsed to recognise them (none of Engram's reports comes near).
    private const long MaxJsonBytes = 64L * 1024 * 1024;

    // The metadata key of the trainer's checkpoints (Nn/Training/Trainer.cs).
    private const string CheckpointKey = "engram.training_position";

    /// <summary>
    /// Checks that <paramref name="path"/> (given as <paramref name="option"/>, e.g. "--out") may receive a file of
    /// kind <paramref name="writing"/>: its folder exists, it is not a folder, and it is empty or holds a file of the
    /// same kind (or <paramref name="force"/> is set). Throws an <see cref="IOException"/> saying what the path holds
    /// and what to do otherwise.
    /// </summary>
    public static void CheckReplaceable(string path, OutputFileKind writing, bool force, string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        string? folder = System.IO.Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write {option} {path}: the folder {folder} does not exist.");
        }

        OutputFileKind existing = Identify(path);
        if (existing == OutputFileKind.Folder)
        {
            throw new IOException($"Cannot write {option} {path}: it is a folder. Give the path of a file.");
        }

        if (existing is OutputFileKind.Absent or OutputFileKind.Empty || (existing == writing && existing != OutputFileKind.Store) || force)
        {
            return;
        }

        if (existing == OutputFileKind.Store)
        {
            throw new IOException(
                $"Refusing to write {option} {path}: it is a living store, and what was added to it or forgotten from it since it was made would be lost. " +
                "Add to it with engram add, choose another path, or pass --force to replace it.");
        }

        throw new IOException(
            $"Refusing to write {option} {path}: it holds {Describe(existing)}, and this command writes {Describe(writing)}, which must not replace it. " +
            "Choose another path, or pass --force to replace it.");
    }

    /// <summary>
    /// Checks that <paramref name="folder"/> (given as <paramref name="option"/>) can hold a command's files: it is a
    /// folder, or it and the folders above it up to one that exists can be made (none of them is a file). Throws an
    /// <see cref="IOException"/> naming the file in the way otherwise, before any work is done.
    /// </summary>
    public static void CheckFolder(string folder, string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        for (string? at = System.IO.Path.GetFullPath(folder); at is not null; at = System.IO.Path.GetDirectoryName(at))
        {
            if (Directory.Exists(at))
            {
                return;
            }

            if (File.Exists(at))
            {
                throw new IOException(at == System.IO.Path.GetFullPath(folder)
                    ? $"Cannot write into {option} {folder}: it is a file, and this command writes a folder of files. Give the path of a folder (it is made if missing)."
                    : $"Cannot write into {option} {folder}: {at} is a file, so the folder cannot be made there. Give the path of a folder.");
            }
        }
    }

    /// <summary>What <paramref name="path"/> holds (see <see cref="OutputFileKind"/>); a file that cannot be read counts as unrecognised.</summary>
    public static OutputFileKind Identify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return OutputFileKind.Folder;
        }

        if (!File.Exists(path))
        {
            return OutputFileKind.Absent;
        }

        try
        {
            byte[] head = ReadHead(path, 4096);
            return head switch
            {
                [] => OutputFileKind.Empty,
                _ when IsSafetensors(head) => IdentifySafetensors(path),
                [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => IsEngramPng(path) ? OutputFileKind.EngramImage : OutputFileKind.Unrecognised,
                [(byte)'S', (byte)'Q', (byte)'L', (byte)'i', (byte)'t', (byte)'e', ..] => Engram.Store.MemoryStore.FormatOf(path) is null ? OutputFileKind.Unrecognised : OutputFileKind.Store,
                _ => IdentifyText(path, Encoding.UTF8.GetString(head)),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DataFormatException or InvalidDataException or JsonException)
        {
            return OutputFileKind.Unrecognised;
        }
    }

    /// <summary>How a message names a kind of file, e.g. "a trained text encoder (from engram train text)".</summary>
    public static string Describe(OutputFileKind kind) => kind switch
    {
        OutputFileKind.Absent => "nothing",
        OutputFileKind.Folder => "a folder",
        OutputFileKind.Empty => "an empty file",
        OutputFileKind.Unrecognised => "a file that Engram did not write (it may be data of yours)",
        OutputFileKind.ForeignSafetensors => "a safetensors file that Engram did not write",
        OutputFileKind.Memory => "an Engram memory (from engram build)",
        OutputFileKind.ImageCodec => "a trained image codec (from engram train)",
        OutputFileKind.TextEncoder => "a trained text encoder (from engram train text)",
        OutputFileKind.SpeechEncoder => "a trained speech encoder (from engram train audio)",
        OutputFileKind.HarmonicModel => "a trained harmonic model (from engram train harmonic)",
        OutputFileKind.TrainingCheckpoint => "a training checkpoint",
        OutputFileKind.JsonReport => "a --json report",
        OutputFileKind.ExperimentReport => "an engram eval report",
        OutputFileKind.DemoReport => "an engram demo report",
        OutputFileKind.EngramImage => "an image saved by Engram",
        OutputFileKind.Store => "a living store (from engram build --store or engram import)",
        OutputFileKind.Original => "a copy of a recalled item's original photo or recording",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of file."),
    };

    private static byte[] ReadHead(string path, int count)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var head = new byte[(int)Math.Min(count, stream.Length)];
        stream.ReadExactly(head);
        return head;
    }

    // Eight bytes of header length (little-endian, not more than the reader accepts), then the header's '{'.
    private static bool IsSafetensors(byte[] head) =>
        head.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) is > 1 and <= SafetensorsFile.MaxHeaderBytes && head[8] == (byte)'{';

    private static OutputFileKind IdentifySafetensors(string path)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        IReadOnlyDictionary<string, string> metadata = file.Metadata;

        // A checkpoint also records the model's configuration, so its own key decides first.
        return metadata.ContainsKey(CheckpointKey) ? OutputFileKind.TrainingCheckpoint
            : metadata.ContainsKey(MultimodalMemory.MetadataKey) ? OutputFileKind.Memory
            : metadata.ContainsKey(HarmonicModel.ConfigKey) ? OutputFileKind.HarmonicModel
            : metadata.ContainsKey(ConvImageCodec.ConfigKey) ? OutputFileKind.ImageCodec
            : metadata.ContainsKey(NgramTextEncoder.ConfigKey) ? OutputFileKind.TextEncoder
            : metadata.ContainsKey(SpeechEncoder.ConfigKey) ? OutputFileKind.SpeechEncoder
            : OutputFileKind.ForeignSafetensors;
    }

    // The chunks before the image data, looking for tEXt "Software\0engram".
    private static bool IsEngramPng(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(8, SeekOrigin.Begin);
        Span<byte> header = stackalloc byte[8];
        byte[] expected = Encoding.Latin1.GetBytes(PngSoftwareKey + "\0" + WrittenBy);
        while (stream.Read(header) == 8)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            string type = Encoding.ASCII.GetString(header[4..]);
            if (type is "IDAT" or "IEND" || length > int.MaxValue - 4)
            {
                return false;
            }

            if (type == "tEXt" && length == expected.Length)
            {
                var body = new byte[length];
                stream.ReadExactly(body);
                if (body.AsSpan().SequenceEqual(expected))
                {
                    return true;
                }

                stream.Seek(4, SeekOrigin.Current);
                continue;
            }

            stream.Seek(length + 4L, SeekOrigin.Current);
        }

        return false;
    }

    private static OutputFileKind IdentifyText(string path, string head)
    {
        string start = head.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (start.StartsWith("# engram eval ", StringComparison.Ordinal) || start.StartsWith("experiment,dataset,encoder,", StringComparison.Ordinal))
        {
            return OutputFileKind.ExperimentReport;
        }

        if (start.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) && head.Contains(HtmlGeneratorTag, StringComparison.Ordinal))
        {
            return OutputFileKind.DemoReport;
        }

        if (!start.StartsWith('{') || new FileInfo(path).Length > MaxJsonBytes)
        {
            return OutputFileKind.Unrecognised;
        }

        using FileStream stream = File.OpenRead(path);
        using JsonDocument json = JsonDocument.Parse(stream);
        JsonElement root = json.RootElement;
        if (root.TryGetProperty("written_by", out JsonElement by) && by.ValueKind == JsonValueKind.String && by.GetString() == WrittenBy)
        {
            return OutputFileKind.JsonReport;
        }

        return root.TryGetProperty("experiment", out JsonElement name) && name.ValueKind == JsonValueKind.String
            && root.TryGetProperty("rows", out JsonElement rows) && rows.ValueKind == JsonValueKind.Array
            ? OutputFileKind.ExperimentReport
            : OutputFileKind.Unrecognised;
    }
}
