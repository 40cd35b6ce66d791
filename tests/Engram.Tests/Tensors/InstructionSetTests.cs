using System.Diagnostics;

namespace Engram.Tests.Tensors;

/// <summary>
/// Reruns every test in the "Kernels" category in child processes with instruction sets switched
/// off, so the Vector256, Vector128 and scalar paths are tested on a machine that has AVX-512.
/// .NET 10 renamed the AVX-512 switch: DOTNET_EnableAVX512F=0 no longer turns it off (measured on
/// 10.0.12), DOTNET_EnableAVX512=0 does; both are set, and the child checks that the switch took.
/// </summary>
[Trait("Category", "InstructionSets")]
public sealed class InstructionSetTests
{
    internal const string ExpectVariable = "ENGRAM_EXPECT_ISA";

    [Theory]
    [InlineData("DOTNET_EnableAVX512F,DOTNET_EnableAVX512", "no-avx512")]
    [InlineData("DOTNET_EnableAVX2", "no-avx2")]
    [InlineData("DOTNET_EnableHWIntrinsic", "scalar")]
    public async Task Should_pass_the_kernel_tests_with_an_instruction_set_switched_off(string variables, string expectation)
    {
        // Given the test assembly, run again by the test host of the same SDK
        string assembly = typeof(InstructionSetTests).Assembly.Location;
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "test", assembly, "--filter", "Category=Kernels", "--logger", "console;verbosity=normal" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string variable in variables.Split(','))
        {
            start.Environment[variable] = "0";
        }

        start.Environment[ExpectVariable] = expectation;

        // When
        using Process child = Process.Start(start)!;
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await child.WaitForExitAsync(timeout.Token);
        string output = await stdout + await stderr;

        // Then every kernel test passed there too, and there were kernel tests to run
        Assert.True(child.ExitCode == 0, $"{variables}=0: the kernel tests failed:\n{output}");
        Assert.Contains("Test Run Successful.", output, StringComparison.Ordinal);
        Assert.Matches(@"Passed:\s+[1-9]\d*", output);
    }
}
