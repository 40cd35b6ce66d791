using System.Runtime.Intrinsics;
using Engram.Tensors;
using Engram.Tests.Support;

namespace Engram.Tests.Tensors;

[Trait("Category", "Kernels")]
public sealed class KernelTests
{
    public static TheoryData<int> KernelLengths() => Lengths.KernelLengths();

    [Theory]
    [MemberData(nameof(KernelLengths))]
    public void Should_compute_softmax_like_float64_for_every_length(int length)
    {
        foreach (float beta in new[] { 1f, 0.01f, 40f, -3f })
        {
            // Given
            float[] x = Values(length, seed: length);
            var p = new float[length];

            // When
            Kernels.Softmax(x, p, beta);

            // Then
            // Then: float32 rounds β·x with an error of about |β·x|·2⁻²⁴, which exp turns into a relative
            // error, and the sum of n weights adds about √n·2⁻²⁴ more
            double[] expected = ReferenceSoftmax(x, beta);
            double range = length == 0 ? 0 : x.Max(v => Math.Abs(beta * (double)v));
            double relative = 4 * Math.Pow(2, -24) * (1 + range + Math.Sqrt(length));
            Tolerance.AllClose(expected, p, relative, absolute: 1e-9, what: $"softmax β={beta}, n={length}");
            if (length > 0)
            {
                Tolerance.Close(1.0, p.Sum(v => (double)v), 0, relative, "sum of the weights");
            }
        }
    }

    [Fact]
    public void Should_give_finite_exact_softmax_of_1000_and_1001()
    {
        // Given scores whose exp overflows float32
        float[] x = [1000f, 1001f];
        var p = new float[2];

        // When
        Kernels.Softmax(x, p);

        // Then p = (1/(1+e), e/(1+e))
        Tolerance.Close(1 / (1 + Math.E), p[0], 1e-6, 0, "p[0]");
        Tolerance.Close(Math.E / (1 + Math.E), p[1], 1e-6, 0, "p[1]");
        Tolerance.Close(1001 + Math.Log(1 + Math.Exp(-1)), Kernels.LogSumExp(x), 1e-9, 0, "log-sum-exp");
    }

    [Fact]
    public void Should_softmax_in_place()
    {
        float[] x = [3f, -1f, 0.5f];
        double[] expected = ReferenceSoftmax(x, 2f);
        Kernels.Softmax(x, x, 2f);
        Tolerance.AllClose(expected, x, 1e-6, 0, "in place");
    }

    [Theory]
    [MemberData(nameof(KernelLengths))]
    public void Should_compute_log_sum_exp_like_float64_for_every_length(int length)
    {
        foreach (float beta in new[] { 1f, 7f, -0.5f })
        {
            float[] x = Values(length, seed: 100 + length);
            double result = Kernels.LogSumExp(x, beta);
            if (length == 0)
            {
                Assert.Equal(double.NegativeInfinity, result);
                continue;
            }

            double max = x.Max(v => beta * (double)v);
            double expected = max + Math.Log(x.Sum(v => Math.Exp((beta * (double)v) - max)));
            Tolerance.Close(expected, result, 1e-6, 1e-6, $"lse β={beta}, n={length}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelLengths))]
    public void Should_pick_the_k_largest_for_every_length(int length)
    {
        float[] x = Values(length, seed: 200 + length);
        x = x.Select(v => MathF.Round(v * 4) / 4).ToArray(); // force ties
        foreach (int k in new[] { 0, 1, 3, length, length + 2 })
        {
            var indices = new int[Math.Min(k, length)];
            int count = Kernels.TopK(x, k, indices);
            int[] expected = Enumerable.Range(0, length).OrderByDescending(i => x[i]).ThenBy(i => i).Take(k).ToArray();
            Assert.Equal(expected.Length, count);
            Assert.Equal(expected, indices);
        }
    }

    [Fact]
    public void Should_throw_for_a_short_destination()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernels.Softmax(new float[5], new float[4]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("holds 4 elements but 5 are needed", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.TopK(new float[3], -1, new int[3]));
        Assert.Throws<ArgumentException>(() => Kernels.TopK(new float[3], 2, new int[1]));
    }

    /// <summary>
    /// Runs in the child processes of <see cref="InstructionSetTests"/>: proves that the instruction
    /// sets the parent switched off really are off, so the fallback paths were the ones tested.
    /// </summary>
    [Fact]
    public void Should_run_on_the_instruction_sets_the_parent_asked_for()
    {
        switch (Environment.GetEnvironmentVariable(InstructionSetTests.ExpectVariable))
        {
            case "no-avx512":
                Assert.False(Vector512.IsHardwareAccelerated, "AVX-512 should be off under DOTNET_EnableAVX512=0");
                break;
            case "no-avx2":
                Assert.False(Vector512.IsHardwareAccelerated);
                Assert.False(Vector256.IsHardwareAccelerated, "AVX2 should be off under DOTNET_EnableAVX2=0");
                break;
            case "scalar":
                Assert.False(Vector512.IsHardwareAccelerated);
                Assert.False(Vector256.IsHardwareAccelerated);
                Assert.False(Vector128.IsHardwareAccelerated, "SIMD should be off under DOTNET_EnableHWIntrinsic=0");
                break;
            default:
                break; // the ordinary run: whatever the machine has
        }
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
    }

    private static double[] ReferenceSoftmax(float[] x, float beta)
    {
        if (x.Length == 0)
        {
            return [];
        }

        double max = x.Max(v => beta * (double)v);
        double[] e = x.Select(v => Math.Exp((beta * (double)v) - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
