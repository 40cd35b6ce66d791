using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engram.Tensors;

internal static unsafe partial class GemmKernels
{
    /// <summary>
    /// The 12×32 AVX-512 micro-kernel: 24 zmm accumulators, two B̃ vectors per k step and one
    /// broadcast of Ã per row; k is unrolled by 4.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x32Avx512(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c0a = Vector512<float>.Zero, c0b = Vector512<float>.Zero;
        Vector512<float> c1a = Vector512<float>.Zero, c1b = Vector512<float>.Zero;
        Vector512<float> c2a = Vector512<float>.Zero, c2b = Vector512<float>.Zero;
        Vector512<float> c3a = Vector512<float>.Zero, c3b = Vector512<float>.Zero;
        Vector512<float> c4a = Vector512<float>.Zero, c4b = Vector512<float>.Zero;
        Vector512<float> c5a = Vector512<float>.Zero, c5b = Vector512<float>.Zero;
        Vector512<float> c6a = Vector512<float>.Zero, c6b = Vector512<float>.Zero;
        Vector512<float> c7a = Vector512<float>.Zero, c7b = Vector512<float>.Zero;
        Vector512<float> c8a = Vector512<float>.Zero, c8b = Vector512<float>.Zero;
        Vector512<float> c9a = Vector512<float>.Zero, c9b = Vector512<float>.Zero;
        Vector512<float> c10a = Vector512<float>.Zero, c10b = Vector512<float>.Zero;
        Vector512<float> c11a = Vector512<float>.Zero, c11b = Vector512<float>.Zero;

        Vector512<float> b0, b1, av;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            av = Vector512.Create(a[0]);
            c0a = Avx512F.FusedMultiplyAdd(av, b0, c0a);
            c0b = Avx512F.FusedMultiplyAdd(av, b1, c0b);
            av = Vector512.Create(a[1]);
            c1a = Avx512F.FusedMultiplyAdd(av, b0, c1a);
            c1b = Avx512F.FusedMultiplyAdd(av, b1, c1b);
            av = Vector512.Create(a[2]);
            c2a = Avx512F.FusedMultiplyAdd(av, b0, c2a);
            c2b = Avx512F.FusedMultiplyAdd(av, b1, c2b);
            av = Vector512.Create(a[3]);
            c3a = Avx512F.FusedMultiplyAdd(av, b0, c3a);
            c3b = Avx512F.FusedMultiplyAdd(av, b1, c3b);
            av = Vector512.Create(a[4]);
            c4a = Avx512F.FusedMultiplyAdd(av, b0, c4a);
            c4b = Avx512F.FusedMultiplyAdd(av, b1, c4b);
            av = Vector512.Create(a[5]);
            c5a = Avx512F.FusedMultiplyAdd(av, b0, c5a);
            c5b = Avx512F.FusedMultiplyAdd(av, b1, c5b);
            av = Vector512.Create(a[6]);
            c6a = Avx512F.FusedMultiplyAdd(av, b0, c6a);
            c6b = Avx512F.FusedMultiplyAdd(av, b1, c6b);
            av = Vector512.Create(a[7]);
            c7a = Avx512F.FusedMultiplyAdd(av, b0, c7a);
            c7b = Avx512F.FusedMultiplyAdd(av, b1, c7b);
            av = Vector512.Create(a[8]);
            c8a = Avx512F.FusedMultiplyAdd(av, b0, c8a);
            c8b = Avx512F.FusedMultiplyAdd(av, b1, c8b);
            av = Vector512.Create(a[9]);
            c9a = Avx512F.FusedMultiplyAdd(av, b0, c9a);
            c9b = Avx512F.FusedMultiplyAdd(av, b1, c9b);
            av = Vector512.Create(a[10]);
            c10a = Avx512F.FusedMultiplyAdd(av, b0, c10a);
            c10b = Avx512F.FusedMultiplyAdd(av, b1, c10b);
            av = Vector512.Create(a[11]);
            c11a = Avx512F.FusedMultiplyAdd(av, b0, c11a);
            c11b = Avx512F.FusedMultiplyAdd(av, b1, c11b);

            b0 = Vector512.Load(b + 32);
            b1 = Vector512.Load(b + 48);
            av = Vector512.Create(a[12]);
            c0a = Avx512F.FusedMultiplyAdd(av, b0, c0a);
            c0b = Avx512F.FusedMultiplyAdd(av, b1, c0b);
            av = Vector512.Create(a[13]);
            c1a = Avx512F.FusedMultiplyAdd(av, b0, c1a);
            c1b = Avx512F.FusedMultiplyAdd(av, b1, c1b);
            av = Vector512.Create(a[14]);
            c2a = Avx512F.FusedMultiplyAdd(av, b0, c2a);
            c2b = Avx512F.FusedMultiplyAdd(av, b1, c2b);
            av = Vector512.Create(a[15]);
            c3a = Avx512F.FusedMultiplyAdd(av, b0, c3a);
            c3b = Avx512F.FusedMultiplyAdd(av, b1, c3b);
            av = Vector512.Create(a[16]);
            c4a = Avx512F.FusedMultiplyAdd(av, b0, c4a);
            c4b = Avx512F.FusedMultiplyAdd(av, b1, c4b);
            av = Vector512.Create(a[17]);
            c5a = Avx512F.FusedMultiplyAdd(av, b0, c5a);
            c5b = Avx512F.FusedMultiplyAdd(av, b1, c5b);
            av = Vector512.Create(a[18]);
            c6a = Avx512F.FusedMultiplyAdd(av, b0, c6a);
            c6b = Avx512F.FusedMultiplyAdd(av, b1, c6b);
            av = Vector512.Create(a[19]);
            c7a = Avx512F.FusedMultiplyAdd(av, b0, c7a);
            c7b = Avx512F.FusedMultiplyAdd(av, b1, c7b);
            av = Vector512.Create(a[20]);
            c8a = Avx512F.FusedMultiplyAdd(av, b0, c8a);
            c8b = Avx512F.FusedMultiplyAdd(av, b1, c8b);
            av = Vector512.Create(a[21]);
            c9a = Avx512F.FusedMultiplyAdd(av, b0, c9a);
            c9b = Avx512F.FusedMultiplyAdd(av, b1, c9b);
            av = Vector512.Create(a[22]);
            c10a = Avx512F.FusedMultiplyAdd(av, b0, c10a);
            c10b = Avx512F.FusedMultiplyAdd(av, b1, c10b);
            av = Vector512.Create(a[23]);
            c11a = Avx512F.FusedMultiplyAdd(av, b0, c11a);
            c11b = Avx512F.FusedMultiplyAdd(av, b1, c11b);

            b0 = Vector512.Load(b + 64);
            b1 = Vector512.Load(b + 80);
            av = Vector512.Create(a[24]);
            c0a = Avx512F.FusedMultiplyAdd(av, b0, c0a);
            c0b = Avx512F.FusedMultiplyAdd(av, b1, c0b);
            av = Vector512.Create(a[25]);
            c1a = Avx512F.FusedMultiplyAdd(av, b0, c1a);
            c1b = Avx512F.FusedMultiplyAdd(av, b1, c1b);
            av = Vector512.Create(a[26]);
            c2a = Avx512F.FusedMultiplyAdd(av, b0, c2a);
            c2b = Avx512F.FusedMultiplyAdd(av, b1, c2b);
            av = Vector512.Create(a[27]);
            c3a = Avx512F.FusedMultiplyAdd(av, b0, c3a);
            c3b = Avx512F.FusedMultiplyAdd(av, b1, c3b);
            av = Vector512.Create(a[28]);
            c4a = Avx512F.FusedMultiplyAdd(av, b0, c4a);
            c4b = Avx512F.FusedMultiplyAdd(av, b1, c4b);
            av = Vector512.Create(a[29]);
            c5a = Avx512F.FusedMultiplyAdd(av, b0, c5a);
            c5b = Avx512F.FusedMultiplyAdd(av, b1, c5b);
            av = Vector512.Create(a[30]);
            c6a = Avx512F.FusedMultiplyAdd(av, b0, c6a);
            c6b = Avx512F.FusedMultiplyAdd(av, b1, c6b);
            av = Vector512.Create(a[31]);
            c7a = Avx512F.FusedMultiplyAdd(av, b0, c7a);
            c7b = Avx512F.FusedMultiplyAdd(av, b1, c7b);
            av = Vector512.Create(a[32]);
            c8a = Avx512F.FusedMultiplyAdd(av, b0, c8a);
            c8b = Avx512F.FusedMultiplyAdd(av, b1, c8b);
            av = Vector512.Create(a[33]);
            c9a = Avx512F.FusedMultiplyAdd(av, b0, c9a);
            c9b = Avx512F.FusedMultiplyAdd(av, b1, c9b);
            av = Vector512.Create(a[34]);
            c10a = Avx512F.FusedMultiplyAdd(av, b0, c10a);
            c10b = Avx512F.FusedMultiplyAdd(av, b1, c10b);
            av = Vector512.Create(a[35]);
            c11a = Avx512F.FusedMultiplyAdd(av, b0, c11a);
            c11b = Avx512F.FusedMultiplyAdd(av, b1, c11b);

            b0 = Vector512.Load(b + 96);
            b1 = Vector512.Load(b + 112);
            av = Vector512.Create(a[36]);
            c0a = Avx512F.FusedMultiplyAdd(av, b0, c0a);
            c0b = Avx512F.FusedMultiplyAdd(av, b1, c0b);
            av = Vector512.Create(a[37]);
            c1a = Avx512F.FusedMultiplyAdd(av, b0, c1a);
            c1b = Avx512F.FusedMultiplyAdd(av, b1, c1b);
            av = Vector512.Create(a[38]);
            c2a = Avx512F.FusedMultiplyAdd(av, b0, c2a);
            c2b = Avx512F.FusedMultiplyAdd(av, b1, c2b);
            av = Vector512.Create(a[39]);
            c3a = Avx512F.FusedMultiplyAdd(av, b0, c3a);
            c3b = Avx512F.FusedMultiplyAdd(av, b1, c3b);
            av = Vector512.Create(a[40]);
            c4a = Avx512F.FusedMultiplyAdd(av, b0, c4a);
            c4b = Avx512F.FusedMultiplyAdd(av, b1, c4b);
            av = Vector512.Create(a[41]);
            c5a = Avx512F.FusedMultiplyAdd(av, b0, c5a);
            c5b = Avx512F.FusedMultiplyAdd(av, b1, c5b);
            av = Vector512.Create(a[42]);
            c6a = Avx512F.FusedMultiplyAdd(av, b0, c6a);
            c6b = Avx512F.FusedMultiplyAdd(av, b1, c6b);
            av = Vector512.Create(a[43]);
            c7a = Avx512F.FusedMultiplyAdd(av, b0, c7a);
            c7b = Avx512F.FusedMultiplyAdd(av, b1, c7b);
            av = Vector512.Create(a[44]);
            c8a = Avx512F.FusedMultiplyAdd(av, b0, c8a);
            c8b = Avx512F.FusedMultiplyAdd(av, b1, c8b);
            av = Vector512.Create(a[45]);
            c9a = Avx512F.FusedMultiplyAdd(av, b0, c9a);
            c9b = Avx512F.FusedMultiplyAdd(av, b1, c9b);
            av = Vector512.Create(a[46]);
            c10a = Avx512F.FusedMultiplyAdd(av, b0, c10a);
            c10b = Avx512F.FusedMultiplyAdd(av, b1, c10b);
            av = Vector512.Create(a[47]);
            c11a = Avx512F.FusedMultiplyAdd(av, b0, c11a);
            c11b = Avx512F.FusedMultiplyAdd(av, b1, c11b);

            a += 48;
            b += 128;
        }

        for (; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            av = Vector512.Create(a[0]);
            c0a = Avx512F.FusedMultiplyAdd(av, b0, c0a);
            c0b = Avx512F.FusedMultiplyAdd(av, b1, c0b);
            av = Vector512.Create(a[1]);
            c1a = Avx512F.FusedMultiplyAdd(av, b0, c1a);
            c1b = Avx512F.FusedMultiplyAdd(av, b1, c1b);
            av = Vector512.Create(a[2]);
            c2a = Avx512F.FusedMultiplyAdd(av, b0, c2a);
            c2b = Avx512F.FusedMultiplyAdd(av, b1, c2b);
            av = Vector512.Create(a[3]);
            c3a = Avx512F.FusedMultiplyAdd(av, b0, c3a);
            c3b = Avx512F.FusedMultiplyAdd(av, b1, c3b);
            av = Vector512.Create(a[4]);
            c4a = Avx512F.FusedMultiplyAdd(av, b0, c4a);
            c4b = Avx512F.FusedMultiplyAdd(av, b1, c4b);
            av = Vector512.Create(a[5]);
            c5a = Avx512F.FusedMultiplyAdd(av, b0, c5a);
            c5b = Avx512F.FusedMultiplyAdd(av, b1, c5b);
            av = Vector512.Create(a[6]);
            c6a = Avx512F.FusedMultiplyAdd(av, b0, c6a);
            c6b = Avx512F.FusedMultiplyAdd(av, b1, c6b);
            av = Vector512.Create(a[7]);
            c7a = Avx512F.FusedMultiplyAdd(av, b0, c7a);
            c7b = Avx512F.FusedMultiplyAdd(av, b1, c7b);
            av = Vector512.Create(a[8]);
            c8a = Avx512F.FusedMultiplyAdd(av, b0, c8a);
            c8b = Avx512F.FusedMultiplyAdd(av, b1, c8b);
            av = Vector512.Create(a[9]);
            c9a = Avx512F.FusedMultiplyAdd(av, b0, c9a);
            c9b = Avx512F.FusedMultiplyAdd(av, b1, c9b);
            av = Vector512.Create(a[10]);
            c10a = Avx512F.FusedMultiplyAdd(av, b0, c10a);
            c10b = Avx512F.FusedMultiplyAdd(av, b1, c10b);
            av = Vector512.Create(a[11]);
            c11a = Avx512F.FusedMultiplyAdd(av, b0, c11a);
            c11b = Avx512F.FusedMultiplyAdd(av, b1, c11b);
            a += 12;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0)
        {
            StoreRow512(c + (0 * ldc), c0a, c0b, va);
            StoreRow512(c + (1 * ldc), c1a, c1b, va);
            StoreRow512(c + (2 * ldc), c2a, c2b, va);
            StoreRow512(c + (3 * ldc), c3a, c3b, va);
            StoreRow512(c + (4 * ldc), c4a, c4b, va);
            StoreRow512(c + (5 * ldc), c5a, c5b, va);
            StoreRow512(c + (6 * ldc), c6a, c6b, va);
            StoreRow512(c + (7 * ldc), c7a, c7b, va);
            StoreRow512(c + (8 * ldc), c8a, c8b, va);
            StoreRow512(c + (9 * ldc), c9a, c9b, va);
            StoreRow512(c + (10 * ldc), c10a, c10b, va);
            StoreRow512(c + (11 * ldc), c11a, c11b, va);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            UpdateRow512(c + (0 * ldc), c0a, c0b, va, vb);
            UpdateRow512(c + (1 * ldc), c1a, c1b, va, vb);
            UpdateRow512(c + (2 * ldc), c2a, c2b, va, vb);
            UpdateRow512(c + (3 * ldc), c3a, c3b, va, vb);
            UpdateRow512(c + (4 * ldc), c4a, c4b, va, vb);
            UpdateRow512(c + (5 * ldc), c5a, c5b, va, vb);
            UpdateRow512(c + (6 * ldc), c6a, c6b, va, vb);
            UpdateRow512(c + (7 * ldc), c7a, c7b, va, vb);
            UpdateRow512(c + (8 * ldc), c8a, c8b, va, vb);
            UpdateRow512(c + (9 * ldc), c9a, c9b, va, vb);
            UpdateRow512(c + (10 * ldc), c10a, c10b, va, vb);
            UpdateRow512(c + (11 * ldc), c11a, c11b, va, vb);
        }
    }

    /// <summary>Stores α·(lo, hi) to 32 floats at <paramref name="c"/> (β = 0: C is not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha)
    {
        Vector512.Store(lo * alpha, c);
        Vector512.Store(hi * alpha, c + 16);
    }

    /// <summary>Stores α·(lo, hi) + β·C to 32 floats at <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow512(
        float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha, Vector512<float> beta)
    {
        Vector512.Store(Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c), lo * alpha), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c + 16), hi * alpha), c + 16);
    }
}
