using System.Diagnostics;
using System.IO.Compression;
using Engram.Data.Png;

namespace Engram.Evaluation;

/// <summary>
/// Decoding a set of PNG files against the floor of that work: .NET's ZLibStream inflating the same
/// IDAT bytes into a buffer of the same size. Both are timed in one run, best of several passes.
/// </summary>
public static class PngDecodeBenchmark
{
    /// <summary>Decodes every file in <paramref name="files"/> and inflates its IDAT bytes, best of <paramref name="passes"/> passes each.</summary>
    public static PngDecodeBenchmarkResult Run(IReadOnlyList<string> files, int passes = 5)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("No PNG files to decode.", nameof(files));
        }

        byte[][] pngs = files.Select(File.ReadAllBytes).ToArray();
        byte[][] idats = pngs.Select(b => PngDecoder.ExtractImageData(b)).ToArray();
        int[] rawSizes = new int[pngs.Length];
        for (int i = 0; i < pngs.Length; i++)
        {
            rawSizes[i] = Inflate(idats[i], new byte[1 << 22]);
        }

        var buffer = new byte[rawSizes.Max()];
        long pixels = pngs.Sum(b => { PngImage p = PngDecoder.Decode(b, "warm-up"); return (long)p.Image.Width * p.Image.Height; });
        double decode = double.PositiveInfinity, inflate = double.PositiveInfinity;
        for (int pass = 0; pass < passes; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (byte[] png in pngs)
            {
                PngDecoder.Decode(png, "benchmark");
            }

            decode = Math.Min(decode, Stopwatch.GetElapsedTime(start).TotalSeconds);
            start = Stopwatch.GetTimestamp();
            foreach (byte[] idat in idats)
            {
                Inflate(idat, buffer);
            }

            inflate = Math.Min(inflate, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return new PngDecodeBenchmarkResult(pngs.Length, pixels, decode, inflate, decode / inflate);
    }

    private static int Inflate(byte[] idat, byte[] destination)
    {
        using var input = new MemoryStream(idat, writable: false);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        return zlib.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
    }
}

/// <summary>Files decoded, their pixels, the best decode and inflate times for the whole set, and decode / inflate.</summary>
public sealed record PngDecodeBenchmarkResult(int Files, long Pixels, double DecodeSeconds, double InflateSeconds, double Ratio);
