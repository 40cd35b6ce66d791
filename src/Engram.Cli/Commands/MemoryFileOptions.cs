using System.CommandLine;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Store;

namespace Engram.Cli.Commands;

/// <summary>
/// How the commands that open a memory file (recall --memory, serve) open it: with its checksum checked unless
/// --no-verify, and its encoders found by the SHA-256 of their weights, in --models folders too.
/// </summary>
internal static class MemoryFileOptions
{
    /// <summary>--no-verify: skip the memory file's checksum (its other checks still run).</summary>
    public static Option<bool> NoVerify() => new("--no-verify")
    {
        Description = "Open the memory without computing its checksum (one SHA-256 pass over the stored patterns): faster for a large memory, " +
            "but damage to its patterns or items would go unnoticed. Ids, shapes, finite values and the encoders' hashes are still checked.",
    };

    /// <summary>--models FOLDER (repeatable): more folders to find the memory's encoders in; each must exist.</summary>
    public static Option<string[]> Models()
    {
        var option = new Option<string[]>("--models")
        {
            Description = "A folder to look in for the memory's encoders (repeat for more). An encoder is looked for by the SHA-256 of its weights, " +
                "whatever its file's name: at the path the memory records, in the memory's folder, in the shipped data/models, in each folder of " +
                "ENGRAM_MODELS (':'-separated), then in these.",
            HelpName = "FOLDER",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        option.Validators.Add(result =>
        {
            foreach (string folder in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!Directory.Exists(folder))
                {
                    result.AddError($"--models {folder}: there is no such folder. Give a folder that holds the memory's encoder weight files (.safetensors).");
                }
            }
        });
        return option;
    }

    /// <summary>
    /// Opens the memory at <paramref name="path"/>, looking for its encoders in <paramref name="models"/> too, and prints
    /// a one-line note when its content was not verified and one for each encoder found away from its recorded path.
    /// </summary>
    public static MultimodalMemory Load(CliContext context, string path, bool noVerify, IReadOnlyList<string>? models = null)
    {
        var options = new MemoryLoadOptions { VerifyChecksum = !noVerify, ModelFolders = models ?? [] };
        MultimodalMemory memory;
        if (MemoryStore.IsStore(path))
        {
            // A living store: the memory as it is now, from one committed state of it.
            using MemoryStore store = MemoryStore.Open(path, options);
            memory = store.Snapshot();
        }
        else
        {
            memory = MultimodalMemory.Load(path, options);
        }

        if (memory.ChecksumNote is { } note)
        {
            context.Error.WriteLine(note);
        }

        foreach (string relocated in memory.Encoders.Relocated)
        {
            context.Error.WriteLine(relocated);
        }

        return memory;
    }
}
