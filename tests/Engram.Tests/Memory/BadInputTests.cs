using Engram.Memory;
using Engram.Tests.Support;

namespace Engram.Tests.Memory;

/// <summary>Bad input fails at the public boundary with an ArgumentException that names the parameter and the values.</summary>
public sealed class BadInputTests
{
    private static readonly MemoryBank s_bank = MemoryBank.FromPatterns(TestData.Gaussian(seed: 1, 5, 4));

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Should_reject_a_non_finite_stored_pattern(float bad)
    {
        Tensor patterns = TestData.Gaussian(seed: 2, 3, 4);
        patterns[1, 2] = bad;
        var e = Assert.Throws<ArgumentException>(() => MemoryBank.FromPatterns(patterns));
        Assert.Equal("patterns", e.ParamName);
        Assert.Contains($"Stored pattern 1 has a non-finite component 2 ({bad})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_non_finite_cue()
    {
        var memory = new HopfieldMemory(s_bank);
        var e = Assert.Throws<ArgumentException>(() => memory.Recall([1f, float.NaN, 0f, 0f]));
        Assert.Equal("cues", e.ParamName);
        Assert.Contains("row 0 has a non-finite component 1 (NaN)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_an_empty_bank()
    {
        var e = Assert.Throws<ArgumentException>(() => MemoryBank.FromPatterns(new Tensor(0, 4)));
        Assert.Equal("patterns", e.ParamName);
        Assert.Contains("at least one pattern", e.Message, StringComparison.Ordinal);
        Assert.Contains("0×4", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MemoryBank.FromPatterns(Array.Empty<float[]>()));
    }

    [Fact]
    public void Should_reject_patterns_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => MemoryBank.FromPatterns([new float[3], new float[4]]));
        Assert.Contains("pattern 1 has 4 components but pattern 0 has 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_cue_of_the_wrong_dimension()
    {
        var memory = new HopfieldMemory(s_bank);
        var e = Assert.Throws<ArgumentException>(() => memory.Recall(new float[5]));
        Assert.Equal("cue", e.ParamName);
        Assert.Contains("cue has 5 components but the stored patterns have 4", e.Message, StringComparison.Ordinal);

        var batch = Assert.Throws<ArgumentException>(() => memory.Recall(new Tensor(2, 3)));
        Assert.Equal("cues", batch.ParamName);
        Assert.Contains("Q×4", batch.Message, StringComparison.Ordinal);
        Assert.Contains("Tensor[2, 3]", batch.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Should_reject_a_beta_that_is_not_positive_and_finite(float beta)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HopfieldMemory(s_bank, new RecallOptions { Beta = beta }));
        Assert.Equal("Beta", e.ParamName);
        Assert.Contains($"got {beta}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Should_reject_fewer_than_one_step(int steps)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HopfieldMemory(s_bank, new RecallOptions { MaxSteps = steps }));
        Assert.Equal("MaxSteps", e.ParamName);
        Assert.Contains($"at least 1; got {steps}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_take_the_largest_step_count_as_a_bound_and_stop_when_the_state_settles()
    {
        // T = int.MaxValue once overflowed the energy list's capacity (T + 1) into a .NET message.
        var memory = new HopfieldMemory(s_bank, new RecallOptions { Beta = 50f, MaxSteps = int.MaxValue, Tolerance = 1e-6f });
        RecallResult result = memory.Recall(s_bank[2]);
        Assert.InRange(result.Steps, 1, 20);
        Assert.Equal(2, result.Nearest);
    }

    [Fact]
    public void Should_reject_other_settings_out_of_range()
    {
        Assert.Equal("Tolerance", Assert.Throws<ArgumentOutOfRangeException>(() => new RecallOptions { Tolerance = -1f }.Validate()).ParamName);
        Assert.Equal("StepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RecallOptions { StepSize = 0f }.Validate()).ParamName);
        Assert.Equal("TopK", Assert.Throws<ArgumentOutOfRangeException>(() => new RecallOptions { TopK = -2 }.Validate()).ParamName);
        Assert.Equal("QueryBlockSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RecallOptions { QueryBlockSize = 0 }.Validate()).ParamName);
        var e = Assert.Throws<ArgumentException>(
            () => new RecallOptions { Similarity = Similarity.Cosine, UpdateRule = UpdateRule.Gradient }.Validate());
        Assert.Equal("UpdateRule", e.ParamName);
    }

    [Fact]
    public void Should_reject_a_mask_of_the_wrong_length()
    {
        var memory = new HopfieldMemory(s_bank);
        var e = Assert.Throws<ArgumentException>(() => memory.Recall(new float[4], new float[3]));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("mask has 3 components but the stored patterns have 4", e.Message, StringComparison.Ordinal);

        var batch = Assert.Throws<ArgumentException>(() => memory.Recall(new Tensor(3, 4), new Tensor(2, 4)));
        Assert.Equal("masks", batch.ParamName);
        Assert.Contains("masks must be 3×4 (one per cue) or 1×4 (shared); got Tensor[2, 4]", batch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_mask_that_is_not_zero_or_one()
    {
        var memory = new HopfieldMemory(s_bank);
        var e = Assert.Throws<ArgumentException>(() => memory.Recall(new float[4], [1f, 0.5f, 0f, 1f]));
        Assert.Equal("masks", e.ParamName);
        Assert.Contains("component 1 is 0.5", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CueMode.Clamped)]
    [InlineData(CueMode.Masked)]
    [InlineData(CueMode.MaskedFree)]
    public void Should_reject_a_partial_cue_mode_without_a_mask(CueMode mode)
    {
        var memory = new HopfieldMemory(s_bank, new RecallOptions { CueMode = mode });
        var e = Assert.Throws<ArgumentException>(() => memory.Recall(new float[4]));
        Assert.Equal("masks", e.ParamName);
        Assert.Contains($"Cue mode {mode} needs to know which components are observed, so it needs an observation mask", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_target_outside_the_bank()
    {
        var memory = new HopfieldMemory(s_bank);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => memory.Recall(new float[4], target: 5));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("Target 0 is 5, outside the 5 stored patterns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_gradient_of_the_wrong_length_and_the_cosine_gradient()
    {
        var memory = new HopfieldMemory(s_bank);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => memory.EnergyGradient(new float[4], new float[3])).ParamName);
        var cosine = new HopfieldMemory(s_bank, new RecallOptions { Similarity = Similarity.Cosine });
        Assert.Throws<NotSupportedException>(() => cosine.EnergyGradient(new float[4], new float[4]));
    }
}
