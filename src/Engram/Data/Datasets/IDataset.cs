namespace Engram.Data.Datasets;

/// <summary>A list of items with where it came from. Every dataset Engram reads is one of these.</summary>
public interface IDataset : IReadOnlyList<DatasetItem>
{
    /// <summary>A short name: "fashion-mnist", "emoji", or the folder's name.</summary>
    string Name { get; }

    /// <summary>Where the items come from, for a person: "shipped subset", "Debian dataset-fashion-mnist", "npm emoji-datasource-google", "folder".</summary>
    string Source { get; }

    /// <summary>The file or folder the items were read from.</summary>
    string Location { get; }

    /// <summary>
    /// What was wrong while the items were read (a folder's captions.csv rows that match no file, files whose header
    /// cannot be read, …); the items hold only what could be read. Empty for the shipped datasets.
    /// </summary>
    IReadOnlyList<DatasetProblem> Problems => [];
}

/// <summary>A dataset over an in-memory list of items, with the problems met while reading them.</summary>
public sealed class ListDataset(string name, string source, string location, IReadOnlyList<DatasetItem> items, IReadOnlyList<DatasetProblem>? problems = null) : IDataset
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public string Source { get; } = source;

    /// <inheritdoc />
    public string Location { get; } = location;

    /// <inheritdoc />
    public IReadOnlyList<DatasetProblem> Problems { get; } = problems ?? [];

    /// <summary>The number of items.</summary>
    public int Count => items.Count;

    /// <summary>The item at <paramref name="index"/>, in the dataset's order.</summary>
    public DatasetItem this[int index] => items[index];

    /// <summary>The items, in order.</summary>
    public IEnumerator<DatasetItem> GetEnumerator() => items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
