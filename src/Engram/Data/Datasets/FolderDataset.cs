using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Data.Datasets;

/// <summary>
/// A folder of the user's images as they keep them: every image file (JPEG, PNG, GIF, BMP, TIFF, WebP or TGA, by its
/// name's extension, decoded by its content; recursively, in path order) is an item whose id is its path relative to the
/// folder without extension (with it, when two files share a stem). An item's captions come from the first source that
/// has any: <c>captions.csv</c> in the folder (rows <c>file,caption</c>, the file relative to the folder or by name; a
/// file may have several rows), a <c>.txt</c> beside the image with the same stem (one caption a line), or the file's
/// own metadata (<see cref="ImageFiles.Identify(string)"/>: a PNG's Title then Description; XMP dc:title, EXIF
/// ImageDescription, XMP dc:description). A sound file beside the image with the same stem, in any format
/// <see cref="AudioFiles"/> reads (an extension of <see cref="AudioFiles.Extensions"/>, any case: <c>cat.mp3</c>,
/// <c>cat.OGG</c> beside <c>cat.jpg</c>), is the item's audio, read with <see cref="AudioFiles.Read(string, AudioReadOptions?)"/>
/// when it is used; where several share the stem, the first in that list's order is taken.
/// </summary>
/// <remarks>
/// Nothing a user's folder holds stops the read: a file whose header cannot be read, a captions.csv row that names no
/// image or cannot be parsed, a caption file that cannot be read, are each left out and listed in
/// <see cref="IDataset.Problems"/> (see <see cref="DatasetProblems"/> for the summary the commands print).
/// </remarks>
public static class FolderDataset
{
    /// <summary>The captions file looked for in the folder.</summary>
    public const string CaptionsFile = "captions.csv";

    /// <summary>The largest caption file (a .txt beside an image) read: 64 KiB.</summary>
    public const int MaxCaptionFileBytes = 1 << 16;

    /// <summary>
    /// Reads the items of <paramref name="folder"/>; a folder that does not exist or holds no image is refused with a
    /// message saying so. What could not be read is in the dataset's <see cref="IDataset.Problems"/>.
    /// </summary>
    public static IDataset Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The folder {folder} does not exist.");
        }

        string root = Path.GetFullPath(folder);
        string[] all = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        string[] files = all.Where(ImageFiles.HasImageExtension).ToArray();
        ILookup<string, string> soundsByStem = all.Where(AudioFiles.HasSoundExtension).ToLookup(StemOf, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            throw new ArgumentException(
                $"The folder {folder} holds no images (it and its subfolders were searched for {ImageFiles.FormatList} files, by their extensions " +
                $"{string.Join(" ", ImageFiles.Extensions)}): give a folder of images.", nameof(folder));
        }

        var problems = new List<DatasetProblem>();
        string csvPath = Path.Combine(root, CaptionsFile);
        Dictionary<string, CaptionRows>? table = File.Exists(csvPath) ? ReadCaptionRows(csvPath, problems) : null;
        string[] relatives = files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToArray();
        HashSet<string> sharedStems = relatives.GroupBy(StemOf, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var items = new List<DatasetItem>(files.Length);
        for (int i = 0; i < files.Length; i++)
        {
            string file = files[i], relative = relatives[i];
            IReadOnlyList<string>? captions = Captions(file, relative, table, problems);
            if (captions is null)
            {
                continue;
            }

            string id = sharedStems.Contains(StemOf(relative)) ? relative : StemOf(relative);
            string? sound = FindAudio(file, soundsByStem);
            Func<AudioClip>? audio = sound is null ? null : () => AudioFiles.Read(sound);
            Func<Image> image = () => ImageFiles.Decode(file);
            Func<int, Image> imageAtMost = side => ImageFiles.Decode(file, new ImageDecodeOptions { MaxSide = side });
            items.Add(new DatasetItem(id, image, captions, audio, imageAtMost: imageAtMost, imageFile: file, audioFile: sound));
        }

        if (table is not null)
        {
            problems.AddRange(table.Values.Where(r => !r.Used).OrderBy(r => r.Row)
                .Select(r => new DatasetProblem(DatasetProblemKind.UnmatchedCaptionRow, $"row {r.Row} '{r.File}'")));
        }

        return new ListDataset(Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)), "folder", root, items, problems);
    }

    /// <summary>
    /// An image's captions from the first source that has some (captions.csv, the .txt beside it, its metadata), or null
    /// when its header cannot be read (a problem is recorded, and the item is left out).
    /// </summary>
    private static IReadOnlyList<string>? Captions(string file, string relative, Dictionary<string, CaptionRows>? table, List<DatasetProblem> problems)
    {
        if (table is not null && (table.TryGetValue(relative, out CaptionRows? rows) || table.TryGetValue(Path.GetFileName(relative), out rows)))
        {
            rows.Used = true;
            return rows.Captions;
        }

        string text = Path.ChangeExtension(file, ".txt");
        if (File.Exists(text))
        {
            try
            {
                long length = new FileInfo(text).Length;
                string[] lines = length > MaxCaptionFileBytes
                    ? throw new DataFormatException(text, null, $"the file is {length:N0} bytes; a caption file holds at most {MaxCaptionFileBytes:N0}.")
                    : File.ReadAllLines(text, System.Text.Encoding.UTF8).Select(l => l.Trim()).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
                if (lines.Length > 0)
                {
                    return lines;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DataFormatException)
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.BadCaptionFile, Path.ChangeExtension(relative, ".txt"), e is DataFormatException d ? d.Problem : e.Message));
            }
        }

        try
        {
            return ImageFiles.Identify(file).Captions;
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new DatasetProblem(DatasetProblemKind.Undecodable, relative, e is DataFormatException d ? d.Problem : e.Message));
            return null;
        }
    }

    private static string StemOf(string relative)
    {
        string extension = Path.GetExtension(relative);
        return relative[..^extension.Length];
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
        return ImageCaptions.FromPngText(text);
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

    /// <summary>
    /// The rows of a captions.csv by file, as <see cref="ReadCaptions"/> reads them, except that a row that cannot be
    /// read is recorded in <paramref name="problems"/> and passed over rather than refusing the whole file.
    /// </summary>
    private static Dictionary<string, CaptionRows> ReadCaptionRows(string path, List<DatasetProblem> problems)
    {
        var table = new Dictionary<string, CaptionRows>(StringComparer.Ordinal);
        int line = 0;
        foreach (string[] row in Csv.Read(path))
        {
            line++;
            if ((line == 1 && row.Length >= 2 && row[0].Trim() == "file" && row[1].Trim() == "caption") || (row.Length == 1 && string.IsNullOrWhiteSpace(row[0])))
            {
                continue;
            }

            string file = row.Length > 0 ? row[0].Trim().Replace('\\', '/') : "";
            string? fault = row.Length != 2 ? $"{row.Length} fields; each row is file,caption (quote captions that contain commas)"
                : file.Length == 0 ? "an empty file name"
                : row[1].Trim().Length == 0 ? "an empty caption"
                : null;
            if (fault is not null)
            {
                problems.Add(new DatasetProblem(DatasetProblemKind.BadCaptionRow, $"row {line}", fault));
                continue;
            }

            if (!table.TryGetValue(file, out CaptionRows? rows))
            {
                table[file] = rows = new CaptionRows(file, line);
            }

            if (!rows.Captions.Contains(row[1].Trim(), StringComparer.Ordinal))
            {
                rows.Captions.Add(row[1].Trim());
            }
        }

        return table;
    }

    /// <summary>
    /// The sound beside <paramref name="image"/> with its stem, from <paramref name="soundsByStem"/> (the folder's sound
    /// files by path without extension, in ordinal order): the one whose extension comes first in
    /// <see cref="AudioFiles.Extensions"/>, in any case; null when there is none.
    /// </summary>
    private static string? FindAudio(string image, ILookup<string, string> soundsByStem)
    {
        IEnumerable<string> sounds = soundsByStem[StemOf(image)];
        foreach (string extension in AudioFiles.Extensions)
        {
            foreach (string sound in sounds)
            {
                if (string.Equals(Path.GetExtension(sound), extension, StringComparison.OrdinalIgnoreCase))
                {
                    return sound;
                }
            }
        }

        return null;
    }
}

/// <summary>The captions one file has in captions.csv, the row they start on, and whether an image took them.</summary>
internal sealed class CaptionRows(string file, int row)
{
    public string File { get; } = file;

    public int Row { get; } = row;

    public List<string> Captions { get; } = [];

    public bool Used { get; set; }
}
