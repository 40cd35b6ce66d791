using System.Diagnostics;
using System.Text.Json;
using Engram.Tensors;
using Engram.Tests.Support;

namespace Engram.Tests.Tensors;

/// <summary>
/// The default backend's choice: by measured speed (fake backends whose speed is known), read back
/// from the cache, re-measured when the cache is damaged or the key differs, and overridden by
/// ENGRAM_GEMM; plus the real OpenBLAS's detected core.
/// </summary>
public sealed class GemmSelectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-gemm-choice-").FullName;

    private string CachePath => Path.Combine(_folder, "cache", GemmSelection.CacheFileName);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_choose_the_backend_that_is_faster_on_this_machine(bool openBlasIsFaster)
    {
        // Given two backends, one twenty times slower than the other
        var slow = TimeSpan.FromMilliseconds(2);
        var fast = TimeSpan.FromMilliseconds(0.1);
        IGemmBackend[] candidates = [new FakeGemm("managed", openBlasIsFaster ? slow : fast), new FakeGemm("openblas", openBlasIsFaster ? fast : slow)];

        // When the default is chosen by measuring them
        var (backend, choice) = GemmSelection.Choose(candidates, requested: null, "machine", CachePath);

        // Then the faster is chosen, with both timings, and cached
        Assert.Equal(openBlasIsFaster ? "openblas" : "managed", backend.Name);
        Assert.Equal(GemmChoiceSource.Measured, choice.Source);
        Assert.True(choice.Seconds["managed"] > 0 && choice.Seconds["openblas"] > 0);
        Assert.True(choice.Seconds[backend.Name] < choice.Seconds[candidates.Single(c => c != backend).Name]);
        Assert.Equal(CachePath, choice.CachePath);
        Assert.True(File.Exists(CachePath));
        Assert.Contains($"{backend.Name}, the faster on this machine as measured just now", choice.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_read_a_cached_choice_back_without_measuring_again()
    {
        // Given a choice measured and cached
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        var (_, first) = GemmSelection.Choose(candidates, null, "machine", CachePath, Timings(("managed", 3e-3), ("openblas", 1e-3)));

        // When it is chosen again with a measurement that would give the other answer
        var (backend, second) = GemmSelection.Choose(candidates, null, "machine", CachePath, Timings(("managed", 1e-3), ("openblas", 3e-3)));

        // Then the cached choice and its timings come back
        Assert.Equal(GemmChoiceSource.Measured, first.Source);
        Assert.Equal("openblas", backend.Name);
        Assert.Equal(GemmChoiceSource.Cached, second.Source);
        Assert.Equal(first.Seconds, second.Seconds);
        Assert.Contains("measured earlier", second.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("{\"entries\": {\"x\": 3}}")]
    [InlineData("[1, 2]")]
    public void Should_ignore_a_damaged_cache_and_rewrite_it(string damaged)
    {
        // Given a cache file that does not parse, or holds nonsense
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, damaged);

        // When the default is chosen, then chosen again
        var (_, first) = GemmSelection.Choose(candidates, null, "machine", CachePath, Timings(("managed", 1e-3), ("openblas", 2e-3)));
        var (backend, second) = GemmSelection.Choose(candidates, null, "machine", CachePath, Timings(("managed", 2e-3), ("openblas", 1e-3)));

        // Then the first measures and rewrites the file, which the second reads back
        Assert.Equal(GemmChoiceSource.Measured, first.Source);
        Assert.Equal(GemmChoiceSource.Cached, second.Source);
        Assert.Equal("managed", backend.Name);
        using JsonDocument rewritten = JsonDocument.Parse(File.ReadAllText(CachePath));
        Assert.Equal(JsonValueKind.Object, rewritten.RootElement.GetProperty("entries").ValueKind);
    }

    [Fact]
    public void Should_measure_again_for_another_machine_key_and_keep_both_entries()
    {
        // Given a choice cached for one key (e.g. without OPENBLAS_CORETYPE)
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        GemmSelection.Choose(candidates, null, "core Prescott", CachePath, Timings(("managed", 1e-3), ("openblas", 6e-3)));

        // When another key asks (e.g. OPENBLAS_CORETYPE=COOPERLAKE), then each key again
        var (other, measured) = GemmSelection.Choose(candidates, null, "core Cooperlake", CachePath, Timings(("managed", 1.1e-3), ("openblas", 1e-3)));
        var (first, _) = GemmSelection.Choose(candidates, null, "core Prescott", CachePath, Timings(("managed", 9e-3), ("openblas", 1e-3)));
        var (second, _) = GemmSelection.Choose(candidates, null, "core Cooperlake", CachePath, Timings(("managed", 1e-3), ("openblas", 9e-3)));

        // Then the new key was measured, and each key keeps its own answer
        Assert.Equal(GemmChoiceSource.Measured, measured.Source);
        Assert.Equal("openblas", other.Name);
        Assert.Equal("managed", first.Name);
        Assert.Equal("openblas", second.Name);
    }

    [Theory]
    [InlineData("managed")]
    [InlineData(" OpenBLAS ")]
    public void Should_use_the_backend_that_ENGRAM_GEMM_names_without_measuring(string requested)
    {
        // Given a cache that says the other backend is faster
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        string expected = requested.Trim().ToLowerInvariant();
        string opposite = expected == "managed" ? "openblas" : "managed";
        GemmSelection.Choose(candidates, null, "machine", CachePath, Timings((opposite, 1e-3), (expected, 5e-3)));

        // When ENGRAM_GEMM names a backend
        var (backend, choice) = GemmSelection.Choose(candidates, requested, "machine", CachePath, _ => throw new InvalidOperationException("measured"));

        // Then that one is used, and the reason says so
        Assert.Equal(expected, backend.Name);
        Assert.Equal(GemmChoiceSource.Requested, choice.Source);
        Assert.Equal($"{expected}, because ENGRAM_GEMM={expected}", choice.Describe());
    }

    [Fact]
    public void Should_name_the_choices_when_ENGRAM_GEMM_names_no_backend()
    {
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        var e = Assert.Throws<ArgumentException>(() => GemmSelection.Choose(candidates, "fastest", "machine", CachePath));
        Assert.StartsWith("Unknown GEMM backend 'fastest'; use 'managed' or 'openblas'.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_use_the_only_backend_without_measuring_or_caching()
    {
        var (backend, choice) = GemmSelection.Choose([new FakeGemm("managed", TimeSpan.Zero)], null, "machine", CachePath, _ => throw new InvalidOperationException("measured"));
        Assert.Equal("managed", backend.Name);
        Assert.Equal(GemmChoiceSource.OnlyOne, choice.Source);
        Assert.False(File.Exists(CachePath));
    }

    [Fact]
    public void Should_measure_once_when_two_callers_choose_at_the_same_time()
    {
        // Given two callers without a cache, each of whose measurements takes a while
        IGemmBackend[] candidates = [new FakeGemm("managed", TimeSpan.Zero), new FakeGemm("openblas", TimeSpan.Zero)];
        int measured = 0;
        IReadOnlyDictionary<string, double> Slow(IReadOnlyList<IGemmBackend> _)
        {
            Interlocked.Increment(ref measured);
            Thread.Sleep(300);
            return new Dictionary<string, double> { ["managed"] = 2e-3, ["openblas"] = 1e-3 };
        }

        // When both choose at once
        var choices = new GemmChoice[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => choices[i] = GemmSelection.Choose(candidates, null, "machine", CachePath, Slow).Choice);

        // Then one measured and the other read its result under the lock
        Assert.Equal(1, measured);
        Assert.Equal(["openblas", "openblas"], choices.Select(c => c.Backend));
        Assert.Equal([GemmChoiceSource.Measured, GemmChoiceSource.Cached], choices.Select(c => c.Source).Order());
    }

    [Fact]
    public void Should_time_every_real_backend_on_the_trial_products()
    {
        // Given the backends this machine has
        IGemmBackend[] candidates = Gemm.OpenBlas is { } blas ? [Gemm.Managed, blas] : [Gemm.Managed];

        // When they are timed as on first use
        IReadOnlyDictionary<string, double> seconds = GemmSelection.Measure(candidates);

        // Then every backend has a finite, positive time (how long the trial takes is a benchmark's question, not a test's:
        // `engram bench gemm` prints the trial's times; a timed assertion fails on a loaded machine)
        Assert.Equal(candidates.Select(c => c.Name).Order(), seconds.Keys.Order());
        Assert.All(candidates, c => Assert.True(double.IsFinite(seconds[c.Name]) && seconds[c.Name] > 0, $"{c.Name}: {seconds[c.Name]}"));
    }

    [OpenBlasFact]
    public void Should_report_the_core_OpenBLAS_detected_and_its_build()
    {
        OpenBlasInfo library = RequiredDependency.Require(Gemm.OpenBlasLibrary, "OpenBLAS is not installed: libopenblas.so.0 did not load");
        Assert.False(string.IsNullOrWhiteSpace(library.CoreName));
        Assert.Contains("OpenBLAS", library.Config, StringComparison.Ordinal);
        Assert.Contains(library.CoreName!, GemmSelection.MachineKey(library), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_a_backend_used_in_one_flow_of_execution_out_of_the_others()
    {
        // Given another backend made the default in this flow of execution
        var fake = new FakeGemm("fake", TimeSpan.Zero);
        IGemmBackend process = Gemm.DefaultChoice.Backend == Gemm.Managed.Name ? Gemm.Managed : Gemm.OpenBlas!;
        string? seenElsewhere = null;
        using (Gemm.Use(fake))
        {
            // When a thread outside it (started without this flow's context) asks
            using (ExecutionContext.SuppressFlow())
            {
                var thread = new Thread(() => seenElsewhere = Gemm.Default.Name);
                thread.Start();
                thread.Join();
            }

            // Then only this flow sees it
            Assert.Same(fake, Gemm.Default);
        }

        Assert.Equal(process.Name, seenElsewhere);
        Assert.Same(process, Gemm.Default);
    }

    private static Func<IReadOnlyList<IGemmBackend>, IReadOnlyDictionary<string, double>> Timings(params (string Name, double Seconds)[] timings) =>
        _ => timings.ToDictionary(t => t.Name, t => t.Seconds);

    /// <summary>A backend that takes a known time per product (spinning) and computes nothing.</summary>
    private sealed class FakeGemm(string name, TimeSpan perProduct) : IGemmBackend
    {
        public string Name => name;

        public void Sgemm(
            bool transposeA, bool transposeB, int m, int n, int k, float alpha,
            ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            long end = Stopwatch.GetTimestamp() + (long)(perProduct.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                Thread.SpinWait(10);
            }
        }
    }
}
