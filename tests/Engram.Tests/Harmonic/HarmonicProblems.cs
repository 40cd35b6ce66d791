using Engram.Harmonic;
using Engram.Nn;
using Engram.Tensors;

namespace Engram.Tests.Harmonic;

/// <summary>Seeded harmonic networks and paired data for the tests.</summary>
internal static class HarmonicProblems
{
    /// <summary>
    /// A random network: dimensions 3–7, N items, λ in [0.5, 2], β in [1, 20], every pair coupled with
    /// rank 1–3 factors scaled so that each coupling's ‖A‖₂ is <paramref name="strength"/>·√(λ_m λ_k).
    /// </summary>
    public static HarmonicNetwork Random(int seed, int modalities = 3, int items = 7, double strength = 0.6)
    {
        var random = new Rng((ulong)seed);
        var spaces = Enumerable.Range(0, modalities)
            .Select(m => new HarmonicModality($"m{m}", 3 + random.NextInt(5), random.Uniform(0.5, 2), random.Uniform(1, 20)))
            .ToArray();
        var slots = spaces.ToDictionary(s => s.Name, s => Gaussian(random, items, s.Dimension), StringComparer.Ordinal);
        var couplings = new List<HarmonicCoupling>();
        for (int i = 0; i < modalities; i++)
        {
            for (int j = i + 1; j < modalities; j++)
            {
                int rank = 1 + random.NextInt(3);
                var coupling = new HarmonicCoupling(spaces[i].Name, spaces[j].Name, Gaussian(random, spaces[i].Dimension, rank), Gaussian(random, spaces[j].Dimension, rank));
                double scale = Math.Sqrt(strength * Math.Sqrt(spaces[i].Lambda * spaces[j].Lambda) / coupling.SpectralNorm());
                Scale(coupling.U, scale);
                Scale(coupling.V, scale);
                couplings.Add(coupling);
            }
        }

        return HarmonicNetwork.Create(spaces, slots, couplings);
    }

    /// <summary>A state for every modality of <paramref name="network"/>, Gaussian with the given scale.</summary>
    public static Dictionary<string, float[]> RandomState(HarmonicNetwork network, int seed, double scale = 1)
    {
        var random = new Rng((ulong)seed + 77);
        return network.Modalities.ToDictionary(
            m => m.Name,
            m => Enumerable.Range(0, m.Dimension).Select(_ => (float)(scale * random.NextNormal())).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary><paramref name="rows"/> orthonormal rows of length <paramref name="dimension"/> (Gram–Schmidt of Gaussian rows).</summary>
    public static Tensor Orthonormal(Rng random, int rows, int dimension)
    {
        var basis = new List<double[]>();
        while (basis.Count < rows)
        {
            double[] v = Enumerable.Range(0, dimension).Select(_ => random.NextNormal()).ToArray();
            foreach (double[] b in basis)
            {
                double dot = v.Zip(b, (x, y) => x * y).Sum();
                for (int j = 0; j < dimension; j++)
                {
                    v[j] -= dot * b[j];
                }
            }

            double norm = Math.Sqrt(v.Sum(x => x * x));
            basis.Add(v.Select(x => x / norm).ToArray());
        }

        return Tensor.FromArray(basis.SelectMany(b => b.Select(x => (float)x)).ToArray(), rows, dimension);
    }

    /// <summary>
    /// Paired base codes for <paramref name="items"/> items: each item has a latent z ∈ R^8, and modality m
    /// sees it through its own random linear map into <paramref name="dimensions"/>[m] components plus a
    /// little noise, so the modalities agree on the item but not on the coordinates.
    /// </summary>
    public static Dictionary<string, Tensor> Paired(int seed, int items, params int[] dimensions)
    {
        var random = new Rng((ulong)seed);
        const int Latent = 8;
        Tensor z = Gaussian(random, items, Latent);
        var codes = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int m = 0; m < dimensions.Length; m++)
        {
            Tensor map = Gaussian(random, Latent, dimensions[m]);
            var code = new Tensor(items, dimensions[m]);
            Gemm.Multiply(z, map, code);
            foreach (ref float v in code.Span)
            {
                v += (float)(0.05 * random.NextNormal());
            }

            codes[$"m{m}"] = code;
        }

        return codes;
    }

    /// <summary>A configuration with a linear adapter (or one with a hidden layer) per modality m0, m1, ….</summary>
    public static HarmonicModelConfig Config(int[] baseDimensions, int dimension, int rank, IReadOnlyList<CouplingPair>? pairs = null, int hidden = 0, double beta = 50)
    {
        var modalities = baseDimensions.Select((b, m) => new HarmonicModalityConfig
        {
            Name = $"m{m}", BaseDimension = b, Dimension = dimension, Hidden = hidden, Beta = beta,
        }).ToArray();
        return HarmonicModelConfig.Coupled(modalities, pairs, rank);
    }

    public static Tensor Gaussian(Rng random, int rows, int columns)
    {
        var t = new Tensor(rows, columns);
        foreach (ref float v in t.Span)
        {
            v = (float)random.NextNormal();
        }

        return t;
    }

    private static void Scale(Tensor t, double factor)
    {
        foreach (ref float v in t.Span)
        {
            v = (float)(v * factor);
        }
    }
}
