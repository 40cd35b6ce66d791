using Engram.Harmonic;
using Engram.Memory;
using Engram.Nn;
using Engram.Tests.Support;

namespace Engram.Tests.Harmonic;

/// <summary>The dynamics: the energy never rises, an exactly solvable problem, the stopping rule and batching.</summary>
public sealed class HarmonicDynamicsTests
{
    public static TheoryData<int, UpdateRule, FreeStart, bool> Setups()
    {
        var data = new TheoryData<int, UpdateRule, FreeStart, bool>();
        foreach (int seed in new[] { 1, 2, 3, 4 })
        {
            data.Add(seed, UpdateRule.FixedPoint, FreeStart.Zero, false);
            data.Add(seed, UpdateRule.FixedPoint, FreeStart.Coupling, false);
            data.Add(seed, UpdateRule.Gradient, FreeStart.Zero, false);
            data.Add(seed, UpdateRule.FixedPoint, FreeStart.Coupling, true);
            data.Add(seed, UpdateRule.Gradient, FreeStart.Coupling, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Should_never_raise_the_energy_along_the_dynamics(int seed, UpdateRule rule, FreeStart start, bool normalize)
    {
        // Given random three- and four-modality networks, coupled near their bound, and random cues
        foreach (HarmonicNetwork network in new[] { HarmonicProblems.Random(seed, strength: 0.9), HarmonicProblems.Random(seed + 100, modalities: 4, strength: 0.45) })
        {
            IReadOnlyList<HarmonicModality> spaces = network.Modalities;

            // Gradient steps of η_m = 1.9/λ_m (unnormalised) or 0.9/λ_m (on the sphere), per modality
            var options = new HarmonicRecallOptions
            {
                UpdateRule = rule, Start = start, Normalize = normalize, MaxSweeps = 15, Tolerance = 0,
                StepSizes = spaces.ToDictionary(s => s.Name, s => (normalize ? 0.9 : 1.9) / s.Lambda, StringComparer.Ordinal),
            };
            var random = new Rng((ulong)seed);
            foreach (int[] cued in new[] { new[] { 0 }, new[] { 1 }, new[] { 0, 2 }, new[] { spaces.Count - 1 } })
            {
                var cues = cued.ToDictionary(m => spaces[m].Name, m => HarmonicProblems.Gaussian(random, 4, spaces[m].Dimension), StringComparer.Ordinal);

                // When the free modalities descend
                IReadOnlyList<HarmonicResult> results = network.Recall(cues, options);

                // Then every sweep's energy is at most the one before (with normalisation: once on the sphere, after sweep 1)
                foreach (HarmonicResult result in results)
                {
                    Assert.Equal(result.Sweeps + 1, result.Energies.Length);
                    for (int t = normalize ? 2 : 1; t < result.Energies.Length; t++)
                    {
                        double slack = 1e-5 * (1 + Math.Abs(result.Energies[t - 1]));
                        Assert.True(result.Energies[t] <= result.Energies[t - 1] + slack, $"E rose at sweep {t}: {result.Energies[t - 1]:R} → {result.Energies[t]:R} (cued {string.Join(",", cued)})");
                    }

                    // And the recorded energy is the energy of the final state
                    Tolerance.Close(network.Energy(result.States), result.Energies[^1], 1e-5, 1e-5, "final energy");
                    foreach (int m in cued)
                    {
                        Assert.Equal(cues[spaces[m].Name].Row(results.ToList().IndexOf(result)).ToArray(), result.States[spaces[m].Name]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(FreeStart.Coupling, false)]
    [InlineData(FreeStart.Zero, false)]
    [InlineData(FreeStart.Coupling, true)]
    public void Should_complete_every_modality_exactly_on_a_three_modality_problem_with_a_known_answer(FreeStart start, bool chain)
    {
        // Given N = 5 items with orthonormal codes in each of three modalities (d = 5, 6, 7), and couplings
        // A_mk = s Ξ_mᵀ Ξ_k that map item n's code in k onto its code in m. With λ = 1 + 2s (1 + s at a
        // chain's ends), the state ξ_n in every modality is a fixed point: (ξ + s ξ + s ξ)/λ = ξ.
        const int Items = 5;
        const double S = 1, Beta = 40;
        bool[][] coupled = chain ? [[false, true, false], [true, false, true], [false, true, false]] : [[false, true, true], [true, false, true], [true, true, false]];
        var random = new Rng(17);
        Tensor[] codes = [HarmonicProblems.Orthonormal(random, Items, 5), HarmonicProblems.Orthonormal(random, Items, 6), HarmonicProblems.Orthonormal(random, Items, 7)];
        var spaces = Enumerable.Range(0, 3).Select(m => new HarmonicModality($"m{m}", codes[m].Shape[1], 1 + (S * coupled[m].Count(c => c)), Beta)).ToArray();
        var couplings = new List<HarmonicCoupling>();
        for (int m = 0; m < 3; m++)
        {
            for (int k = m + 1; k < 3; k++)
            {
                if (coupled[m][k])
                {
                    couplings.Add(new HarmonicCoupling(spaces[m].Name, spaces[k].Name, Transposed(codes[m], Math.Sqrt(S)), Transposed(codes[k], Math.Sqrt(S))));
                }
            }
        }

        HarmonicNetwork network = HarmonicNetwork.Create(spaces, spaces.Select((s, m) => (s.Name, codes[m])).ToDictionary(p => p.Name, p => p.Item2), couplings);
        var options = new HarmonicRecallOptions { Start = start, MaxSweeps = 30, Tolerance = 1e-7 };

        // When each modality alone, then each pair of modalities, cues each item
        foreach (int[] cued in new[] { new[] { 0 }, new[] { 1 }, new[] { 2 }, new[] { 0, 1 }, new[] { 0, 2 }, new[] { 1, 2 } })
        {
            var cues = cued.ToDictionary(m => spaces[m].Name, m => codes[m], StringComparer.Ordinal);
            IReadOnlyList<HarmonicResult> results = network.Recall(cues, options, Enumerable.Range(0, Items).ToArray());
            for (int n = 0; n < Items; n++)
            {
                HarmonicResult result = results[n];
                Assert.True(result.Converged, $"item {n} from {string.Join(",", cued)} did not converge in {result.Sweeps} sweeps");
                Assert.Equal(3 - cued.Length, result.Free.Count);

                // Then every free modality is retrieved, its state is the stored slot, and its softmax is one-hot
                foreach (ModalityRecall free in result.Free)
                {
                    int m = int.Parse(free.Modality[1..], System.Globalization.CultureInfo.InvariantCulture);
                    Assert.True(free.Retrieved, $"{free.Modality} from {string.Join(",", cued)}: item {n} recalled {free.Nearest}");
                    Assert.Equal(n, free.Nearest);
                    Tolerance.AllClose(codes[m].Row(n).ToArray().Select(v => (double)v).ToArray(), result.States[free.Modality], 0, 1e-5, $"x_{free.Modality}");
                    Tolerance.Close(1, free.Cosine, 0, 1e-6, "cosine");
                    Tolerance.Close(1, free.TopWeight, 0, 1e-9, "top weight");
                    Tolerance.Close(1, free.EffectiveMemories, 0, 1e-9, "effective memories");
                    Assert.False(free.Metastable);
                    Assert.InRange(free.Steps, start == FreeStart.Zero ? 1 : 0, result.Sweeps);
                }

                // And the energy is the closed form Σ_m [½λ_m − 1 − β⁻¹ log(1 + (N − 1)e^−β)] − Σ_couplings s
                double expected = spaces.Sum(s => (0.5 * s.Lambda) - 1 - (Math.Log(1 + ((Items - 1) * Math.Exp(-Beta))) / Beta)) - (S * couplings.Count);
                Tolerance.Close(expected, result.Energies[^1], 1e-6, 1e-6, "energy at the answer");
            }
        }
    }

    [Fact]
    public void Should_stop_on_the_tolerance_or_after_T_sweeps()
    {
        // Given a random network and cues
        HarmonicNetwork network = HarmonicProblems.Random(seed: 6, strength: 0.4);
        var cue = new Dictionary<string, Tensor> { ["m0"] = HarmonicProblems.Gaussian(new Rng(2), 6, network.Modalities[0].Dimension) };

        // When ε = 0, every cue runs all T sweeps; with ε > 0 each stops once no free block moves by more than ε of its length
        IReadOnlyList<HarmonicResult> all = network.Recall(cue, new HarmonicRecallOptions { MaxSweeps = 7, Tolerance = 0 });
        IReadOnlyList<HarmonicResult> early = network.Recall(cue, new HarmonicRecallOptions { MaxSweeps = 200, Tolerance = 1e-4 });

        // Then
        Assert.All(all, r => Assert.Equal((7, false, 8), (r.Sweeps, r.Converged, r.Energies.Length)));
        Assert.All(early, r =>
        {
            Assert.True(r.Converged);
            Assert.InRange(r.Sweeps, 2, 199);
            Assert.Equal(r.Sweeps + 1, r.Energies.Length);
            Assert.All(r.Free, f => Assert.InRange(f.Steps, 1, r.Sweeps));
        });
    }

    [Fact]
    public void Should_give_the_same_results_in_blocks_as_one_cue_at_a_time()
    {
        // Given cues that stop after different numbers of sweeps, recalled in blocks of 3 (rows leave the block as they finish)
        HarmonicNetwork network = HarmonicProblems.Random(seed: 8, items: 9, strength: 0.8);
        var random = new Rng(4);
        Tensor cues = HarmonicProblems.Gaussian(random, 8, network.Modalities[1].Dimension);
        var options = new HarmonicRecallOptions { QueryBlockSize = 3, MaxSweeps = 40, Tolerance = 1e-5 };
        int[] targets = [0, 1, 2, 3, 4, 5, 6, 7];
        IReadOnlyList<HarmonicResult> batched = network.Recall(new Dictionary<string, Tensor> { ["m1"] = cues }, options, targets);
        Assert.True(batched.Select(r => r.Sweeps).Distinct().Count() > 1, "the cues should stop at different sweeps");

        // When each cue is recalled on its own
        for (int i = 0; i < cues.RowCount; i++)
        {
            HarmonicResult single = network.Recall(new Dictionary<string, float[]> { ["m1"] = cues.Row(i).ToArray() }, options with { QueryBlockSize = 1 }, targets[i]);

            // Then it ends where it ended in the block
            Assert.Equal(single.Sweeps, batched[i].Sweeps);
            Assert.Equal(single.Energies.Length, batched[i].Energies.Length);
            for (int t = 0; t < single.Energies.Length; t++)
            {
                Tolerance.Close(single.Energies[t], batched[i].Energies[t], 1e-5, 1e-6, $"cue {i} energy {t}");
            }

            foreach (var (name, state) in single.States)
            {
                Tolerance.AllClose(state.Select(v => (double)v).ToArray(), batched[i].States[name], 1e-4, 1e-5, $"cue {i} {name}");
            }

            Assert.Equal(single.Free.Select(f => (f.Modality, f.Nearest, f.Retrieved)), batched[i].Free.Select(f => (f.Modality, f.Nearest, f.Retrieved)));
        }
    }

    [Fact]
    public void Should_sweep_free_modalities_outwards_from_the_cue_along_the_couplings()
    {
        // Given a chain m0 – m1 – m2 (no m0–m2 coupling)
        HarmonicNetwork full = HarmonicProblems.Random(seed: 3);
        HarmonicNetwork chain = HarmonicNetwork.Create(
            full.Modalities,
            full.Modalities.ToDictionary(m => m.Name, m => full.Slots(m.Name), StringComparer.Ordinal),
            full.Couplings.Where(c => !c.Pair.Joins("m0", "m2")).ToArray());
        Tensor Cue(string m) => HarmonicProblems.Gaussian(new Rng(1), 1, full.Modalities.Single(s => s.Name == m).Dimension);

        // When one end or the middle cues, then the sweep visits m1 first, since it is the one coupled to the cue
        Assert.Equal(["m1", "m0"], chain.Recall(new Dictionary<string, Tensor> { ["m2"] = Cue("m2") })[0].Free.Select(f => f.Modality));
        Assert.Equal(["m1", "m2"], chain.Recall(new Dictionary<string, Tensor> { ["m0"] = Cue("m0") })[0].Free.Select(f => f.Modality));
        Assert.Equal(["m0", "m2"], chain.Recall(new Dictionary<string, Tensor> { ["m1"] = Cue("m1") })[0].Free.Select(f => f.Modality));
    }

    /// <summary>√s·Ξᵀ (d × N): the factor that makes A = s Ξ_mᵀ Ξ_k.</summary>
    private static Tensor Transposed(Tensor codes, double scale)
    {
        int n = codes.Shape[0], d = codes.Shape[1];
        var t = new Tensor(d, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                t[j, i] = (float)(scale * codes[i, j]);
            }
        }

        return t;
    }
}
