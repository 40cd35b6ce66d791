using Engram.Memory;
using Engram.Tests.Support;

namespace Engram.Tests.Memory;

public sealed class HopfieldMemoryTests
{
    private const int N = 40;
    private const int K = 16;

    public static TheoryData<Similarity, CueMode, UpdateRule, int> ReferenceCases()
    {
        var data = new TheoryData<Similarity, CueMode, UpdateRule, int>();
        foreach (Similarity similarity in Enum.GetValues<Similarity>())
        {
            foreach (CueMode mode in Enum.GetValues<CueMode>())
            {
                data.Add(similarity, mode, UpdateRule.FixedPoint, 0);
                data.Add(similarity, mode, UpdateRule.FixedPoint, 5);
                if (similarity != Similarity.Cosine)
                {
                    data.Add(similarity, mode, UpdateRule.Gradient, 0);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Should_agree_with_a_float64_implementation(Similarity similarity, CueMode mode, UpdateRule rule, int topK)
    {
        // Given a random bank and noisy, half-observed cues
        Tensor patterns = TestData.Gaussian(seed: 11, N, K, scale: 0.5f);
        var options = new RecallOptions
        {
            Beta = similarity == Similarity.Cosine ? 8f : 2f,
            Similarity = similarity,
            CueMode = mode,
            UpdateRule = rule,
            StepSize = 0.3f,
            TopK = topK,
            MaxSteps = 6,
            Tolerance = 0f,
            PatternBlockSize = 7, // several pattern blocks, the last one short: exercises the online softmax
            QueryBlockSize = 3,
        };
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options);
        var reference = new ReferenceHopfield(patterns, options);
        Tensor cues = Noisy(patterns, seed: 5, count: 5, sigma: 0.2f);
        Tensor mask = TestData.PrefixMask(K, K / 2);

        // When
        IReadOnlyList<RecallResult> results = memory.Recall(cues, mask);

        // Then the trajectory's end and every energy agree within 2e-4 (float32 against float64)
        for (int i = 0; i < results.Count; i++)
        {
            (double[] state, List<double> energies, int steps) = reference.Recall(cues.Row(i).ToArray(), mask.Row(0).ToArray());
            Assert.Equal(steps, results[i].Steps);
            Tolerance.AllClose(state, results[i].State, relative: 2e-4, absolute: 2e-4, what: $"cue {i} state");
            Assert.Equal(energies.Count, results[i].Energies.Length);
            for (int t = 0; t < energies.Count; t++)
            {
                Tolerance.Close(energies[t], results[i].Energies[t], relative: 2e-5, absolute: 2e-4, what: $"cue {i} E(v_{t})");
            }
        }
    }

    [Theory]
    [InlineData(Similarity.Dot, CueMode.Full)]
    [InlineData(Similarity.L2, CueMode.Full)]
    [InlineData(Similarity.Dot, CueMode.Clamped)]
    [InlineData(Similarity.L2, CueMode.Clamped)]
    [InlineData(Similarity.Dot, CueMode.MaskedFree)]
    [InlineData(Similarity.L2, CueMode.MaskedFree)]
    public void Should_never_increase_the_energy_under_the_fixed_point_update(Similarity similarity, CueMode mode)
    {
        for (int seed = 0; seed < 30; seed++)
        {
            // Given a random bank, β over three decades, and a random cue
            var random = new Random(seed);
            int n = random.Next(2, 80), k = random.Next(1, 40);
            float beta = (float)Math.Pow(10, random.NextDouble() * 3 - 1.5);
            Tensor patterns = TestData.Gaussian(seed + 1000, n, k, scale: (float)(random.NextDouble() + 0.1));
            var options = new RecallOptions { Beta = beta, Similarity = similarity, CueMode = mode, MaxSteps = 20, Tolerance = 0 };
            var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options);
            Tensor cue = TestData.Gaussian(seed + 2000, 1, k);
            Tensor mask = TestData.PrefixMask(k, random.Next(0, k + 1));

            // When
            RecallResult result = memory.Recall(cue, mask)[0];

            // Then every step lowers the energy or leaves it (to float32 rounding of its terms)
            double[] e = result.Energies;
            for (int t = 1; t < e.Length; t++)
            {
                double slack = 1e-5 * (1 + Math.Abs(e[t - 1]));
                Assert.True(e[t] <= e[t - 1] + slack, $"seed {seed} (N={n}, K={k}, β={beta}): E rose from {e[t - 1]} to {e[t]} at step {t}.");
            }
        }
    }

    [Theory]
    [InlineData(Similarity.Dot, false)]
    [InlineData(Similarity.L2, false)]
    [InlineData(Similarity.Dot, true)]
    [InlineData(Similarity.L2, true)]
    public void Should_have_an_energy_gradient_that_agrees_with_finite_differences(Similarity similarity, bool masked)
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 3, N, K, scale: 0.7f);
        var options = new RecallOptions { Beta = 1.5f, Similarity = similarity, CueMode = masked ? CueMode.Masked : CueMode.Full };
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options);
        var reference = new ReferenceHopfield(patterns, options);
        float[] v = TestData.Gaussian(seed: 4, 1, K).Span.ToArray();
        float[] mask = masked ? TestData.PrefixMask(K, 10).Span.ToArray() : [];
        double[]? referenceMask = masked ? mask.Select(f => (double)f).ToArray() : null;

        // When
        var gradient = new float[K];
        memory.EnergyGradient(v, gradient, mask);

        // Then it matches central differences of the float64 energy (h = 1e-5, truncation ~1e-10)
        const double h = 1e-5;
        for (int j = 0; j < K; j++)
        {
            double[] plus = v.Select(f => (double)f).ToArray(), minus = (double[])plus.Clone();
            plus[j] += h;
            minus[j] -= h;
            double fd = (reference.Energy(plus, referenceMask) - reference.Energy(minus, referenceMask)) / (2 * h);
            Tolerance.Close(fd, gradient[j], relative: 1e-4, absolute: 1e-5, what: $"∂E/∂v[{j}]");
        }

        // And central differences of our own float32 energy (h = 1e-2) agree with it too
        for (int j = 0; j < K; j++)
        {
            float[] plus = (float[])v.Clone(), minus = (float[])v.Clone();
            plus[j] += 0.01f;
            minus[j] -= 0.01f;
            double fd = (memory.Energy(plus, mask) - memory.Energy(minus, mask)) / 0.02;
            Tolerance.Close(gradient[j], fd, relative: 0, absolute: 2e-3, what: $"float32 finite difference [{j}]");
        }
    }

    [Theory]
    [InlineData(Similarity.Dot, 200f)]
    [InlineData(Similarity.L2, 100f)]
    [InlineData(Similarity.Cosine, 200f)]
    public void Should_hold_every_stored_pattern_as_a_fixed_point_at_high_beta(Similarity similarity, float beta)
    {
        // Given unit-norm random patterns (well separated in 32 dimensions)
        Tensor patterns = UnitRows(TestData.Gaussian(seed: 8, 50, 32));
        var memory = new HopfieldMemory(
            MemoryBank.FromPatterns(patterns),
            new RecallOptions { Beta = beta, Similarity = similarity, MaxSteps = 5, Tolerance = 1e-6f });

        // When every stored pattern is the cue
        IReadOnlyList<RecallResult> results = memory.Recall(patterns, targets: Enumerable.Range(0, 50).ToArray());

        // Then it comes back unchanged, after one step that moved nothing
        for (int n = 0; n < 50; n++)
        {
            RecallResult r = results[n];
            Assert.Equal(n, r.Nearest);
            Assert.True(r.Retrieved);
            Assert.False(r.Metastable);
            Assert.True(r.NearestDistance <= 1e-5, $"pattern {n} moved {r.NearestDistance}.");
            Assert.True(r.Converged);
            Assert.Equal(1, r.Steps);
            Assert.True(r.TopWeight > 0.99999, $"pattern {n}: top weight {r.TopWeight}.");
            Assert.True(r.EffectiveMemories < 1.0001, $"pattern {n}: effective memories {r.EffectiveMemories}.");
        }
    }

    [Fact]
    public void Should_give_the_same_result_for_any_block_sizes()
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 21, 101, 12);
        Tensor cues = Noisy(patterns, seed: 22, count: 9, sigma: 0.5f);
        var options = new RecallOptions { Beta = 3f, Similarity = Similarity.L2, MaxSteps = 4, Tolerance = 0 };
        IReadOnlyList<RecallResult> whole = new HopfieldMemory(MemoryBank.FromPatterns(patterns),
            options with { QueryBlockSize = 1000, PatternBlockSize = 1000 }).Recall(cues);

        foreach ((int qb, int nb) in new[] { (1, 1), (2, 7), (4, 100), (9, 101) })
        {
            // When the cues and patterns are cut into blocks
            IReadOnlyList<RecallResult> blocked = new HopfieldMemory(MemoryBank.FromPatterns(patterns),
                options with { QueryBlockSize = qb, PatternBlockSize = nb }).Recall(cues);

            // Then nothing changes beyond float32 rounding
            for (int i = 0; i < cues.Shape[0]; i++)
            {
                Tolerance.AllClose(whole[i].State.Select(f => (double)f).ToArray(), blocked[i].State, 1e-5, 1e-5, $"blocks {qb}×{nb}, cue {i}");
                Tolerance.Close(whole[i].Energies[^1], blocked[i].Energies[^1], 1e-5, 1e-5, "final energy");
                Assert.Equal(whole[i].Nearest, blocked[i].Nearest);
            }
        }
    }

    [Fact]
    public void Should_zero_missing_components_and_let_them_move_in_cue_mode_full()
    {
        // Given a cue whose missing half holds garbage
        Tensor patterns = TestData.Gaussian(seed: 1, N, K);
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { Beta = 4f, MaxSteps = 3 });
        float[] cue = patterns.Row(7).ToArray();
        float[] mask = TestData.PrefixMask(K, K / 2).Span.ToArray();
        float[] garbage = (float[])cue.Clone();
        garbage.AsSpan(K / 2).Fill(123f);

        // When
        RecallResult fromGarbage = memory.Recall(garbage, mask);
        float[] zeroed = (float[])cue.Clone();
        zeroed.AsSpan(K / 2).Clear();
        RecallResult fromZeros = memory.Recall(zeroed);

        // Then the missing components entered as zeros and the dynamics filled them in
        Assert.Equal(fromZeros.State, fromGarbage.State);
        Assert.Equal(fromZeros.Energies, fromGarbage.Energies);
        Assert.Contains(fromGarbage.State.AsSpan(K / 2).ToArray(), x => x != 0f);
    }

    [Fact]
    public void Should_keep_observed_components_at_the_cue_in_cue_mode_clamped()
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 2, N, K);
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns),
            new RecallOptions { Beta = 1f, CueMode = CueMode.Clamped, MaxSteps = 8, Tolerance = 0 });
        float[] cue = TestData.Gaussian(seed: 9, 1, K).Span.ToArray();
        float[] mask = TestData.PrefixMask(K, 5).Span.ToArray();

        // When
        RecallResult r = memory.Recall(cue, mask);

        // Then the observed components are exactly the cue, the others moved
        Assert.Equal(cue.AsSpan(0, 5).ToArray(), r.State.AsSpan(0, 5).ToArray());
        Assert.Contains(r.State.AsSpan(5).ToArray(), x => x != 0f);
    }

    [Fact]
    public void Should_score_observed_components_only_in_cue_mode_masked()
    {
        // Given two patterns that agree on the observed half and differ on the missing half,
        // and a third that is closest to the cue only when the missing half (zeros) is scored
        var patterns = new Tensor(3, 4);
        float[][] rows = [[1, 1, 5, 5], [1, 1, -5, -5], [0.3f, 0.3f, 0, 0]];
        for (int n = 0; n < 3; n++)
        {
            rows[n].CopyTo(patterns.Row(n));
        }

        float[] cue = [1, 1, 0, 0];
        float[] mask = [1, 1, 0, 0];
        var options = new RecallOptions { Beta = 20f, Similarity = Similarity.L2, MaxSteps = 5, Tolerance = 1e-6f };

        // When
        RecallResult masked = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options with { CueMode = CueMode.Masked }).Recall(cue, mask);
        RecallResult full = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options).Recall(cue, mask);

        // Then Masked mixes the two patterns that match on what was observed (p = ½, ½) in one step,
        Tolerance.AllClose([1, 1, 0, 0], masked.State, 0, 1e-5, "masked state");
        Tolerance.Close(0.5, masked.TopWeight, 0, 1e-5, "masked top weight");
        Assert.True(masked.Metastable);
        Assert.True(masked.Converged);
        Assert.Equal(1, masked.Steps); // the mixture (1, 1, 0, 0) is the cue itself, so the first step moves nothing

        // while Full, which also scores the zeros, lands on the third pattern
        Assert.Equal(2, full.Nearest);
        Assert.False(full.Metastable);
    }

    [Fact]
    public void Should_keep_only_the_k_largest_weights_with_top_k()
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 31, N, K);
        Tensor states = TestData.Gaussian(seed: 32, 4, K);
        var options = new RecallOptions { Beta = 0.5f };
        var reference = new ReferenceHopfield(patterns, options);

        foreach (int k in new[] { 1, 3, N, N + 5 })
        {
            // When
            Tensor p = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options with { TopK = k }).Association(states);

            // Then each row keeps min(k, N) weights, which sum to one and sit on the largest scores
            for (int i = 0; i < 4; i++)
            {
                double[] scores = reference.Scores(states.Row(i).ToArray().Select(f => (double)f).ToArray(), null);
                int[] expected = Enumerable.Range(0, N).OrderByDescending(n => scores[n]).Take(Math.Min(k, N)).Order().ToArray();
                int[] kept = Enumerable.Range(0, N).Where(n => p[i, n] > 0).ToArray();
                Assert.Equal(expected, kept);
                Tolerance.Close(1.0, p.Row(i).ToArray().Sum(f => (double)f), 0, 1e-5, "row sum");
            }
        }

        // And with k = 1 one step lands exactly on the best-scoring pattern
        RecallResult one = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options with { TopK = 1, MaxSteps = 1 }).Recall(states.Row(0));
        Assert.Equal(patterns.Row(one.Nearest).ToArray(), one.State);
        Assert.Equal(1.0, one.TopWeight);
    }

    [Fact]
    public void Should_give_association_rows_equal_to_the_reference_softmax()
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 41, N, K);
        Tensor states = TestData.Gaussian(seed: 42, 3, K);
        var options = new RecallOptions { Beta = 1.3f, Similarity = Similarity.L2, PatternBlockSize = 9 };
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), options);
        var reference = new ReferenceHopfield(patterns, options);

        // When
        Tensor p = memory.Association(states);

        // Then
        for (int i = 0; i < 3; i++)
        {
            double[] expected = reference.Weights(states.Row(i).ToArray().Select(f => (double)f).ToArray(), null, 0);
            Tolerance.AllClose(expected, p.Row(i), 1e-4, 1e-7, $"p[{i}]");
        }
    }

    [Fact]
    public void Should_find_the_nearest_stored_pattern()
    {
        // Given
        Tensor patterns = TestData.Gaussian(seed: 51, 300, 10);
        Tensor states = TestData.Gaussian(seed: 52, 20, 10);
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { PatternBlockSize = 64 });

        // When
        NearestPattern[] nearest = memory.Nearest(states);

        // Then it is the brute-force argmin of the distance
        for (int i = 0; i < 20; i++)
        {
            double[] d = Enumerable.Range(0, 300).Select(n => Distance(states.Row(i), patterns.Row(n))).ToArray();
            int best = Array.IndexOf(d, d.Min());
            Assert.Equal(best, nearest[i].Index);
            Tolerance.Close(d[best], nearest[i].Distance, 1e-9, 1e-9, "distance");
        }
    }

    [Fact]
    public void Should_count_a_byte_identical_duplicate_as_retrieved()
    {
        // Given a bank whose rows 2 and 5 are the same bytes
        Tensor patterns = UnitRows(TestData.Gaussian(seed: 61, 8, 6));
        patterns.Row(2).CopyTo(patterns.Row(5));
        var bank = MemoryBank.FromPatterns(patterns);
        var memory = new HopfieldMemory(bank, new RecallOptions { Beta = 50f, Similarity = Similarity.L2 });

        // When the cue is row 5 and its target is 5
        RecallResult r = memory.Recall(patterns.Row(5), target: 5);

        // Then the nearest pattern is the first twin, and that counts
        Assert.Equal(2, bank.CanonicalIndex(5));
        Assert.Equal(2, r.Nearest);
        Assert.True(r.Retrieved);
    }

    [Fact]
    public void Should_flag_a_mixture_as_metastable_at_low_beta()
    {
        // Given
        Tensor patterns = UnitRows(TestData.Gaussian(seed: 71, 30, 20));
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { Beta = 1e-3f, MaxSteps = 20 });

        // When
        RecallResult r = memory.Recall(patterns.Row(3), target: 3);

        // Then the state is close to the mean of all patterns, which is none of them
        Assert.True(r.Metastable);
        Assert.True(r.EffectiveMemories > 29.9, $"effective memories {r.EffectiveMemories}");
        Assert.True(r.TopWeight < 0.04, $"top weight {r.TopWeight}");
    }

    [Fact]
    public void Should_stay_finite_when_beta_scaled_scores_would_overflow_exp()
    {
        // Given scores around 1e4 (exp overflows float32 above ~88)
        Tensor patterns = TestData.Gaussian(seed: 81, 20, 16, scale: 30f);
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { Beta = 1f });

        // When
        RecallResult r = memory.Recall(patterns.Row(4), target: 4);

        // Then
        Assert.All(r.State, x => Assert.True(float.IsFinite(x)));
        Assert.All(r.Energies, e => Assert.True(double.IsFinite(e)));
        Assert.True(r.Retrieved);
    }

    [Fact]
    public void Should_stop_early_once_the_state_settles()
    {
        // Given
        Tensor patterns = UnitRows(TestData.Gaussian(seed: 91, 20, 16));
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { Beta = 30f, MaxSteps = 50, Tolerance = 1e-4f });

        // When
        RecallResult r = memory.Recall(Noisy(patterns, seed: 92, count: 1, sigma: 0.05f).Row(0), target: 0);

        // Then
        Assert.True(r.Converged);
        Assert.InRange(r.Steps, 2, 10);
        Assert.Equal(r.Steps + 1, r.Energies.Length);
        Assert.True(r.Retrieved);
    }

    [Fact]
    public void Should_run_every_step_when_the_tolerance_is_zero()
    {
        // Given a stored pattern as the cue at high β: the state stops changing exactly after one step
        Tensor patterns = UnitRows(TestData.Gaussian(seed: 93, 10, 16));
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns), new RecallOptions { Beta = 200f, MaxSteps = 7, Tolerance = 0f });

        // When
        RecallResult r = memory.Recall(patterns.Row(2), target: 2);

        // Then ε = 0 still runs all T steps
        Assert.Equal(7, r.Steps);
        Assert.False(r.Converged);
        Assert.Equal(8, r.Energies.Length);
    }

    private static Tensor Noisy(Tensor patterns, int seed, int count, float sigma)
    {
        Tensor noise = TestData.Gaussian(seed, count, patterns.Shape[1], sigma);
        for (int i = 0; i < count; i++)
        {
            Span<float> row = noise.Row(i);
            ReadOnlySpan<float> p = patterns.Row(i % patterns.Shape[0]);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] += p[j];
            }
        }

        return noise;
    }

    private static Tensor UnitRows(Tensor t)
    {
        for (int i = 0; i < t.Shape[0]; i++)
        {
            Span<float> row = t.Row(i);
            float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }

        return t;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        }

        return Math.Sqrt(s);
    }
}
