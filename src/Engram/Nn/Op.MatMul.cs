using System.Numerics;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>
    /// The matrix product op(a)·op(b) of two rank-2 arrays, where op transposes when asked
    /// (without copying). <c>Linear</c> layers use <c>MatMul(x, weight, transposeB: true)</c>.
    /// </summary>
    public static Variable<T> MatMul<T>(Variable<T> a, Variable<T> b, bool transposeA = false, bool transposeB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Value.Rank != 2 || b.Value.Rank != 2)
        {
            throw new ArgumentException(
                $"MatMul needs two matrices; got {Shapes.Format(a.Value.Shape)} and {Shapes.Format(b.Value.Shape)}.");
        }

        int ra = a.Value.Dim(0), ca = a.Value.Dim(1), rb = b.Value.Dim(0), cb = b.Value.Dim(1);
        int m = transposeA ? ca : ra, k = transposeA ? ra : ca;
        int kb = transposeB ? cb : rb, n = transposeB ? rb : cb;
        if (k != kb)
        {
            throw new ArgumentException(
                $"MatMul shapes do not agree: op(a) is {m}×{k} (from {Shapes.Format(a.Value.Shape)}), op(b) is {kb}×{n} (from {Shapes.Format(b.Value.Shape)}).");
        }

        var value = new NdArray<T>(m, n);
        NnGemm.Multiply<T>(transposeA, transposeB, m, n, k, a.Value.Span, ca, b.Value.Span, cb, T.Zero, value.Span, n);
        return Variable<T>.Record(value, [a, b], g =>
        {
            if (a.RequiresGrad)
            {
                var ga = new NdArray<T>(ra, ca);
                if (!transposeA)
                {
                    // dA (m×k) = dC · op(b)ᵀ
                    NnGemm.Multiply<T>(false, !transposeB, m, k, n, g.Span, n, b.Value.Span, cb, T.Zero, ga.Span, ca);
                }
                else
                {
                    // A is stored k×m: dA = op(b) · dCᵀ
                    NnGemm.Multiply<T>(transposeB, true, k, m, n, b.Value.Span, cb, g.Span, n, T.Zero, ga.Span, ca);
                }

                a.Accumulate(ga);
            }

            if (b.RequiresGrad)
            {
                var gb = new NdArray<T>(rb, cb);
                if (!transposeB)
                {
                    // dB (k×n) = op(a)ᵀ · dC
                    NnGemm.Multiply<T>(!transposeA, false, k, n, m, a.Value.Span, ca, g.Span, n, T.Zero, gb.Span, cb);
                }
                else
                {
                    // B is stored n×k: dB = dCᵀ · op(a)
                    NnGemm.Multiply<T>(true, transposeA, n, k, m, g.Span, n, a.Value.Span, ca, T.Zero, gb.Span, cb);
                }

                b.Accumulate(gb);
            }
        });
    }
}
