using System.Numerics;
using System.Text.Json;
using Engram.Nn;
using Engram.Tests.Support;

namespace Engram.Tests.Nn;

/// <summary>
/// Conv2d and ConvTranspose2d, forward and backward, against PyTorch in float64
/// (see Fixtures/nn/make_conv_fixtures.py): the output and the gradients of Σ output ⊙ G with
/// respect to x, weight and bias, where G is the fixture's seed gradient.
/// </summary>
public sealed class ConvTorchFixtureTests
{
    public static TheoryData<string> TorchCases() => [.. ReferenceCases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void Should_match_torch_in_double(string name)
    {
        // Given
        ReferenceCase c = ReferenceCases().Single(r => r.Name == name);

        // When
        Computed<double> result = Run<double>(c);

        // Then: the same sums in another order, so within a few ulps of the largest term
        Compare(c, result, relative: 1e-10, absolute: 1e-10);
    }

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void Should_match_torch_in_float(string name)
    {
        // Given
        ReferenceCase c = ReferenceCases().Single(r => r.Name == name);

        // When
        Computed<float> result = Run<float>(c);

        // Then: float32 rounding of sums of up to a few hundred unit-variance products
        Compare(c, result, relative: 1e-4, absolute: 1e-4);
    }

    [Fact]
    public void Should_take_the_transposed_weight_as_cin_cout_k_k_like_torch()
    {
        // Given a 1×1 transposed convolution from 2 to 3 channels: out[o] = Σ_i x[i]·w[i, o]
        var x = new Variable<double>(NdArray<double>.FromArray([1.0, 10.0], 1, 2, 1, 1));
        var weight = new Variable<double>(NdArray<double>.FromArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3, 1, 1));

        // When
        Variable<double> y = Op.ConvTranspose2d<double>(x, weight, null);

        // Then: weight row i holds input channel i's contribution to each output channel
        Assert.Equal([1, 3, 1, 1], y.Value.ShapeArray);
        Assert.Equal([41.0, 52.0, 63.0], y.Value.Data);
    }

    private static Computed<T> Run<T>(ReferenceCase c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new Variable<T>(From<T>(c.X, c.N, c.InChannels, c.Height, c.Width), requiresGrad: true);
        int[] weightShape = c.Transposed
            ? [c.InChannels, c.OutChannels, c.Kernel, c.Kernel]
            : [c.OutChannels, c.InChannels, c.Kernel, c.Kernel];
        var weight = new Variable<T>(From<T>(c.Weight, weightShape), requiresGrad: true);
        Variable<T>? bias = c.Bias is null ? null : new Variable<T>(From<T>(c.Bias, c.OutChannels), requiresGrad: true);
        Variable<T> y = c.Transposed
            ? Op.ConvTranspose2d(x, weight, bias, c.Stride, c.Padding, c.OutputPadding)
            : Op.Conv2d(x, weight, bias, c.Stride, c.Padding);
        Assert.Equal(c.OutputShape, y.Value.ShapeArray);
        y.Backward(From<T>(c.Seed, c.OutputShape));
        return new Computed<T>(y.Value, x.Grad!, weight.Grad!, bias?.Grad);
    }

    private static void Compare<T>(ReferenceCase c, Computed<T> result, double relative, double absolute)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AllClose(c.Output, result.Output, relative, absolute, $"{c.Name} output");
        AllClose(c.GradX, result.GradX, relative, absolute, $"{c.Name} gradient of x");
        AllClose(c.GradWeight, result.GradWeight, relative, absolute, $"{c.Name} gradient of the weight");
        if (c.GradBias is null)
        {
            Assert.Null(result.GradBias);
        }
        else
        {
            Assert.NotNull(result.GradBias);
            AllClose(c.GradBias, result.GradBias, relative, absolute, $"{c.Name} gradient of the bias");
        }
    }

    private static void AllClose<T>(double[] expected, NdArray<T> actual, double relative, double absolute, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Tolerance.Close(expected[i], double.CreateChecked(actual.Data[i]), relative, absolute, $"{what} [{i}]");
        }
    }

    private static NdArray<T> From<T>(double[] values, params int[] shape)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        NdArray<T>.FromArray(values.Select(T.CreateChecked).ToArray(), shape);

    private sealed record Computed<T>(NdArray<T> Output, NdArray<T> GradX, NdArray<T> GradWeight, NdArray<T>? GradBias)
        where T : unmanaged, IFloatingPointIeee754<T>;

    private sealed record ReferenceCase(
        string Name, bool Transposed, int N, int InChannels, int OutChannels, int Height, int Width, int Kernel,
        int Stride, int Padding, int OutputPadding, int[] OutputShape, double[] X, double[] Weight, double[]? Bias,
        double[] Seed, double[] Output, double[] GradX, double[] GradWeight, double[]? GradBias);

    private sealed record ReferenceFile(ReferenceCase[] Cases);

    private static ReferenceCase[] ReferenceCases()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nn", "conv_reference.json");
        return JsonSerializer.Deserialize<ReferenceFile>(File.ReadAllText(path), s_json)!.Cases;
    }

    private static readonly JsonSerializerOptions s_json = new() { PropertyNameCaseInsensitive = true };
}
