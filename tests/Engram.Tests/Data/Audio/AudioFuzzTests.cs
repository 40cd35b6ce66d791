using Engram.Data;
using Engram.Data.Audio;
using Xunit.Abstractions;

namespace Engram.Tests.Data.Audio;

/// <summary>
/// The two formats Engram decodes in-process through a library (MP3 through NLayer, OGG Vorbis through NVorbis), mutated
/// thousands of times by seeded edits of the small fixtures: each input decodes, or is refused with Engram's
/// <see cref="DataFormatException"/> naming it; no other exception (the library's own, an index or overflow error from deep
/// in a decoder) and no hang. ffmpeg is pointed at a path that does not exist, so a mutation that turns the file into
/// another format is refused at once rather than handed to a process.
/// </summary>
public sealed class AudioFuzzTests(ITestOutputHelper output)
{
    private const int Mutations = 5000;

    /// <summary>No decode of a small mutated file comes near this; one that does is a hang, reported with its input.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("short.mp3", AudioFormat.Mp3, 20261203)]
    [InlineData("short.ogg", AudioFormat.OggVorbis, 20261204)]
    public async Task Should_see_only_clear_errors_when_valid_files_are_mutated_thousands_of_times(string fixture, AudioFormat format, int seed)
    {
        // Given the small fixture of the format (and, for splices, the other small one), ffmpeg absent, and a small sample cap
        byte[] source = File.ReadAllBytes(Path.Combine(AudioFilesTests.Fixtures, fixture));
        byte[] other = File.ReadAllBytes(Path.Combine(AudioFilesTests.Fixtures, format == AudioFormat.Mp3 ? "short.ogg" : "short.mp3"));
        var options = new AudioReadOptions { MaxSamples = 1 << 20, FfmpegPath = Path.Combine(Path.GetTempPath(), "engram-no-ffmpeg", "ffmpeg") };
        var random = new Random(seed);
        string name = "fuzz" + Path.GetExtension(fixture);
        int decoded = 0, refused = 0, otherFormat = 0, slowestRound = -1;
        TimeSpan slowest = TimeSpan.Zero;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int round = 0; round < Mutations; round++)
        {
            byte[] bytes = Mutate(source, other, random);
            if (format == AudioFormat.OggVorbis && random.Next(4) != 0)
            {
                // Most rounds get their pages' checksums made right again, so that the damage reaches the Vorbis decoder
                // rather than stopping at the Ogg layer's CRC (which drops every page an edit touches).
                FixOggChecksums(bytes);
            }

            // When it is read (on a worker, so that a hang is reported rather than waited on for ever)
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var read = Task.Run(() => AudioFiles.Read(bytes, name, options));
            await Task.WhenAny(read, Task.Delay(s_hang));
            Assert.True(read.IsCompleted, $"{format}: mutation {round} did not finish within {s_hang.TotalSeconds} s\n{Convert.ToBase64String(bytes)}");
            TimeSpan took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (took > slowest)
            {
                (slowest, slowestRound) = (took, round);
            }


            // Then it decoded to finite samples, or it was refused naming the file; nothing else escapes
            if (read.Exception?.InnerException is { } failure)
            {
                DataFormatException refusal = failure as DataFormatException
                    ?? throw new Xunit.Sdk.XunitException($"{format}: mutation {round} threw {failure.GetType().Name}: {failure.Message}\n{Convert.ToBase64String(bytes)}");
                Assert.StartsWith(name, refusal.Message, StringComparison.Ordinal);
                string reason = refusal.Problem.Length > 140 ? refusal.Problem[..140] : refusal.Problem;
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                refused++;
            }
            else
            {
                AudioClip clip = await read;
                Assert.True(clip.Samples.Length > 0 && clip.Samples.All(float.IsFinite), $"{format}: mutation {round} decoded to an empty or non-finite clip");
                decoded++;
            }

            otherFormat += AudioFiles.Detect(bytes) == format ? 0 : 1;
        }

        output.WriteLine($"{format} ({fixture}, {source.Length:N0} bytes): {Mutations} mutations, decoded {decoded}, refused {refused} (DataFormatException), detected as another format in {otherFormat}; slowest decode {slowest.TotalMilliseconds:N0} ms (mutation {slowestRound})");
        foreach ((string reason, int count) in reasons.OrderByDescending(r => r.Value).Take(6))
        {
            output.WriteLine($"  refused {count}: {reason}…");
        }

        // And the mutations reached the decoder (most kept the format's signature), some decoding and some refused
        Assert.Equal(Mutations, decoded + refused);
        Assert.True(otherFormat < Mutations / 2 && decoded > 50 && refused > 50, $"{format}: decoded {decoded}, refused {refused}, another format in {otherFormat}");
    }

    [Fact]
    public void Should_refuse_a_comment_header_whose_count_claims_more_than_the_file_holds()
    {
        // Given short.ogg with its comment count (after "\x03vorbis", the vendor's length and the vendor) made 0x16000000,
        // its page's checksum made right: the mutation fuzzing found, on which NVorbis allocated 4.6 GB for a 5 KB file
        byte[] bytes = File.ReadAllBytes(Path.Combine(AudioFilesTests.Fixtures, "short.ogg"));
        int header = bytes.AsSpan().IndexOf("\u0003vorbis"u8), vendor = BitConverter.ToInt32(bytes, header + 7);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(header + 11 + vendor), 0x16000000);
        FixOggChecksums(bytes);

        // When it is read / Then it is refused, saying what is damaged
        var e = Assert.Throws<DataFormatException>(() => AudioFiles.Read(bytes, "count.ogg"));
        Assert.Contains("the OGG Vorbis comment header is damaged: the comment count claims 369,098,752 bytes", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Rewrites the CRC-32 of every whole Ogg page from the start (the Ogg polynomial 0x04C11DB7, unreflected, over the page with its CRC field zeroed).</summary>
    internal static void FixOggChecksums(byte[] bytes)
    {
        int offset = 0;
        while (offset + 27 <= bytes.Length && bytes.AsSpan(offset, 4).SequenceEqual("OggS"u8))
        {
            int segments = bytes[offset + 26];
            if (offset + 27 + segments > bytes.Length)
            {
                return;
            }

            int length = 27 + segments;
            for (int i = 0; i < segments; i++)
            {
                length += bytes[offset + 27 + i];
            }

            if (offset + length > bytes.Length)
            {
                return;
            }

            bytes.AsSpan(offset + 22, 4).Clear();
            uint crc = 0;
            foreach (byte b in bytes.AsSpan(offset, length))
            {
                crc ^= (uint)b << 24;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
                }
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset + 22, 4), crc);
            offset += length;
        }
    }

    /// <summary>One to four edits past the first bytes (a random byte, a cut, an insertion, a deletion, a splice of the other file), or a cut anywhere.</summary>
    private static byte[] Mutate(byte[] source, byte[] other, Random random)
    {
        var bytes = new List<byte>(source);
        int keep = random.Next(8) == 0 ? 0 : 4;
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && bytes.Count > keep + 1; e++)
        {
            // Headers (ID3, the first frames; the Ogg identification and setup packets) sit in the first few hundred bytes: hit them often.
            int at = random.Next(3) == 0 ? random.Next(keep, Math.Min(bytes.Count, 512)) : random.Next(keep, bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 4:
                    bytes.RemoveAt(at);
                    break;
                default:
                    int from = random.Next(other.Length), length = Math.Min(random.Next(1, 64), other.Length - from);
                    bytes.InsertRange(at, other.AsSpan(from, length).ToArray());
                    break;
            }
        }

        return [.. bytes];
    }
}
