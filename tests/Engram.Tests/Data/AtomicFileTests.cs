using System.Diagnostics;
using Engram.Data;

namespace Engram.Tests.Data;

/// <summary>Crash-safe writes, and the temporary files that killed writes left behind.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-atomic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Process Start(string program, string arguments) =>
        Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false }) ?? throw new InvalidOperationException($"{program} did not start.");

    private string Temporary(string target, int pid)
    {
        string path = Path.Combine(_folder, $".{target}.tmp-{pid}-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[1024]);
        return path;
    }

    [Fact]
    public void Should_delete_temporary_files_of_killed_writes_and_keep_those_of_running_processes()
    {
        // Given temporary files of m.engram left by a process that has ended, by an earlier process with this one's id,
        // by a process still running, and one of another file
        using Process ended = Start("true", "");
        ended.WaitForExit();
        using Process running = Start("sleep", "60");
        try
        {
            string dead = Temporary("m.engram", ended.Id);
            string mine = Temporary("m.engram", Environment.ProcessId);
            string live = Temporary("m.engram", running.Id);
            string other = Temporary("other.engram", ended.Id);

            // When m.engram is written
            AtomicFile.WriteAllBytes(Path.Combine(_folder, "m.engram"), [1, 2, 3]);

            // Then the killed writes' files are gone, the running process's and the other file's are kept
            Assert.False(File.Exists(dead));
            Assert.False(File.Exists(mine));
            Assert.True(File.Exists(live));
            Assert.True(File.Exists(other));
            Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(_folder, "m.engram")));
        }
        finally
        {
            running.Kill();
            running.WaitForExit();
        }
    }

    [Fact]
    public void Should_keep_the_temporary_file_of_a_write_in_progress_in_this_process()
    {
        // Given a write of m.engram in progress
        string target = Path.Combine(_folder, "m.engram");
        string[] during = [];

        // When another write of the same file cleans up while the first is writing
        AtomicFile.Write(target, stream =>
        {
            stream.Write([9]);
            AtomicFile.DeleteStaleTemporaries(target);
            during = Directory.GetFiles(_folder, ".m.engram.tmp-*");
        });

        // Then the first write's temporary file survived the clean-up, and nothing is left after it
        Assert.Single(during);
        Assert.Empty(Directory.GetFiles(_folder, ".m.engram.tmp-*"));
        Assert.Equal([9], File.ReadAllBytes(target));
    }
}
