using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Engram.Data;
using Engram.Data.Png;

namespace Engram.Benchmarks.Data;

/// <summary>Decoding the shipped emoji PNGs against ZLibStream inflating the same IDAT bytes (Baseline: the floor).</summary>
public class PngDecodeBenchmarks
{
    private byte[][] _pngs = null!;
    private byte[][] _idats = null!;
    private byte[] _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        string folder = Path.Combine(ShippedData.Find("emoji") ?? throw new DirectoryNotFoundException("data/emoji not found"), "images");
        _pngs = Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        _idats = _pngs.Select(p => PngDecoder.ExtractImageData(p)).ToArray();
        _buffer = new byte[1 << 20];
    }

    [Benchmark(Baseline = true)]
    public int InflateIdat()
    {
        int total = 0;
        foreach (byte[] idat in _idats)
        {
            using var zlib = new ZLibStream(new MemoryStream(idat, writable: false), CompressionMode.Decompress);
            total += zlib.ReadAtLeast(_buffer, _buffer.Length, throwOnEndOfStream: false);
        }

        return total;
    }

    [Benchmark]
    public int Decode()
    {
        int total = 0;
        foreach (byte[] png in _pngs)
        {
            total += PngDecoder.Decode(png, "benchmark").Image.Width;
        }

        return total;
    }
}
