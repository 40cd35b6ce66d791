using Engram.Tensors;
using Xunit;

namespace Engram.Tests.Support;

/// <summary>
/// A fact that needs OpenBLAS: skipped with a reason when <c>libopenblas.so.0</c> does not load,
/// except under <c>ENGRAM_REQUIRE_ALL=1</c>, where it runs and fails. Get the backend in the test
/// with <see cref="OpenBlas.Backend"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        Skip = OpenBlas.SkipReason;
    }
}

/// <summary>The theory form of <see cref="OpenBlasFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OpenBlasTheoryAttribute : TheoryAttribute
{
    public OpenBlasTheoryAttribute()
    {
        Skip = OpenBlas.SkipReason;
    }
}

/// <summary>OpenBLAS as an optional test dependency.</summary>
public static class OpenBlas
{
    private const string Missing = "OpenBLAS is not installed: libopenblas.so.0 did not load";

    /// <summary>Why OpenBLAS tests are skipped, or null when they run.</summary>
    public static string? SkipReason => RequiredDependency.SkipReason(Gemm.OpenBlas is not null, Missing);

    /// <summary>The OpenBLAS backend; fails the test when it is missing.</summary>
    public static IGemmBackend Backend => RequiredDependency.Require(Gemm.OpenBlas, Missing);
}
