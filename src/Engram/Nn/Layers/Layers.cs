namespace Engram.Nn.Layers;

/// <summary>y = x·Wᵀ + b for x [N, in]; W is [out, in] as in PyTorch.</summary>
public sealed class Linear : Module
{
    /// <summary>A linear layer with PyTorch's default uniform initialisation of the weight and bias.</summary>
    /// <param name="inFeatures">Features per input row.</param>
    /// <param name="outFeatures">Features per output row.</param>
    /// <param name="random">The generator that draws the initial weights.</param>
    /// <param name="bias">Whether the layer adds a learned bias b.</param>
    public Linear(int inFeatures, int outFeatures, Rng random, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", Init.DefaultUniform(random, inFeatures, outFeatures, inFeatures));
        Bias = bias ? AddParameter("bias", Init.DefaultUniform(random, inFeatures, outFeatures)) : null;
    }

    /// <summary>Features per input row (the width of x).</summary>
    public int InFeatures { get; }

    /// <summary>Features per output row (the width of y).</summary>
    public int OutFeatures { get; }

    /// <summary>The weight W, [out, in].</summary>
    public Variable<float> Weight { get; }

    /// <summary>The bias b, [out]; null for a layer made without one.</summary>
    public Variable<float>? Bias { get; }

    /// <summary>y = x·Wᵀ + b.</summary>
    /// <param name="x">The batch, [N, in].</param>
    /// <returns>The outputs, [N, out].</returns>
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
    /// <summary>A convolution with PyTorch's default uniform initialisation.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output (number of filters).</param>
    /// <param name="kernel">The square kernel's side k.</param>
    /// <param name="random">The generator that draws the initial weights.</param>
    /// <param name="stride">The step between kernel positions.</param>
    /// <param name="padding">Zeros added on each side of the input.</param>
    /// <param name="bias">Whether the layer adds a learned per-channel bias.</param>
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

    /// <summary>The step between kernel positions.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on each side of the input.</summary>
    public int Padding { get; }

    /// <summary>The filters, [out, in, k, k].</summary>
    public Variable<float> Weight { get; }

    /// <summary>The per-channel bias, [out]; null for a layer made without one.</summary>
    public Variable<float>? Bias { get; }

    /// <summary>Convolves a batch [N, in, H, W] into [N, out, H′, W′].</summary>
    /// <param name="x">The batch, [N, in, H, W].</param>
    /// <returns>The feature maps, [N, out, H′, W′].</returns>
    public override Variable<float> Forward(Variable<float> x) => Op.Conv2d(x, Weight, Bias, Stride, Padding);
}

/// <summary>A transposed 2-D convolution layer: weight [in, out, k, k] (PyTorch's layout), bias [out].</summary>
public sealed class ConvTranspose2d : Module
{
    /// <summary>A transposed convolution with PyTorch's default uniform initialisation.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernel">The square kernel's side k.</param>
    /// <param name="random">The generator that draws the initial weights.</param>
    /// <param name="stride">The upsampling step.</param>
    /// <param name="padding">Rows and columns cropped from each side of the output.</param>
    /// <param name="outputPadding">Extra rows and columns added to one side of the output, to reach an exact size.</param>
    /// <param name="bias">Whether the layer adds a learned per-channel bias.</param>
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

    /// <summary>The upsampling step.</summary>
    public int Stride { get; }

    /// <summary>Rows and columns cropped from each side of the output.</summary>
    public int Padding { get; }

    /// <summary>Extra rows and columns added to one side of the output.</summary>
    public int OutputPadding { get; }

    /// <summary>The filters, [in, out, k, k].</summary>
    public Variable<float> Weight { get; }

    /// <summary>The per-channel bias, [out]; null for a layer made without one.</summary>
    public Variable<float>? Bias { get; }

    /// <summary>Upsamples a batch [N, in, H, W] into [N, out, H′, W′].</summary>
    /// <param name="x">The batch, [N, in, H, W].</param>
    /// <returns>The feature maps, [N, out, H′, W′].</returns>
    public override Variable<float> Forward(Variable<float> x) => Op.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding);
}

/// <summary>Layer normalisation over the last axis, with a learned scale (ones) and shift (zeros).</summary>
public sealed class LayerNorm : Module
{
    /// <summary>Layer normalisation of <paramref name="features"/> values per row.</summary>
    /// <param name="features">The size of the last axis.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    public LayerNorm(int features, double epsilon = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        Epsilon = epsilon;
        Weight = AddParameter("weight", NdArray<float>.Full(1f, features));
        Bias = AddParameter("bias", new NdArray<float>(features));
    }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>The learned scale, [features], initially ones.</summary>
    public Variable<float> Weight { get; }

    /// <summary>The learned shift, [features], initially zeros.</summary>
    public Variable<float> Bias { get; }

    /// <summary>Normalises each row over the last axis, then scales and shifts it.</summary>
    /// <param name="x">The batch; its last axis has the layer's features.</param>
    /// <returns>The normalised batch, same shape.</returns>
    public override Variable<float> Forward(Variable<float> x) => Op.LayerNorm(x, Weight, Bias, Epsilon);
}

/// <summary>Group normalisation of [N, C, …] with a learned per-channel scale and shift.</summary>
public sealed class GroupNorm : Module
{
    /// <summary>Group normalisation of <paramref name="channels"/> channels in <paramref name="groups"/> groups.</summary>
    /// <param name="groups">The number of groups; it must divide <paramref name="channels"/>.</param>
    /// <param name="channels">The number of channels C.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
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

    /// <summary>The number of channel groups normalised together.</summary>
    public int Groups { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>The learned per-channel scale, [C], initially ones.</summary>
    public Variable<float> Weight { get; }

    /// <summary>The learned per-channel shift, [C], initially zeros.</summary>
    public Variable<float> Bias { get; }

    /// <summary>Normalises each group of channels of each item, then scales and shifts per channel.</summary>
    /// <param name="x">The batch, [N, C, …].</param>
    /// <returns>The normalised batch, same shape.</returns>
    public override Variable<float> Forward(Variable<float> x) => Op.GroupNorm(x, Groups, Weight, Bias, Epsilon);
}

/// <summary>The elementwise nonlinearities, as layers.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>The Gaussian error linear unit, x·Φ(x).</summary>
    Gelu,
    /// <summary>The sigmoid linear unit (swish), x·σ(x).</summary>
    Silu,
    /// <summary>The logistic function σ(x) = 1 / (1 + e⁻ˣ).</summary>
    Sigmoid,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
}

/// <summary>An elementwise nonlinearity (no parameters).</summary>
public sealed class Activation(ActivationKind kind) : Module
{
    /// <summary>The nonlinearity this layer applies.</summary>
    public ActivationKind Kind { get; } = kind;

    /// <summary>Applies the nonlinearity elementwise.</summary>
    /// <param name="x">The batch, any shape.</param>
    /// <returns>The activations, same shape.</returns>
    public override Variable<float> Forward(Variable<float> x) => Apply(Kind, x);

    /// <summary>Applies the nonlinearity <paramref name="kind"/> elementwise, without a layer.</summary>
    /// <param name="kind">The nonlinearity.</param>
    /// <param name="x">The input, any shape.</param>
    /// <returns>The activations, same shape.</returns>
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

    /// <summary>Reshapes each item of the batch, keeping the batch axis.</summary>
    /// <param name="x">The batch, [N, …].</param>
    /// <returns>The batch as [N, shape…].</returns>
    public override Variable<float> Forward(Variable<float> x) => Op.Reshape(x, [x.Value.Dim(0), .. _shape]);
}

/// <summary>Modules applied in order; children are named "0", "1", … as in PyTorch's nn.Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _modules = [];

    /// <summary>Chains <paramref name="modules"/>, run first to last.</summary>
    /// <param name="modules">The modules, in order.</param>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (Module module in modules)
        {
            _modules.Add(AddModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        }
    }

    /// <summary>The modules, in the order they run.</summary>
    public IReadOnlyList<Module> Modules => _modules;

    /// <summary>Runs each module on the previous one's output.</summary>
    /// <param name="x">The input batch of the first module.</param>
    /// <returns>The last module's output.</returns>
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

    /// <summary>A residual block over <paramref name="channels"/> channels.</summary>
    /// <param name="channels">Channels in and out.</param>
    /// <param name="groups">Groups of each group normalisation.</param>
    /// <param name="random">The generator that draws the initial weights.</param>
    public ResidualBlock(int channels, int groups, Rng random)
    {
        _norm1 = AddModule("norm1", new GroupNorm(groups, channels));
        _conv1 = AddModule("conv1", new Conv2d(channels, channels, 3, random, padding: 1));
        _norm2 = AddModule("norm2", new GroupNorm(groups, channels));
        _conv2 = AddModule("conv2", new Conv2d(channels, channels, 3, random, padding: 1));
    }

    /// <summary>x plus the two normalised, activated convolutions of x.</summary>
    /// <param name="x">The batch, [N, C, H, W].</param>
    /// <returns>The block's output, same shape.</returns>
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
    /// <summary>A table of <paramref name="count"/> rows, drawn from N(0, 1) as PyTorch does.</summary>
    /// <param name="count">Rows (one per index).</param>
    /// <param name="dimension">The width of each row.</param>
    /// <param name="random">The generator that draws the initial rows.</param>
    public Embedding(int count, int dimension, Rng random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Weight = AddParameter("weight", Init.Normal(random, 1.0, count, dimension));
    }

    /// <summary>The table, [count, dimension].</summary>
    public Variable<float> Weight { get; }

    /// <summary>Rows of the table for <paramref name="indices"/>.</summary>
    public Variable<float> Lookup(ReadOnlySpan<int> indices) => Op.Embedding(Weight, indices);

    /// <summary>Not used: an embedding is indexed with <see cref="Lookup"/>.</summary>
    public override Variable<float> Forward(Variable<float> x) =>
        throw new NotSupportedException("An Embedding takes indices: call Lookup.");
}
