namespace Engram.Data.Audio;

/// <summary>The limits <see cref="AudioFiles"/> reads a sound file within, and where it finds ffmpeg.</summary>
public sealed record AudioReadOptions
{
    /// <summary>The defaults: <see cref="AudioClip.MaxSamples"/>, a minute to decode, ffmpeg from <c>PATH</c>.</summary>
    public static AudioReadOptions Default { get; } = new();

    /// <summary>
    /// The most samples (all channels together) a file may decode to: decoding stops and the file is refused,
    /// saying so, once it passes this, so a small file that claims hours of sound cannot exhaust memory.
    /// At most <see cref="AudioClip.MaxSamples"/> (2²⁸, about 50 minutes of stereo at 44.1 kHz).
    /// </summary>
    public long MaxSamples { get; init; } = AudioClip.MaxSamples;

    /// <summary>How long one file may take to decode; ffmpeg is stopped then, and the managed decoders stop between blocks.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The ffmpeg program to run for formats Engram does not decode itself; null: <c>ffmpeg</c> on <c>PATH</c>.</summary>
    public string? FfmpegPath { get; init; }

    /// <summary>Checks the limits: a positive sample cap within <see cref="AudioClip.MaxSamples"/> and a positive timeout.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSamples, nameof(MaxSamples));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxSamples, AudioClip.MaxSamples, nameof(MaxSamples));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
    }
}
