using Engram.Nn;
using Engram.Tests.Support;

namespace Engram.Tests.Nn;

/// <summary>
/// Conv2d and ConvTranspose2d against direct sums over random geometries, padding as wide as the
/// kernel included: every edge case of im2col and col2im (rows and columns entirely in the padding,
/// strides that skip input columns, stride-1 copies).
/// </summary>
public sealed class ConvolutionTests
{
    [Fact]
    public void A_second_backward_pass_through_a_convolution_is_refused_and_a_rebuilt_graph_gives_the_same_gradients()
    {
        // The column buffers go back to a pool after the backward pass, as PyTorch frees saved tensors.
        var random = new Rng(3);
        NdArray<float> Random(params int[] shape)
        {
            var a = new NdArray<float>(shape);
            for (int i = 0; i < a.Length; i++)
            {
                a.Data[i] = (float)random.NextNormal();
            }

            return a;
        }

        var x = new Variable<float>(Random(2, 3, 6, 6), requiresGrad: true);
        var w = new Variable<float>(Random(4, 3, 3, 3), requiresGrad: true);
        var wt = new Variable<float>(Random(4, 2, 4, 4), requiresGrad: true);
        Variable<float> Loss() => Op.Sum(Op.Square(Op.ConvTranspose2d(Op.Conv2d(x, w, null, stride: 1, padding: 1), wt, null, stride: 2, padding: 1)));

        Variable<float> loss = Loss();
        loss.Backward();
        float[] first = [.. x.Grad!.Data, .. w.Grad!.Data, .. wt.Grad!.Data];
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("back-propagated already", e.Message, StringComparison.Ordinal);

        // Buffers reused from the pool hold old values: a fresh graph must still give exactly the same gradients.
        foreach (Variable<float> v in new[] { x, w, wt })
        {
            v.ZeroGrad();
        }

        Loss().Backward();
        float[] second = [.. x.Grad!.Data, .. w.Grad!.Data, .. wt.Grad!.Data];
        Assert.Equal(first, second);
    }

    [Fact]
    public void Should_match_a_direct_sum_on_random_geometries()
    {
        var random = new Rng(61);
        for (int trial = 0; trial < 300; trial++)
        {
            // Given
            int n = 1 + random.NextInt(2), c = 1 + random.NextInt(3), o = 1 + random.NextInt(3);
            int k = 1 + random.NextInt(5), stride = 1 + random.NextInt(3), padding = random.NextInt(k + 2);
            int h = Math.Max(1, k - (2 * padding)) + random.NextInt(6), w = Math.Max(1, k - (2 * padding)) + random.NextInt(6);
            NdArray<double> x = GradientCheck.Random(random, n, c, h, w);
            NdArray<double> weight = GradientCheck.Random(random, o, c, k, k), bias = GradientCheck.Random(random, o);
            NdArray<double> transposedWeight = GradientCheck.Random(random, c, o, k, k);
            string what = $"trial {trial}: n {n}, c {c}, o {o}, {h}×{w}, k {k}, stride {stride}, padding {padding}";

            // When
            NdArray<double> y = Op.Conv2d(new Variable<double>(x), new Variable<double>(weight), new Variable<double>(bias), stride, padding).Value;

            // Then
            AllClose(DirectConv(x, weight, bias, stride, padding), y, $"conv2d {what}");

            int outputPadding = random.NextInt(stride);
            if ((((Math.Min(h, w) - 1) * stride) - (2 * padding) + k + outputPadding) > 0)
            {
                NdArray<double> z = Op.ConvTranspose2d(
                    new Variable<double>(x), new Variable<double>(transposedWeight), new Variable<double>(bias), stride, padding, outputPadding).Value;
                AllClose(DirectConvTranspose(x, transposedWeight, bias, stride, padding, outputPadding), z, $"conv-transpose2d {what}, output padding {outputPadding}");
            }
        }
    }

    private static NdArray<double> DirectConv(NdArray<double> x, NdArray<double> weight, NdArray<double> bias, int stride, int padding)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3), o = weight.Dim(0), k = weight.Dim(2);
        int outH = ((h + (2 * padding) - k) / stride) + 1, outW = ((w + (2 * padding) - k) / stride) + 1;
        var y = new NdArray<double>(n, o, outH, outW);
        for (int s = 0; s < n; s++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int i = 0; i < outH; i++)
                {
                    for (int j = 0; j < outW; j++)
                    {
                        double sum = bias[f];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int ki = 0; ki < k; ki++)
                            {
                                for (int kj = 0; kj < k; kj++)
                                {
                                    int ih = (i * stride) - padding + ki, iw = (j * stride) - padding + kj;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                                    {
                                        sum += x[s, ch, ih, iw] * weight[f, ch, ki, kj];
                                    }
                                }
                            }
                        }

                        y[s, f, i, j] = sum;
                    }
                }
            }
        }

        return y;
    }

    private static NdArray<double> DirectConvTranspose(NdArray<double> x, NdArray<double> weight, NdArray<double> bias, int stride, int padding, int outputPadding)
    {
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), w = x.Dim(3), cout = weight.Dim(1), k = weight.Dim(2);
        int outH = ((h - 1) * stride) - (2 * padding) + k + outputPadding, outW = ((w - 1) * stride) - (2 * padding) + k + outputPadding;
        var y = new NdArray<double>(n, cout, outH, outW);
        for (int s = 0; s < n; s++)
        {
            for (int co = 0; co < cout; co++)
            {
                for (int i = 0; i < outH; i++)
                {
                    for (int j = 0; j < outW; j++)
                    {
                        y[s, co, i, j] = bias[co];
                    }
                }

                for (int ci = 0; ci < cin; ci++)
                {
                    for (int i = 0; i < h; i++)
                    {
                        for (int j = 0; j < w; j++)
                        {
                            for (int ki = 0; ki < k; ki++)
                            {
                                for (int kj = 0; kj < k; kj++)
                                {
                                    int oh = (i * stride) - padding + ki, ow = (j * stride) - padding + kj;
                                    if (oh >= 0 && oh < outH && ow >= 0 && ow < outW)
                                    {
                                        y[s, co, oh, ow] += x[s, ci, i, j] * weight[ci, co, ki, kj];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return y;
    }

    private static void AllClose(NdArray<double> expected, NdArray<double> actual, string what)
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        for (int i = 0; i < expected.Length; i++)
        {
            Tolerance.Close(expected.Data[i], actual.Data[i], 1e-12, 1e-12, $"{what} [{i}]");
        }
    }
}
