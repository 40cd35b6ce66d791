using System.Buffers.Binary;

namespace Engram.Data.Audio;

/// <summary>How <see cref="WavFile.Write"/> stores samples.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed PCM (format tag 1), rounded and clamped to [−1, 1].</summary>
    Pcm16,

    /// <summary>32-bit IEEE float (format tag 3), exact.</summary>
    Float32,
}

/// <summary>
/// RIFF/WAVE files: PCM of 8 (unsigned), 16, 24 or 32 bits, IEEE float of 32 or 64 bits, plain or
/// WAVE_FORMAT_EXTENSIBLE, any channel count and sample rate. Streaming writers such as
/// <c>espeak-ng --stdout</c> leave placeholder sizes (0 or 0xFFFFFFFF) in the RIFF and data headers:
/// a data chunk whose size is 0 or runs past the end of the file is read to the end, whole frames only.
/// </summary>
public static class WavFile
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>Reads the WAV file at <paramref name="path"/>; a file that is not valid WAV gives a <see cref="DataFormatException"/> naming it and the offset.</summary>
    public static AudioClip Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "a WAV file", "WAV");
        }

        long length = new FileInfo(path).Length;
        if (length > (AudioClip.MaxSamples * 8) + (1 << 20))
        {
            throw new DataFormatException(path, null, $"the file is {length} bytes, more than the largest audio Engram holds ({AudioClip.MaxSamples} samples).");
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads WAV <paramref name="bytes"/>; <paramref name="sourceName"/> names them in errors.</summary>
    public static AudioClip Read(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new DataFormatException(sourceName, 0, "not a WAV file: it must start with \"RIFF\", a size, then \"WAVE\".");
        }

        Format? format = null;
        int offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            ReadOnlySpan<byte> id = bytes.Slice(offset, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 4, 4));
            int body = offset + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > bytes.Length)
                {
                    throw new DataFormatException(sourceName, offset, $"the fmt chunk holds {size} bytes; it needs at least 16.");
                }

                format = ParseFormat(bytes.Slice(body, (int)Math.Min(size, (uint)(bytes.Length - body))), sourceName, offset);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is null)
                {
                    throw new DataFormatException(sourceName, offset, "the data chunk comes before any fmt chunk, so its samples cannot be read.");
                }

                // A size of 0 or one that runs past the end is a streaming writer's placeholder: read to the end.
                long available = bytes.Length - body;
                long dataLength = size == 0 || size > available ? available : size;
                return Decode(format, bytes.Slice(body, (int)dataLength), sourceName, body);
            }

            if (size > bytes.Length - body)
            {
                throw new DataFormatException(sourceName, offset, $"chunk \"{Printable(id)}\" claims {size} bytes but only {bytes.Length - body} remain.");
            }

            // Chunks are padded to an even length.
            offset = body + (int)size + (int)(size & 1);
        }

        throw new DataFormatException(sourceName, offset, format is null ? "no fmt chunk was found." : "no data chunk was found.");
    }

    /// <summary>Writes <paramref name="audio"/> to <paramref name="path"/> through a temporary file renamed into place.</summary>
    public static void Write(string path, AudioClip audio, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(audio);
        int bytesPerSample = format == WavSampleFormat.Pcm16 ? 2 : 4;
        long dataLength = (long)audio.Samples.Length * bytesPerSample;
        if (dataLength > uint.MaxValue - 44)
        {
            throw new ArgumentException($"{audio} is too long for a WAV file (over 4 GiB of samples).", nameof(audio));
        }

        var bytes = new byte[44 + dataLength];
        Span<byte> s = bytes;
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + dataLength));
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], format == WavSampleFormat.Pcm16 ? FormatPcm : FormatFloat);
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], (ushort)audio.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)audio.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)(audio.SampleRate * audio.Channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], (ushort)(audio.Channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], (ushort)(bytesPerSample * 8));
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)dataLength);
        Span<byte> data = s[44..];
        for (int i = 0; i < audio.Samples.Length; i++)
        {
            float x = audio.Samples[i];
            if (format == WavSampleFormat.Pcm16)
            {
                double scaled = Math.Round(Math.Clamp(float.IsNaN(x) ? 0f : x, -1f, 1f) * 32767.0);
                BinaryPrimitives.WriteInt16LittleEndian(data[(i * 2)..], (short)scaled);
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], x);
            }
        }

        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static Format ParseFormat(ReadOnlySpan<byte> fmt, string source, int offset)
    {
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw new DataFormatException(source, offset, $"a WAVE_FORMAT_EXTENSIBLE fmt chunk needs 40 bytes; this one has {fmt.Length}.");
            }

            // The sub-format GUID's first two bytes are the real format tag.
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
        }

        if (channels == 0)
        {
            throw new DataFormatException(source, offset, "the fmt chunk says 0 channels.");
        }

        if (rate == 0 || rate > 10_000_000)
        {
            throw new DataFormatException(source, offset, $"the sample rate {rate} Hz is not plausible.");
        }

        bool supported = (tag == FormatPcm && bits is 8 or 16 or 24 or 32) || (tag == FormatFloat && bits is 32 or 64);
        if (!supported)
        {
            throw new DataFormatException(source, offset,
                $"format tag {tag} with {bits} bits per sample is not supported (PCM 8/16/24/32-bit and IEEE float 32/64-bit are).");
        }

        if (blockAlign != channels * (bits / 8))
        {
            throw new DataFormatException(source, offset, $"block align {blockAlign} does not match {channels} channels of {bits} bits.");
        }

        return new Format(tag, channels, (int)rate, bits);
    }

    private static AudioClip Decode(Format format, ReadOnlySpan<byte> data, string source, int offset)
    {
        int bytesPerSample = format.Bits / 8;
        int frameBytes = bytesPerSample * format.Channels;
        long frames = data.Length / frameBytes;
        long samples = frames * format.Channels;
        if (samples > AudioClip.MaxSamples)
        {
            throw new DataFormatException(source, offset, $"{samples} samples is more than the {AudioClip.MaxSamples} Engram holds.");
        }

        var result = new float[samples];
        for (int i = 0; i < result.Length; i++)
        {
            ReadOnlySpan<byte> b = data.Slice(i * bytesPerSample, bytesPerSample);
            result[i] = (format.Tag, format.Bits) switch
            {
                (FormatPcm, 8) => (b[0] - 128) / 128f,
                (FormatPcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(b) / 32768f,
                (FormatPcm, 24) => ((b[0] | (b[1] << 8) | ((sbyte)b[2] << 16)) / 8388608f),
                (FormatPcm, _) => (float)(BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0),
                (_, 32) => BinaryPrimitives.ReadSingleLittleEndian(b),
                _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
            };
        }

        return new AudioClip(format.Rate, format.Channels, result);
    }

    private static string Printable(ReadOnlySpan<byte> id)
    {
        var chars = new char[id.Length];
        for (int i = 0; i < id.Length; i++)
        {
            chars[i] = id[i] is >= 32 and < 127 ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private sealed record Format(ushort Tag, int Channels, int Rate, int Bits);
}
