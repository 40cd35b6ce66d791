using Engram.Nn;

namespace Engram.Tests.Support;

/// <summary>
/// Checks reverse-mode gradients against central finite differences, all in float64. The checked
/// scalar is L = Σ f(x) ⊙ r for a fixed random r, so every output element's Jacobian row takes part.
/// </summary>
internal static class GradientCheck
{
    public static NdArray<double> Random(Rng random, params int[] shape) => Random(random, -1, 1, shape);

    public static NdArray<double> Random(Rng random, double low, double high, params int[] shape)
    {
        var array = new NdArray<double>(shape);
        for (int i = 0; i < array.Length; i++)
        {
            array.Data[i] = random.Uniform(low, high);
        }

        return array;
    }

    /// <summary>
    /// Fails unless the analytic gradient of every input agrees with the central difference within
    /// <paramref name="absolute"/> + <paramref name="relative"/>·|numeric|.
    /// </summary>
    public static void Check(
        Func<Variable<double>[], Variable<double>> function, NdArray<double>[] inputs, int seed = 1,
        double step = 1e-6, double relative = 1e-6, double absolute = 1e-8, string? what = null)
    {
        Variable<double>[] variables = inputs.Select(x => new Variable<double>(x.Clone(), requiresGrad: true)).ToArray();
        Variable<double> output = function(variables);
        NdArray<double> weights = Random(new Rng((ulong)seed + 1000), output.Value.ShapeArray);
        output.Backward(weights);

        for (int v = 0; v < inputs.Length; v++)
        {
            NdArray<double> analytic = variables[v].Grad ?? new NdArray<double>(inputs[v].ShapeArray);
            Assert.Equal(inputs[v].ShapeArray, analytic.ShapeArray);
            for (int i = 0; i < inputs[v].Length; i++)
            {
                double numeric = (Evaluate(function, inputs, weights, v, i, step) - Evaluate(function, inputs, weights, v, i, -step)) / (2 * step);
                Tolerance.Close(numeric, analytic.Data[i], relative, absolute, $"{what ?? "gradient"} of input {v} element {i}");
            }
        }
    }

    private static double Evaluate(
        Func<Variable<double>[], Variable<double>> function, NdArray<double>[] inputs, NdArray<double> weights, int which, int element, double delta)
    {
        using (GradMode.NoGrad())
        {
            var perturbed = inputs.Select(x => new Variable<double>(x.Clone())).ToArray();
            perturbed[which].Value.Data[element] += delta;
            NdArray<double> output = function(perturbed).Value;
            double sum = 0;
            for (int i = 0; i < output.Length; i++)
            {
                sum += output.Data[i] * weights.Data[i];
            }

            return sum;
        }
    }
}
