using Engram.Cli.Commands;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Cli.Tests;

/// <summary>How recall and serve open a memory file: checked by default, with a one-line note when it is not.</summary>
public sealed class MemoryFileOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-memory-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Should_verify_by_default_and_note_on_standard_error_when_told_not_to()
    {
        // Given a built memory
        string memory = Path.Combine(_folder, "m.engram");
        Assert.Equal(0, CliRunner.Run("build", "--dataset", "emoji", "--n", "4", "--image-codec", "raw", "--image-size", "8", "--text-encoder", "none", "--out", memory).ExitCode);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error);

        // When it is opened as recall and serve open it, with and without --no-verify
        MultimodalMemory verified = MemoryFileOptions.Load(context, memory, noVerify: false);
        Assert.Equal(string.Empty, error.ToString());
        MultimodalMemory skipped = MemoryFileOptions.Load(context, memory, noVerify: true);

        // Then the first was verified without a word, the second says it was not checked
        Assert.Equal(MemoryChecksum.Verified, verified.Checksum);
        Assert.Equal(MemoryChecksum.Skipped, skipped.Checksum);
        Assert.Contains("the memory's checksum was not checked (--no-verify)", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }
}
