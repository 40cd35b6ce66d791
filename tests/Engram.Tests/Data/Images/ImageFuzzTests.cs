using Engram.Data;
using Engram.Data.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Engram.Tests.Data.Images;

/// <summary>
/// Every format ImageSharp decodes for Engram, mutated thousands of times by seeded edits: each input decodes, or is
/// refused with Engram's <see cref="DataFormatException"/> naming it; no other exception (ImageSharp's own, an index or
/// overflow error from deep in a decoder) and no hang.
/// </summary>
public sealed class ImageFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Mutations = 5000;

    /// <summary>No decode of a small mutated file comes near this; one that does is a hang, reported with its input.</summary>
    private static readonly TimeSpan s_hang = TimeSpan.FromSeconds(20);

    public static TheoryData<ImageFileFormat> NewFormats() =>
        new(ImageFileFormat.Jpeg, ImageFileFormat.Gif, ImageFileFormat.WebP, ImageFileFormat.Bmp, ImageFileFormat.Tiff, ImageFileFormat.Tga);

    [Theory]
    [MemberData(nameof(NewFormats))]
    public async Task Should_see_only_clear_errors_when_valid_files_are_mutated_thousands_of_times(ImageFileFormat format)
    {
        // Given a few valid files of the format (sizes, shades and metadata differ), and small caps so a mutated size stays cheap
        byte[][] seeds = Seeds(format);
        var random = new Random(20261203 + (int)format);
        var options = new ImageDecodeOptions { MaxPixels = 1 << 20 };
        var shrunk = options with { MaxSide = 8 };
        string name = "fuzz" + ImageFixtures.Extension(format);
        int decoded = 0, refused = 0, otherFormat = 0;
        for (int round = 0; round < Mutations; round++)
        {
            byte[] bytes = Mutate(seeds[round % seeds.Length], seeds[random.Next(seeds.Length)], random);
            ImageDecodeOptions chosen = random.Next(3) == 0 ? shrunk : options;

            // When it is decoded (on a worker, so that a hang is reported rather than waited on for ever)
            var decode = Task.Run(() => ImageFiles.Decode(bytes, name, chosen));
            await Task.WhenAny(decode, Task.Delay(s_hang));
            Assert.True(decode.IsCompleted, $"{format}: mutation {round} did not finish within {s_hang.TotalSeconds} s");

            // Then it decoded, or it was refused naming the file; nothing else escapes
            if (decode.Exception?.InnerException is { } failure)
            {
                DataFormatException refusal = failure as DataFormatException
                    ?? throw new Xunit.Sdk.XunitException($"{format}: mutation {round} threw {failure.GetType().Name}: {failure.Message}\n{Convert.ToBase64String(bytes)}");
                Assert.StartsWith(name, refusal.Message, StringComparison.Ordinal);
                refused++;
            }
            else
            {
                decoded++;
            }

            otherFormat += ImageFiles.DetectFormat(bytes) == format ? 0 : 1;
        }

        output.WriteLine($"{format}: {Mutations} mutations, decoded {decoded}, refused {refused} (DataFormatException), signature broken in {otherFormat}");

        // And the mutations reached the decoder (most kept the format's signature), some decoding and some refused
        Assert.Equal(Mutations, decoded + refused);
        Assert.True(otherFormat < Mutations / 2 && decoded > 50 && refused > 50, $"{format}: decoded {decoded}, refused {refused}, signature broken in {otherFormat}");
    }

    private static byte[][] Seeds(ImageFileFormat format)
    {
        var seeds = new List<byte[]>();
        foreach ((int w, int h, int shade) in new[] { (16, 12, 0), (7, 5, 11), (24, 24, 40) })
        {
            using Image<Rgba32> picture = ImageFixtures.Quadrants(w, h, shade);
            seeds.Add(ImageFixtures.Encode(picture, format));
        }

        if (format is ImageFileFormat.Jpeg or ImageFileFormat.WebP or ImageFileFormat.Tiff)
        {
            using Image<Rgba32> tagged = ImageFixtures.Quadrants(12, 9, 5);
            seeds.Add(ImageFixtures.Encode(tagged, format, orientation: 6, description: "a tagged picture", xmpTitle: "tagged"));
        }

        return [.. seeds];
    }

    /// <summary>One to four edits past the first bytes (a random byte, a cut, an insertion, a deletion, a splice of the other seed), or a cut anywhere.</summary>
    private static byte[] Mutate(byte[] source, byte[] other, Random random)
    {
        var bytes = new List<byte>(source);
        int keep = random.Next(8) == 0 ? 0 : 4;
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits && bytes.Count > keep + 1; e++)
        {
            int at = random.Next(keep, bytes.Count);
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
