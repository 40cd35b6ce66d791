using NLayer;

namespace Engram.Data.Audio;

/// <summary>
/// MPEG audio (MP3, and layers I and II) through NLayer, fully managed. Before decoding, the chain of frame
/// headers is walked from the first frame: a frame that runs past the end of the file means the file was cut
/// short, and it is refused saying so (NLayer would drop the frame and return less sound without a word).
/// Whatever NLayer throws on damaged data becomes a <see cref="DataFormatException"/> naming the file.
/// </summary>
internal static class Mp3Decoder
{
    private const string Format = "MP3 audio";

    /// <summary>Decodes <paramref name="bytes"/>, whose first MPEG frame is at <paramref name="first"/> (after ID3v2 tags, or a RIFF wrapper's data chunk).</summary>
    public static AudioClip Decode(byte[] bytes, int first, string source, AudioReadOptions options)
    {
        CheckComplete(bytes, first, source);
        (int skip, int drop) = Gapless(bytes, first, out int lameTag);
        if (lameTag >= 0)
        {
            // A copy whose "LAME" NLayer does not recognise (the caller's bytes are left as they are).
            bytes = (byte[])bytes.Clone();
            bytes[lameTag] = (byte)'l';
        }

        try
        {
            using var file = new MpegFile(new MemoryStream(bytes, writable: false));
            int rate = file.SampleRate, channels = file.Channels;
            if (rate <= 0 || channels is < 1 or > 2)
            {
                throw new DataFormatException(source, null, $"the MP3 data claims {channels} channels at {rate} Hz; MPEG audio has one or two channels at 8–48 kHz.");
            }

            var samples = new DecodedSamples(source, Format, rate, channels, options);
            var block = new float[1152 * 2 * 8];
            int read;
            while ((read = file.ReadSamples(block, 0, block.Length)) > 0)
            {
                samples.Add(block.AsSpan(0, read));
            }

            if (samples.Count == 0)
            {
                throw new DataFormatException(source, null, "the MP3 data holds no sound: not one MPEG audio frame decodes.");
            }

            return samples.ToClip(skip, drop);
        }
#pragma warning disable CA1031 // NLayer's failures on damaged data are of every type (IndexOutOfRange, InvalidOperation, …): each becomes the one documented refusal.
        catch (Exception e) when (AudioFiles.IsDecoderFailure(e))
#pragma warning restore CA1031
        {
            throw AudioFiles.Damaged(source, Format, "NLayer", e);
        }
    }

    /// <summary>
    /// The frames to cut from the start and the end of the sound: the encoder delay and end padding that LAME, and
    /// ffmpeg's libmp3lame, write into the Info/Xing frame (LAME's layout; ffmpeg names the encoder "Lavf" or "Lavc").
    /// Cut as ffmpeg and mpg123 do: delay + 529 (the decoder's own delay) at the start, padding − 529 at the end.
    /// NLayer trims only files that say "LAME", and then only the delay, so their sound would start 529 samples
    /// late and lose its last 529; <paramref name="hideFromNLayer"/> is the offset of that "LAME" (−1 when there is
    /// none), for the caller to disguise so that NLayer leaves the trimming to this.
    /// </summary>
    internal static (int Skip, int Drop) Gapless(ReadOnlySpan<byte> bytes, int first, out int hideFromNLayer)
    {
        const int DecoderDelay = 529;
        hideFromNLayer = -1;
        if (!MpegFrameHeader.TryParse(bytes[first..], out MpegFrameHeader header) || header.Length == 0 || first + header.Length > bytes.Length)
        {
            return (0, 0);
        }

        ReadOnlySpan<byte> frame = bytes.Slice(first, header.Length);
        int sideInfo = header.Version == 1 ? (header.Channels == 1 ? 17 : 32) : (header.Channels == 1 ? 9 : 17);
        int at = 4 + ((frame[1] & 1) == 0 ? 2 : 0) + sideInfo;
        if (at + 8 > frame.Length || !(frame.Slice(at, 4).SequenceEqual("Info"u8) || frame.Slice(at, 4).SequenceEqual("Xing"u8)))
        {
            return (0, 0);
        }

        int flags = frame[at + 7];
        at += 8 + ((flags & 1) != 0 ? 4 : 0) + ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        if (at + 24 > frame.Length)
        {
            return (0, 0);
        }

        ReadOnlySpan<byte> encoder = frame.Slice(at, 4);
        bool lame = encoder.SequenceEqual("LAME"u8);
        if (!lame && !encoder.SequenceEqual("Lavf"u8) && !encoder.SequenceEqual("Lavc"u8))
        {
            return (0, 0);
        }

        hideFromNLayer = lame ? first + at : -1;
        int delay = (frame[at + 21] << 4) | (frame[at + 22] >> 4), padding = ((frame[at + 22] & 0x0F) << 8) | frame[at + 23];
        return (delay + DecoderDelay, Math.Max(0, padding - DecoderDelay));
    }

    /// <summary>Refuses a file whose chain of MPEG frames ends in a frame cut off by the end of the file.</summary>
    private static void CheckComplete(ReadOnlySpan<byte> bytes, int offset, string source)
    {
        int frames = 0;
        long samples = 0;
        int rate = 0;
        while (MpegFrameHeader.TryParse(bytes[offset..], out MpegFrameHeader header) && header.Length > 0)
        {
            if (offset + header.Length > bytes.Length)
            {
                // The last frame may lose its padding byte to writers that trim it; more than that is a cut.
                if (offset + header.Length - bytes.Length > 1)
                {
                    throw new DataFormatException(source, offset,
                        $"the MP3 is truncated: frame {frames + 1} needs {header.Length} bytes but the file ends after {bytes.Length - offset}" +
                        (rate > 0 ? $" (the {frames:N0} frames before it hold {samples / (double)rate:0.##} s)" : "") +
                        "; copy or download the file again.");
                }

                return;
            }

            frames++;
            samples += header.SamplesPerFrame;
            rate = header.SampleRate;
            offset += header.Length;
        }
    }
}

/// <summary>The four-byte header of an MPEG audio frame (ISO 11172-3, 13818-3 and MPEG 2.5).</summary>
internal readonly record struct MpegFrameHeader(int Version, int Layer, int Bitrate, int SampleRate, int Channels, int Length, int SamplesPerFrame)
{
    // Kilobits per second by bitrate index: MPEG 1 layers I, II, III; MPEG 2 and 2.5 layer I; layers II and III.
    private static readonly int[][] s_bitrates =
    [
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];

    private static readonly int[] s_rates = [44100, 48000, 32000];

    /// <summary>
    /// Parses a header at the start of <paramref name="b"/>: sync, a version and layer that exist, a bitrate index
    /// other than 15, a sample-rate index other than 3, an emphasis other than the reserved 2. Free-format frames
    /// (bitrate index 0) parse with <see cref="Length"/> 0: their length is not in the header.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> b, out MpegFrameHeader header)
    {
        header = default;
        if (b.Length < 4 || b[0] != 0xFF || (b[1] & 0xE0) != 0xE0)
        {
            return false;
        }

        int versionBits = (b[1] >> 3) & 3, layerBits = (b[1] >> 1) & 3, bitrateIndex = b[2] >> 4, rateIndex = (b[2] >> 2) & 3;
        if (versionBits == 1 || layerBits == 0 || bitrateIndex == 15 || rateIndex == 3 || (b[3] & 3) == 2)
        {
            return false;
        }

        int version = versionBits switch { 3 => 1, 2 => 2, _ => 25 };
        int layer = 4 - layerBits;
        int table = version == 1 ? layer - 1 : layer == 1 ? 3 : 4;
        int bitrate = s_bitrates[table][bitrateIndex] * 1000;
        int rate = s_rates[rateIndex] / (version == 1 ? 1 : version == 2 ? 2 : 4);
        int padding = (b[2] >> 1) & 1;
        int samplesPerFrame = layer == 1 ? 384 : layer == 2 || version == 1 ? 1152 : 576;
        int length = bitrate == 0 ? 0
            : layer == 1 ? ((12 * bitrate / rate) + padding) * 4
            : (samplesPerFrame / 8 * bitrate / rate) + padding;
        header = new MpegFrameHeader(version, layer, bitrate, rate, (b[3] >> 6) == 3 ? 1 : 2, length, samplesPerFrame);
        return true;
    }
}
