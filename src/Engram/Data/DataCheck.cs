using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Data.Safetensors;

namespace Engram.Data;

/// <summary>
/// Decodes every file Engram can read under a folder (images of every format <see cref="ImageFiles"/> reads, sound of
/// every format <see cref="AudioFiles"/> reads, IDX, safetensors) and reports which
/// failed and why, so a user can validate a folder before building a memory from it.
/// </summary>
public static class DataCheck
{
    /// <summary>The kinds of file that are checked, by name.</summary>
    public static DataFileKind? KindOf(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (ImageFiles.HasImageExtension(name))
        {
            return DataFileKind.Image;
        }

        if (AudioFiles.HasSoundExtension(name))
        {
            return DataFileKind.Sound;
        }

        if (name.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            return DataFileKind.Safetensors;
        }

        string stem = name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
        return stem.EndsWith(".idx", StringComparison.Ordinal) || stem.EndsWith("-ubyte", StringComparison.Ordinal)
            || System.Text.RegularExpressions.Regex.IsMatch(stem, @"\.idx\d-ubyte$")
            ? DataFileKind.Idx
            : null;
    }

    /// <summary>Checks one file, or every recognised file under a folder (recursively, in path order).</summary>
    public static DataCheckReport Run(string path, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Run(FilesUnder(path), progress, cancellationToken);

    /// <summary>The file itself, or every file under the folder in path order.</summary>
    public static string[] FilesUnder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return [path];
        }

        return Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : throw new FileNotFoundException($"Nothing to check: {path} is neither a file nor a folder.", path);
    }

    /// <summary>Checks the given files; <paramref name="progress"/> receives how many have been looked at.</summary>
    public static DataCheckReport Run(IReadOnlyList<string> files, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var failed = new List<DataCheckFailure>();
        int checkedFiles = 0, decoded = 0, skipped = 0;
        for (int i = 0; i < files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DataFileKind? kind = KindOf(files[i]);
            if (kind is null)
            {
                skipped++;
                continue;
            }

            checkedFiles++;
            string? error = TryDecode(files[i], kind.Value);
            if (error is null)
            {
                decoded++;
            }
            else
            {
                failed.Add(new DataCheckFailure(files[i], kind.Value, error));
            }

            progress?.Report(i + 1);
        }

        return new DataCheckReport(checkedFiles, decoded, skipped, failed);
    }

    /// <summary>
    /// Decodes a file of the given kind with the decoders' default limits (an image of any format at full size, by its
    /// content, within <see cref="ImageDecodeOptions.MaxDecodedBytes"/>; a sound of any format, by its content, within
    /// <see cref="AudioReadOptions.Default"/>'s limits); returns null on success, else what went wrong,
    /// starting with the file's path. No failure escapes, so one bad file never stops a check.
    /// </summary>
    public static string? TryDecode(string path, DataFileKind kind)
    {
        try
        {
            switch (kind)
            {
                case DataFileKind.Image:
                    ImageFiles.Decode(path);
                    break;
                case DataFileKind.Sound:
                    AudioFiles.Read(path);
                    break;
                case DataFileKind.Idx:
                    IdxFile.Read(path);
                    break;
                case DataFileKind.Safetensors:
                    using (SafetensorsFile file = SafetensorsFile.Open(path))
                    {
                        foreach (SafetensorsEntry entry in file.Entries)
                        {
                            file.ReadFloat32(entry.Name);
                        }
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of file.");
            }

            return null;
        }
        catch (DataFormatException e)
        {
            return e.Message;
        }
#pragma warning disable CA1031 // One unreadable file must not stop the check of the others: any failure is reported with its file.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}";
        }
    }
}

/// <summary>The file formats <see cref="DataCheck"/> decodes.</summary>
public enum DataFileKind
{
    /// <summary>An image: JPEG, PNG, GIF, BMP, TIFF, WebP or TGA (found by its name's extension, decoded by its content).</summary>
    Image,
    /// <summary>
    /// A sound file: WAV, MP3, OGG Vorbis, or a format ffmpeg decodes (found by its name's extension, one of
    /// <see cref="AudioFiles.Extensions"/>; decoded by its content with <see cref="AudioFiles.Read(string, AudioReadOptions?)"/>).
    /// </summary>
    Sound,
    /// <summary>An IDX array file (Fashion-MNIST's format), plain or gzipped.</summary>
    Idx,
    /// <summary>A safetensors weights file.</summary>
    Safetensors,
}

/// <summary>One file that did not decode.</summary>
public sealed record DataCheckFailure(string File, DataFileKind Kind, string Error);

/// <summary>What a <see cref="DataCheck"/> run found: recognised files, how many decoded, how many were not data files, the failures.</summary>
public sealed record DataCheckReport(int Files, int Decoded, int Skipped, IReadOnlyList<DataCheckFailure> Failed);
