using System.Globalization;
using System.Numerics.Tensors;

namespace Engram.Nn.Optimizers;

/// <summary>
/// Adam (Kingma and Ba 2015) with either coupled L2 weight decay (<see cref="Adam"/>, PyTorch's
/// <c>torch.optim.Adam</c>) or decoupled weight decay (<see cref="AdamW"/>, Loshchilov and Hutter 2019,
/// PyTorch's <c>torch.optim.AdamW</c>). The moment estimates and step count can be exported and
/// restored, so an interrupted training run resumes exactly.
/// </summary>
public class Adam
{
    private readonly IReadOnlyList<Variable<float>> _parameters;
    private readonly float[][] _firstMoment;
    private readonly float[][] _secondMoment;
    private readonly bool _decoupled;

    /// <summary>Adam with coupled weight decay (the decay is added to the gradient).</summary>
    public Adam(IReadOnlyList<Variable<float>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: false)
    {
    }

    private protected Adam(IReadOnlyList<Variable<float>> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupled)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(learningRate);
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam's betas must lie in [0, 1); got {beta1} and {beta2}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        _parameters = parameters;
        _firstMoment = parameters.Select(p => new float[p.Value.Length]).ToArray();
        _secondMoment = parameters.Select(p => new float[p.Value.Length]).ToArray();
        (LearningRate, Beta1, Beta2, Epsilon, WeightDecay, _decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupled);
    }

    /// <summary>The step size; a schedule may change it between steps.</summary>
    public double LearningRate { get; set; }

    /// <summary>Adam's decay rate β₁ of the running mean of gradients.</summary>
    public double Beta1 { get; }

    /// <summary>Adam's decay rate β₂ of the running mean of squared gradients.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the root of the second moment before dividing, so that no step divides by zero.</summary>
    public double Epsilon { get; }

    /// <summary>The weight-decay factor: decoupled for <see cref="AdamW"/>, added to the gradient for <see cref="Adam"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>Updates every parameter that has a gradient, then clears the gradients.</summary>
    public void Step()
    {
        StepCount++;
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / correction1);
        float rootCorrection2 = (float)Math.Sqrt(correction2);
        // 1 − β is formed in double: (1 − (float)0.999) is off by 1.3e-5 relative.
        float b1 = (float)Beta1, b2 = (float)Beta2, c1 = (float)(1 - Beta1), c2 = (float)(1 - Beta2), eps = (float)Epsilon, decay = (float)WeightDecay, lr = (float)LearningRate;
        for (int p = 0; p < _parameters.Count; p++)
        {
            Variable<float> parameter = _parameters[p];
            if (parameter.Grad is not { } gradient)
            {
                continue;
            }

            Span<float> w = parameter.Value.Span;
            ReadOnlySpan<float> g = gradient.Span;
            Span<float> m = _firstMoment[p], v = _secondMoment[p];
            if (_decoupled && decay != 0)
            {
                TensorPrimitives.Multiply(w, 1 - (lr * decay), w);
            }

            for (int i = 0; i < w.Length; i++)
            {
                float gi = _decoupled || decay == 0 ? g[i] : g[i] + (decay * w[i]);
                m[i] = (b1 * m[i]) + (c1 * gi);
                v[i] = (b2 * v[i]) + (c2 * gi * gi);
                w[i] -= stepSize * m[i] / ((MathF.Sqrt(v[i]) / rootCorrection2) + eps);
            }

            parameter.ZeroGrad();
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Variable<float> parameter in _parameters)
        {
            parameter.ZeroGrad();
        }
    }

    /// <summary>The moments ("optimizer.{i}.exp_avg", "optimizer.{i}.exp_avg_sq") and the step count ("optimizer.step").</summary>
    public IReadOnlyDictionary<string, NdArray<float>> ExportState()
    {
        var state = new Dictionary<string, NdArray<float>>(StringComparer.Ordinal);
        for (int p = 0; p < _parameters.Count; p++)
        {
            string i = p.ToString(CultureInfo.InvariantCulture);
            state[$"optimizer.{i}.exp_avg"] = NdArray<float>.FromArray((float[])_firstMoment[p].Clone(), _firstMoment[p].Length);
            state[$"optimizer.{i}.exp_avg_sq"] = NdArray<float>.FromArray((float[])_secondMoment[p].Clone(), _secondMoment[p].Length);
        }

        // Step counts fit a float exactly up to 2²⁴; two floats hold any count training will reach.
        state["optimizer.step"] = NdArray<float>.FromArray([StepCount % (1 << 24), StepCount / (1 << 24)], 2);
        return state;
    }

    /// <summary>Restores what <see cref="ExportState"/> wrote; every entry must be present with its size.</summary>
    public void ImportState(IReadOnlyDictionary<string, NdArray<float>> state, string source)
    {
        ArgumentNullException.ThrowIfNull(state);
        for (int p = 0; p < _parameters.Count; p++)
        {
            string i = p.ToString(CultureInfo.InvariantCulture);
            Copy($"optimizer.{i}.exp_avg", _firstMoment[p]);
            Copy($"optimizer.{i}.exp_avg_sq", _secondMoment[p]);
        }

        if (!state.TryGetValue("optimizer.step", out NdArray<float>? step) || step.Length != 2)
        {
            throw new InvalidDataException($"{source} has no optimizer step count ('optimizer.step').");
        }

        StepCount = (long)step.Data[0] + ((long)step.Data[1] << 24);

        void Copy(string name, float[] destination)
        {
            if (!state.TryGetValue(name, out NdArray<float>? value) || value.Length != destination.Length)
            {
                throw new InvalidDataException(
                    $"{source}: optimizer state '{name}' is {(value is null ? "missing" : $"of length {value.Length}")}; the model needs length {destination.Length}.");
            }

            value.Span.CopyTo(destination);
        }
    }
}

/// <summary>Adam with decoupled weight decay: w ← w − lr·λ·w before the Adam step.</summary>
public sealed class AdamW(IReadOnlyList<Variable<float>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2)
    : Adam(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true);
