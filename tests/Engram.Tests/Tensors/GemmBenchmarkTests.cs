using Engram.Tensors;
using Xunit;

namespace Engram.Tests.Tensors;

public sealed class GemmBenchmarkTests
{
    [Fact]
    public void Should_report_the_rate_of_the_best_repetition()
    {
        // When
        GemmMeasurement measurement = GemmBenchmark.Measure(Gemm.Managed, 64, minRepeats: 2, minSeconds: 0);

        // Then
        Assert.Equal("managed", measurement.Backend);
        Assert.Equal(64, measurement.Size);
        Assert.True(measurement.Seconds > 0);
        Assert.Equal(2.0 * 64 * 64 * 64 / measurement.Seconds / 1e9, measurement.Gflops, 9);
    }

    [Theory]
    [InlineData(0, 3, 1.0, "size")]
    [InlineData(8, 0, 1.0, "minRepeats")]
    [InlineData(8, 3, -1.0, "minSeconds")]
    [InlineData(8, 3, double.PositiveInfinity, "minSeconds")]
    public void Should_throw_for_invalid_arguments(int size, int minRepeats, double minSeconds, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => GemmBenchmark.Measure(Gemm.Managed, size, minRepeats, minSeconds));
        Assert.Equal(name, error.ParamName);
    }
}
