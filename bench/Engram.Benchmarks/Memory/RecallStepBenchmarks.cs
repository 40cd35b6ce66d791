using BenchmarkDotNet.Attributes;
using Engram.Memory;
using Engram.Tensors;

namespace Engram.Benchmarks.Memory;

/// <summary>
/// One recall step (two GEMMs and the streaming softmax) against the bare GEMMs it contains, on the
/// same backend: the ratio shows what the softmax and bookkeeping cost.
/// </summary>
[MemoryDiagnoser]
public class RecallStepBenchmarks
{
    private HopfieldMemory _memory = null!;
    private Tensor _patterns = null!;
    private Tensor _cues = null!;
    private float[] _scores = null!;
    private float[] _readout = null!;

    [Params(8192, 6 * 2048 + 7)]
    public int N { get; set; }

    [Params(784)]
    public int K { get; set; }

    [Params(256)]
    public int Q { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _patterns = new Tensor(N, K);
        foreach (ref float x in _patterns.Span)
        {
            x = (float)random.NextDouble();
        }

        _cues = new Tensor(Q, K);
        foreach (ref float x in _cues.Span)
        {
            x = (float)random.NextDouble();
        }

        _memory = new HopfieldMemory(MemoryBank.FromPatterns(_patterns), new RecallOptions { Beta = 1e-3f, MaxSteps = 1, Tolerance = 0 });
        _scores = new float[Q * N];
        _readout = new float[Q * K];
    }

    [Benchmark(Baseline = true, Description = "two GEMMs (Q×K·K×N, Q×N·N×K)")]
    public float TwoGemms()
    {
        IGemmBackend gemm = _memory.Backend;
        gemm.Sgemm(false, true, Q, N, K, 1f, _cues.Span, K, _patterns.Span, K, 0f, _scores, N);
        gemm.Sgemm(false, false, Q, K, N, 1f, _scores, N, _patterns.Span, K, 0f, _readout, K);
        return _readout[0];
    }

    [Benchmark(Description = "recall, 1 step + final pass")]
    public float RecallOneStep() => _memory.Recall(_cues)[0].State[0];
}
