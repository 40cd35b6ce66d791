using Engram.Tensors;

namespace Engram.Cli.Tests;

/// <summary>
/// A fact that needs OpenBLAS: skipped with the reason when libopenblas.so.0 does not load, unless
/// ENGRAM_REQUIRE_ALL=1 (as CI sets), under which the test runs and fails on the missing library.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        if (Gemm.OpenBlas is null && Environment.GetEnvironmentVariable("ENGRAM_REQUIRE_ALL") != "1")
        {
            Skip = "OpenBLAS is not installed: libopenblas.so.0 did not load (Debian: apt-get install libopenblas0-pthread) (ENGRAM_REQUIRE_ALL=1 makes this a failure).";
        }
    }
}
