namespace Engram.Explorer.Tests.Support;

/// <summary>
/// Decides whether a test that needs an optional system package runs (as in Engram.Tests): a missing package
/// skips the test with the reason, unless <c>ENGRAM_REQUIRE_ALL=1</c> (CI machines that have everything), under
/// which the test runs and fails through <see cref="Require{T}"/>, so that a missing package cannot pass silently.
/// </summary>
public static class RequiredDependency
{
    public const string RequireAllVariable = "ENGRAM_REQUIRE_ALL";

    public static bool RequireAll => Environment.GetEnvironmentVariable(RequireAllVariable) == "1";

    /// <summary>Null (run) when the dependency is available or every dependency is required; else the reason to skip.</summary>
    public static string? SkipReason(bool available, string missing) =>
        available || RequireAll ? null : $"{missing} ({RequireAllVariable}=1 makes this a failure).";

    /// <summary>The dependency, or a failure naming what is missing.</summary>
    public static T Require<T>(T? dependency, string missing)
        where T : class =>
        dependency ?? throw new Xunit.Sdk.XunitException($"{missing}, and {RequireAllVariable}=1 requires every dependency.");
}
