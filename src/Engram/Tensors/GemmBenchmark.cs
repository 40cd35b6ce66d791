using System.Diagnostics;

namespace Engram.Tensors;

/// <summary>One timed GEMM: the backend, the size n of the n×n×n product, its best time and rate.</summary>
/// <param name="Backend">The backend's <see cref="IGemmBackend.Name"/>.</param>
/// <param name="Size">n, for the product of two n×n matrices.</param>
/// <param name="Seconds">The fastest of the timed repetitions.</param>
/// <param name="Gflops">2·n³ / <paramref name="Seconds"/>, in 10⁹ floating-point operations per second.</param>
public sealed record GemmMeasurement(string Backend, int Size, double Seconds, double Gflops);

/// <summary>
/// A quick GEMM speed measurement for reports (<c>engram bench gemm</c>); the BenchmarkDotNet suite
/// is the careful one. Compare backends with measurements taken in the same run.
/// </summary>
public static class GemmBenchmark
{
    /// <summary>
    /// Times <c>C ← A·B</c> for random n×n matrices (n = <paramref name="size"/>, no transposes) on
    /// <paramref name="backend"/>: one warm-up product, then repetitions until there have been at
    /// least <paramref name="minRepeats"/> and at least <paramref name="minSeconds"/> have passed.
    /// Reports the best (fastest) repetition, because on a shared machine noise only adds time.
    /// </summary>
    public static GemmMeasurement Measure(IGemmBackend backend, int size, int minRepeats = 3, double minSeconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minRepeats);
        ArgumentOutOfRangeException.ThrowIfNegative(minSeconds);
        if (!double.IsFinite(minSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(minSeconds), minSeconds, "The minimum time must be finite.");
        }

        int length = checked(size * size);
        float[] a = RandomMatrix(length, seed: 1);
        float[] b = RandomMatrix(length, seed: 2);
        float[] c = new float[length];

        // The warm-up compiles the code at full optimisation, allocates the packing buffers and
        // starts the worker threads.
        backend.Sgemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);

        double best = double.PositiveInfinity;
        var total = Stopwatch.StartNew();
        for (int repeat = 0; repeat < minRepeats || total.Elapsed.TotalSeconds < minSeconds; repeat++)
        {
            long start = Stopwatch.GetTimestamp();
            backend.Sgemm(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        double flops = 2.0 * size * size * size;
        return new GemmMeasurement(backend.Name, size, best, flops / best / 1e9);
    }

    private static float[] RandomMatrix(int length, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
