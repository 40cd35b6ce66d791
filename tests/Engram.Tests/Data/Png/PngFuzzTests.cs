using System.Buffers.Binary;
using Engram.Data;
using Engram.Data.Png;

namespace Engram.Tests.Data.Png;

public sealed class PngFuzzTests
{
    [Fact]
    public void Should_see_only_clear_errors_when_valid_files_are_mutated_thousands_of_times()
    {
        // Given several valid fixtures, mutated 6,000 times by seeded edits; half the time the CRCs are
        // recomputed so that the mutation reaches the parser behind the CRC check
        string[] names = ["rgb8", "palette4-trns", "adam7-rgba16", "grey1", "multi-idat-text", "greyalpha16"];
        byte[][] files = names
            .Select(PngDecoderTests.Fixture).ToArray();
        var random = new Random(20261122);
        int decoded = 0, refused = 0, pastCrc = 0;
        var options = new PngDecodeOptions { MaxPixels = 1 << 20 };
        for (int round = 0; round < 6000; round++)
        {
            byte[] bytes = Mutate(files[round % files.Length], random);
            if (random.Next(2) == 0)
            {
                FixCrcs(bytes);
            }

            // When / Then: it decodes, or it says why not; no other exception escapes
            try
            {
                PngDecoder.Decode(bytes, "fuzz.png", options);
                decoded++;
            }
            catch (DataFormatException e)
            {
                refused++;
                pastCrc += e.Message.Contains("bad CRC", StringComparison.Ordinal) ? 0 : 1;
            }
        }

        // And the mutations reached past the CRC check into the parser, often, and sometimes decoded
        Assert.Equal(6000, decoded + refused);
        Assert.True(pastCrc > 2000 && decoded > 10, $"decoded {decoded}, refused {refused} ({pastCrc} past the CRC check)");
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = new List<byte>(source);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && bytes.Count > 8; e++)
        {
            int at = random.Next(8, bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                default:
                    // The IHDR fields (width, height, depth, colour type, interlace) at bytes 16–28.
                    if (bytes.Count > 29)
                    {
                        bytes[16 + random.Next(13)] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    // Walks the chunk list and rewrites every CRC that fits in the file.
    private static void FixCrcs(byte[] bytes)
    {
        int offset = 8;
        while (offset + 12 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
            if (length > bytes.Length - offset - 12)
            {
                return;
            }

            byte[] fixedChunk = PngDecoderTests.Chunk(System.Text.Encoding.Latin1.GetString(bytes, offset + 4, 4), bytes.AsSpan(offset + 8, (int)length).ToArray());
            fixedChunk.AsSpan(8 + (int)length, 4).CopyTo(bytes.AsSpan(offset + 8 + (int)length));
            offset += 12 + (int)length;
        }
    }
}
