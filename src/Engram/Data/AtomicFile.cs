using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Engram.Data;

/// <summary>
/// Crash-safe writes: a temporary file in the same folder (<c>.NAME.tmp-PID-GUID</c>), flushed to disk, then
/// renamed over the target. A write also deletes the temporary files that earlier writes of the same path left
/// when their process was killed.
/// </summary>
public static class AtomicFile
{
    // This process's writes in progress: a temporary file with this process's id that is not here is stale
    // (left by an earlier process that had the same id).
    private static readonly ConcurrentDictionary<string, byte> s_writing = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>; the path holds either its old content or all of the new.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Lets <paramref name="write"/> fill a temporary file, flushes it to disk, then renames it over
    /// <paramref name="path"/>. If <paramref name="write"/> throws, the temporary file is deleted and
    /// <paramref name="path"/> is untouched. Temporary files of <paramref name="path"/> whose process is no
    /// longer running are deleted first.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no folder.", nameof(path));
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write {path}: the folder {directory} does not exist.");
        }

        string temporary = Path.Combine(directory, $"{TemporaryPrefix(full)}{Environment.ProcessId}-{Guid.NewGuid():N}");
        s_writing[temporary] = 0;
        try
        {
            DeleteStaleTemporaries(full);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            s_writing.TryRemove(temporary, out _);
        }
    }

    /// <summary>
    /// Deletes the temporary files that writes of <paramref name="path"/> left behind when killed: those whose
    /// process id is not a running process, or is this process's but not one of its writes in progress. Another
    /// running process's temporary files are never touched. Returns the paths deleted.
    /// </summary>
    public static IReadOnlyList<string> DeleteStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string prefix = TemporaryPrefix(full);
        var deleted = new List<string>();
        if (!Directory.Exists(directory))
        {
            return deleted;
        }

        // Enumerated by a plain pattern and matched exactly, since a file name may hold the pattern's wildcards.
        foreach (string candidate in Directory.EnumerateFiles(directory, ".*.tmp-*"))
        {
            string name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !IsStale(candidate, name.AsSpan(prefix.Length)))
            {
                continue;
            }

            try
            {
                File.Delete(candidate);
                deleted.Add(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later write: a file we may not delete is not ours to clean.
            }
        }

        return deleted;
    }

    private static string TemporaryPrefix(string full) => $".{Path.GetFileName(full)}.tmp-";

    // "PID-GUID" (32 hex digits): stale when PID is not running, or is this process and the write is not in progress.
    private static bool IsStale(string candidate, ReadOnlySpan<char> suffix)
    {
        int dash = suffix.IndexOf('-');
        if (dash <= 0 || !int.TryParse(suffix[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || suffix.Length - dash - 1 != 32 || !Guid.TryParseExact(suffix[(dash + 1)..], "N", out _))
        {
            return false;
        }

        return pid == Environment.ProcessId ? !s_writing.ContainsKey(candidate) : !IsRunning(pid);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
