namespace Engram.Nn.Layers;

/// <summary>Parameter initialisers, seeded.</summary>
public static class Init
{
    /// <summary>
    /// PyTorch's default for Linear and convolution weights and biases: uniform in ±1/√fanIn
    /// (kaiming_uniform with a = √5 reduces to this bound).
    /// </summary>
    public static NdArray<float> DefaultUniform(Rng random, int fanIn, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        return Uniform(random, -bound, bound, shape);
    }

    /// <summary>Uniform in [low, high).</summary>
    public static NdArray<float> Uniform(Rng random, double low, double high, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        var array = new NdArray<float>(shape);
        for (int i = 0; i < array.Length; i++)
        {
            array.Data[i] = (float)random.Uniform(low, high);
        }

        return array;
    }

    /// <summary>Normal with the given standard deviation.</summary>
    public static NdArray<float> Normal(Rng random, double std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        var array = new NdArray<float>(shape);
        for (int i = 0; i < array.Length; i++)
        {
            array.Data[i] = (float)(std * random.NextNormal());
        }

        return array;
    }
}
