using System.Numerics;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>
    /// Layer normalisation over the last axis: (x − mean)/√(var + ε), then ⊙ weight + bias
    /// (both optional, of the last axis' length). The variance is the biased one, as PyTorch's.
    /// </summary>
    public static Variable<T> LayerNorm<T>(Variable<T> x, Variable<T>? weight, Variable<T>? bias, double epsilon = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = x.Value.Rank == 0 ? 0 : x.Value.Dim(-1);
        CheckAffine(weight, width, "weight", x);
        CheckAffine(bias, width, "bias", x);
        int rows = width == 0 ? 0 : x.Value.Length / width;
        return NormalizeGroups(x, weight, bias, epsilon, rows, width, 1, width, channelOf: (_, i) => i);
    }

    /// <summary>
    /// Group normalisation of <c>[N, C, …]</c>: the C channels fall into <paramref name="groups"/>
    /// groups, each normalised over its channels and all positions, then a per-channel affine.
    /// </summary>
    public static Variable<T> GroupNorm<T>(Variable<T> x, int groups, Variable<T>? weight, Variable<T>? bias, double epsilon = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Value.Rank < 2)
        {
            throw new ArgumentException($"GroupNorm needs [N, C, …]; got {Shapes.Format(x.Value.Shape)}.", nameof(x));
        }

        int n = x.Value.Dim(0), c = x.Value.Dim(1);
        if (groups <= 0 || c % groups != 0)
        {
            throw new ArgumentException($"GroupNorm: {c} channels do not divide into {groups} groups.", nameof(groups));
        }

        CheckAffine(weight, c, "weight", x);
        CheckAffine(bias, c, "bias", x);
        int positions = n == 0 || c == 0 ? 0 : x.Value.Length / (n * c);
        int perGroup = c / groups;
        int width = perGroup * positions;

        // Row r is (sample, group); element i of a row belongs to channel (r mod groups)·perGroup + i / positions.
        return NormalizeGroups(x, weight, bias, epsilon, n * groups, width, positions, c,
            channelOf: (row, i) => ((row % groups) * perGroup) + (i / positions));
    }

    private static void CheckAffine<T>(Variable<T>? p, int length, string name, Variable<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (p is not null && (p.Value.Rank != 1 || p.Value.Length != length))
        {
            throw new ArgumentException(
                $"Normalisation {name} has shape {Shapes.Format(p.Value.Shape)}; input {Shapes.Format(x.Value.Shape)} needs [{length}].", name);
        }
    }

    /// <summary>
    /// Normalises <paramref name="rows"/> contiguous rows of <paramref name="width"/> elements each,
    /// then applies the affine of the channel each element belongs to.
    /// </summary>
    private static Variable<T> NormalizeGroups<T>(
        Variable<T> x, Variable<T>? weight, Variable<T>? bias, double epsilon,
        int rows, int width, int positions, int channels, Func<int, int, int> channelOf)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T eps = T.CreateChecked(epsilon);
        T count = T.CreateChecked(Math.Max(1, width));
        var normalized = new NdArray<T>(x.Value.ShapeArray);
        var inverseStd = new T[rows];
        T[] xs = x.Value.Data, xhat = normalized.Data;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = xs.AsSpan(r * width, width);
            T mean = T.Zero;
            foreach (T v in row)
            {
                mean += v;
            }

            mean /= count;
            T variance = T.Zero;
            foreach (T v in row)
            {
                variance += (v - mean) * (v - mean);
            }

            variance /= count;
            T rstd = T.One / T.Sqrt(variance + eps);
            inverseStd[r] = rstd;
            for (int i = 0; i < width; i++)
            {
                xhat[(r * width) + i] = (row[i] - mean) * rstd;
            }
        }

        var value = new NdArray<T>(x.Value.ShapeArray);
        T[] ys = value.Data;
        T[]? w = weight?.Value.Data, b = bias?.Value.Data;
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < width; i++)
            {
                int e = (r * width) + i;
                int ch = channelOf(r, i);
                ys[e] = (xhat[e] * (w is null ? T.One : w[ch])) + (b is null ? T.Zero : b[ch]);
            }
        }

        Variable<T>[] inputs = weight is null
            ? (bias is null ? [x] : [x, bias])
            : (bias is null ? [x, weight] : [x, weight, bias]);
        return Variable<T>.Record(value, inputs, g =>
        {
            T[] gs = g.Data;
            if (weight is { RequiresGrad: true } || bias is { RequiresGrad: true })
            {
                var gw = new NdArray<T>(channels);
                var gb = new NdArray<T>(channels);
                for (int r = 0; r < rows; r++)
                {
                    for (int i = 0; i < width; i++)
                    {
                        int e = (r * width) + i;
                        int ch = channelOf(r, i);
                        gw.Data[ch] += gs[e] * xhat[e];
                        gb.Data[ch] += gs[e];
                    }
                }

                weight?.Accumulate(gw);
                bias?.Accumulate(gb);
            }

            if (x.RequiresGrad)
            {
                // dx = rstd/D · (D·ĝ − Σĝ − x̂·Σ(ĝ·x̂)), with ĝ = g ⊙ weight.
                var gx = new NdArray<T>(x.Value.ShapeArray);
                var ghat = new T[width];
                for (int r = 0; r < rows; r++)
                {
                    T sumG = T.Zero, sumGX = T.Zero;
                    for (int i = 0; i < width; i++)
                    {
                        int e = (r * width) + i;
                        T gh = gs[e] * (w is null ? T.One : w[channelOf(r, i)]);
                        ghat[i] = gh;
                        sumG += gh;
                        sumGX += gh * xhat[e];
                    }

                    T scale = inverseStd[r] / count;
                    for (int i = 0; i < width; i++)
                    {
                        int e = (r * width) + i;
                        gx.Data[e] = scale * ((count * ghat[i]) - sumG - (xhat[e] * sumGX));
                    }
                }

                x.Accumulate(gx);
            }
        });
    }
}
