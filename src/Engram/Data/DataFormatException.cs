namespace Engram.Data;

/// <summary>
/// A file that cannot be read as the format it claims to be. The message names the file, the byte
/// offset where reading failed (when known) and what was wrong.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, long? offset, string problem)
        : base(offset is long o ? $"{path}: at byte {o}: {problem}" : $"{path}: {problem}")
    {
        FilePath = path;
        Offset = offset;
        Problem = problem;
    }

    public DataFormatException()
    {
        FilePath = "";
        Problem = "";
    }

    public DataFormatException(string message)
        : base(message)
    {
        FilePath = "";
        Problem = message;
    }

    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "";
        Problem = message;
    }

    /// <summary>The file that failed to read.</summary>
    public string FilePath { get; }

    /// <summary>The byte offset (in the decompressed stream for gzipped files), when known.</summary>
    public long? Offset { get; }

    /// <summary>What was wrong, without the file name.</summary>
    public string Problem { get; }
}
