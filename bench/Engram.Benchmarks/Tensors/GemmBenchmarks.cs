using BenchmarkDotNet.Attributes;
using Engram.Tensors;

namespace Engram.Benchmarks.Tensors;

/// <summary>
/// C ← A·B for n×n matrices: the managed kernels against OpenBLAS (the baseline), both on every core,
/// plus the managed kernels on one thread. The OpenBLAS case is skipped (returns NaN at once) when
/// libopenblas.so.0 does not load. Read the ratio column: speed claims are ratios in one run.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private readonly ManagedGemm _managedOneThread = new(maxThreads: 1);
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>n: a small product, an odd one (tails in every dimension) and a large one.</summary>
    [Params(256, 1023, 2048)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = new float[Size * Size];
        _b = new float[Size * Size];
        _c = new float[Size * Size];
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = (float)((random.NextDouble() * 2) - 1);
            _b[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    [Benchmark(Baseline = true)]
    public float OpenBlas()
    {
        IGemmBackend? openBlas = Gemm.OpenBlas;
        return openBlas is null ? float.NaN : Multiply(openBlas);
    }

    [Benchmark]
    public float Managed() => Multiply(Gemm.Managed);

    [Benchmark]
    public float ManagedOneThread() => Multiply(_managedOneThread);

    private float Multiply(IGemmBackend backend)
    {
        backend.Sgemm(false, false, Size, Size, Size, 1f, _a, Size, _b, Size, 0f, _c, Size);
        return _c[^1];
    }
}
