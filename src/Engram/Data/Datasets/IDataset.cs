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
}

/// <summary>A dataset over an in-memory list of items.</summary>
public sealed class ListDataset(string name, string source, string location, IReadOnlyList<DatasetItem> items) : IDataset
{
    public string Name { get; } = name;

    public string Source { get; } = source;

    public string Location { get; } = location;

    public int Count => items.Count;

    public DatasetItem this[int index] => items[index];

    public IEnumerator<DatasetItem> GetEnumerator() => items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
