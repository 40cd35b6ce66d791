using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Engram.Nn.Training;

/// <summary>
/// A SHA-256 over the data a run trains on (floats by their bytes, strings by their UTF-8, each part
/// length-prefixed so that ["ab", "c"] and ["a", "bc"] differ): a checkpoint records it under
/// <see cref="TrainerOptions.Settings"/> so that a run on other data does not resume from it.
/// </summary>
public sealed class TrainingFingerprint : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Adds the values, in order.</summary>
    public TrainingFingerprint Add(ReadOnlySpan<float> values)
    {
        AddLength(values.Length);
        _hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    /// <summary>Adds the text.</summary>
    public TrainingFingerprint Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        AddLength(bytes.Length);
        _hash.AppendData(bytes);
        return this;
    }

    /// <summary>The hash of everything added, as lower-case hex.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>Releases the hash.</summary>
    public void Dispose() => _hash.Dispose();

    private void AddLength(int length)
    {
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
        _hash.AppendData(prefix);
    }
}
