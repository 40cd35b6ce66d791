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
        CheckComments(bytes, source);
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

    /// <summary>
    /// Refuses a comment header (the stream's second packet) whose vendor string, count or comments claim more bytes than
    /// the packet holds. NVorbis allocates each string at the length it claims before reading it: a 5 KB file whose length
    /// field was damaged made it allocate 4.6 GB. The packet is put together as NVorbis sees it: from the pages of the first
    /// stream whose checksum holds (NVorbis drops the others), wherever they start in the file.
    /// </summary>
    private static void CheckComments(ReadOnlySpan<byte> bytes, string source)
    {
        byte[]? packet = SecondPacket(bytes);
        if (packet is null || packet.Length < 7 || packet[0] != 3 || !packet.AsSpan(1, 6).SequenceEqual("vorbis"u8))
        {
            // No comment header to check: NVorbis refuses the stream itself.
            return;
        }

        long at = 7;
        long Claim(string what)
        {
            long length = at + 4 <= packet.Length ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan((int)at, 4)) : 0;
            at += 4;
            if (length > packet.Length - Math.Min(at, packet.Length))
            {
                throw new DataFormatException(source, null,
                    $"the OGG Vorbis comment header is damaged: {what} claims {length:N0} bytes, but its packet holds {Math.Max(0, packet.Length - at):N0} more; re-encode the file, or convert it to WAV.");
            }

            return length;
        }

        long vendor = Claim("the vendor string");
        at += vendor;
        // Each comment takes at least its 4-byte length: a count is bounded by the bytes left as a length is.
        long count = Claim("the comment count");
        for (long i = 0; i < count && at < packet.Length; i++)
        {
            long comment = Claim($"comment {i + 1}");
            at += comment;
        }
    }

    /// <summary>The second packet of the first logical stream, from its pages whose CRC holds; null when the file ends before it does.</summary>
    private static byte[]? SecondPacket(ReadOnlySpan<byte> bytes)
    {
        var packet = new List<byte>();
        int packets = 0, offset = 0;
        uint? serial = null;
        while (offset + 27 <= bytes.Length)
        {
            int found = bytes[offset..].IndexOf("OggS"u8);
            if (found < 0)
            {
                return null;
            }

            offset += found;
            ReadOnlySpan<byte> page = bytes[offset..];
            int segments = page.Length >= 27 ? page[26] : int.MaxValue;
            long length = page.Length < 27L + segments ? long.MaxValue : 27 + segments + Sum(page.Slice(27, segments));
            if (length > page.Length || !CrcHolds(page[..(int)length]))
            {
                offset++;
                continue;
            }

            uint pageSerial = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(page[14..]);
            serial ??= pageSerial;
            if (pageSerial == serial)
            {
                int body = 27 + segments;
                for (int i = 0; i < segments; i++)
                {
                    int lace = page[27 + i];
                    if (packets == 1)
                    {
                        packet.AddRange(page.Slice(body, lace));
                    }

                    body += lace;
                    if (lace < 255 && ++packets == 2)
                    {
                        return [.. packet];
                    }
                }
            }

            offset += (int)length;
        }

        return null;
    }

    /// <summary>Whether an Ogg page's CRC-32 (polynomial 0x04C11DB7, unreflected, over the page with its CRC field as zeros) is the one it carries.</summary>
    private static bool CrcHolds(ReadOnlySpan<byte> page)
    {
        uint crc = 0;
        for (int i = 0; i < page.Length; i++)
        {
            crc ^= (uint)(i is >= 22 and < 26 ? 0 : page[i]) << 24;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
            }
        }

        return crc == System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(page[22..]);
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
