using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engram.Tensors;

/// <summary>
/// A GEMM micro-kernel: computes one <see cref="Mr"/>×<see cref="Nr"/> tile
/// <c>C ← α·Ã·B̃ + β·C</c> from a packed micro-panel of op(A) (kc steps of <see cref="Mr"/> values)
/// and one of op(B) (kc steps of <see cref="Nr"/> values). When β is 0, C is not read.
/// </summary>
internal readonly unsafe struct GemmMicroKernel(
    string name, int mr, int nr, delegate*<int, float*, float*, float*, nint, float, float, void> kernel)
{
    /// <summary>The instruction set and tile, for reports.</summary>
    public string Name { get; } = name;

    /// <summary>Rows of the tile (values of Ã broadcast per k step).</summary>
    public int Mr { get; } = mr;

    /// <summary>Columns of the tile (the vector dimension).</summary>
    public int Nr { get; } = nr;

    /// <summary>The kernel: (kc, Ã, B̃, C, ldc, α, β).</summary>
    public delegate*<int, float*, float*, float*, nint, float, float, void> Kernel { get; } = kernel;

    public override string ToString() => Name;
}

/// <summary>
/// The micro-kernels and packing routines of <see cref="ManagedGemm"/>, one instruction set per file:
/// AVX-512 (12×32), AVX2/FMA (6×16), Vector128 (6×8: SSE without FMA, Arm64) and scalar (4×4),
/// each used only where the hardware runs it. All four transpose forms share these
/// kernels, because the transposes are taken care of when the operands are packed.
/// </summary>
internal static unsafe partial class GemmKernels
{
    /// <summary>The scalar kernel, which every machine can run.</summary>
    internal static readonly GemmMicroKernel Scalar = new("scalar 4x4", 4, 4, &Kernel4x4Scalar);

    /// <summary>The best kernel this machine supports.</summary>
    internal static readonly GemmMicroKernel Best = Supported()[0];

    /// <summary>Every kernel this machine supports, fastest first, ending with <see cref="Scalar"/>.</summary>
    internal static GemmMicroKernel[] Supported()
    {
        var kernels = new List<GemmMicroKernel>(4);
        if (Avx512F.IsSupported)
        {
            kernels.Add(new GemmMicroKernel("avx512 12x32", 12, 32, &Kernel12x32Avx512));
        }

        if (Fma.IsSupported && Avx.IsSupported)
        {
            kernels.Add(new GemmMicroKernel("avx2 6x16", 6, 16, &Kernel6x16Avx2));
        }

        if (Vector128.IsHardwareAccelerated)
        {
            kernels.Add(new GemmMicroKernel("vector128 6x8", 6, 8, &Kernel6x8Vector128));
        }

        kernels.Add(Scalar);
        return [.. kernels];
    }

    /// <summary>
    /// Writes the top-left <paramref name="mr"/>×<paramref name="nr"/> part of a full tile computed into
    /// <paramref name="tile"/> (row stride <paramref name="tileStride"/>, holding Ã·B̃) to C, scaled:
    /// <c>C ← α·tile + β·C</c>. Used for the tiles at the bottom and right edges of C.
    /// </summary>
    internal static void StoreEdge(
        float* tile, int tileStride, float* c, nint ldc, int mr, int nr, float alpha, float beta)
    {
        for (int i = 0; i < mr; i++)
        {
            float* t = tile + (i * tileStride);
            float* row = c + (i * ldc);
            if (beta == 0)
            {
                for (int j = 0; j < nr; j++)
                {
                    row[j] = alpha * t[j];
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    row[j] = (alpha * t[j]) + (beta * row[j]);
                }
            }
        }
    }

    /// <summary>
    /// <c>C ← β·C</c> for an m×n C, writing zeros without reading C when β is 0. This is the whole
    /// product when k or α is 0 (A and B are then not read, as in BLAS).
    /// </summary>
    internal static void Scale(float* c, nint ldc, int m, int n, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (i * ldc), n);
            if (beta == 0)
            {
                row.Clear();
            }
            else if (beta != 1)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    /// <summary>
    /// The 4×4 scalar micro-kernel, for machines (or runs) without SIMD: 16 accumulators, which is as
    /// many as the 16 SSE registers allow before spilling.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4Scalar(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3;
            a += 4;
            b += 4;
        }

        StoreRowScalar(c, c00, c01, c02, c03, alpha, beta);
        StoreRowScalar(c + ldc, c10, c11, c12, c13, alpha, beta);
        StoreRowScalar(c + (2 * ldc), c20, c21, c22, c23, alpha, beta);
        StoreRowScalar(c + (3 * ldc), c30, c31, c32, c33, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRowScalar(float* c, float s0, float s1, float s2, float s3, float alpha, float beta)
    {
        if (beta == 0)
        {
            c[0] = alpha * s0;
            c[1] = alpha * s1;
            c[2] = alpha * s2;
            c[3] = alpha * s3;
        }
        else
        {
            c[0] = (alpha * s0) + (beta * c[0]);
            c[1] = (alpha * s1) + (beta * c[1]);
            c[2] = (alpha * s2) + (beta * c[2]);
            c[3] = (alpha * s3) + (beta * c[3]);
        }
    }
}
