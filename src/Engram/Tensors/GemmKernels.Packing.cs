using System.Runtime.Intrinsics;

namespace Engram.Tensors;

internal static unsafe partial class GemmKernels
{
    /// <summary>
    /// Packs the <paramref name="mb"/>×<paramref name="kc"/> block of op(A) whose top-left element is
    /// op(A)[i0, p0] into micro-panels of <paramref name="mr"/> rows. Micro-panel t starts at
    /// <c>dst + t·mr·kc</c> and holds, for each k step, the mr values the kernel broadcasts; rows past
    /// the end of the block are zero, so the kernel always computes a full tile.
    /// </summary>
    internal static void PackA(
        float* a, nint lda, bool transposeA, int i0, int mb, int p0, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mb; ir += mr)
        {
            int rows = Math.Min(mr, mb - ir);
            float* panel = dst + ((nint)ir * kc);
            if (transposeA)
            {
                // op(A)[i, p] = A[p, i]: the mr values of one k step are contiguous in A's row p.
                float* src = a + ((nint)p0 * lda) + i0 + ir;
                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * mr);
                    new ReadOnlySpan<float>(src, rows).CopyTo(new Span<float>(d, rows));
                    new Span<float>(d + rows, mr - rows).Clear();
                    src += lda;
                }
            }
            else
            {
                // op(A)[i, p] = A[i, p]: interleave mr rows of A, one value of each per k step. The
                // writes are sequential; the reads walk mr rows side by side, each in cache.
                float* src = a + ((nint)(i0 + ir) * lda) + p0;
                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * mr);
                    float* s = src + p;
                    for (int r = 0; r < rows; r++)
                    {
                        d[r] = s[r * lda];
                    }
                }

                for (int r = rows; r < mr; r++)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        panel[((nint)p * mr) + r] = 0;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs the <paramref name="kc"/>×<paramref name="nb"/> block of op(B) whose top-left element is
    /// op(B)[p0, j0] into micro-panels of <paramref name="nr"/> columns. Micro-panel t starts at
    /// <c>dst + t·nr·kc</c> and holds, for each k step, the nr values the kernel loads as vectors;
    /// columns past the end of the block are zero.
    /// </summary>
    internal static void PackB(
        float* b, nint ldb, bool transposeB, int p0, int kc, int j0, int nb, int nr, float* dst)
    {
        for (int jr = 0; jr < nb; jr += nr)
        {
            int cols = Math.Min(nr, nb - jr);
            float* panel = dst + ((nint)jr * kc);
            if (!transposeB)
            {
                // op(B)[p, j] = B[p, j]: the nr values of one k step are contiguous in B's row p.
                float* src = b + ((nint)p0 * ldb) + j0 + jr;
                if (cols == nr && nr == 32 && Vector512.IsHardwareAccelerated)
                {
                    // The common case of the AVX-512 kernel: two vectors per k step.
                    for (int p = 0; p < kc; p++)
                    {
                        float* d = panel + ((nint)p * nr);
                        Vector512.Store(Vector512.Load(src), d);
                        Vector512.Store(Vector512.Load(src + 16), d + 16);
                        src += ldb;
                    }

                    continue;
                }

                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * nr);
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                    new Span<float>(d + cols, nr - cols).Clear();
                    src += ldb;
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: transpose nr rows of B, one value of each per k step. The
                // writes are sequential; the reads walk nr rows side by side, each in cache.
                float* src = b + ((nint)(j0 + jr) * ldb) + p0;
                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * nr);
                    float* s = src + p;
                    for (int j = 0; j < cols; j++)
                    {
                        d[j] = s[j * ldb];
                    }
                }

                if (cols < nr)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        new Span<float>(panel + ((nint)p * nr) + cols, nr - cols).Clear();
                    }
                }
            }
        }
    }
}
