using System.Buffers.Binary;

namespace Engram.Data.Audio;

/// <summary>
/// The one way Engram reads a user's sound file. The format is told from the file's content, never from its
/// name (<see cref="Detect"/>): WAV of PCM or float (<see cref="WavFile"/>), MP3 (NLayer) and OGG Vorbis (NVorbis)
/// are decoded in-process; FLAC, Opus, M4A/AAC, WebM, AIFF, a WAV of another codec and the rest go through the
/// <c>ffmpeg</c> program when it is installed, and are refused with a message naming the format when it is not.
/// Anything damaged, cut short, longer than <see cref="AudioReadOptions.MaxSamples"/> or slower than
/// <see cref="AudioReadOptions.Timeout"/> gives a <see cref="DataFormatException"/> that names the file and what is
/// wrong; no decoder's own exception escapes.
/// </summary>
public static class AudioFiles
{
    private const ushort WavPcm = 1;
    private const ushort WavFloat = 3;
    private const ushort WavMpeg = 0x50;
    private const ushort WavMp3 = 0x55;
    private const int MpegScan = 1 << 16;

    /// <summary>
    /// The file names taken for sound, most preferred first: where several files share a stem (a dataset's
    /// <c>cat.wav</c> and <c>cat.mp3</c> beside <c>cat.png</c>), the first in this list is used.
    /// </summary>
    public static IReadOnlyList<string> Extensions { get; } =
    [
        ".wav", ".mp3", ".ogg", ".flac", ".m4a", ".opus", ".oga", ".aac", ".webm", ".mka", ".aif", ".aiff", ".caf", ".wma", ".amr", ".wv", ".ape", ".mp2",
    ];

    /// <summary>Whether <paramref name="path"/>'s extension is one of <see cref="Extensions"/> (any case).</summary>
    public static bool HasSoundExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the ffmpeg that formats other than WAV, MP3 and OGG Vorbis need is there (<see cref="AudioReadOptions.FfmpegPath"/>, else PATH).</summary>
    public static bool IsFfmpegInstalled(AudioReadOptions? options = null) => FfmpegDecoder.Find(options ?? AudioReadOptions.Default) is not null;

    /// <summary>Reads the sound file at <paramref name="path"/>, whatever its format (see <see cref="AudioFiles"/>).</summary>
    public static AudioClip Read(string path, AudioReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw MissingFile.For(path, "a sound file", "Sound");
        }

        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new DataFormatException(path, null, $"the file is {length:N0} bytes; Engram reads sound files of up to {Array.MaxLength:N0} bytes: cut it shorter, e.g. ffmpeg -i IN -t 600 OUT.wav.");
        }

        return Read(File.ReadAllBytes(path), path, options);
    }

    /// <summary>Reads a sound file's <paramref name="bytes"/>, whatever its format; <paramref name="sourceName"/> names them in errors.</summary>
    public static AudioClip Read(byte[] bytes, string sourceName, AudioReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        options ??= AudioReadOptions.Default;
        options.Validate();
        AudioFormat format = Detect(bytes);
        switch (format)
        {
            case AudioFormat.Unknown:
                throw NotSound(bytes, sourceName);
            case AudioFormat.Mp3:
                return Mp3Decoder.Decode(bytes, SkipId3(bytes), sourceName, options);
            case AudioFormat.OggVorbis:
                return VorbisDecoder.Decode(bytes, sourceName, options);
            case AudioFormat.Wav:
                (ushort? codec, int data) = WavCodec(bytes);
                if (codec is WavMpeg or WavMp3 && data > 0)
                {
                    // MP3 in a RIFF wrapper: NLayer reads it as it is; its frames start at the data chunk.
                    return Mp3Decoder.Decode(bytes, data, sourceName, options);
                }

                if (codec is null or WavPcm or WavFloat)
                {
                    // WavFile's own errors name the offset; no fmt chunk at all is one of them.
                    return Limited(WavFile.Read(bytes, sourceName), sourceName, format.Describe(), options);
                }

                return FfmpegDecoder.Decode(bytes, sourceName, format, $"WAV audio of {WavCodecName(codec.Value)} (format tag {codec})", options);
            default:
                return FfmpegDecoder.Decode(bytes, sourceName, format, format.Describe(), options);
        }
    }

    /// <summary>
    /// What <paramref name="bytes"/> hold, from their first bytes: container magic ("RIFF…WAVE", "OggS" and its first
    /// packet, "fLaC", "ftyp", EBML, "FORM…AIFF", …), MPEG and ADTS frame headers after any ID3v2 tags, or, for MP3
    /// with something else in front, three chained MPEG frames within the first 64 KiB.
    /// </summary>
    public static AudioFormat Detect(ReadOnlySpan<byte> bytes)
    {
        int start = SkipId3(bytes);
        ReadOnlySpan<byte> b = bytes[start..];
        if (start == 0)
        {
            AudioFormat container = Container(b);
            if (container != AudioFormat.Unknown)
            {
                return container;
            }
        }

        if (b.StartsWith("fLaC"u8))
        {
            return AudioFormat.Flac;
        }

        if (IsAdts(b))
        {
            return AudioFormat.Aac;
        }

        if (MpegFrameHeader.TryParse(b, out _) || start > 0 || ChainedMpegFrames(b))
        {
            // An ID3v2 tag is MP3's: whatever follows it is for the MP3 decoder to read or refuse.
            return AudioFormat.Mp3;
        }

        return AudioFormat.Unknown;
    }

    /// <summary>The offset after the ID3v2 tags at the start of <paramref name="bytes"/> (0 when there are none).</summary>
    internal static int SkipId3(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        for (int tag = 0; tag < 16; tag++)
        {
            ReadOnlySpan<byte> b = bytes[offset..];
            if (b.Length < 10 || !b.StartsWith("ID3"u8) || ((b[6] | b[7] | b[8] | b[9]) & 0x80) != 0)
            {
                break;
            }

            // The size is "syncsafe": four 7-bit bytes; a footer of 10 more bytes when flag 0x10 is set.
            long size = 10L + ((b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9]) + ((b[5] & 0x10) != 0 ? 10 : 0);
            offset = (int)Math.Min(bytes.Length, offset + size);
        }

        return offset;
    }

    /// <summary>Whether a decoder's exception is a failure on the data (every type but cancellation and our own refusal).</summary>
    internal static bool IsDecoderFailure(Exception e) => e is not (DataFormatException or OperationCanceledException);

    /// <summary>The refusal for data a decoder library failed on, with the library's own words.</summary>
    internal static DataFormatException Damaged(string source, string format, string library, Exception e)
    {
        string message = e.Message.Split('\n')[0].Trim();
        int parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        message = parameter > 0 ? message[..parameter] : message;
        return new DataFormatException(source, null,
            $"the {format} is damaged and cannot be decoded ({library}: {(e is OutOfMemoryException ? "out of memory" : message)}); re-encode it, or convert it to WAV.", e);
    }

    /// <summary>The clip when every sample is a finite number; a damaged stream can decode to NaN or infinity, which would poison every code computed from it.</summary>
    internal static AudioClip Checked(AudioClip clip, string source, string format)
    {
        float[] samples = clip.Samples;
        for (int i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                throw new DataFormatException(source, null,
                    $"the {format} decodes to a sample that is not a finite number ({samples[i]}) at {i / clip.Channels / (double)clip.SampleRate:0.###} s: the file is damaged.");
            }
        }

        return clip;
    }

    private static AudioClip Limited(AudioClip clip, string source, string format, AudioReadOptions options) =>
        clip.Samples.Length > options.MaxSamples
            ? throw DecodedSamples.TooLong(source, format, clip.SampleRate, clip.Channels, options.MaxSamples)
            : Checked(clip, source, format);

    private static AudioFormat Container(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return AudioFormat.Wav;
        }

        if (b.StartsWith("OggS"u8))
        {
            return VorbisDecoder.Codec(b);
        }

        if (b.Length >= 12 && b.StartsWith("FORM"u8) && (b.Slice(8, 4).SequenceEqual("AIFF"u8) || b.Slice(8, 4).SequenceEqual("AIFC"u8)))
        {
            return AudioFormat.Aiff;
        }

        if (b.Length >= 8 && b.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return AudioFormat.Mp4;
        }

        ReadOnlySpan<byte> ebml = [0x1A, 0x45, 0xDF, 0xA3];
        ReadOnlySpan<byte> asf = [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11];
        return b.StartsWith(ebml) ? AudioFormat.WebM
            : b.StartsWith(asf) ? AudioFormat.Wma
            : b.StartsWith("caff"u8) ? AudioFormat.Caf
            : b.StartsWith("#!AMR"u8) ? AudioFormat.Amr
            : b.StartsWith("wvpk"u8) ? AudioFormat.WavPack
            : b.StartsWith("MAC "u8) ? AudioFormat.Ape
            : AudioFormat.Unknown;
    }

    /// <summary>An ADTS header: a 12-bit sync, layer 0, a sampling index that exists and a frame longer than its header.</summary>
    private static bool IsAdts(ReadOnlySpan<byte> b) =>
        b.Length >= 7 && b[0] == 0xFF && (b[1] & 0xF6) == 0xF0 && ((b[2] >> 2) & 0xF) < 13
        && (((b[3] & 3) << 11) | (b[4] << 3) | (b[5] >> 5)) >= 7;

    /// <summary>Three MPEG frames one after the other, of one version, layer and rate, starting within the first 64 KiB.</summary>
    private static bool ChainedMpegFrames(ReadOnlySpan<byte> b)
    {
        int end = Math.Min(b.Length, MpegScan);
        for (int i = b[..end].IndexOf((byte)0xFF); i >= 0 && i < end; i = NextSync(b, i + 1, end))
        {
            if (!MpegFrameHeader.TryParse(b[i..], out MpegFrameHeader first) || first.Length == 0)
            {
                continue;
            }

            int at = i + first.Length, chained = 1;
            while (chained < 3 && MpegFrameHeader.TryParse(b[Math.Min(at, b.Length)..], out MpegFrameHeader next) && next.Length > 0
                && (next.Version, next.Layer, next.SampleRate) == (first.Version, first.Layer, first.SampleRate))
            {
                chained++;
                at += next.Length;
            }

            if (chained == 3)
            {
                return true;
            }
        }

        return false;
    }

    private static int NextSync(ReadOnlySpan<byte> b, int from, int end)
    {
        int next = from >= end ? -1 : b[from..end].IndexOf((byte)0xFF);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>
    /// The codec tag of a WAV file's fmt chunk (the sub-format's for WAVE_FORMAT_EXTENSIBLE), null when no whole fmt
    /// chunk comes first; and where the data chunk's bytes start (0 when no data chunk follows).
    /// </summary>
    private static (ushort? Tag, int Data) WavCodec(ReadOnlySpan<byte> bytes)
    {
        ushort? tag = null;
        int offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            ReadOnlySpan<byte> id = bytes.Slice(offset, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 4, 4));
            int body = offset + 8;
            if (id.SequenceEqual("data"u8))
            {
                return (tag, body);
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > bytes.Length)
                {
                    return (null, 0);
                }

                ushort format = BinaryPrimitives.ReadUInt16LittleEndian(bytes[body..]);
                tag = format == 0xFFFE && size >= 40 && body + 26 <= bytes.Length ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[(body + 24)..]) : format;
            }

            if (size > bytes.Length - body)
            {
                return (tag, 0);
            }

            offset = body + (int)size + (int)(size & 1);
        }

        return (tag, 0);
    }

    private static string WavCodecName(ushort tag) => tag switch
    {
        2 => "Microsoft ADPCM",
        6 => "A-law",
        7 => "μ-law",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x161 or 0x162 or 0x163 => "Windows Media Audio",
        0x2000 => "AC-3",
        0xF1AC => "FLAC",
        _ => "another codec",
    };

    /// <summary>The refusal for bytes that are no sound format Engram knows, saying what they look like when that is clear.</summary>
    private static DataFormatException NotSound(ReadOnlySpan<byte> bytes, string source)
    {
        const string Reads = "Engram reads WAV, MP3 and OGG Vorbis itself, and FLAC, Opus, M4A/AAC, WebM, AIFF and other formats through ffmpeg";
        if (bytes.IsEmpty)
        {
            return new DataFormatException(source, 0, "the file is empty: it holds no sound.");
        }

        string? kind = bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]) ? "a PNG image"
            : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "a JPEG image"
            : bytes.StartsWith("GIF8"u8) ? "a GIF image"
            : bytes.StartsWith("%PDF"u8) ? "a PDF document"
            : bytes.StartsWith("PK\u0003\u0004"u8) ? "a ZIP archive"
            : bytes.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) ? "gzip-compressed"
            : bytes.StartsWith("SQLite format 3\0"u8) ? "an SQLite database (an Engram store is one)"
            : IsText(bytes[..Math.Min(bytes.Length, 512)]) ? "text"
            : null;
        return kind is not null
            ? new DataFormatException(source, 0, $"the file is {kind}, not sound. {Reads}.")
            : new DataFormatException(source, 0,
                $"the file is not a sound format Engram recognises (it starts with {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 8)])}). {Reads}: convert it to one of those.");
    }

    private static bool IsText(ReadOnlySpan<byte> start)
    {
        foreach (byte c in start)
        {
            if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F)
            {
                return false;
            }
        }

        return true;
    }
}
