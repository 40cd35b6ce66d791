using BenchmarkDotNet.Attributes;
using Engram.Tensors;

namespace Engram.Benchmarks.Tensors;

/// <summary>The max-subtracted softmax kernel against a plain scalar loop.</summary>
public class SoftmaxBenchmarks
{
    private float[] _x = null!;
    private float[] _p = null!;

    [Params(128, 6 * 512 + 7)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
        _p = new float[Length];
    }

    [Benchmark(Baseline = true)]
    public float Scalar()
    {
        float max = float.NegativeInfinity;
        foreach (float v in _x)
        {
            max = Math.Max(max, v);
        }

        float sum = 0;
        for (int i = 0; i < _x.Length; i++)
        {
            _p[i] = MathF.Exp(_x[i] - max);
            sum += _p[i];
        }

        for (int i = 0; i < _p.Length; i++)
        {
            _p[i] /= sum;
        }

        return _p[0];
    }

    [Benchmark]
    public float Kernel()
    {
        Kernels.Softmax(_x, _p);
        return _p[0];
    }
}
