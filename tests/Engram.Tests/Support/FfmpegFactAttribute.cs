using Engram.Data.Audio;

namespace Engram.Tests.Support;

/// <summary>A fact that needs the ffmpeg program: skipped with a reason when it is not on PATH, a failure under ENGRAM_REQUIRE_ALL=1.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FfmpegFactAttribute : FactAttribute
{
    public const string Missing = "ffmpeg is not installed (Debian: apt-get install ffmpeg)";

    public FfmpegFactAttribute()
    {
        Skip = RequiredDependency.SkipReason(AudioFiles.IsFfmpegInstalled(), Missing);
    }
}

/// <summary>The theory form of <see cref="FfmpegFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute()
    {
        Skip = RequiredDependency.SkipReason(AudioFiles.IsFfmpegInstalled(), FfmpegFactAttribute.Missing);
    }
}
