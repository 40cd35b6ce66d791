using Engram.Data.Speech;

namespace Engram.Explorer.Tests.Support;

/// <summary>A fact that needs espeak-ng: skipped with a reason when absent, a failure under ENGRAM_REQUIRE_ALL=1.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class EspeakFactAttribute : FactAttribute
{
    public const string Missing = "espeak-ng is not installed (Debian: apt-get install espeak-ng)";

    public EspeakFactAttribute()
    {
        Skip = RequiredDependency.SkipReason(SpeechSynthesizer.TryCreate() is not null, Missing);
    }
}
