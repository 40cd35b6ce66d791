namespace Engram.Tests.Support;

/// <summary>Seeded test data.</summary>
internal static class TestData
{
    /// <summary>An N×K tensor of standard normal values scaled by <paramref name="scale"/>.</summary>
    public static Tensor Gaussian(int seed, int rows, int columns, float scale = 1f)
    {
        var random = new Random(seed);
        var t = new Tensor(rows, columns);
        Span<float> s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = scale * (float)Normal(random);
        }

        return t;
    }

    /// <summary>Uniform values in [0, 1), like pixel intensities.</summary>
    public static Tensor Uniform(int seed, int rows, int columns)
    {
        var random = new Random(seed);
        var t = new Tensor(rows, columns);
        Span<float> s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)random.NextDouble();
        }

        return t;
    }

    /// <summary>A 0/1 mask observing the first <paramref name="observed"/> components.</summary>
    public static Tensor PrefixMask(int columns, int observed)
    {
        var m = new Tensor(1, columns);
        m.Span[..observed].Fill(1f);
        return m;
    }

    public static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
