using System.Text.Json;
using Engram.Data.Png;

namespace Engram.Data.Datasets;

/// <summary>
/// Emoji image–caption pairs from the npm package <c>emoji-datasource-google@16.0.0</c>: each entry's
/// 64×64 image (<c>img/google/64/</c>) with its <c>name</c> and <c>short_names</c> as captions and its
/// category as label. Reads the installed package when it is found, else the subset in data/emoji.
/// </summary>
public static class EmojiDataset
{
    /// <summary>The npm package's name.</summary>
    public const string PackageName = "emoji-datasource-google";

    /// <summary>Loads every entry (or the first <paramref name="maxItems"/>).</summary>
    public static IDataset Load(int maxItems = int.MaxValue)
    {
        (string? folder, string source) = Locate();
        if (folder is null)
        {
            throw new DirectoryNotFoundException(
                $"No emoji data was found: run `npm install {PackageName}@16.0.0` in the repository, set ENGRAM_EMOJI_DIR to the package folder, " +
                "or run from the repository so that data/emoji is found.");
        }

        return LoadFrom(folder, source, maxItems);
    }

    /// <summary>
    /// Loads from a given folder: the npm package's layout (<c>package.json</c>, <c>emoji.json</c>,
    /// <c>img/google/64/</c>) or the shipped subset's (<c>emoji.json</c>, <c>images/</c>).
    /// </summary>
    public static IDataset LoadFrom(string folder, string source = "folder", int maxItems = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfNegative(maxItems);
        bool package = File.Exists(Path.Combine(folder, "package.json"));
        string imageFolder = package ? Path.Combine(folder, "img", "google", "64") : Path.Combine(folder, "images");
        string jsonPath = Path.Combine(folder, "emoji.json");
        List<Entry> entries = ReadEntries(jsonPath);
        string[] categories = entries.Select(e => e.Category).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var items = new List<DatasetItem>(Math.Min(entries.Count, maxItems));
        foreach (Entry e in entries.Take(maxItems))
        {
            string imagePath = Path.Combine(imageFolder, e.Image);
            items.Add(new DatasetItem(
                e.Unified,
                () => PngDecoder.Decode(imagePath).Image,
                Captions(e),
                label: Array.IndexOf(categories, e.Category),
                labelName: e.Category,
                imageFile: imagePath));
        }

        return new ListDataset("emoji", source, folder, items);
    }

    /// <summary>The package folder (or the shipped subset's) and a description of where it is.</summary>
    public static (string? Folder, string Source) Locate()
    {
        string? overridden = Environment.GetEnvironmentVariable("ENGRAM_EMOJI_DIR");
        if (!string.IsNullOrEmpty(overridden))
        {
            return (Directory.Exists(overridden) ? overridden : null, "ENGRAM_EMOJI_DIR");
        }

        string? local = ShippedData.FindAbove(Path.Combine("node_modules", PackageName), dir => File.Exists(Path.Combine(dir, "emoji.json")));
        if (local is not null)
        {
            return (local, $"npm {PackageName}");
        }

        foreach (string global in new[] { "/usr/local/lib/node_modules", "/usr/lib/node_modules" })
        {
            string candidate = Path.Combine(global, PackageName);
            if (File.Exists(Path.Combine(candidate, "emoji.json")))
            {
                return (candidate, $"npm {PackageName} (global)");
            }
        }

        return (ShippedData.Find("emoji"), "shipped subset");
    }

    /// <summary>Captions: the lower-cased name first, then each short name with underscores as spaces.</summary>
    private static string[] Captions(Entry e)
    {
        var captions = new List<string> { e.Name.ToLowerInvariant() };
        foreach (string s in e.ShortNames)
        {
            string caption = s.Replace('_', ' ');
            if (!captions.Contains(caption, StringComparer.Ordinal))
            {
                captions.Add(caption);
            }
        }

        return [.. captions];
    }

    private static List<Entry> ReadEntries(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The emoji metadata file is missing: {path}", path);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, e.BytePositionInLine, $"not valid JSON: {e.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new DataFormatException(path, null, "expected a JSON array of emoji entries.");
            }

            var entries = new List<Entry>();
            int index = 0;
            foreach (JsonElement e in doc.RootElement.EnumerateArray())
            {
                entries.Add(new Entry(
                    Text(e, "name", path, index),
                    Text(e, "unified", path, index),
                    Text(e, "image", path, index),
                    Text(e, "category", path, index),
                    e.TryGetProperty("short_names", out JsonElement sn) && sn.ValueKind == JsonValueKind.Array
                        ? sn.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToArray()
                        : [],
                    e.TryGetProperty("sort_order", out JsonElement so) && so.TryGetInt32(out int order) ? order : index));
                index++;
            }

            entries.Sort((a, b) => a.SortOrder.CompareTo(b.SortOrder));
            return entries;
        }
    }

    private static string Text(JsonElement e, string field, string path, int index)
    {
        if (!e.TryGetProperty(field, out JsonElement value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
        {
            throw new DataFormatException(path, null, $"entry {index} has no \"{field}\" string.");
        }

        string text = value.GetString()!;
        if (field == "image" && (text.Contains('/', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal) || text.Contains("..", StringComparison.Ordinal)))
        {
            throw new DataFormatException(path, null, $"entry {index} names image \"{text}\", which is not a plain file name.");
        }

        return text;
    }

    private sealed record Entry(string Name, string Unified, string Image, string Category, string[] ShortNames, int SortOrder);
}
