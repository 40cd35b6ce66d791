namespace Engram.Data.Audio;

/// <summary>
/// Decoded audio: interleaved samples in [−1, 1] (PCM is scaled by its full range), a sample rate
/// and a channel count. (Not named "Audio": that is this namespace's name.)
/// </summary>
public sealed class AudioClip
{
    /// <summary>The most samples Engram will hold: 2²⁸ (1 GiB of floats; about 47 minutes of stereo at 48 kHz, 1.7 hours of mono at 44.1 kHz).</summary>
    public const long MaxSamples = 1L << 28;

    /// <summary>A clip of <paramref name="samples"/> (channels interleaved, in [−1, 1]) at <paramref name="sampleRate"/> frames per second; the sample count must be a whole number of frames.</summary>
    public AudioClip(int sampleRate, int channels, float[] samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} samples do not divide into frames of {channels} channels.", nameof(samples));
        }

        SampleRate = sampleRate;
        Channels = channels;
        Samples = samples;
    }

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; }

    /// <summary>Channels per frame (1 = mono, 2 = stereo).</summary>
    public int Channels { get; }

    /// <summary>All samples, channels interleaved.</summary>
    public float[] Samples { get; }

    /// <summary>Samples per channel.</summary>
    public int FrameCount => Samples.Length / Channels;

    /// <summary>How long the clip plays: <see cref="FrameCount"/> / <see cref="SampleRate"/>.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)FrameCount / SampleRate);

    /// <summary>The mean of the channels, frame by frame (a copy when already mono).</summary>
    public float[] ToMono()
    {
        if (Channels == 1)
        {
            return (float[])Samples.Clone();
        }

        var mono = new float[FrameCount];
        for (int f = 0; f < mono.Length; f++)
        {
            float sum = 0;
            for (int c = 0; c < Channels; c++)
            {
                sum += Samples[(f * Channels) + c];
            }

            mono[f] = sum / Channels;
        }

        return mono;
    }

    /// <summary>The channels, sample rate and duration, for messages.</summary>
    public override string ToString() => $"AudioClip[{Channels} ch, {SampleRate} Hz, {Duration.TotalSeconds:F3} s]";
}
