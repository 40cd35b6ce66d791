using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engram.Tensors;

internal static unsafe partial class GemmKernels
{
    /// <summary>
    /// The 6×16 AVX2/FMA micro-kernel: 12 ymm accumulators (of the 16 registers VEX code can
    /// name), two B̃ vectors per k step and one broadcast of Ã per row; k is unrolled by 4.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16Avx2(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c0a = Vector256<float>.Zero, c0b = Vector256<float>.Zero;
        Vector256<float> c1a = Vector256<float>.Zero, c1b = Vector256<float>.Zero;
        Vector256<float> c2a = Vector256<float>.Zero, c2b = Vector256<float>.Zero;
        Vector256<float> c3a = Vector256<float>.Zero, c3b = Vector256<float>.Zero;
        Vector256<float> c4a = Vector256<float>.Zero, c4b = Vector256<float>.Zero;
        Vector256<float> c5a = Vector256<float>.Zero, c5b = Vector256<float>.Zero;

        Vector256<float> b0, b1, av;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            av = Vector256.Create(a[0]);
            c0a = Fma.MultiplyAdd(av, b0, c0a);
            c0b = Fma.MultiplyAdd(av, b1, c0b);
            av = Vector256.Create(a[1]);
            c1a = Fma.MultiplyAdd(av, b0, c1a);
            c1b = Fma.MultiplyAdd(av, b1, c1b);
            av = Vector256.Create(a[2]);
            c2a = Fma.MultiplyAdd(av, b0, c2a);
            c2b = Fma.MultiplyAdd(av, b1, c2b);
            av = Vector256.Create(a[3]);
            c3a = Fma.MultiplyAdd(av, b0, c3a);
            c3b = Fma.MultiplyAdd(av, b1, c3b);
            av = Vector256.Create(a[4]);
            c4a = Fma.MultiplyAdd(av, b0, c4a);
            c4b = Fma.MultiplyAdd(av, b1, c4b);
            av = Vector256.Create(a[5]);
            c5a = Fma.MultiplyAdd(av, b0, c5a);
            c5b = Fma.MultiplyAdd(av, b1, c5b);

            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 24);
            av = Vector256.Create(a[6]);
            c0a = Fma.MultiplyAdd(av, b0, c0a);
            c0b = Fma.MultiplyAdd(av, b1, c0b);
            av = Vector256.Create(a[7]);
            c1a = Fma.MultiplyAdd(av, b0, c1a);
            c1b = Fma.MultiplyAdd(av, b1, c1b);
            av = Vector256.Create(a[8]);
            c2a = Fma.MultiplyAdd(av, b0, c2a);
            c2b = Fma.MultiplyAdd(av, b1, c2b);
            av = Vector256.Create(a[9]);
            c3a = Fma.MultiplyAdd(av, b0, c3a);
            c3b = Fma.MultiplyAdd(av, b1, c3b);
            av = Vector256.Create(a[10]);
            c4a = Fma.MultiplyAdd(av, b0, c4a);
            c4b = Fma.MultiplyAdd(av, b1, c4b);
            av = Vector256.Create(a[11]);
            c5a = Fma.MultiplyAdd(av, b0, c5a);
            c5b = Fma.MultiplyAdd(av, b1, c5b);

            b0 = Vector256.Load(b + 32);
            b1 = Vector256.Load(b + 40);
            av = Vector256.Create(a[12]);
            c0a = Fma.MultiplyAdd(av, b0, c0a);
            c0b = Fma.MultiplyAdd(av, b1, c0b);
            av = Vector256.Create(a[13]);
            c1a = Fma.MultiplyAdd(av, b0, c1a);
            c1b = Fma.MultiplyAdd(av, b1, c1b);
            av = Vector256.Create(a[14]);
            c2a = Fma.MultiplyAdd(av, b0, c2a);
            c2b = Fma.MultiplyAdd(av, b1, c2b);
            av = Vector256.Create(a[15]);
            c3a = Fma.MultiplyAdd(av, b0, c3a);
            c3b = Fma.MultiplyAdd(av, b1, c3b);
            av = Vector256.Create(a[16]);
            c4a = Fma.MultiplyAdd(av, b0, c4a);
            c4b = Fma.MultiplyAdd(av, b1, c4b);
            av = Vector256.Create(a[17]);
            c5a = Fma.MultiplyAdd(av, b0, c5a);
            c5b = Fma.MultiplyAdd(av, b1, c5b);

            b0 = Vector256.Load(b + 48);
            b1 = Vector256.Load(b + 56);
            av = Vector256.Create(a[18]);
            c0a = Fma.MultiplyAdd(av, b0, c0a);
            c0b = Fma.MultiplyAdd(av, b1, c0b);
            av = Vector256.Create(a[19]);
            c1a = Fma.MultiplyAdd(av, b0, c1a);
            c1b = Fma.MultiplyAdd(av, b1, c1b);
            av = Vector256.Create(a[20]);
            c2a = Fma.MultiplyAdd(av, b0, c2a);
            c2b = Fma.MultiplyAdd(av, b1, c2b);
            av = Vector256.Create(a[21]);
            c3a = Fma.MultiplyAdd(av, b0, c3a);
            c3b = Fma.MultiplyAdd(av, b1, c3b);
            av = Vector256.Create(a[22]);
            c4a = Fma.MultiplyAdd(av, b0, c4a);
            c4b = Fma.MultiplyAdd(av, b1, c4b);
            av = Vector256.Create(a[23]);
            c5a = Fma.MultiplyAdd(av, b0, c5a);
            c5b = Fma.MultiplyAdd(av, b1, c5b);

            a += 24;
            b += 64;
        }

        for (; p < kc; p++)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            av = Vector256.Create(a[0]);
            c0a = Fma.MultiplyAdd(av, b0, c0a);
            c0b = Fma.MultiplyAdd(av, b1, c0b);
            av = Vector256.Create(a[1]);
            c1a = Fma.MultiplyAdd(av, b0, c1a);
            c1b = Fma.MultiplyAdd(av, b1, c1b);
            av = Vector256.Create(a[2]);
            c2a = Fma.MultiplyAdd(av, b0, c2a);
            c2b = Fma.MultiplyAdd(av, b1, c2b);
            av = Vector256.Create(a[3]);
            c3a = Fma.MultiplyAdd(av, b0, c3a);
            c3b = Fma.MultiplyAdd(av, b1, c3b);
            av = Vector256.Create(a[4]);
            c4a = Fma.MultiplyAdd(av, b0, c4a);
            c4b = Fma.MultiplyAdd(av, b1, c4b);
            av = Vector256.Create(a[5]);
            c5a = Fma.MultiplyAdd(av, b0, c5a);
            c5b = Fma.MultiplyAdd(av, b1, c5b);
            a += 6;
            b += 16;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0)
        {
            StoreRow256(c + (0 * ldc), c0a, c0b, va);
            StoreRow256(c + (1 * ldc), c1a, c1b, va);
            StoreRow256(c + (2 * ldc), c2a, c2b, va);
            StoreRow256(c + (3 * ldc), c3a, c3b, va);
            StoreRow256(c + (4 * ldc), c4a, c4b, va);
            StoreRow256(c + (5 * ldc), c5a, c5b, va);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            UpdateRow256(c + (0 * ldc), c0a, c0b, va, vb);
            UpdateRow256(c + (1 * ldc), c1a, c1b, va, vb);
            UpdateRow256(c + (2 * ldc), c2a, c2b, va, vb);
            UpdateRow256(c + (3 * ldc), c3a, c3b, va, vb);
            UpdateRow256(c + (4 * ldc), c4a, c4b, va, vb);
            UpdateRow256(c + (5 * ldc), c5a, c5b, va, vb);
        }
    }

    /// <summary>Stores α·(lo, hi) to 16 floats at <paramref name="c"/> (β = 0: C is not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow256(float* c, Vector256<float> lo, Vector256<float> hi, Vector256<float> alpha)
    {
        Vector256.Store(lo * alpha, c);
        Vector256.Store(hi * alpha, c + 8);
    }

    /// <summary>Stores α·(lo, hi) + β·C to 16 floats at <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow256(
        float* c, Vector256<float> lo, Vector256<float> hi, Vector256<float> alpha, Vector256<float> beta)
    {
        Vector256.Store(Fma.MultiplyAdd(beta, Vector256.Load(c), lo * alpha), c);
        Vector256.Store(Fma.MultiplyAdd(beta, Vector256.Load(c + 8), hi * alpha), c + 8);
    }
}
