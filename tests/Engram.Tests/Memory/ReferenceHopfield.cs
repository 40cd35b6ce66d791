using Engram.Memory;

namespace Engram.Tests.Memory;

/// <summary>
/// A plain float64 implementation of DESIGN.md's mathematics, written for clarity, not speed: the
/// yardstick the streaming float32 engine is held to.
/// </summary>
internal sealed class ReferenceHopfield
{
    private readonly double[][] _x;
    private readonly RecallOptions _options;

    public ReferenceHopfield(Tensor patterns, RecallOptions options)
    {
        _x = new double[patterns.Shape[0]][];
        for (int n = 0; n < _x.Length; n++)
        {
            _x[n] = patterns.Row(n).ToArray().Select(f => (double)f).ToArray();
        }

        _options = options;
    }

    private int K => _x[0].Length;

    public double[] Scores(double[] v, double[]? mask)
    {
        var s = new double[_x.Length];
        double vv = 0;
        for (int j = 0; j < K; j++)
        {
            vv += Observed(mask, j) * v[j] * v[j];
        }

        for (int n = 0; n < _x.Length; n++)
        {
            double dot = 0, xx = 0, l2 = 0;
            for (int j = 0; j < K; j++)
            {
                double m = Observed(mask, j);
                dot += m * _x[n][j] * v[j];
                xx += m * _x[n][j] * _x[n][j];
                l2 += m * (_x[n][j] - v[j]) * (_x[n][j] - v[j]);
            }

            s[n] = _options.Similarity switch
            {
                Similarity.Dot => dot,
                Similarity.L2 => -l2,
                _ => xx > 0 && vv > 0 ? dot / Math.Sqrt(xx * vv) : 0,
            };
        }

        return s;
    }

    public double[] Weights(double[] v, double[]? mask, int topK)
    {
        double[] s = Scores(v, mask);
        double beta = _options.Beta;
        var keep = Enumerable.Range(0, s.Length).ToArray();
        if (topK > 0)
        {
            keep = keep.OrderByDescending(n => s[n]).ThenBy(n => n).Take(topK).ToArray();
        }

        double max = keep.Max(n => beta * s[n]);
        var p = new double[s.Length];
        double sum = 0;
        foreach (int n in keep)
        {
            p[n] = Math.Exp((beta * s[n]) - max);
            sum += p[n];
        }

        for (int n = 0; n < p.Length; n++)
        {
            p[n] /= sum;
        }

        return p;
    }

    public double Energy(double[] v, double[]? mask)
    {
        double[] s = Scores(v, mask);
        double beta = _options.Beta;
        double max = s.Max(x => beta * x);
        double lse = max + Math.Log(s.Sum(x => Math.Exp((beta * x) - max)));
        if (_options.Similarity != Similarity.Dot)
        {
            return -lse / beta;
        }

        double vv = 0;
        for (int j = 0; j < K; j++)
        {
            vv += Observed(mask, j) * v[j] * v[j];
        }

        double maxNorm = _x.Max(x => Math.Sqrt(x.Sum(c => c * c)));
        return (-lse / beta) + (0.5 * vv) + (Math.Log(_x.Length) / beta) + (0.5 * maxNorm * maxNorm);
    }

    public double[] Readout(double[] p)
    {
        var u = new double[K];
        for (int n = 0; n < _x.Length; n++)
        {
            for (int j = 0; j < K; j++)
            {
                u[j] += p[n] * _x[n][j];
            }
        }

        return u;
    }

    /// <summary>The whole recall: (final state, energies E(v_0..v_T), steps).</summary>
    public (double[] State, List<double> Energies, int Steps) Recall(float[] cue, float[]? mask)
    {
        double[]? m = mask?.Select(f => (double)f).ToArray();
        double[] c = cue.Select((f, j) => f * Observed(m, j)).ToArray();
        double[]? simMask = _options.CueMode is CueMode.Masked or CueMode.MaskedFree ? m : null;
        bool clamp = _options.CueMode is CueMode.Clamped or CueMode.Masked;
        double[] v = (double[])c.Clone();
        var energies = new List<double>();
        int steps = 0;
        for (int t = 0; t < _options.MaxSteps; t++)
        {
            energies.Add(Energy(v, simMask));
            double[] u = Readout(Weights(v, simMask, _options.TopK));
            double scale = _options.Similarity == Similarity.L2 ? 2 : 1;
            double[] next = _options.UpdateRule == UpdateRule.FixedPoint
                ? u
                : v.Select((x, j) => x - (_options.StepSize * scale * (x - u[j]))).ToArray();
            if (clamp)
            {
                for (int j = 0; j < K; j++)
                {
                    if (m![j] != 0)
                    {
                        next[j] = c[j];
                    }
                }
            }

            double change = Math.Sqrt(next.Zip(v, (a, b) => (a - b) * (a - b)).Sum());
            double size = Math.Sqrt(v.Sum(x => x * x));
            v = next;
            steps = t + 1;
            if (_options.Tolerance > 0 && change <= _options.Tolerance * size)
            {
                break;
            }
        }

        energies.Add(Energy(v, simMask));
        return (v, energies, steps);
    }

    private static double Observed(double[]? mask, int j) => mask is null ? 1 : mask[j];
}
