using System.Diagnostics;

namespace Engram.Data.Audio;

/// <summary>
/// Collects what a streaming decoder gives, block by block, within <see cref="AudioReadOptions.MaxSamples"/> and
/// <see cref="AudioReadOptions.Timeout"/>: the file is refused, naming both, as soon as it passes either, so that
/// memory grows only with sound that is really there and within the cap.
/// </summary>
internal sealed class DecodedSamples
{
    private const int ChunkLength = 1 << 16;

    private readonly List<float[]> _chunks = [];
    private readonly string _source;
    private readonly string _format;
    private readonly int _sampleRate;
    private readonly int _channels;
    private readonly long _maxSamples;
    private readonly TimeSpan _timeout;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastLength = ChunkLength;

    public DecodedSamples(string source, string format, int sampleRate, int channels, AudioReadOptions options)
    {
        _source = source;
        _format = format;
        _sampleRate = sampleRate;
        _channels = channels;
        _maxSamples = options.MaxSamples;
        _timeout = options.Timeout;
    }

    /// <summary>Samples collected so far.</summary>
    public long Count { get; private set; }

    /// <summary>Appends a decoded block; refuses the file once it holds more than the cap or took longer than the timeout.</summary>
    public void Add(ReadOnlySpan<float> block)
    {
        if (Count + block.Length > _maxSamples)
        {
            throw TooLong(_source, _format, _sampleRate, _channels, _maxSamples);
        }

        if (_clock.Elapsed > _timeout)
        {
            throw new DataFormatException(_source, null,
                $"decoding the {_format} took longer than {_timeout.TotalSeconds:0.#} s (AudioReadOptions.Timeout), after {Seconds(Count):0.##} s of sound; the file may be damaged: convert it to WAV.");
        }

        while (!block.IsEmpty)
        {
            if (_lastLength == ChunkLength)
            {
                _chunks.Add(new float[ChunkLength]);
                _lastLength = 0;
            }

            int take = Math.Min(block.Length, ChunkLength - _lastLength);
            block[..take].CopyTo(_chunks[^1].AsSpan(_lastLength));
            _lastLength += take;
            Count += take;
            block = block[take..];
        }
    }

    /// <summary>
    /// The clip, without <paramref name="skipFrames"/> at the start and <paramref name="dropFrames"/> at the end (an
    /// encoder's delay and padding): whole frames only (a stream that changed its channel count mid-way can leave a
    /// part-frame), every sample finite.
    /// </summary>
    public AudioClip ToClip(int skipFrames = 0, int dropFrames = 0)
    {
        long frames = Count / _channels;
        long skip = Math.Min(frames, skipFrames), keep = Math.Max(0, frames - skip - dropFrames);
        if (keep == 0 && frames > 0)
        {
            // A damaged gapless tag can claim more delay and padding than there is sound: the clip would be empty, which no encoder takes.
            throw new DataFormatException(_source, null,
                $"the {_format} decodes to {frames:N0} sample frames, and its encoder delay and padding (the Info/Xing tag) claim {(long)skipFrames + dropFrames:N0} of them: " +
                "nothing is left, so the tag is damaged; re-encode the file, or convert it to WAV.");
        }

        long from = skip * _channels, length = keep * _channels;
        var samples = new float[length];
        long position = 0;
        foreach (float[] chunk in _chunks)
        {
            // The part of this chunk that lies in [from, from + length).
            long start = Math.Max(from, position), end = Math.Min(from + length, position + chunk.Length);
            if (end > start)
            {
                chunk.AsSpan((int)(start - position), (int)(end - start)).CopyTo(samples.AsSpan((int)(start - from)));
            }

            position += chunk.Length;
        }

        return AudioFiles.Checked(new AudioClip(_sampleRate, _channels, samples), _source, _format);
    }

    /// <summary>The refusal for sound longer than the cap, in samples and in time at its rate.</summary>
    public static DataFormatException TooLong(string source, string format, int sampleRate, int channels, long maxSamples) =>
        new(source, null,
            $"the {format} decodes to more than {maxSamples:N0} samples ({maxSamples / ((double)sampleRate * channels) / 60:0.#} minutes at {sampleRate:N0} Hz, {channels} channel{(channels == 1 ? "" : "s")}), " +
            "more than Engram reads (AudioReadOptions.MaxSamples): cut it shorter, e.g. ffmpeg -i IN -t 60 OUT.wav.");

    private double Seconds(long samples) => samples / ((double)_sampleRate * _channels);
}
