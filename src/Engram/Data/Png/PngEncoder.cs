using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Engram.Data.Images;

namespace Engram.Data.Png;

/// <summary>
/// Writes 8-bit PNG files (grey, grey+alpha, RGB, RGBA) that other tools open: samples in [0, 1] are
/// clamped and rounded to 0–255, each row gets the filter with the smallest sum of absolute
/// differences (the usual heuristic), and optional text becomes tEXt (Latin-1) or iTXt (UTF-8) chunks.
/// </summary>
public static class PngEncoder
{
    private static readonly byte[] s_signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Encodes <paramref name="image"/>, with optional text chunks (e.g. "Title", "Description").</summary>
    public static byte[] Encode(Image image, IReadOnlyDictionary<string, string>? text = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int channels = image.Channels;
        int rowBytes = image.Width * channels;
        using var output = new MemoryStream();
        output.Write(s_signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;
        header[9] = image.Layout switch
        {
            PixelLayout.Grey => (byte)PngColorType.Grey,
            PixelLayout.GreyAlpha => (byte)PngColorType.GreyAlpha,
            PixelLayout.Rgb => (byte)PngColorType.Rgb,
            _ => (byte)PngColorType.Rgba,
        };
        WriteChunk(output, "IHDR", header);
        foreach ((string key, string value) in text ?? new Dictionary<string, string>())
        {
            WriteText(output, key, value);
        }

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var previous = new byte[rowBytes];
                var current = new byte[rowBytes];
                var best = new byte[rowBytes];
                var trial = new byte[rowBytes];
                for (int y = 0; y < image.Height; y++)
                {
                    ReadOnlySpan<float> samples = image.Row(y);
                    for (int i = 0; i < rowBytes; i++)
                    {
                        float v = samples[i];
                        current[i] = (byte)Math.Round(Math.Clamp(float.IsNaN(v) ? 0f : v, 0f, 1f) * 255f);
                    }

                    byte bestType = 0;
                    long bestScore = long.MaxValue;
                    for (byte type = 0; type <= 4; type++)
                    {
                        PngFilters.Filter(type, current, previous, channels, trial);
                        long score = 0;
                        foreach (byte b in trial)
                        {
                            score += (sbyte)b < 0 ? -(sbyte)b : b;
                        }

                        if (score < bestScore)
                        {
                            bestScore = score;
                            bestType = type;
                            trial.CopyTo(best, 0);
                        }
                    }

                    zlib.WriteByte(bestType);
                    zlib.Write(best);
                    (previous, current) = (current, previous);
                }
            }

            WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Encodes and writes through a temporary file renamed into place (never a half-written PNG).</summary>
    public static void Save(string path, Image image, IReadOnlyDictionary<string, string>? text = null) =>
        AtomicFile.WriteAllBytes(path, Encode(image, text));

    private static void WriteText(Stream output, string key, string value)
    {
        if (key.Length is < 1 or > 79 || key.Any(c => c < 32 || c > 255) || key.StartsWith(' ') || key.EndsWith(' '))
        {
            throw new ArgumentException($"PNG text keyword '{key}' must be 1–79 Latin-1 characters without leading or trailing spaces.", nameof(key));
        }

        byte[] keyword = Encoding.Latin1.GetBytes(key);
        bool latin1 = value.All(c => c <= 255);
        using var body = new MemoryStream();
        body.Write(keyword);
        body.WriteByte(0);
        if (latin1)
        {
            body.Write(Encoding.Latin1.GetBytes(value));
            WriteChunk(output, "tEXt", body.ToArray());
            return;
        }

        // iTXt: uncompressed, no language tag, no translated keyword, UTF-8 text.
        body.Write([0, 0, 0, 0]);
        body.Write(Encoding.UTF8.GetBytes(value));
        WriteChunk(output, "iTXt", body.ToArray());
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        byte[] name = Encoding.ASCII.GetBytes(type);
        output.Write(name);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(name, data));
        output.Write(word);
    }
}
