namespace Engram.Harmonic;

/// <summary>
/// When the couplings keep the energy bounded below. With the cue modalities clamped, the free states
/// enter E through the quadratic form <c>½ Σ λ_m‖x_m‖² − Σ x_mᵀ A_mk x_k</c> plus log-sum-exp terms that
/// grow at most linearly, so E is bounded below exactly when that form is positive definite. Writing
/// <c>u_m = ‖x_m‖</c>, the form is at least <c>½ uᵀ C u</c> with <c>C = diag(λ) − [‖A_mk‖₂]</c>; C ≻ 0 if and
/// only if the spectral radius ρ of <c>B_mk = ‖A_mk‖₂ / √(λ_m λ_k)</c> is below 1. A recall clamps at least
/// one modality, so the free sets that matter are "every modality but one"; their subsets follow. For
/// two free modalities the test is exact (<c>‖A_mk‖₂² &lt; λ_m λ_k</c>); for more it is sufficient.
/// </summary>
internal static class CouplingBound
{
    /// <summary>‖U Vᵀ‖₂ for U (du × r) and V (dv × r), row-major: √λ_max(G^{½} H G^{½}) with G = UᵀU, H = VᵀV.</summary>
    public static double SpectralNorm(ReadOnlySpan<float> u, ReadOnlySpan<float> v, int du, int dv, int r)
    {
        if (r == 0)
        {
            return 0;
        }

        // The nonzero eigenvalues of AᵀA = V G Vᵀ are those of G^{½} H G^{½} (r × r, symmetric).
        double[,] g = Gram(u, du, r), h = Gram(v, dv, r);
        var (gamma, q) = Eigen(g);
        var root = new double[r, r];
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < r; j++)
            {
                double sum = 0;
                for (int k = 0; k < r; k++)
                {
                    sum += q[i, k] * Math.Sqrt(Math.Max(gamma[k], 0)) * q[j, k];
                }

                root[i, j] = sum;
            }
        }

        double[,] k2 = Multiply(Multiply(root, h), root);
        double largest = Eigen(k2).Values.Max();
        return Math.Sqrt(Math.Max(largest, 0));
    }

    /// <summary>
    /// ρ for each free set "every modality but c" (index c of the result; 0 where fewer than two
    /// modalities are free). <paramref name="couplings"/> holds (first, second, ‖A‖₂), one per pair.
    /// </summary>
    public static double[] FreeSetRatios(IReadOnlyList<double> lambdas, IReadOnlyList<(int First, int Second, double Norm)> couplings)
    {
        int count = lambdas.Count;
        var ratios = new double[count];
        for (int clamped = 0; clamped < count; clamped++)
        {
            int[] free = Enumerable.Range(0, count).Where(m => m != clamped).ToArray();
            if (free.Length < 2)
            {
                continue;
            }

            var b = new double[free.Length, free.Length];
            foreach (var (first, second, norm) in couplings)
            {
                int i = Array.IndexOf(free, first), j = Array.IndexOf(free, second);
                if (i >= 0 && j >= 0)
                {
                    double value = norm / Math.Sqrt(lambdas[first] * lambdas[second]);
                    b[i, j] += value;
                    b[j, i] += value;
                }
            }

            ratios[clamped] = Math.Max(0, Eigen(b).Values.Max());
        }

        return ratios;
    }

    /// <summary>
    /// The factor (≤ 1) each coupling must be scaled by so that every free set's ρ is at most
    /// <paramref name="limit"/>: a set over the limit scales the couplings inside it by limit/ρ, and a
    /// coupling takes the smallest factor of the sets it lies in. ρ is monotone in the entries of B, so
    /// no set ends over the limit.
    /// </summary>
    public static double[] ScaleFactors(IReadOnlyList<double> lambdas, IReadOnlyList<(int First, int Second, double Norm)> couplings, double limit)
    {
        double[] ratios = FreeSetRatios(lambdas, couplings);
        var factors = Enumerable.Repeat(1.0, couplings.Count).ToArray();
        for (int clamped = 0; clamped < ratios.Length; clamped++)
        {
            if (ratios[clamped] <= limit)
            {
                continue;
            }

            for (int c = 0; c < couplings.Count; c++)
            {
                if (couplings[c].First != clamped && couplings[c].Second != clamped)
                {
                    factors[c] = Math.Min(factors[c], limit / ratios[clamped]);
                }
            }
        }

        return factors;
    }

    /// <summary>Eigenvalues and eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi rotations.</summary>
    internal static (double[] Values, double[,] Vectors) Eigen(double[,] symmetric)
    {
        int n = symmetric.GetLength(0);
        var a = (double[,])symmetric.Clone();
        var v = new double[n, n];
        double scale = 0;
        for (int i = 0; i < n; i++)
        {
            v[i, i] = 1;
            for (int j = 0; j < n; j++)
            {
                scale += a[i, j] * a[i, j];
            }
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off <= 1e-30 * scale || off == 0)
            {
                break;
            }

            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0)
                    {
                        continue;
                    }

                    // The rotation J (c, s in the p–q plane) with (JᵀAJ)_pq = 0: t = tan of its angle, the smaller root.
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = (theta >= 0 ? 1 : -1) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = (c * akp) - (s * akq);
                        a[k, q] = (s * akp) + (c * akq);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = (c * apk) - (s * aqk);
                        a[q, k] = (s * apk) + (c * aqk);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = (c * vkp) - (s * vkq);
                        v[k, q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = a[i, i];
        }

        return (values, v);
    }

    /// <summary>XᵀX (r × r) of a row-major rows × r matrix, in double.</summary>
    private static double[,] Gram(ReadOnlySpan<float> x, int rows, int r)
    {
        var g = new double[r, r];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> line = x.Slice(row * r, r);
            for (int i = 0; i < r; i++)
            {
                double xi = line[i];
                if (xi == 0)
                {
                    continue;
                }

                for (int j = 0; j < r; j++)
                {
                    g[i, j] += xi * line[j];
                }
            }
        }

        return g;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < k; p++)
            {
                double aip = a[i, p];
                for (int j = 0; j < m; j++)
                {
                    c[i, j] += aip * b[p, j];
                }
            }
        }

        return c;
    }
}
