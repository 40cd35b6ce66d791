using System.Numerics;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>
    /// 2-D convolution (PyTorch's cross-correlation) of <c>x [N, C, H, W]</c> with
    /// <c>weight [O, C, k, k]</c> and an optional <c>bias [O]</c>: output
    /// <c>[N, O, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1]</c>. Computed as im2col and one GEMM
    /// over the whole batch.
    /// </summary>
    public static Variable<T> Conv2d<T>(Variable<T> x, Variable<T> weight, Variable<T>? bias, int stride = 1, int padding = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ConvCheck(x, weight, bias, stride, padding, transposed: false, outputPadding: 0);
        int n = x.Value.Dim(0), c = x.Value.Dim(1), h = x.Value.Dim(2), w = x.Value.Dim(3);
        int o = weight.Value.Dim(0), k = weight.Value.Dim(2);
        int outH = ((h + (2 * padding) - k) / stride) + 1, outW = ((w + (2 * padding) - k) / stride) + 1;
        if (outH <= 0 || outW <= 0)
        {
            throw new ArgumentException(
                $"Conv2d: a {h}×{w} input with padding {padding} is smaller than the {k}×{k} kernel.", nameof(x));
        }

        var geometry = new ConvGeometry(n, c, h, w, k, stride, padding, outH, outW);
        int rows = c * k * k, columns = n * outH * outW;
        T[]? cols = Scratch<T>.Rent(rows * columns);
        Im2Col<T>(x.Value.Data, geometry, cols);
        T[] ymat = Scratch<T>.Rent(o * columns);
        NnGemm.Multiply<T>(false, false, o, columns, rows, weight.Value.Data, rows, cols, columns, T.Zero, ymat, columns);

        // [O, N, L] → [N, O, L], adding the bias on the way.
        int l = outH * outW;
        var value = new NdArray<T>(n, o, outH, outW);
        SwapLeadingAxes<T>(ymat, o, n, l, value.Data);
        Scratch<T>.Return(ymat);
        if (bias is not null)
        {
            AddChannelBias(value.Data, bias.Value.Data, n, o, l);
        }

        Variable<T>[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        Variable<T> result = Variable<T>.Record(value, inputs, g =>
        {
            T[] columnsOfX = cols ?? throw Scratch<T>.Freed("Conv2d");
            T[] gmat = Scratch<T>.Rent(o * columns);
            SwapLeadingAxes<T>(g.Data, n, o, l, gmat);
            if (weight.RequiresGrad)
            {
                var gw = new NdArray<T>(weight.Value.ShapeArray);
                NnGemm.Multiply<T>(false, true, o, rows, columns, gmat, columns, columnsOfX, columns, T.Zero, gw.Data, rows);
                weight.Accumulate(gw);
            }

            if (bias is { RequiresGrad: true })
            {
                bias.Accumulate(SumChannels(g.Data, n, o, l));
            }

            if (x.RequiresGrad)
            {
                T[] gcols = Scratch<T>.Rent(rows * columns);
                NnGemm.Multiply<T>(true, false, rows, columns, o, weight.Value.Data, rows, gmat, columns, T.Zero, gcols, columns);
                var gx = new NdArray<T>(x.Value.ShapeArray);
                Col2Im<T>(gcols, geometry, gx.Data);
                Scratch<T>.Return(gcols);
                x.Accumulate(gx);
            }

            Scratch<T>.Return(gmat);

            // The columns are needed once: like PyTorch without retain_graph, a graph is back-propagated once.
            Scratch<T>.Return(columnsOfX);
            cols = null;
        });

        // Without a recorded backward step nothing else will read the columns.
        if (!result.IsRecorded)
        {
            Scratch<T>.Return(cols);
        }

        return result;
    }

    /// <summary>
    /// Transposed 2-D convolution (the gradient of <see cref="Conv2d"/> with respect to its input) of
    /// <c>x [N, Cin, H, W]</c> with <c>weight [Cin, Cout, k, k]</c> (PyTorch's layout) and an optional
    /// <c>bias [Cout]</c>: output <c>[N, Cout, (H − 1)s − 2p + k + outputPadding, …]</c>.
    /// </summary>
    public static Variable<T> ConvTranspose2d<T>(
        Variable<T> x, Variable<T> weight, Variable<T>? bias, int stride = 1, int padding = 0, int outputPadding = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ConvCheck(x, weight, bias, stride, padding, transposed: true, outputPadding);
        int n = x.Value.Dim(0), cin = x.Value.Dim(1), h = x.Value.Dim(2), w = x.Value.Dim(3);
        int cout = weight.Value.Dim(1), k = weight.Value.Dim(2);
        int outH = ((h - 1) * stride) - (2 * padding) + k + outputPadding;
        int outW = ((w - 1) * stride) - (2 * padding) + k + outputPadding;
        if (outH <= 0 || outW <= 0)
        {
            throw new ArgumentException($"ConvTranspose2d: padding {padding} leaves no output for a {h}×{w} input.", nameof(padding));
        }

        // The output plays the part of a convolution's input: a conv over it gives back H×W.
        var geometry = new ConvGeometry(n, cout, outH, outW, k, stride, padding, h, w);
        int hw = h * w, rows = cout * k * k, columns = n * hw;
        T[]? xmat = Scratch<T>.Rent(cin * columns);
        SwapLeadingAxes<T>(x.Value.Data, n, cin, hw, xmat);
        T[] cols = Scratch<T>.Rent(rows * columns);
        NnGemm.Multiply<T>(true, false, rows, columns, cin, weight.Value.Data, rows, xmat, columns, T.Zero, cols, columns);
        var value = new NdArray<T>(n, cout, outH, outW);
        Col2Im<T>(cols, geometry, value.Data);
        Scratch<T>.Return(cols);
        if (bias is not null)
        {
            AddChannelBias(value.Data, bias.Value.Data, n, cout, outH * outW);
        }

        Variable<T>[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        Variable<T> result = Variable<T>.Record(value, inputs, g =>
        {
            T[] input = xmat ?? throw Scratch<T>.Freed("ConvTranspose2d");
            T[] gcols = Scratch<T>.Rent(rows * columns);
            Im2Col<T>(g.Data, geometry, gcols);
            if (x.RequiresGrad)
            {
                T[] gxmat = Scratch<T>.Rent(cin * columns);
                NnGemm.Multiply<T>(false, false, cin, columns, rows, weight.Value.Data, rows, gcols, columns, T.Zero, gxmat, columns);
                var gx = new NdArray<T>(x.Value.ShapeArray);
                SwapLeadingAxes<T>(gxmat, cin, n, hw, gx.Data);
                Scratch<T>.Return(gxmat);
                x.Accumulate(gx);
            }

            if (weight.RequiresGrad)
            {
                var gw = new NdArray<T>(weight.Value.ShapeArray);
                NnGemm.Multiply<T>(false, true, cin, rows, columns, input, columns, gcols, columns, T.Zero, gw.Data, rows);
                weight.Accumulate(gw);
            }

            if (bias is { RequiresGrad: true })
            {
                bias.Accumulate(SumChannels(g.Data, n, cout, outH * outW));
            }

            Scratch<T>.Return(gcols);
            Scratch<T>.Return(input);
            xmat = null;
        });

        if (!result.IsRecorded)
        {
            Scratch<T>.Return(xmat);
        }

        return result;
    }

    private static void ConvCheck<T>(Variable<T> x, Variable<T> weight, Variable<T>? bias, int stride, int padding, bool transposed, int outputPadding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string op = transposed ? "ConvTranspose2d" : "Conv2d";
        if (x.Value.Rank != 4)
        {
            throw new ArgumentException($"{op} needs input [N, C, H, W]; got {Shapes.Format(x.Value.Shape)}.", nameof(x));
        }

        if (weight.Value.Rank != 4 || weight.Value.Dim(2) != weight.Value.Dim(3))
        {
            throw new ArgumentException(
                $"{op} needs a square kernel weight [{(transposed ? "Cin, Cout" : "O, C")}, k, k]; got {Shapes.Format(weight.Value.Shape)}.", nameof(weight));
        }

        int inputChannels = transposed ? weight.Value.Dim(0) : weight.Value.Dim(1);
        if (x.Value.Dim(1) != inputChannels)
        {
            throw new ArgumentException(
                $"{op}: input {Shapes.Format(x.Value.Shape)} has {x.Value.Dim(1)} channels but weight {Shapes.Format(weight.Value.Shape)} expects {inputChannels}.", nameof(x));
        }

        int outputChannels = transposed ? weight.Value.Dim(1) : weight.Value.Dim(0);
        if (bias is not null && (bias.Value.Rank != 1 || bias.Value.Length != outputChannels))
        {
            throw new ArgumentException($"{op}: bias {Shapes.Format(bias.Value.Shape)} should be [{outputChannels}].", nameof(bias));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (outputPadding < 0 || (outputPadding > 0 && outputPadding >= stride))
        {
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, "Output padding must be in [0, stride).");
        }
    }

    /// <summary>A convolution from a [N, C, H, W] input to an OutH×OutW output with a k×k kernel.</summary>
    internal readonly record struct ConvGeometry(int N, int C, int H, int W, int K, int Stride, int Padding, int OutH, int OutW);

    /// <summary>
    /// Unfolds the input into columns: row (c, ki, kj), column (n, oh, ow) holds
    /// x[n, c, oh·s − p + ki, ow·s − p + kj], or 0 outside the image.
    /// </summary>
    internal static void Im2Col<T>(T[] input, ConvGeometry g, T[] cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.K, l = g.OutH * g.OutW, columns = g.N * l;
        Parallel.For(0, g.C * k * k, ParallelRows(g.C * k * k, columns), row =>
        {
            int c = row / (k * k), ki = row / k % k, kj = row % k;
            (int begin, int end) = InsideColumns(g, kj);
            int firstIw = (begin * g.Stride) - g.Padding + kj;
            Span<T> destination = cols.AsSpan(row * columns, columns);
            for (int n = 0; n < g.N; n++)
            {
                int plane = ((n * g.C) + c) * g.H * g.W;
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int ih = (oh * g.Stride) - g.Padding + ki;
                    Span<T> run = destination.Slice((n * l) + (oh * g.OutW), g.OutW);
                    if ((uint)ih >= (uint)g.H)
                    {
                        run.Clear();
                        continue;
                    }

                    // Padding columns are zero; the rest is a copy (stride 1) or a strided gather.
                    run[..begin].Clear();
                    run[end..].Clear();
                    ReadOnlySpan<T> source = input.AsSpan(plane + (ih * g.W), g.W);
                    if (end == begin)
                    {
                        continue;
                    }

                    if (g.Stride == 1)
                    {
                        source.Slice(firstIw, end - begin).CopyTo(run[begin..]);
                    }
                    else
                    {
                        for (int ow = begin, iw = firstIw; ow < end; ow++, iw += g.Stride)
                        {
                            run[ow] = source[iw];
                        }
                    }
                }
            }
        });
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds each column entry back to its input position.</summary>
    internal static void Col2Im<T>(T[] cols, ConvGeometry g, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.K, l = g.OutH * g.OutW, columns = g.N * l;

        // Each image plane (n, c) gathers only from its own columns, so each thread owns whole planes,
        // which stay in cache while all k² kernel offsets are added into them.
        Parallel.For(0, g.N * g.C, ParallelRows(g.N * g.C, l * k * k), planeIndex =>
        {
            int n = planeIndex / g.C, c = planeIndex % g.C;
            Span<T> plane = output.AsSpan(planeIndex * g.H * g.W, g.H * g.W);
            plane.Clear();
            for (int ki = 0; ki < k; ki++)
            {
                for (int kj = 0; kj < k; kj++)
                {
                    (int begin, int end) = InsideColumns(g, kj);
                    int firstIw = (begin * g.Stride) - g.Padding + kj;
                    ReadOnlySpan<T> source = cols.AsSpan((((((c * k) + ki) * k) + kj) * columns) + (n * l), l);
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        int ih = (oh * g.Stride) - g.Padding + ki;
                        if ((uint)ih >= (uint)g.H || end <= begin)
                        {
                            continue;
                        }

                        // Runs are one image row long at most: a plain loop beats a vector call's set-up.
                        Span<T> target = plane.Slice(ih * g.W, g.W);
                        ReadOnlySpan<T> run = source.Slice((oh * g.OutW) + begin, end - begin);
                        for (int j = 0, iw = firstIw; j < run.Length; j++, iw += g.Stride)
                        {
                            target[iw] += run[j];
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// The output columns [begin, end) whose input column ow·s − p + kj lies inside the image; the
    /// others read the zero padding.
    /// </summary>
    private static (int Begin, int End) InsideColumns(ConvGeometry g, int kj)
    {
        int low = g.Padding - kj, high = g.W - 1 + g.Padding - kj;
        int begin = low <= 0 ? 0 : Math.Min(g.OutW, (low + g.Stride - 1) / g.Stride);
        int end = high < 0 ? 0 : Math.Min(g.OutW, (high / g.Stride) + 1);
        return (begin, Math.Max(begin, end));
    }

    /// <summary>[A, B, L] → [B, A, L].</summary>
    internal static void SwapLeadingAxes<T>(ReadOnlySpan<T> source, int a, int b, int l, Span<T> destination)
    {
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                source.Slice(((i * b) + j) * l, l).CopyTo(destination.Slice(((j * a) + i) * l, l));
            }
        }
    }

    private static void AddChannelBias<T>(T[] y, T[] bias, int n, int channels, int l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(y.AsSpan(((s * channels) + c) * l, l), bias[c], y.AsSpan(((s * channels) + c) * l, l));
            }
        }
    }

    private static NdArray<T> SumChannels<T>(T[] g, int n, int channels, int l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = new NdArray<T>(channels);
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < channels; c++)
            {
                sum.Data[c] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(g.AsSpan(((s * channels) + c) * l, l));
            }
        }

        return sum;
    }

    /// <summary>Threads only when there is enough work to pay for them.</summary>
    private static ParallelOptions ParallelRows(int rows, int work) => new()
    {
        MaxDegreeOfParallelism = (long)rows * work < 1 << 16 ? 1 : Environment.ProcessorCount,
    };
}

/// <summary>
/// Scratch buffers for the convolutions' column matrices (tens of MB, needed for a moment): rented
/// from a pool instead of allocated, so each call does not fault in and zero fresh pages. Rented
/// arrays may be longer than asked and hold old values; every user writes the part it reads.
/// </summary>
internal static class Scratch<T>
{
    public static T[] Rent(int length) => System.Buffers.ArrayPool<T>.Shared.Rent(length);

    public static void Return(T[] array) => System.Buffers.ArrayPool<T>.Shared.Return(array);

    /// <summary>The error for a second backward pass through a graph whose buffers went back to the pool.</summary>
    public static InvalidOperationException Freed(string op) => new(
        $"{op}: this graph was back-propagated already and its saved buffers are freed (as PyTorch does without retain_graph); build the graph again.");
}
