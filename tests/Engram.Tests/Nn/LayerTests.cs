using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Nn.Optimizers;
using Engram.Tests.Support;

namespace Engram.Tests.Nn;

public sealed class LayerTests
{
    private static Sequential SmallNetwork(ulong seed)
    {
        var random = new Rng(seed);
        return new Sequential(
            new Conv2d(1, 4, 3, random, stride: 2, padding: 1),
            new Activation(ActivationKind.Silu),
            new GroupNorm(2, 4),
            new ResidualBlock(4, 2, random),
            new Reshape(-1),
            new Linear(4 * 4 * 4, 3, random));
    }

    [Fact]
    public void Should_name_parameters_as_pytorch_does()
    {
        string[] names = SmallNetwork(1).NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(
            [
                "0.weight", "0.bias", "2.weight", "2.bias",
                "3.norm1.weight", "3.norm1.bias", "3.conv1.weight", "3.conv1.bias",
                "3.norm2.weight", "3.norm2.bias", "3.conv2.weight", "3.conv2.bias",
                "5.weight", "5.bias",
            ],
            names);
        Assert.Equal((4 * 9) + 4 + 8 + (2 * (8 + (16 * 9) + 4)) + (64 * 3) + 3, SmallNetwork(1).ParameterCount);
    }

    [Fact]
    public void Linear_computes_x_times_weight_transposed_plus_bias()
    {
        var layer = new Linear(2, 3, new Rng(2));
        var x = new Variable<float>(NdArray<float>.FromArray([1f, 2f], 1, 2));
        float[] y = layer.Forward(x).Value.Data;
        for (int o = 0; o < 3; o++)
        {
            float expected = layer.Weight.Value[o, 0] + (2 * layer.Weight.Value[o, 1]) + layer.Bias!.Value[o];
            Assert.Equal(expected, y[o], 6);
        }

        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new Variable<float>(new NdArray<float>(1, 5))));
        Assert.Contains("needs input [N, 2]; got [1, 5]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_initialisation_is_bounded_by_one_over_root_fan_in_and_seeded()
    {
        var a = new Conv2d(3, 8, 3, new Rng(5));
        var b = new Conv2d(3, 8, 3, new Rng(5));
        double bound = 1 / Math.Sqrt(27);
        Assert.All(a.Weight.Value.Data, v => Assert.InRange(v, -bound, bound));
        Assert.Equal(a.Weight.Value.Data, b.Weight.Value.Data);
        Assert.NotEqual(a.Weight.Value.Data, new Conv2d(3, 8, 3, new Rng(6)).Weight.Value.Data);

        // A spread close to the bound, not a constant.
        Assert.True(a.Weight.Value.Data.Max() > 0.8 * bound && a.Weight.Value.Data.Min() < -0.8 * bound);
    }

    [Fact]
    public void Weights_round_trip_through_safetensors()
    {
        // Given
        string path = Path.Combine(Path.GetTempPath(), $"engram-weights-{Guid.NewGuid():N}.safetensors");
        Sequential source = SmallNetwork(1), target = SmallNetwork(2);
        try
        {
            // When
            ModelWeights.Save(path, source, new Dictionary<string, string> { ["encoder"] = "test" });
            IReadOnlyDictionary<string, string> metadata = ModelWeights.Load(path, target);

            // Then
            Assert.Equal("test", metadata["encoder"]);
            foreach (var ((name, a), (_, b)) in source.NamedParameters().Zip(target.NamedParameters()))
            {
                Assert.True(a.Value.Data.AsSpan().SequenceEqual(b.Value.Data), name);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_name_the_tensor_and_both_shapes_when_a_weight_file_does_not_fit()
    {
        string path = Path.Combine(Path.GetTempPath(), $"engram-weights-{Guid.NewGuid():N}.safetensors");
        try
        {
            var arrays = new Dictionary<string, NdArray<float>>(SmallNetwork(1).StateDict());
            arrays["5.weight"] = new NdArray<float>(3, 10);
            arrays.Remove("0.bias");
            arrays["extra.tensor"] = new NdArray<float>(1);
            ModelWeights.Write(path, arrays);
            Sequential model = SmallNetwork(2);
            float before = model.NamedParameters().First().Parameter.Value.Data[0];

            var ex = Assert.Throws<InvalidDataException>(() => ModelWeights.Load(path, model));

            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("tensor '5.weight' has shape [3, 10] but the model expects [3, 64]", ex.Message, StringComparison.Ordinal);
            Assert.Contains("tensor '0.bias' is missing (expected shape [4])", ex.Message, StringComparison.Ordinal);
            Assert.Contains("tensor 'extra.tensor' is not a parameter", ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, model.NamedParameters().First().Parameter.Value.Data[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string, double[]> PyTorchAdam => new()
    {
        // torch.optim.{Adam, Adam(weight_decay=0.1), AdamW(weight_decay=0.1)}, lr 0.1, five steps on Σ(w − t)²
        { "adam", [0.5145516395568848, -1.5027744770050049, 0.014551617205142975] },
        { "adam-l2", [0.5140326023101807, -1.5027825832366943, 0.014916911721229553] },
        { "adamw", [0.4777947962284088, -1.415331244468689, 0.0008882209658622742] },
    };

    [Theory]
    [MemberData(nameof(PyTorchAdam))]
    public void Adam_and_AdamW_match_pytorch(string kind, double[] expected)
    {
        var w = new Variable<float>(NdArray<float>.FromArray([1f, -2f, 0.5f], 3), requiresGrad: true);
        var t = new Variable<float>(NdArray<float>.FromArray([0.3f, 0.1f, -0.2f], 3));
        Adam optimizer = kind switch
        {
            "adam" => new Adam([w], 0.1),
            "adam-l2" => new Adam([w], 0.1, weightDecay: 0.1),
            _ => new AdamW([w], 0.1, weightDecay: 0.1),
        };
        for (int i = 0; i < 5; i++)
        {
            Op.Sum(Op.Square(Op.Sub(w, t))).Backward();
            optimizer.Step();
        }

        Tolerance.AllClose(expected, w.Value.Data, 2e-6, 1e-7, kind);
        Assert.Equal(5, optimizer.StepCount);
    }

    [Fact]
    public void Optimizer_state_round_trips_so_a_resumed_run_matches_an_uninterrupted_one()
    {
        static (Variable<float> W, Adam Optimizer) Make() =>
            (new Variable<float>(NdArray<float>.FromArray([1f, -2f], 2), requiresGrad: true), null!);

        var (w1, _) = Make();
        var opt1 = new AdamW([w1], 0.05);
        for (int i = 0; i < 6; i++)
        {
            Op.Sum(Op.Square(w1)).Backward();
            opt1.Step();
        }

        var (w2, _) = Make();
        var opt2 = new AdamW([w2], 0.05);
        for (int i = 0; i < 3; i++)
        {
            Op.Sum(Op.Square(w2)).Backward();
            opt2.Step();
        }

        var (w3, _) = Make();
        w2.Value.Span.CopyTo(w3.Value.Span);
        var opt3 = new AdamW([w3], 0.05);
        opt3.ImportState(opt2.ExportState(), "test");
        for (int i = 0; i < 3; i++)
        {
            Op.Sum(Op.Square(w3)).Backward();
            opt3.Step();
        }

        Assert.Equal(w1.Value.Data, w3.Value.Data);
        Assert.Throws<InvalidDataException>(() => new AdamW([w3, w1]).ImportState(opt2.ExportState(), "checkpoint.safetensors"));
    }

    [Fact]
    public void Global_norm_clipping()
    {
        var a = new Variable<float>(new NdArray<float>(2), requiresGrad: true);
        var b = new Variable<float>(new NdArray<float>(1), requiresGrad: true);
        Op.Sum(Op.Add(Op.MulScalar(Op.Sum(a), 3f), Op.MulScalar(Op.Sum(b), 4f))).Backward(); // grads (3, 3), (4)
        double norm = GradientClipping.ClipByGlobalNorm([a, b], 1.0);
        Tolerance.Close(Math.Sqrt(34), norm, 1e-6);
        double clipped = Math.Sqrt(a.Grad!.Data.Sum(v => (double)v * v) + b.Grad!.Data.Sum(v => (double)v * v));
        Tolerance.Close(1.0, clipped, 1e-5);
        Tolerance.Close(4 / Math.Sqrt(34), b.Grad.Data[0], 1e-5);
    }

    [Fact]
    public void Schedules()
    {
        var cosine = LearningRateSchedule.WarmupCosine(1.0, 10, 110, 0.1);
        Tolerance.Close(0.1, cosine.Rate(0), 1e-12);
        Tolerance.Close(1.0, cosine.Rate(9), 1e-12);
        Tolerance.Close(1.0, cosine.Rate(10), 1e-12);
        Tolerance.Close(0.55, cosine.Rate(60), 1e-12);
        Tolerance.Close(0.1, cosine.Rate(110), 1e-12);
        Tolerance.Close(0.25, LearningRateSchedule.StepDecay(1, 10, 0.5).Rate(25), 1e-12);
        Assert.Equal(0.3, LearningRateSchedule.Constant(0.3).Rate(1000));
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_and_reduces_the_loss()
    {
        static (float[] Weights, double First, double Last) Train(ulong seed)
        {
            Sequential model = SmallNetwork(seed);
            var optimizer = new AdamW(model.Parameters(), 0.01);
            var data = new Rng(99);
            NdArray<float> images = Init.Uniform(data, 0, 1, 16, 1, 8, 8);
            int[] labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
            double first = 0, last = 0;
            for (int step = 0; step < 30; step++)
            {
                Variable<float> loss = Op.CrossEntropy(model.Forward(new Variable<float>(images)), labels);
                loss.Backward();
                optimizer.Step();
                (first, last) = step == 0 ? (loss.Value.ScalarValue, 0) : (first, loss.Value.ScalarValue);
            }

            return (model.Parameters().SelectMany(p => p.Value.Data).ToArray(), first, last);
        }

        var a = Train(7);
        var b = Train(7);
        Assert.Equal(a.Weights, b.Weights);
        Assert.True(a.Last < 0.5 * a.First, $"loss went from {a.First} to {a.Last}");
        Assert.NotEqual(a.Weights, Train(8).Weights);
    }

    [Fact]
    public void Inference_without_gradients_records_nothing()
    {
        Sequential model = SmallNetwork(3);
        Variable<float> y;
        using (GradMode.NoGrad())
        {
            y = model.Forward(new Variable<float>(new NdArray<float>(2, 1, 8, 8)));
        }

        Assert.False(y.RequiresGrad);
        Assert.False(y.IsRecorded);
        var ex = Assert.Throws<InvalidOperationException>(() => Op.Sum(y).Backward());
        Assert.Contains("no input of this result requires a gradient", ex.Message, StringComparison.Ordinal);
    }
}
