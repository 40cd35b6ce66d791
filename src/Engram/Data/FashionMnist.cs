namespace Engram.Data;

/// <summary>
/// Where Fashion-MNIST lives: the full set from Debian's <c>dataset-fashion-mnist</c> when installed,
/// else the subset shipped in the repository's <c>data/fashion-mnist</c>.
/// </summary>
public static class FashionMnist
{
    /// <summary>The Debian package's folder.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The training images file: Debian's if present, else the shipped subset, else null.</summary>
    public static string? TrainImages() => Find("train-images-idx3-ubyte.gz");

    /// <summary>The training labels file, found the same way.</summary>
    public static string? TrainLabels() => Find("train-labels-idx1-ubyte.gz");

    /// <summary>The shipped subset's folder, found by walking up from the program and the working directory.</summary>
    public static string? ShippedDirectory() => ShippedData.Find("fashion-mnist");

    private static string? Find(string file)
    {
        string debian = Path.Combine(DebianDirectory, file);
        if (File.Exists(debian))
        {
            return debian;
        }

        string? shipped = ShippedDirectory();
        return shipped is null ? null : Path.Combine(shipped, file);
    }
}

/// <summary>Finds the repository's <c>data/</c> folder (shipped subsets and weights).</summary>
public static class ShippedData
{
    /// <summary>
    /// The folder <c>data/<paramref name="name"/></c>, looked for above the program's own folder, then
    /// above the working directory; <c>ENGRAM_DATA</c> overrides both.
    /// </summary>
    public static string? Find(string name)
    {
        string? overridden = Environment.GetEnvironmentVariable("ENGRAM_DATA");
        if (!string.IsNullOrEmpty(overridden))
        {
            string candidate = Path.Combine(overridden, name);
            return Directory.Exists(candidate) ? candidate : null;
        }

        return FindAbove(Path.Combine("data", name), Directory.Exists);
    }

    /// <summary>
    /// The first <paramref name="relative"/> path that <paramref name="exists"/> in the program's
    /// folder or one above it, then in the working directory or one above it; null when none does.
    /// </summary>
    public static string? FindAbove(string relative, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relative);
                if (exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
