namespace Engram.Explorer.Tests.Support;

/// <summary>A fact that drives Debian's Chromium: skipped with a reason when it is absent, a failure under ENGRAM_REQUIRE_ALL=1.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where Debian's chromium package puts the browser; the tests never download one.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    public const string Missing = "Chromium is not installed at /usr/bin/chromium (Debian: apt-get install chromium)";

    public ChromiumFactAttribute()
    {
        Skip = RequiredDependency.SkipReason(File.Exists(ExecutablePath), Missing);
    }

    /// <summary>The browser's path, or a failure saying it is missing (reached only under ENGRAM_REQUIRE_ALL=1).</summary>
    public static string Require() => RequiredDependency.Require(File.Exists(ExecutablePath) ? ExecutablePath : null, Missing);
}
