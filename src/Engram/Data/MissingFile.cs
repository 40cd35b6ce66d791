namespace Engram.Data;

/// <summary>The refusal for a path that names no file of the kind a reader wants: missing, or a folder.</summary>
internal static class MissingFile
{
    /// <summary>
    /// "IDX file not found: PATH", or, when <paramref name="path"/> is a folder, "PATH is a folder, not an IDX file: …"
    /// (<paramref name="kind"/> is the kind of file wanted, e.g. "an IDX file").
    /// </summary>
    public static FileNotFoundException For(string path, string kind, string name) => Directory.Exists(path)
        ? new FileNotFoundException($"{path} is a folder, not {kind}: give the path of {kind}.", path)
        : new FileNotFoundException($"{name} file not found: {path}", path);
}
