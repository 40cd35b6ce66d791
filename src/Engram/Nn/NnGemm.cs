using System.Numerics;
using System.Runtime.InteropServices;
using Engram.Tensors;

namespace Engram.Nn;

/// <summary>
/// GEMM for the neural core, <c>C ← op(A)·op(B) + β·C</c> row-major: float goes to the library's
/// GEMM backend (<see cref="Engram.Tensors.Gemm.Default"/>); double, used by gradient checks, runs a
/// plain triple loop accumulated in double.
/// </summary>
internal static class NnGemm
{
    public static void Multiply<T>(
        bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (typeof(T) == typeof(float))
        {
            if (k == 0)
            {
                Scale(c, m, n, ldc, beta);
                return;
            }

            Gemm.Default.Sgemm(
                transposeA, transposeB, m, n, k, 1f,
                MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                float.CreateTruncating(beta), MemoryMarshal.Cast<T, float>(c), ldc);
            return;
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T av = transposeA ? a[(p * lda) + i] : a[(i * lda) + p];
                    T bv = transposeB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }

                ref T cij = ref c[(i * ldc) + j];
                cij = beta == T.Zero ? sum : sum + (beta * cij);
            }
        }
    }

    private static void Scale<T>(Span<T> c, int m, int n, int ldc, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (beta == T.Zero)
            {
                row.Clear();
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    row[j] *= beta;
                }
            }
        }
    }
}
