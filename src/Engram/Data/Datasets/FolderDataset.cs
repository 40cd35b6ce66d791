using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Data.Datasets;

/// <summary>
/// A folder of the user's files: every PNG (recursively, in path order) is an item whose id is its
/// path relative to the folder without extension. Captions come from <c>captions.csv</c> in the
/// folder (rows <c>file,caption</c>; a file may have several rows) or, failing that, from the PNG's
/// tEXt/iTXt <c>Title</c> then <c>Description</c>. A WAV file with the same path and stem is the
/// item's audio.
/// </summary>
public static class FolderDataset
{
    /// <summary>The captions file looked for in the folder.</summary>
    public const string CaptionsFile = "captions.csv";

    /// <summary>Reads the items of <paramref name="folder"/>; a folder that does not exist or holds no PNG is refused with a message saying so.</summary>
    public static IDataset Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The folder {folder} does not exist.");
        }

        string root = Path.GetFullPath(folder);
        string[] pngs = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (pngs.Length == 0)
        {
            throw new ArgumentException($"The folder {folder} holds no PNG files (it and its subfolders were searched): give a folder of PNG images.", nameof(folder));
        }

        string csvPath = Path.Combine(root, CaptionsFile);
        Dictionary<string, List<string>>? table = File.Exists(csvPath) ? ReadCaptions(csvPath) : null;
        var items = new List<DatasetItem>(pngs.Length);
        foreach (string png in pngs)
        {
            string relative = Path.GetRelativePath(root, png).Replace('\\', '/');
            string id = relative[..^4];
            string? wav = FindAudio(png);
            Func<AudioClip>? audio = wav is null ? null : () => WavFile.Read(wav);
            // Captions from the table, else from the PNG's own text chunks (read without decoding its image).
            IReadOnlyList<string> captions = table is not null
                ? table.TryGetValue(relative, out List<string>? c) || table.TryGetValue(Path.GetFileName(relative), out c) ? c : []
                : TextCaptions(PngDecoder.ReadText(png));
            Func<Image> image = () => PngDecoder.Decode(png).Image;
            Func<int, Image> imageAtMost = side => PngDecoder.Decode(png, new PngDecodeOptions { MaxSide = side }).Image;
            items.Add(new DatasetItem(id, image, captions, audio, imageAtMost: imageAtMost, imageFile: png, audioFile: wav));
        }

        return new ListDataset(Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)), "folder", root, items);
    }

    /// <summary>Title, then Description, from a PNG's text chunks (empty values skipped).</summary>
    public static IReadOnlyList<string> TextCaptions(PngImage png)
    {
        ArgumentNullException.ThrowIfNull(png);
        return TextCaptions(png.Text);
    }

    /// <summary>Title, then Description, from a PNG's text chunks by keyword (empty values skipped).</summary>
    public static IReadOnlyList<string> TextCaptions(IReadOnlyDictionary<string, string> text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var captions = new List<string>();
        foreach (string key in new[] { "Title", "Description" })
        {
            if (text.TryGetValue(key, out string? value) && !string.IsNullOrWhiteSpace(value))
            {
                captions.Add(value.Trim());
            }
        }

        return captions;
    }

    /// <summary>
    /// Reads <c>file,caption</c> rows (RFC 4180 quoting; an optional header row <c>file,caption</c>).
    /// Keys are paths relative to the folder, with forward slashes.
    /// </summary>
    public static Dictionary<string, List<string>> ReadCaptions(string path)
    {
        var table = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int line = 0;
        foreach (string[] row in Csv.Read(path))
        {
            line++;
            if (line == 1 && row.Length >= 2 && row[0].Trim() == "file" && row[1].Trim() == "caption")
            {
                continue;
            }

            if (row.Length == 1 && string.IsNullOrWhiteSpace(row[0]))
            {
                continue;
            }

            if (row.Length != 2)
            {
                throw new DataFormatException(path, null, $"row {line} has {row.Length} fields; each row is file,caption (quote captions that contain commas).");
            }

            string file = row[0].Trim().Replace('\\', '/');
            if (file.Length == 0)
            {
                throw new DataFormatException(path, null, $"row {line} has an empty file name.");
            }

            if (!table.TryGetValue(file, out List<string>? captions))
            {
                table[file] = captions = [];
            }

            captions.Add(row[1].Trim());
        }

        return table;
    }

    private static string? FindAudio(string png)
    {
        string stem = Path.Combine(Path.GetDirectoryName(png)!, Path.GetFileNameWithoutExtension(png));
        foreach (string ext in new[] { ".wav", ".WAV" })
        {
            if (File.Exists(stem + ext))
            {
                return stem + ext;
            }
        }

        return null;
    }
}
