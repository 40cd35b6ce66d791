namespace Engram.Nn.Layers;

/// <summary>y = x·Wᵀ + b for x [N, in]; W is [out, in] as in PyTorch.</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Rng random, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", Init.DefaultUniform(random, inFeatures, outFeatures, inFeatures));
        Bias = bias ? AddParameter("bias", Init.DefaultUniform(random, inFeatures, outFeatures)) : null;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Variable<float> Weight { get; }

    public Variable<float>? Bias { get; }

    public override Variable<float> Forward(Variable<float> x)
    {
        if (x.Value.Rank != 2 || x.Value.Dim(1) != InFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}) needs input [N, {InFeatures}]; got {Shapes.Format(x.Value.Shape)}.", nameof(x));
        }

        Variable<float> y = Op.MatMul(x, Weight, transposeB: true);
        return Bias is null ? y : Op.Add(y, Bias);
    }
}

/// <summary>A 2-D convolution layer: weight [out, in, k, k], bias [out].</summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, int kernel, Rng random, int stride = 1, int padding = 0, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        (Stride, Padding) = (stride, padding);
        int fanIn = inChannels * kernel * kernel;
        Weight = AddParameter("weight", Init.DefaultUniform(random, fanIn, outChannels, inChannels, kernel, kernel));
        Bias = bias ? AddParameter("bias", Init.DefaultUniform(random, fanIn, outChannels)) : null;
    }

    public int Stride { get; }

    public int Padding { get; }

    public Variable<float> Weight { get; }

    public Variable<float>? Bias { get; }

    public override Variable<float> Forward(Variable<float> x) => Op.Conv2d(x, Weight, Bias, Stride, Padding);
}

/// <summary>A transposed 2-D convolution layer: weight [in, out, k, k] (PyTorch's layout), bias [out].</summary>
public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(int inChannels, int outChannels, int kernel, Rng random, int stride = 1, int padding = 0, int outputPadding = 0, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        (Stride, Padding, OutputPadding) = (stride, padding, outputPadding);

        // PyTorch computes the fan-in of a transposed convolution from weight.size(1)·k·k.
        int fanIn = outChannels * kernel * kernel;
        Weight = AddParameter("weight", Init.DefaultUniform(random, fanIn, inChannels, outChannels, kernel, kernel));
        Bias = bias ? AddParameter("bias", Init.DefaultUniform(random, fanIn, outChannels)) : null;
    }

    public int Stride { get; }

    public int Padding { get; }

    public int OutputPadding { get; }

    public Variable<float> Weight { get; }

    public Variable<float>? Bias { get; }

    public override Variable<float> Forward(Variable<float> x) => Op.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding);
}

/// <summary>Layer normalisation over the last axis, with a learned scale (ones) and shift (zeros).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int features, double epsilon = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        Epsilon = epsilon;
        Weight = AddParameter("weight", NdArray<float>.Full(1f, features));
        Bias = AddParameter("bias", new NdArray<float>(features));
    }

    public double Epsilon { get; }

    public Variable<float> Weight { get; }

    public Variable<float> Bias { get; }

    public override Variable<float> Forward(Variable<float> x) => Op.LayerNorm(x, Weight, Bias, Epsilon);
}

/// <summary>Group normalisation of [N, C, …] with a learned per-channel scale and shift.</summary>
public sealed class GroupNorm : Module
{
    public GroupNorm(int groups, int channels, double epsilon = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (channels % groups != 0)
        {
            throw new ArgumentException($"{channels} channels do not divide into {groups} groups.", nameof(groups));
        }

        (Groups, Epsilon) = (groups, epsilon);
        Weight = AddParameter("weight", NdArray<float>.Full(1f, channels));
        Bias = AddParameter("bias", new NdArray<float>(channels));
    }

    public int Groups { get; }

    public double Epsilon { get; }

    public Variable<float> Weight { get; }

    public Variable<float> Bias { get; }

    public override Variable<float> Forward(Variable<float> x) => Op.GroupNorm(x, Groups, Weight, Bias, Epsilon);
}

/// <summary>The elementwise nonlinearities, as layers.</summary>
public enum ActivationKind
{
    Relu,
    Gelu,
    Silu,
    Sigmoid,
    Tanh,
}

/// <summary>An elementwise nonlinearity (no parameters).</summary>
public sealed class Activation(ActivationKind kind) : Module
{
    public ActivationKind Kind { get; } = kind;

    public override Variable<float> Forward(Variable<float> x) => Apply(Kind, x);

    public static Variable<float> Apply(ActivationKind kind, Variable<float> x) => kind switch
    {
        ActivationKind.Relu => Op.Relu(x),
        ActivationKind.Gelu => Op.Gelu(x),
        ActivationKind.Silu => Op.Silu(x),
        ActivationKind.Sigmoid => Op.Sigmoid(x),
        ActivationKind.Tanh => Op.Tanh(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };
}

/// <summary>Reshapes each batch item: [N, …] → [N, shape…].</summary>
public sealed class Reshape(params int[] shape) : Module
{
    private readonly int[] _shape = (int[])shape.Clone();

    public override Variable<float> Forward(Variable<float> x) => Op.Reshape(x, [x.Value.Dim(0), .. _shape]);
}

/// <summary>Modules applied in order; children are named "0", "1", … as in PyTorch's nn.Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _modules = [];

    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (Module module in modules)
        {
            _modules.Add(AddModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        }
    }

    public IReadOnlyList<Module> Modules => _modules;

    public override Variable<float> Forward(Variable<float> x)
    {
        foreach (Module module in _modules)
        {
            x = module.Forward(x);
        }

        return x;
    }
}

/// <summary>
/// A pre-activation residual block: x + conv(SiLU(norm(conv(SiLU(norm(x)))))), 3×3 convolutions
/// that keep the shape.
/// </summary>
public sealed class ResidualBlock : Module
{
    private readonly GroupNorm _norm1, _norm2;
    private readonly Conv2d _conv1, _conv2;

    public ResidualBlock(int channels, int groups, Rng random)
    {
        _norm1 = AddModule("norm1", new GroupNorm(groups, channels));
        _conv1 = AddModule("conv1", new Conv2d(channels, channels, 3, random, padding: 1));
        _norm2 = AddModule("norm2", new GroupNorm(groups, channels));
        _conv2 = AddModule("conv2", new Conv2d(channels, channels, 3, random, padding: 1));
    }

    public override Variable<float> Forward(Variable<float> x)
    {
        Variable<float> h = _conv1.Forward(Op.Silu(_norm1.Forward(x)));
        h = _conv2.Forward(Op.Silu(_norm2.Forward(h)));
        return Op.Add(x, h);
    }
}

/// <summary>A learned lookup table [count, dimension]; the input is a batch of indices.</summary>
public sealed class Embedding : Module
{
    public Embedding(int count, int dimension, Rng random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Weight = AddParameter("weight", Init.Normal(random, 1.0, count, dimension));
    }

    public Variable<float> Weight { get; }

    /// <summary>Rows of the table for <paramref name="indices"/>.</summary>
    public Variable<float> Lookup(ReadOnlySpan<int> indices) => Op.Embedding(Weight, indices);

    /// <summary>Not used: an embedding is indexed with <see cref="Lookup"/>.</summary>
    public override Variable<float> Forward(Variable<float> x) =>
        throw new NotSupportedException("An Embedding takes indices: call Lookup.");
}
