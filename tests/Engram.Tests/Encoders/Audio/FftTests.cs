using System.Numerics;
using Engram.Encoders.Audio;
using Engram.Tests.Support;

namespace Engram.Tests.Encoders.Audio;

public sealed class FftTests
{
    public static TheoryData<int> PowersOfTwo() => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

    [Theory]
    [MemberData(nameof(PowersOfTwo))]
    public void Should_agree_with_the_direct_dft(int n)
    {
        // Given a seeded complex signal
        Complex[] signal = RandomComplex(seed: n, n);

        // When
        var transformed = (Complex[])signal.Clone();
        Fft.Transform(transformed);

        // Then: within double rounding of an O(n log n) sum
        double scale = Math.Sqrt(n);
        for (int k = 0; k < n; k++)
        {
            Complex expected = Complex.Zero;
            for (int t = 0; t < n; t++)
            {
                expected += signal[t] * Complex.FromPolarCoordinates(1, -2 * Math.PI * ((long)k * t % n) / n);
            }

            Tolerance.Close(expected.Real, transformed[k].Real, 0, 1e-12 * scale, $"Re X[{k}]");
            Tolerance.Close(expected.Imaginary, transformed[k].Imaginary, 0, 1e-12 * scale, $"Im X[{k}]");
        }
    }

    [Theory]
    [MemberData(nameof(PowersOfTwo))]
    public void Should_keep_energy_by_parseval(int n)
    {
        // Given
        Complex[] signal = RandomComplex(seed: 100 + n, n);
        double energy = signal.Sum(z => (z.Real * z.Real) + (z.Imaginary * z.Imaginary));

        // When
        var spectrum = (Complex[])signal.Clone();
        Fft.Transform(spectrum);

        // Then: Σ|x|² = (1/n) Σ|X|²
        double spectralEnergy = spectrum.Sum(z => (z.Real * z.Real) + (z.Imaginary * z.Imaginary)) / n;
        Tolerance.Close(energy, spectralEnergy, 1e-12);
    }

    [Fact]
    public void Should_leave_a_single_sample_unchanged()
    {
        Complex[] data = [new Complex(0.25, -1.5)];
        Fft.Transform(data);
        Assert.Equal(new Complex(0.25, -1.5), data[0]);
        Assert.Equal([0.0625], Fft.PowerSpectrum([0.25]));
    }

    [Fact]
    public void Should_give_sum_and_difference_for_two_samples()
    {
        Complex[] data = [new Complex(3, 1), new Complex(-1, 2)];
        Fft.Transform(data);
        Assert.Equal(new Complex(2, 3), data[0]);
        Assert.Equal(new Complex(4, -1), data[1]);
        Assert.Equal([4.0, 16.0], Fft.PowerSpectrum([1, -3]));
    }

    [Theory]
    [InlineData(64, 5)]
    [InlineData(512, 37)]
    [InlineData(512, 256)]
    public void Should_peak_at_the_bin_of_a_sine(int n, int bin)
    {
        // Given a cosine completing exactly `bin` periods in n samples
        double[] signal = [.. Enumerable.Range(0, n).Select(t => 0.7 * Math.Cos((2 * Math.PI * bin * t / n) + 0.3))];

        // When
        double[] power = Fft.PowerSpectrum(signal);

        // Then: all the energy is in that bin, (0.7·n/2)² (or (0.7·n·cos 0.3)² at Nyquist, where the phase folds)
        Assert.Equal((n / 2) + 1, power.Length);
        double expected = bin == n / 2 ? Math.Pow(0.7 * n * Math.Cos(0.3), 2) : Math.Pow(0.7 * n / 2, 2);
        Tolerance.Close(expected, power[bin], 1e-12);
        for (int k = 0; k < power.Length; k++)
        {
            if (k != bin)
            {
                Tolerance.Close(0, power[k], 0, 1e-18 * expected, $"power[{k}]");
            }
        }
    }

    [Fact]
    public void Should_match_numpy_power_spectra()
    {
        // Given numpy's |rfft|² of float32 random signals (see Fixtures/audio/make_logmel_fixtures.py)
        foreach (LogMelReference.Spectrum s in LogMelReference.Load().Spectra)
        {
            // When
            double[] power = Fft.PowerSpectrum([.. s.Signal.Select(v => (double)v)]);

            // Then
            Assert.Equal(s.Power.Length, power.Length);
            double total = s.Power.Sum();
            for (int k = 0; k < power.Length; k++)
            {
                Tolerance.Close(s.Power[k], power[k], 1e-10, 1e-13 * total, $"n={s.Signal.Length} power[{k}]");
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(400)]
    public void Should_refuse_a_length_that_is_not_a_power_of_two(int n)
    {
        var error = Assert.Throws<ArgumentException>(() => Fft.Transform(new Complex[n]));
        Assert.Contains($"power-of-two length; got {n}", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Fft.PowerSpectrum(new double[n]));
    }

    private static Complex[] RandomComplex(int seed, int n)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => new Complex(TestData.Normal(random), TestData.Normal(random)))];
    }
}
