using BenchmarkDotNet.Attributes;
using Engram.Nn;
using Engram.Tensors;

namespace Engram.Benchmarks.Nn;

/// <summary>
/// Forward+backward of the Fashion-MNIST codec's downsampling layer (16→32, 4×4, stride 2, padding 1,
/// 28×28 inputs) against the three bare GEMMs it is built on, at the same shapes and on the same
/// backend (the baseline): the ratio shows what im2col, col2im and the layout copies cost.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private const int InChannels = 16, OutChannels = 32, Size = 28, Kernel = 4, Stride = 2, Padding = 1;
    private const int OutSize = ((Size + (2 * Padding) - Kernel) / Stride) + 1;
    private const int Rows = InChannels * Kernel * Kernel;

    private Variable<float> _x = null!;
    private Variable<float> _weight = null!;
    private Variable<float> _bias = null!;
    private NdArray<float> _outputGradient = null!;
    private float[] _cols = [];
    private float[] _y = [];
    private float[] _gw = [];
    private float[] _gcols = [];

    /// <summary>N: a small batch and the codec's training batch.</summary>
    [Params(32, 256)]
    public int Batch { get; set; }

    private int Columns => Batch * OutSize * OutSize;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _x = new Variable<float>(RandomArray(random, Batch, InChannels, Size, Size), requiresGrad: true);
        _weight = new Variable<float>(RandomArray(random, OutChannels, InChannels, Kernel, Kernel), requiresGrad: true);
        _bias = new Variable<float>(RandomArray(random, OutChannels), requiresGrad: true);
        _outputGradient = RandomArray(random, Batch, OutChannels, OutSize, OutSize);
        _cols = RandomArray(random, Rows * Columns).Data;
        _y = new float[OutChannels * Columns];
        _gw = new float[OutChannels * Rows];
        _gcols = new float[Rows * Columns];
    }

    [Benchmark(Baseline = true, Description = "three GEMMs (W·cols, G·colsᵀ, Wᵀ·G)")]
    public float ThreeGemms()
    {
        IGemmBackend gemm = Gemm.Default;
        gemm.Sgemm(false, false, OutChannels, Columns, Rows, 1f, _weight.Value.Data, Rows, _cols, Columns, 0f, _y, Columns);
        gemm.Sgemm(false, true, OutChannels, Rows, Columns, 1f, _outputGradient.Data, Columns, _cols, Columns, 0f, _gw, Rows);
        gemm.Sgemm(true, false, Rows, Columns, OutChannels, 1f, _weight.Value.Data, Rows, _outputGradient.Data, Columns, 0f, _gcols, Columns);
        return _gcols[^1];
    }

    [Benchmark(Description = "Conv2d forward+backward")]
    public float ForwardBackward()
    {
        _x.ZeroGrad();
        _weight.ZeroGrad();
        _bias.ZeroGrad();
        Op.Conv2d(_x, _weight, _bias, Stride, Padding).Backward(_outputGradient);
        return _x.Grad!.Data[^1];
    }

    private static NdArray<float> RandomArray(Random random, params int[] shape)
    {
        var array = new NdArray<float>(shape);
        foreach (ref float v in array.Span)
        {
            v = (float)((random.NextDouble() * 2) - 1);
        }

        return array;
    }
}
