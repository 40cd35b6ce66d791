namespace Engram.Data;

/// <summary>
/// A file that cannot be read as the format it claims to be. The message names the file, the byte
/// offset where reading failed (when known) and what was wrong.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>A failure to read <paramref name="path"/> at byte <paramref name="offset"/> (null when unknown): <paramref name="problem"/> says what was wrong.</summary>
    public DataFormatException(string path, long? offset, string problem)
        : base(offset is long o ? $"{path}: at byte {o}: {problem}" : $"{path}: {problem}")
    {
        FilePath = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>A failure to read <paramref name="path"/>, as the three-part form, caused by <paramref name="innerException"/> (a decoder library's own error).</summary>
    public DataFormatException(string path, long? offset, string problem, Exception? innerException)
        : base(offset is long o ? $"{path}: at byte {o}: {problem}" : $"{path}: {problem}", innerException)
    {
        FilePath = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>A failure with no file or message (for serialisers and the exception pattern; Engram throws the three-part form).</summary>
    public DataFormatException()
    {
        FilePath = "";
        Problem = "";
    }

    /// <summary>A failure described by <paramref name="message"/> alone, with no file.</summary>
    public DataFormatException(string message)
        : base(message)
    {
        FilePath = "";
        Problem = message;
    }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
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
