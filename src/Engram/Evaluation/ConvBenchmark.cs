using System.Diagnostics;
using Engram.Nn;
using Engram.Tensors;

namespace Engram.Evaluation;

/// <summary>
/// The shape of one 2-D convolution layer: a batch of <see cref="Height"/>×<see cref="Width"/> inputs
/// with <see cref="InChannels"/> channels, a square <see cref="Kernel"/> and <see cref="OutChannels"/>
/// filters.
/// </summary>
public sealed record ConvLayerShape(int Batch, int InChannels, int OutChannels, int Height, int Width, int Kernel, int Stride = 1, int Padding = 0)
{
    /// <summary>The output height, (H + 2p − k)/s + 1.</summary>
    public int OutHeight => ((Height + (2 * Padding) - Kernel) / Stride) + 1;

    /// <summary>The output width, (W + 2p − k)/s + 1.</summary>
    public int OutWidth => ((Width + (2 * Padding) - Kernel) / Stride) + 1;

    /// <summary>
    /// The flops of forward and backward: three GEMMs (output, weight gradient, input gradient) of
    /// 2·O·(C·k²)·(N·outH·outW) each.
    /// </summary>
    public double Flops => 3.0 * 2.0 * OutChannels * InChannels * Kernel * Kernel * Batch * OutHeight * OutWidth;

    /// <summary>A short description: "16→32 4×4 s2 p1 at 28×28".</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{InChannels}→{OutChannels} {Kernel}×{Kernel} s{Stride} p{Padding} at {Height}×{Width}");
}

/// <summary>
/// One layer's forward+backward time and rate against the bare GEMMs it contains, measured in one run.
/// </summary>
/// <param name="Backend">The GEMM backend's <see cref="IGemmBackend.Name"/>.</param>
/// <param name="Layer">The layer shape.</param>
/// <param name="ConvSeconds">The fastest forward+backward of <see cref="Op.Conv2d"/>.</param>
/// <param name="GemmSeconds">The fastest run of the three GEMMs alone, at the same shapes and transposes.</param>
public sealed record ConvBenchmarkResult(string Backend, ConvLayerShape Layer, double ConvSeconds, double GemmSeconds)
{
    /// <summary><see cref="ConvLayerShape.Flops"/> / <see cref="ConvSeconds"/>, in GFLOP/s.</summary>
    public double ConvGflops => Layer.Flops / ConvSeconds / 1e9;

    /// <summary><see cref="ConvLayerShape.Flops"/> / <see cref="GemmSeconds"/>, in GFLOP/s.</summary>
    public double GemmGflops => Layer.Flops / GemmSeconds / 1e9;

    /// <summary>Conv rate / GEMM rate: 1 when im2col, col2im and the layout copies cost nothing.</summary>
    public double Ratio => GemmSeconds / ConvSeconds;
}

/// <summary>
/// Times forward+backward of <see cref="Op.Conv2d"/> in float (gradients of the input, the weight and
/// the bias) and the three GEMMs it is built on, run alone on the same backend with the same shapes:
/// <c>W·cols</c> (O × N·L × C·k²), <c>G·colsᵀ</c> (O × C·k² × N·L) and <c>Wᵀ·G</c> (C·k² × N·L × O).
/// The ratio of the two shows what the unfolding, folding and layout copies cost.
/// </summary>
public static class ConvBenchmark
{
    private const int WarmUpRepeats = 40;
    private const double MaxWarmUpSeconds = 2.0;

    /// <summary>
    /// Measures <paramref name="layer"/> on <paramref name="backend"/>: a warm-up of both (40 runs or
    /// 2 s, whichever comes first, and at least half of <paramref name="minSeconds"/>), then
    /// alternating repetitions until there have been at least <paramref name="minRepeats"/> and
    /// <paramref name="minSeconds"/> have passed; the best of each is kept (noise only adds time).
    /// The neural core's GEMM backend (<see cref="Gemm.Default"/>) is <paramref name="backend"/> for the
    /// duration in this flow of execution only (<see cref="Gemm.Use"/>): other threads keep theirs.
    /// </summary>
    public static ConvBenchmarkResult Run(ConvLayerShape layer, IGemmBackend backend, int seed = 1, int minRepeats = 5, double minSeconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layer.Batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layer.InChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layer.OutChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layer.Kernel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layer.Stride);
        ArgumentOutOfRangeException.ThrowIfNegative(layer.Padding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minRepeats);
        if (layer.Height + (2 * layer.Padding) < layer.Kernel || layer.Width + (2 * layer.Padding) < layer.Kernel)
        {
            throw new ArgumentException($"The layer {layer} has a kernel larger than its padded input.", nameof(layer));
        }

        if (!double.IsFinite(minSeconds) || minSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minSeconds), minSeconds, "The minimum time must be finite and not negative.");
        }

        var random = new Random(seed);
        var x = new Variable<float>(RandomArray(random, layer.Batch, layer.InChannels, layer.Height, layer.Width), requiresGrad: true);
        var weight = new Variable<float>(RandomArray(random, layer.OutChannels, layer.InChannels, layer.Kernel, layer.Kernel), requiresGrad: true);
        var bias = new Variable<float>(RandomArray(random, layer.OutChannels), requiresGrad: true);
        NdArray<float> outputGradient = RandomArray(random, layer.Batch, layer.OutChannels, layer.OutHeight, layer.OutWidth);

        int o = layer.OutChannels, rows = layer.InChannels * layer.Kernel * layer.Kernel;
        int columns = layer.Batch * layer.OutHeight * layer.OutWidth;
        float[] cols = RandomArray(random, rows * columns).Data;
        float[] g = outputGradient.Data;
        float[] y = new float[o * columns], gw = new float[o * rows], gcols = new float[rows * columns];

        void ForwardBackward()
        {
            x.ZeroGrad();
            weight.ZeroGrad();
            bias.ZeroGrad();
            Op.Conv2d(x, weight, bias, layer.Stride, layer.Padding).Backward(outputGradient);
        }

        void ThreeGemms()
        {
            backend.Sgemm(false, false, o, columns, rows, 1f, weight.Value.Data, rows, cols, columns, 0f, y, columns);
            backend.Sgemm(false, true, o, rows, columns, 1f, g, columns, cols, columns, 0f, gw, rows);
            backend.Sgemm(true, false, rows, columns, o, 1f, weight.Value.Data, rows, g, columns, 0f, gcols, columns);
        }

        // Only this flow of execution: a training run on another thread keeps its backend.
        using (Gemm.Use(backend))
        {
            // The warm-up must be long: the first calls run unoptimised code (tiered compilation
            // promotes a method only after some 30 calls and a quiet spell) and commit fresh memory
            // for the large scratch arrays. It also sizes the GEMM's buffers and starts its threads.
            var warmUp = Stopwatch.StartNew();
            for (int repeat = 0; (repeat < WarmUpRepeats && warmUp.Elapsed.TotalSeconds < MaxWarmUpSeconds) || warmUp.Elapsed.TotalSeconds < minSeconds / 2; repeat++)
            {
                ForwardBackward();
                ThreeGemms();
            }

            double conv = double.PositiveInfinity, gemm = double.PositiveInfinity;
            var total = Stopwatch.StartNew();
            for (int repeat = 0; repeat < minRepeats || total.Elapsed.TotalSeconds < minSeconds; repeat++)
            {
                conv = Math.Min(conv, Time(ForwardBackward));
                gemm = Math.Min(gemm, Time(ThreeGemms));
            }

            return new ConvBenchmarkResult(backend.Name, layer, conv, gemm);
        }
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
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
