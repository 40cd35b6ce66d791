namespace Engram.Tests.Support;

/// <summary>
/// Decides whether a test that needs an optional dependency (a native library, a data set) runs.
/// Normally a missing dependency skips the test with a reason; when the environment variable
/// <c>ENGRAM_REQUIRE_ALL</c> is <c>1</c> (CI machines that have everything), the test runs anyway
/// and fails, through <see cref="Require{T}"/>, so that a missing dependency cannot pass silently.
/// </summary>
public static class RequiredDependency
{
    /// <summary>The environment variable that turns skips for missing dependencies into failures.</summary>
    public const string RequireAllVariable = "ENGRAM_REQUIRE_ALL";

    /// <summary>Whether every dependency is required (<c>ENGRAM_REQUIRE_ALL=1</c>).</summary>
    public static bool RequireAll => Environment.GetEnvironmentVariable(RequireAllVariable) == "1";

    /// <summary>
    /// The skip reason for a test whose dependency is <paramref name="available"/> or not: null (run)
    /// when it is available or when every dependency is required.
    /// </summary>
    public static string? SkipReason(bool available, string missing) =>
        available || RequireAll ? null : $"{missing} ({RequireAllVariable}=1 makes this a failure).";

    /// <summary>
    /// Returns the dependency, or fails the test naming what is missing (reached only when
    /// <see cref="RequireAll"/> kept the test from being skipped).
    /// </summary>
    public static T Require<T>(T? dependency, string missing)
        where T : class =>
        dependency ?? throw new Xunit.Sdk.XunitException(
            $"{missing}, and {RequireAllVariable}=1 requires every dependency.");
}
