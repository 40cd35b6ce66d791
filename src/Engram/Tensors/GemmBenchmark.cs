using System.Diagnostics;

namespace Engram.Tensors;

/// <summary>Times a backend on a size³ product (temporary; replaced by the GEMM work).</summary>
public static class GemmBenchmark
{
    public static GemmMeasurement Measure(IGemmBackend backend, int size, int minRepeats = 3, double minSeconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var a = new float[size * size];
        var b = new float[size * size];
        var c = new float[size * size];
        var random = new Random(1);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)random.NextDouble();
            b[i] = (float)random.NextDouble();
        }

        backend.Sgemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
        double best = double.MaxValue, total = 0;
        for (int r = 0; r < minRepeats || total < minSeconds; r++)
        {
            var sw = Stopwatch.StartNew();
            backend.Sgemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
            double s = sw.Elapsed.TotalSeconds;
            total += s;
            best = Math.Min(best, s);
        }

        return new GemmMeasurement(backend.Name, size, best, 2.0 * size * size * (double)size / best / 1e9);
    }
}

public sealed record GemmMeasurement(string Backend, int Size, double Seconds, double Gflops);
