using Engram.Harmonic;
using Engram.Memory;
using Engram.Nn;
using Engram.Tests.Support;
using V = Engram.Nn.Variable<double>;

namespace Engram.Tests.Harmonic;

/// <summary>The energy, its gradient, and the coupling and training-loss gradients against float64 central differences.</summary>
public sealed class HarmonicEnergyTests
{
    private static readonly int[] s_baseDimensions = [5, 4, 6];

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5];

    [Fact]
    public void Should_compute_the_energy_of_its_definition_on_a_small_case()
    {
        // Given two modalities with two unit slots each and a rank-1 coupling A = u vᵀ
        var spaces = new[] { new HarmonicModality("a", 2, Lambda: 2, Beta: 3), new HarmonicModality("b", 2, Lambda: 0.5, Beta: 1) };
        var slots = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.FromArray([1, 0, 0, 1], 2, 2),
            ["b"] = Tensor.FromArray([0.6f, 0.8f, -1, 0], 2, 2),
        };
        var coupling = new HarmonicCoupling("a", "b", Tensor.FromArray([0.5f, -0.25f], 2, 1), Tensor.FromArray([0.2f, 0.4f], 2, 1));
        HarmonicNetwork network = HarmonicNetwork.Create(spaces, slots, [coupling]);
        var state = new Dictionary<string, float[]> { ["a"] = [0.5f, -1f], ["b"] = [2f, 1f] };

        // When the energy is computed
        double energy = network.Energy(state);

        // Then it is ½λ‖x‖² − β⁻¹ log Σ exp(β ξ·x) per modality, minus x_aᵀ u vᵀ x_b, written out by hand
        double ea = (0.5 * 2 * (0.25 + 1)) - (Math.Log(Math.Exp(3 * 0.5) + Math.Exp(3 * -1.0)) / 3);
        double eb = (0.5 * 0.5 * (4 + 1)) - Math.Log(Math.Exp((0.6 * 2) + (0.8 * 1)) + Math.Exp(-2.0));
        double couplingTerm = ((0.5 * 0.5) + (-0.25 * -1)) * ((0.2 * 2) + (0.4 * 1));
        Tolerance.Close(ea + eb - couplingTerm, energy, 1e-6, what: "energy");

        // With two modalities one is always cued, so a single free block is bounded whatever the coupling
        Assert.Equal(0, network.CouplingRatio);
    }

    [Fact]
    public void Should_give_attractor_weights_and_a_read_out_carried_by_per_item_codes_written_out_by_hand()
    {
        // Given modality a (β 3) with slots e₁ and e₂, and per-item codes z₁ = (1, 2, 3), z₂ = (−1, 0, 5)
        var spaces = new[] { new HarmonicModality("a", 2, Lambda: 2, Beta: 3), new HarmonicModality("b", 2) };
        var slots = new Dictionary<string, Tensor> { ["a"] = Tensor.FromArray([1, 0, 0, 1], 2, 2), ["b"] = Tensor.FromArray([1, 0, 0, 1], 2, 2) };
        HarmonicNetwork network = HarmonicNetwork.Create(spaces, slots);
        Tensor codes = Tensor.FromArray([1, 2, 3, -1, 0, 5], 2, 3);

        // When the weights and the read-out are taken at x = (0.5, −1)
        float[] weights = network.Weights("a", [0.5f, -1f]);
        Tensor readOut = network.ReadOut("a", [[0.5f, -1f], [0f, 0f]], codes);

        // Then p = softmax(3 · (0.5, −1)), and the read-out is Σ pₙ zₙ (at x = 0 the two weigh ½ each)
        double p1 = Math.Exp(1.5) / (Math.Exp(1.5) + Math.Exp(-3)), p2 = 1 - p1;
        Tolerance.Close(p1, weights[0], 1e-6, what: "p₁");
        Tolerance.Close(p2, weights[1], 1e-6, what: "p₂");
        Assert.Equal([2, 3], readOut.Shape);
        Tolerance.Close(p1 - p2, readOut.Row(0)[0], 1e-5, what: "read-out component 0");
        Tolerance.Close(3 * p1 + 5 * p2, readOut.Row(0)[2], 1e-5, what: "read-out component 2");
        Assert.Equal([0f, 1f, 4f], readOut.Row(1).ToArray());

        // And a state or codes of the wrong shape are refused, naming them
        Assert.Contains("The 'a' state has 3 components but d_a is 2", Assert.Throws<ArgumentException>(() => network.Weights("a", [1f, 2f, 3f])).Message, StringComparison.Ordinal);
        Assert.Contains("one row per stored item (2)", Assert.Throws<ArgumentException>(() => network.ReadOut("a", [[1f, 0f]], new Tensor(3, 3))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Should_give_an_energy_gradient_that_agrees_with_central_differences(int seed)
    {
        // Given a random three-modality network and a random state (in float64 inside)
        HarmonicNetwork network = HarmonicProblems.Random(seed);
        double[][] x = ToDouble(network, HarmonicProblems.RandomState(network, seed, scale: 0.7));

        // When ∇E is compared with (E(x + h eⱼ) − E(x − h eⱼ)) / 2h in every component
        double[][] analytic = network.GradientOf(x);
        const double Step = 1e-6;
        for (int m = 0; m < x.Length; m++)
        {
            for (int j = 0; j < x[m].Length; j++)
            {
                double kept = x[m][j];
                x[m][j] = kept + Step;
                double plus = network.EnergyOf(x);
                x[m][j] = kept - Step;
                double minus = network.EnergyOf(x);
                x[m][j] = kept;

                // Then they agree to rounding
                Tolerance.Close((plus - minus) / (2 * Step), analytic[m][j], 1e-6, 1e-8, $"∂E/∂x_{m}[{j}]");
            }
        }

        // And the public float gradient is the same one, rounded
        IReadOnlyDictionary<string, float[]> rounded = network.EnergyGradient(ToFloat(network, x));
        for (int m = 0; m < x.Length; m++)
        {
            Tolerance.AllClose(analytic[m], rounded[network.Modalities[m].Name], 1e-6, 1e-6, "float gradient");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Should_give_coupling_gradients_that_agree_with_central_differences(int seed)
    {
        // Given the energy as a graph over states, slots and coupling factors, in float64
        HarmonicNetwork network = HarmonicProblems.Random(seed);
        IReadOnlyList<HarmonicModality> spaces = network.Modalities;
        IReadOnlyList<HarmonicCoupling> couplings = network.Couplings;
        var random = new Rng((ulong)seed + 10);
        NdArray<double>[] states = spaces.Select(s => GradientCheck.Random(random, 3, s.Dimension)).ToArray();
        NdArray<double>[] slots = spaces.Select(s => ToArray(network.Slots(s.Name))).ToArray();
        NdArray<double>[] factors = couplings.SelectMany(c => new[] { ToArray(c.U), ToArray(c.V) }).ToArray();
        int[] first = couplings.Select(c => IndexOf(spaces, c.First)).ToArray(), second = couplings.Select(c => IndexOf(spaces, c.Second)).ToArray();
        V Energy(V[] v) => HarmonicGraph<double>.Energy(
            spaces, v[..spaces.Count], slots.Select(s => new V(s)).ToArray(),
            couplings.Select((_, c) => (first[c], second[c], v[spaces.Count + (2 * c)], v[spaces.Count + (2 * c) + 1])).ToArray());

        // When the graph's gradients with respect to the states and every U and V are checked
        GradientCheck.Check(Energy, [.. states, .. factors], seed, what: "energy graph");

        // Then (having passed) the graph's energy and state gradient are the network's, row by row
        V[] variables = [.. states.Select(s => new V(s.Clone(), requiresGrad: true)), .. factors.Select(f => new V(f.Clone()))];
        V energy = Energy(variables);
        energy.Backward(NdArray<double>.FromArray([1.0, 0, 0], 3));
        double[][] row0 = spaces.Select((s, m) => states[m].Data.AsSpan(0, s.Dimension).ToArray()).ToArray();
        Tolerance.Close(network.EnergyOf(row0), energy.Value.Data[0], 1e-12, 1e-12, "graph energy");
        double[][] gradient = network.GradientOf(row0);
        for (int m = 0; m < spaces.Count; m++)
        {
            for (int j = 0; j < spaces[m].Dimension; j++)
            {
                Tolerance.Close(gradient[m][j], variables[m].Grad!.Data[j], 1e-9, 1e-12, $"graph ∇E_{m}[{j}]");
            }
        }
    }

    [Theory]
    [InlineData(0, FreeStart.Coupling, false, UpdateRule.FixedPoint, 0)]
    [InlineData(2, FreeStart.Coupling, false, UpdateRule.FixedPoint, 0)]
    [InlineData(2, FreeStart.Zero, true, UpdateRule.Gradient, 3)]
    [InlineData(1, FreeStart.Coupling, true, UpdateRule.FixedPoint, 3)]
    public void Should_give_training_loss_gradients_for_couplings_and_adapters_that_agree_with_central_differences(
        int unrolledSweeps, FreeStart start, bool normalize, UpdateRule rule, int hidden)
    {
        // Given a model with three modalities (adapters linear or with a GELU layer) and a batch of paired base codes
        HarmonicModalityConfig[] modalities = s_baseDimensions.Select((b, i) => new HarmonicModalityConfig
        {
            Name = $"m{i}", BaseDimension = b, Dimension = 3 + i, Hidden = hidden, Lambda = 1 + (0.5 * i), Beta = 3,
        }).ToArray();
        HarmonicModelConfig config = HarmonicModelConfig.Coupled(modalities, rank: 2);
        var model = new HarmonicModel(config, new Rng(9));
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 2, items: 5, 5, 4, 6);
        var batch = codes.ToDictionary(p => p.Key, p => ToArray(p.Value), StringComparer.Ordinal);
        string[] names = model.NamedParameters().Select(p => p.Name).ToArray();
        NdArray<double>[] parameters = model.NamedParameters().Select(p => p.Parameter.Value.Cast<double>()).ToArray();
        var options = new HarmonicTrainingOptions
        {
            UnrolledSweeps = unrolledSweeps,
            UnrolledWeight = 0.7,
            Dynamics = new HarmonicRecallOptions { Start = start, Normalize = normalize, UpdateRule = rule, StepSize = 0.4 },
        };
        CouplingPair[] pairs = [.. config.Couplings];

        // When the loss's gradient with respect to every adapter weight and coupling factor is checked
        V Loss(V[] v)
        {
            var graph = new HarmonicGraph<double>(config, names.Select((n, i) => (n, v[i])).ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal));
            return graph.TrainingLoss(pairs, batch, options).Loss;
        }

        // Then every one agrees with the central difference
        Assert.Contains(names, n => n.EndsWith(".u", StringComparison.Ordinal));
        Assert.Equal(hidden > 0, names.Any(n => n.Contains(".hidden.", StringComparison.Ordinal)));
        GradientCheck.Check(Loss, parameters, seed: 4, relative: 1e-5, absolute: 1e-8, what: "training loss");
    }

    private static int IndexOf(IReadOnlyList<HarmonicModality> spaces, string name) =>
        spaces.Select((s, i) => (s, i)).Single(p => p.s.Name == name).i;

    private static NdArray<double> ToArray(Tensor t) =>
        NdArray<float>.FromArray(t.Span.ToArray(), t.Shape.ToArray()).Cast<double>();

    private static double[][] ToDouble(HarmonicNetwork network, Dictionary<string, float[]> state) =>
        network.Modalities.Select(m => state[m.Name].Select(v => (double)v).ToArray()).ToArray();

    private static Dictionary<string, float[]> ToFloat(HarmonicNetwork network, double[][] x) =>
        network.Modalities.Select((m, i) => (m.Name, x[i].Select(v => (float)v).ToArray())).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);
}
