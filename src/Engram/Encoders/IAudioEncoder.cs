namespace Engram.Encoders;

/// <summary>An audio encoder: clips in, one code row per clip out.</summary>
public interface IAudioEncoder
{
    /// <summary>The encoder's name.</summary>
    string Name { get; }

    /// <summary>The length of one code.</summary>
    int CodeLength { get; }

    /// <summary>Codes [N, CodeLength] for N clips (any sample rate and channel count).</summary>
    Tensor Encode(IReadOnlyList<Data.Audio.AudioClip> clips);
}
