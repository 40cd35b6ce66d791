using Engram.Data.Datasets;

namespace Engram.Tests.Support;

/// <summary>A fact that needs the full npm emoji package: skipped when absent, a failure under ENGRAM_REQUIRE_ALL=1.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class NpmEmojiFactAttribute : FactAttribute
{
    public const string Missing = "the npm package emoji-datasource-google@16.0.0 is not installed (npm install it in the repository root)";

    public NpmEmojiFactAttribute()
    {
        Skip = RequiredDependency.SkipReason(IsInstalled, Missing);
    }

    public static bool IsInstalled => EmojiDataset.Locate().Source.StartsWith("npm", StringComparison.Ordinal);
}
