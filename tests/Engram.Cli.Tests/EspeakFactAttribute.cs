using Engram.Data.Speech;

namespace Engram.Cli.Tests;

/// <summary>
/// A fact that needs espeak-ng: skipped with the reason when it is absent, unless
/// ENGRAM_REQUIRE_ALL=1 (as CI sets), under which the test runs and fails on the missing program.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class EspeakFactAttribute : FactAttribute
{
    public EspeakFactAttribute()
    {
        if (SpeechSynthesizer.TryCreate() is null && Environment.GetEnvironmentVariable("ENGRAM_REQUIRE_ALL") != "1")
        {
            Skip = "espeak-ng is not installed (Debian: apt-get install espeak-ng) (ENGRAM_REQUIRE_ALL=1 makes this a failure).";
        }
    }
}
