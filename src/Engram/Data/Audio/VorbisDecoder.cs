using NVorbis;

namespace Engram.Data.Audio;

/// <summary>
/// OGG Vorbis through NVorbis, fully managed; the first logical stream is read. Before decoding, the Ogg pages
/// are walked: a page cut off by the end of the file, or a file whose last page does not close its stream, was
/// cut short and is refused saying so (NVorbis would return less sound without a word). Whatever NVorbis throws
/// on damaged data becomes a <see cref="DataFormatException"/> naming the file.
/// </summary>
internal static class VorbisDecoder
{
    private const string Format = "OGG Vorbis audio";
    private const byte EndOfStream = 0x04;

    public static AudioClip Decode(byte[] bytes, string source, AudioReadOptions options)
    {
        CheckComplete(bytes, source);
        try
        {
            using var reader = new VorbisReader(new MemoryStream(bytes, writable: false), closeOnDispose: true);
            int rate = reader.SampleRate, channels = reader.Channels;
            if (rate <= 0 || channels < 1)
            {
                throw new DataFormatException(source, null, $"the Vorbis header claims {channels} channels at {rate} Hz.");
            }

            var samples = new DecodedSamples(source, Format, rate, channels, options);
            var block = new float[channels * 4096];
            int read;
            while ((read = reader.ReadSamples(block, 0, block.Length)) > 0)
            {
                samples.Add(block.AsSpan(0, read));
            }

            if (samples.Count == 0)
            {
                throw new DataFormatException(source, null, "the OGG Vorbis stream holds no sound: its headers are there but not one audio packet decodes.");
            }

            return samples.ToClip();
        }
#pragma warning disable CA1031 // NVorbis's failures on damaged data are of every type (ArgumentException, InvalidDataException, IndexOutOfRange, …): each becomes the one documented refusal.
        catch (Exception e) when (AudioFiles.IsDecoderFailure(e))
#pragma warning restore CA1031
        {
            throw AudioFiles.Damaged(source, Format, "NVorbis", e);
        }
    }

    /// <summary>Refuses a file whose chain of Ogg pages ends in a cut-off page, or without the page that ends its stream.</summary>
    private static void CheckComplete(ReadOnlySpan<byte> bytes, string source)
    {
        int offset = 0, pages = 0;
        byte flags = 0;
        while (offset < bytes.Length)
        {
            ReadOnlySpan<byte> page = bytes[offset..];
            if (!"OggS"u8.StartsWith(page[..Math.Min(4, page.Length)]))
            {
                // Not a page: something else follows (NVorbis looks for the next page itself). No claim about the end.
                return;
            }

            int segments = page.Length >= 27 ? page[26] : -1;
            long length = segments < 0 || page.Length < 27 + segments ? -1 : 27 + segments + Sum(page.Slice(27, segments));
            if (length < 0 || length > page.Length)
            {
                throw new DataFormatException(source, offset,
                    $"the OGG file is truncated: Ogg page {pages + 1} {(length < 0 ? "has its header cut off" : $"needs {length} bytes but the file ends after {page.Length}")}; copy or download the file again.");
            }

            flags = page[5];
            pages++;
            offset += (int)length;
        }

        if ((flags & EndOfStream) == 0)
        {
            throw new DataFormatException(source, null,
                $"the OGG file is truncated: it ends after {pages} whole Ogg pages without the page that closes the stream (the end-of-stream flag); copy or download the file again.");
        }
    }

    private static int Sum(ReadOnlySpan<byte> lacing)
    {
        int sum = 0;
        foreach (byte b in lacing)
        {
            sum += b;
        }

        return sum;
    }

    /// <summary>The codec of an Ogg file, from the start of its first packet: Vorbis, Opus, or another.</summary>
    internal static AudioFormat Codec(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 27)
        {
            return AudioFormat.OggVorbis;
        }

        int segments = bytes[26];
        ReadOnlySpan<byte> packet = bytes.Length > 27 + segments ? bytes[(27 + segments)..] : [];
        if (packet.Length < 8)
        {
            // The first packet is cut off: the page walk reports the truncation.
            return AudioFormat.OggVorbis;
        }

        return packet[..7].SequenceEqual("\u0001vorbis"u8) ? AudioFormat.OggVorbis
            : packet[..8].SequenceEqual("OpusHead"u8) ? AudioFormat.Opus
            : AudioFormat.OggOther;
    }
}
