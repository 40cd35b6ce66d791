using System.CommandLine;

namespace Engram.Cli.Commands;

/// <summary>The option every command that writes files shares: what it may replace is decided by <see cref="Data.OutputPath"/>.</summary>
internal static class OutputOptions
{
    /// <summary>--force: replace an output file even when it is not one the command writes.</summary>
    public static Option<bool> Force() => new("--force")
    {
        Description = "Replace an existing output file even when it is not one this command writes (a model of another kind, a data file, " +
            "a file Engram did not write). Without it such a file is never overwritten; a file of the kind the command writes " +
            "(a memory over a memory, a --json report over a --json report) is replaced without it.",
    };
}
