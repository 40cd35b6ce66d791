using System.CommandLine;
using Engram.Hen;

namespace Engram.Cli.Commands;

/// <summary>How the commands that open a memory file (recall --memory, serve) open it: with its checksum checked unless --no-verify.</summary>
internal static class MemoryFileOptions
{
    /// <summary>--no-verify: skip the memory file's checksum (its other checks still run).</summary>
    public static Option<bool> NoVerify() => new("--no-verify")
    {
        Description = "Open the memory without computing its checksum (one SHA-256 pass over the stored patterns): faster for a large memory, " +
            "but damage to its patterns or items would go unnoticed. Ids, shapes, finite values and the encoders' hashes are still checked.",
    };

    /// <summary>Opens the memory at <paramref name="path"/>, and prints a one-line note when its content was not verified.</summary>
    public static MultimodalMemory Load(CliContext context, string path, bool noVerify)
    {
        MultimodalMemory memory = MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = !noVerify });
        if (memory.ChecksumNote is { } note)
        {
            context.Error.WriteLine(note);
        }

        return memory;
    }
}
