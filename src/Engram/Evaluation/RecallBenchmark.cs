using System.Diagnostics;
using Engram.Memory;
using Engram.Tensors;

namespace Engram.Evaluation;

/// <summary>
/// Times one recall step over a random bank: two GEMMs (Q×K·K×N and Q×N·N×K, 4QNK flops) and the
/// streaming softmax between them. The step time is the difference of two recalls that differ only
/// in their number of steps, so storing, the cue set-up and the final diagnostic pass cancel out.
/// </summary>
public static class RecallBenchmark
{
    private const int Repeats = 3;

    /// <summary>Times one recall step of <paramref name="queries"/> cues over <paramref name="n"/> random patterns of length <paramref name="dimension"/> on <paramref name="backend"/>, with the generator seeded by <paramref name="seed"/>.</summary>
    public static RecallBenchmarkResult Run(int n, int dimension, int queries, IGemmBackend backend, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        ArgumentNullException.ThrowIfNull(backend);

        var random = new Random(seed);
        var patterns = new Tensor(n, dimension);
        foreach (ref float x in patterns.Span)
        {
            x = (float)random.NextDouble();
        }

        var bank = MemoryBank.FromPatterns(patterns);
        var cues = new Tensor(queries, dimension);
        foreach (ref float x in cues.Span)
        {
            x = (float)random.NextDouble();
        }

        // β small enough that no cue settles early: every step runs for every cue.
        var options = new RecallOptions { Beta = 1e-3f, Tolerance = 0f, QueryBlockSize = Math.Min(queries, 1024) };
        const int FewSteps = 1, ManySteps = 3;
        var memory = new HopfieldMemory(bank, options with { MaxSteps = FewSteps }, backend);
        HopfieldMemory longer = memory.WithOptions(options with { MaxSteps = ManySteps });

        // Warm up at full size (tiered JIT, GEMM buffers, thread pool), then take the best of a few
        // alternating repetitions: on a shared machine noise only adds time.
        RequireSteps(memory.Recall(cues), FewSteps);
        double few = double.PositiveInfinity, many = double.PositiveInfinity;
        for (int repeat = 0; repeat < Repeats; repeat++)
        {
            few = Math.Min(few, Time(() => RequireSteps(memory.Recall(cues), FewSteps)));
            many = Math.Min(many, Time(() => RequireSteps(longer.Recall(cues), ManySteps)));
        }

        double step = Math.Max(1e-9, (many - few) / (ManySteps - FewSteps));
        double flops = 4.0 * queries * n * dimension;
        return new RecallBenchmarkResult(backend.Name, n, dimension, queries, step, flops / step / 1e9);
    }

    // The step time is only honest if every cue took every step.
    private static void RequireSteps(IReadOnlyList<RecallResult> results, int steps)
    {
        int shortRuns = results.Count(r => r.Steps != steps);
        if (shortRuns > 0)
        {
            throw new InvalidOperationException($"{shortRuns} of {results.Count} cues took fewer than {steps} steps; the step time would be wrong.");
        }
    }

    private static double Time(Action action)
    {
        var stopwatch = Stopwatch.StartNew();
        action();
        return stopwatch.Elapsed.TotalSeconds;
    }
}

/// <summary>The time of one recall step and its rate in GFLOP/s (4·Q·N·K per step).</summary>
public sealed record RecallBenchmarkResult(string Backend, int N, int Dimension, int Queries, double StepSeconds, double StepGflops);
