using Engram.Evaluation;
using Engram.Nn;

namespace Engram.Tests.Evaluation;

public sealed class SeparabilityTests
{
    [Fact]
    public void Cues_equal_to_orthogonal_patterns_are_perfectly_apart()
    {
        // Given 4 orthonormal patterns, each cued by itself
        var eye = new Tensor(4, 4);
        for (int i = 0; i < 4; i++)
        {
            eye.Span[(i * 4) + i] = 2f;
        }

        // When
        SeparabilityReport report = SeparabilityReport.Measure(eye, eye, bins: 4);

        // Then every own cosine is 1 (last bin), every other 0 (bin 2 of [−1, −.5, 0, .5, 1]), no overlap
        Assert.Equal([0, 0, 0, 4], report.Matched);
        Assert.Equal([0, 0, 12, 0], report.Unmatched);
        Assert.Equal([-1, -0.5, 0, 0.5, 1], report.BinEdges);
        Assert.Equal(0, report.Overlap);
        Assert.Equal(1, report.MatchedMean, 6);
        Assert.Equal(0, report.UnmatchedMean, 6);
        Assert.Equal(1, report.CosineAccuracy);
    }

    [Fact]
    public void Cues_unrelated_to_their_patterns_overlap_almost_wholly()
    {
        var random = new Rng(5);
        Tensor Gaussian(int n, int d) => Tensor.FromArray(Enumerable.Range(0, n * d).Select(_ => (float)random.NextNormal()).ToArray(), n, d);
        SeparabilityReport report = SeparabilityReport.Measure(Gaussian(600, 32), Gaussian(600, 32), bins: 10);
        Assert.True(report.Overlap > 0.9, $"overlap {report.Overlap}");
        Assert.Equal(600, report.Matched.Sum());
        Assert.Equal(600L * 599, report.Unmatched.Sum());
        Assert.InRange(report.CosineAccuracy, 0, 0.02);
    }

    [Fact]
    public void Should_count_an_own_pattern_that_ties_another_as_not_separated_and_refuse_mismatched_shapes()
    {
        // Cue 0 is as close to pattern 1 as to its own.
        var stored = Tensor.FromArray([1f, 0f, 1f, 0f], 2, 2);
        var cues = Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2);
        SeparabilityReport report = SeparabilityReport.Measure(cues, stored, bins: 2);
        Assert.Equal(0, report.CosineAccuracy);
        var e = Assert.Throws<ArgumentException>(() => SeparabilityReport.Measure(new Tensor(3, 2), new Tensor(2, 2)));
        Assert.Contains("[3, 2] and [2, 2]", e.Message, StringComparison.Ordinal);
    }
}
