using Engram.Nn;
using Engram.Tests.Support;
using V = Engram.Nn.Variable<double>;

namespace Engram.Tests.Nn;

/// <summary>Every differentiable operation's gradient against float64 central differences, on random shapes.</summary>
public sealed class OpGradientTests
{
    private static int[] RandomShape(Rng random, int rank, int max = 4)
    {
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = 1 + random.NextInt(max);
        }

        return shape;
    }

    public static TheoryData<int[], int[]> BroadcastPairs => new()
    {
        { [3, 4], [3, 4] },
        { [3, 4], [4] },
        { [4], [2, 3, 4] },
        { [2, 3, 4], [3, 1] },
        { [1, 4], [3, 1] },
        { [2, 1, 4], [1, 3, 1] },
        { [], [2, 3] },
        { [2, 3], [1] },
    };

    [Theory]
    [MemberData(nameof(BroadcastPairs))]
    public void Arithmetic_with_broadcasting(int[] left, int[] right)
    {
        var random = new Rng(11);
        NdArray<double> a = GradientCheck.Random(random, left);
        NdArray<double> b = GradientCheck.Random(random, 0.5, 2, right); // away from 0 for the division
        GradientCheck.Check(x => Op.Add(x[0], x[1]), [a, b], what: "add");
        GradientCheck.Check(x => Op.Sub(x[0], x[1]), [a, b], what: "sub");
        GradientCheck.Check(x => Op.Mul(x[0], x[1]), [a, b], what: "mul");
        GradientCheck.Check(x => Op.Div(x[0], x[1]), [a, b], what: "div");
        GradientCheck.Check(x => Op.Div(x[1], x[0]), [b.Clone(), a.Clone()], what: "div (broadcast numerator)");
    }

    [Fact]
    public void Broadcasting_matches_explicit_loops()
    {
        var random = new Rng(3);
        NdArray<double> a = GradientCheck.Random(random, 2, 1, 4), b = GradientCheck.Random(random, 3, 1);
        NdArray<double> sum = Op.Add(new V(a), new V(b)).Value;
        Assert.Equal<int>([2, 3, 4], sum.ShapeArray);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    Assert.Equal(a[i, 0, k] + b[j, 0], sum[i, j, k]);
                }
            }
        }
    }

    [Fact]
    public void Scalar_arithmetic()
    {
        var random = new Rng(5);
        NdArray<double> a = GradientCheck.Random(random, 3, 5);
        GradientCheck.Check(x => Op.AddScalar(x[0], 2.5), [a]);
        GradientCheck.Check(x => Op.MulScalar(x[0], -1.75), [a]);
        GradientCheck.Check(x => Op.Neg(x[0]), [a]);
    }

    [Fact]
    public void Elementwise_functions()
    {
        var random = new Rng(7);
        for (int trial = 0; trial < 3; trial++)
        {
            int[] shape = RandomShape(random, 1 + random.NextInt(3));
            NdArray<double> x = GradientCheck.Random(random, -3, 3, shape);

            // ReLU's kink at 0 is kept out of reach of the finite-difference step.
            foreach (ref double v in x.Span)
            {
                v = Math.Abs(v) < 1e-3 ? 0.5 : v;
            }

            NdArray<double> positive = GradientCheck.Random(random, 0.2, 3, shape);
            GradientCheck.Check(v => Op.Relu(v[0]), [x], what: "relu");
            GradientCheck.Check(v => Op.Sigmoid(v[0]), [x], what: "sigmoid");
            GradientCheck.Check(v => Op.Tanh(v[0]), [x], what: "tanh");
            GradientCheck.Check(v => Op.Silu(v[0]), [x], what: "silu");
            GradientCheck.Check(v => Op.Gelu(v[0]), [x], what: "gelu");
            GradientCheck.Check(v => Op.Exp(v[0]), [x], what: "exp");
            GradientCheck.Check(v => Op.Square(v[0]), [x], what: "square");
            GradientCheck.Check(v => Op.Log(v[0]), [positive], what: "log");
            GradientCheck.Check(v => Op.Sqrt(v[0]), [positive], what: "sqrt");
        }
    }

    [Fact]
    public void Elementwise_function_values()
    {
        var x = new V(NdArray<double>.FromArray([-2.0, 0.0, 1.5], 3));
        Assert.Equal([0.0, 0.0, 1.5], Op.Relu(x).Value.Data);
        Tolerance.Close(1 / (1 + Math.Exp(2)), Op.Sigmoid(x).Value.Data[0], 1e-15);
        Tolerance.Close(1.5 / (1 + Math.Exp(-1.5)), Op.Silu(x).Value.Data[2], 1e-15);

        // torch.nn.functional.gelu(torch.tensor([-2., 0., 1.5], dtype=torch.float64), approximate="tanh")
        double[] gelu = Op.Gelu(x).Value.Data;
        Tolerance.Close(-0.04540230591222494, gelu[0], 1e-13);
        Assert.Equal(0.0, gelu[1]);
        Tolerance.Close(1.3995715769802328, gelu[2], 1e-13);
    }

    [Fact]
    public void Reductions()
    {
        var random = new Rng(13);
        for (int trial = 0; trial < 3; trial++)
        {
            int[] shape = RandomShape(random, 1 + random.NextInt(3));
            NdArray<double> x = GradientCheck.Random(random, shape);
            GradientCheck.Check(v => Op.Sum(v[0]), [x], what: "sum");
            GradientCheck.Check(v => Op.Mean(v[0]), [x], what: "mean");
            for (int axis = -shape.Length; axis < shape.Length; axis++)
            {
                int a = axis;
                GradientCheck.Check(v => Op.Sum(v[0], a), [x], what: $"sum axis {a}");
                GradientCheck.Check(v => Op.Mean(v[0], a, keepDim: true), [x], what: $"mean axis {a}");
            }
        }
    }

    [Fact]
    public void Reduction_values()
    {
        var x = new V(NdArray<double>.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3));
        Assert.Equal([5.0, 7, 9], Op.Sum(x, 0).Value.Data);
        Assert.Equal([6.0, 15], Op.Sum(x, 1).Value.Data);
        Assert.Equal<int>([2, 1], Op.Mean(x, 1, keepDim: true).Value.ShapeArray);
        Assert.Equal(3.5, Op.Mean(x).Value.ScalarValue);
    }

    [Fact]
    public void Shape_operations()
    {
        var random = new Rng(17);
        for (int trial = 0; trial < 3; trial++)
        {
            int[] shape = RandomShape(random, 2 + random.NextInt(3));
            NdArray<double> x = GradientCheck.Random(random, shape);
            int[] axes = Enumerable.Range(0, shape.Length).ToArray();
            random.Shuffle(axes.AsSpan());
            GradientCheck.Check(v => Op.Permute(v[0], axes), [x], what: "permute");
            GradientCheck.Check(v => Op.Reshape(v[0], -1), [x], what: "reshape");
            int axis = random.NextInt(shape.Length);
            int start = random.NextInt(shape[axis]);
            int length = 1 + random.NextInt(shape[axis] - start);
            GradientCheck.Check(v => Op.Slice(v[0], axis, start, length), [x], what: "slice");
            int[] other = (int[])shape.Clone();
            other[axis] = 1 + random.NextInt(3);
            NdArray<double> y = GradientCheck.Random(random, other);
            GradientCheck.Check(v => Op.Concat([v[0], v[1], v[0]], axis), [x, y], what: "concat");
        }

        GradientCheck.Check(v => Op.Transpose(v[0]), [GradientCheck.Random(random, 3, 5)], what: "transpose");
    }

    [Fact]
    public void Permute_and_concat_values()
    {
        var x = new V(NdArray<double>.FromArray([0.0, 1, 2, 3, 4, 5], 1, 2, 3));
        NdArray<double> p = Op.Permute(x, 2, 0, 1).Value;
        Assert.Equal<int>([3, 1, 2], p.ShapeArray);
        Assert.Equal([0.0, 3, 1, 4, 2, 5], p.Data);
        NdArray<double> c = Op.Concat([x, x], 2).Value;
        Assert.Equal([0.0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], c.Data);
        Assert.Equal([1.0, 2, 4, 5], Op.Slice(x, 2, 1, 2).Value.Data);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Matrix_product(bool transposeA, bool transposeB)
    {
        var random = new Rng(19);
        int m = 1 + random.NextInt(5), k = 1 + random.NextInt(5), n = 1 + random.NextInt(5);
        NdArray<double> a = transposeA ? GradientCheck.Random(random, k, m) : GradientCheck.Random(random, m, k);
        NdArray<double> b = transposeB ? GradientCheck.Random(random, n, k) : GradientCheck.Random(random, k, n);
        GradientCheck.Check(v => Op.MatMul(v[0], v[1], transposeA, transposeB), [a, b]);
    }

    [Fact]
    public void Float_matrix_product_uses_the_library_gemm_and_agrees_with_double()
    {
        var random = new Rng(23);
        NdArray<double> a = GradientCheck.Random(random, 37, 19), b = GradientCheck.Random(random, 41, 19);
        NdArray<double> expected = Op.MatMul(new V(a), new V(b), transposeB: true).Value;
        NdArray<float> actual = Op.MatMul(new Variable<float>(a.Cast<float>()), new Variable<float>(b.Cast<float>()), transposeB: true).Value;
        for (int i = 0; i < expected.Length; i++)
        {
            Tolerance.Close(expected.Data[i], actual.Data[i], 1e-5, 1e-5);
        }
    }

    [Fact]
    public void Softmax_family()
    {
        var random = new Rng(29);
        for (int trial = 0; trial < 3; trial++)
        {
            int[] shape = RandomShape(random, 1 + random.NextInt(3), 5);
            NdArray<double> x = GradientCheck.Random(random, -3, 3, shape);
            GradientCheck.Check(v => Op.Softmax(v[0]), [x], what: "softmax");
            GradientCheck.Check(v => Op.LogSoftmax(v[0]), [x], what: "log-softmax");
            GradientCheck.Check(v => Op.LogSumExp(v[0]), [x], what: "log-sum-exp");
        }
    }

    [Fact]
    public void Softmax_of_large_logits_is_finite_and_exact()
    {
        var x = new Variable<float>(NdArray<float>.FromArray([1000f, 1001f], 1, 2));
        float[] p = Op.Softmax(x).Value.Data;
        Tolerance.Close(1 / (1 + Math.E), p[0], 1e-6);
        Tolerance.Close(Math.E / (1 + Math.E), p[1], 1e-6);
        Tolerance.Close(1001 + Math.Log(1 + Math.Exp(-1)), Op.LogSumExp(x).Value.Data[0], 1e-7);
        Tolerance.Close(-Math.Log(1 + Math.E), Op.LogSoftmax(x).Value.Data[0], 1e-6);
    }

    [Fact]
    public void Normalisations()
    {
        var random = new Rng(31);
        NdArray<double> x = GradientCheck.Random(random, 3, 5);
        NdArray<double> weight = GradientCheck.Random(random, 0.5, 1.5, 5), bias = GradientCheck.Random(random, 5);
        GradientCheck.Check(v => Op.LayerNorm(v[0], v[1], v[2]), [x, weight, bias], what: "layer norm");
        GradientCheck.Check(v => Op.LayerNorm<double>(v[0], null, null), [x], what: "layer norm without affine");

        NdArray<double> image = GradientCheck.Random(random, 2, 4, 3, 2);
        NdArray<double> gw = GradientCheck.Random(random, 0.5, 1.5, 4), gb = GradientCheck.Random(random, 4);
        GradientCheck.Check(v => Op.GroupNorm(v[0], 2, v[1], v[2]), [image, gw, gb], what: "group norm");
        GradientCheck.Check(v => Op.GroupNorm(v[0], 4, v[1], v[2]), [image, gw, gb], what: "group norm (one channel per group)");
        GradientCheck.Check(v => Op.GroupNorm<double>(v[0], 1, null, null), [image], what: "group norm without affine");
    }

    [Fact]
    public void Layer_norm_values_have_zero_mean_and_unit_variance()
    {
        var x = new V(NdArray<double>.FromArray([1.0, 2, 3, 4], 1, 4));
        double[] y = Op.LayerNorm<double>(x, null, null, 0).Value.Data;
        Tolerance.Close(0, y.Sum(), 0, 1e-12);
        Tolerance.Close(4, y.Sum(v => v * v), 1e-12);
    }

    [Fact]
    public void Embedding_lookup()
    {
        var random = new Rng(37);
        NdArray<double> weight = GradientCheck.Random(random, 5, 3);
        GradientCheck.Check(v => Op.Embedding(v[0], [4, 0, 4, 2]), [weight]);
        Assert.Equal(weight[4, 1], Op.Embedding(new V(weight), [4, 0]).Value[0, 1]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Op.Embedding(new V(weight), [5]));
        Assert.Contains("vocabulary of 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Losses()
    {
        var random = new Rng(41);
        NdArray<double> prediction = GradientCheck.Random(random, 4, 3), target = GradientCheck.Random(random, 4, 3);
        GradientCheck.Check(v => Op.MseLoss(v[0], v[1]), [prediction, target], what: "mse");
        GradientCheck.Check(v => Op.CrossEntropy(v[0], [2, 0, 1, 2]), [prediction], what: "cross-entropy");
        GradientCheck.Check(v => Op.InfoNce(v[0], v[1], 0.3), [prediction, target], what: "InfoNCE");
        GradientCheck.Check(v => Op.L2Normalize(v[0]), [prediction], what: "L2 normalise");
    }

    [Fact]
    public void Loss_values()
    {
        var logits = new V(NdArray<double>.FromArray([1.0, 2, 3, 0, 0, 0], 2, 3));
        double expected = ((Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3) + Math.Log(3)) / 2;
        Tolerance.Close(expected, Op.CrossEntropy(logits, [2, 1]).Value.ScalarValue, 1e-14);
        var p = new V(NdArray<double>.FromArray([1.0, 2], 2));
        var t = new V(NdArray<double>.FromArray([0.0, 4], 2));
        Assert.Equal(2.5, Op.MseLoss(p, t).Value.ScalarValue);

        // Identical, orthogonal pairs give a near-zero InfoNCE at a low temperature.
        var a = new V(NdArray<double>.FromArray([1.0, 0, 0, 1], 2, 2));
        Assert.True(Op.InfoNce(a, a, 0.01).Value.ScalarValue < 1e-40);
    }

    [Fact]
    public void Straight_through_passes_the_gradient_unchanged()
    {
        var x = new V(NdArray<double>.FromArray([0.2, 0.7], 2), requiresGrad: true);
        V y = Op.StraightThrough(x, NdArray<double>.FromArray([0.0, 1.0], 2));
        Assert.Equal([0.0, 1.0], y.Value.Data);
        Op.Sum(Op.MulScalar(y, 3.0)).Backward();
        Assert.Equal([3.0, 3.0], x.Grad!.Data);
    }

    [Fact]
    public void Gumbel_softmax()
    {
        var random = new Rng(43);
        NdArray<double> logits = GradientCheck.Random(random, 3, 4);

        // The same seed each evaluation, so the noise is a constant of the function.
        GradientCheck.Check(v => Op.GumbelSoftmax(v[0], 0.7, hard: false, new Rng(9)), [logits], what: "soft");

        // The hard sample is piecewise constant; straight-through gives it the soft sample's gradient.
        var seed = GradientCheck.Random(new Rng(44), 3, 4);
        var softInput = new V(logits.Clone(), requiresGrad: true);
        var hardInput = new V(logits.Clone(), requiresGrad: true);
        Op.GumbelSoftmax(softInput, 0.7, hard: false, new Rng(9)).Backward(seed);
        Op.GumbelSoftmax(hardInput, 0.7, hard: true, new Rng(9)).Backward(seed);
        Assert.Equal(softInput.Grad!.Data, hardInput.Grad!.Data);

        NdArray<double> hard = Op.GumbelSoftmax(new V(logits), 0.7, hard: true, new Rng(9)).Value;
        NdArray<double> soft = Op.GumbelSoftmax(new V(logits), 0.7, hard: false, new Rng(9)).Value;
        for (int r = 0; r < 3; r++)
        {
            double[] row = hard.Data[(r * 4)..((r + 1) * 4)];
            Assert.Equal(1.0, row.Sum());
            Assert.Equal(1, row.Count(v => v == 1.0));
            int argmax = Array.IndexOf(soft.Data[(r * 4)..((r + 1) * 4)], soft.Data[(r * 4)..((r + 1) * 4)].Max());
            Assert.Equal(1.0, row[argmax]);
        }
    }

    [Fact]
    public void Gumbel_samples_follow_the_softmax_of_the_logits()
    {
        // Hard samples are draws from softmax(logits): compare frequencies over many rows.
        double[] logit = [0.0, 1.0, -1.0];
        const int Rows = 20000;
        var logits = new V(NdArray<double>.FromArray(Enumerable.Range(0, Rows).SelectMany(_ => logit).ToArray(), Rows, 3));
        NdArray<double> hard = Op.GumbelSoftmax(logits, 1.0, hard: true, new Rng(4)).Value;
        double z = logit.Sum(Math.Exp);
        for (int c = 0; c < 3; c++)
        {
            double frequency = Enumerable.Range(0, Rows).Average(r => hard[r, c]);
            Tolerance.Close(Math.Exp(logit[c]) / z, frequency, 0, 0.015, $"class {c}");
        }
    }

    [Fact]
    public void Convolutions_on_random_shapes()
    {
        var random = new Rng(47);
        for (int trial = 0; trial < 4; trial++)
        {
            int n = 1 + random.NextInt(2), c = 1 + random.NextInt(3), o = 1 + random.NextInt(3);
            int k = 1 + random.NextInt(3), stride = 1 + random.NextInt(2), padding = random.NextInt(k);
            int h = k + random.NextInt(4), w = k + random.NextInt(4);
            NdArray<double> x = GradientCheck.Random(random, n, c, h, w);
            NdArray<double> weight = GradientCheck.Random(random, o, c, k, k), bias = GradientCheck.Random(random, o);
            GradientCheck.Check(v => Op.Conv2d(v[0], v[1], v[2], stride, padding), [x, weight, bias], what: $"conv2d trial {trial}");

            int outputPadding = stride > 1 ? random.NextInt(stride) : 0;
            NdArray<double> wt = GradientCheck.Random(random, c, o, k, k);
            GradientCheck.Check(
                v => Op.ConvTranspose2d(v[0], v[1], v[2], stride, Math.Min(padding, k - 1), outputPadding), [x, wt, bias],
                what: $"conv-transpose2d trial {trial}");
            GradientCheck.Check(v => Op.ConvTranspose2d<double>(v[0], v[1], null, stride, 0), [x, wt], what: "conv-transpose2d without bias");
        }
    }

    [Fact]
    public void Pooling_and_upsampling()
    {
        var random = new Rng(53);
        NdArray<double> x = GradientCheck.Random(random, 2, 2, 5, 6);
        GradientCheck.Check(v => Op.MaxPool2d(v[0], 2, 2), [x], what: "max pool");
        GradientCheck.Check(v => Op.MaxPool2d(v[0], 3, 1), [x], what: "max pool, overlapping");
        GradientCheck.Check(v => Op.AvgPool2d(v[0], 2, 2), [x], what: "average pool");
        GradientCheck.Check(v => Op.UpsampleNearest(v[0], 2), [x], what: "nearest upsampling");
        GradientCheck.Check(v => Op.UpsampleBilinear(v[0], 2), [x], what: "bilinear upsampling");
        GradientCheck.Check(v => Op.UpsampleBilinear(v[0], 3), [x], what: "bilinear upsampling ×3");
    }

    [Fact]
    public void Graph_reuse_accumulates_gradients()
    {
        // y = x·x + x: dy/dx = 2x + 1, reached along three paths.
        var x = new V(NdArray<double>.FromArray([3.0], 1), requiresGrad: true);
        Op.Sum(Op.Add(Op.Mul(x, x), x)).Backward();
        Assert.Equal(7.0, x.Grad!.Data[0]);
    }
}
