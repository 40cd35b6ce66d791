using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engram.Tensors;

internal static unsafe partial class GemmKernels
{
    /// <summary>
    /// The 6×8 Vector128 micro-kernel (SSE, Arm64 AdvSimd): 12 accumulators (of the 16 registers SSE
    /// can name), two B̃ vectors per k step and one broadcast of Ã per row; k is unrolled by 4.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x8Vector128(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c0a = Vector128<float>.Zero, c0b = Vector128<float>.Zero;
        Vector128<float> c1a = Vector128<float>.Zero, c1b = Vector128<float>.Zero;
        Vector128<float> c2a = Vector128<float>.Zero, c2b = Vector128<float>.Zero;
        Vector128<float> c3a = Vector128<float>.Zero, c3b = Vector128<float>.Zero;
        Vector128<float> c4a = Vector128<float>.Zero, c4b = Vector128<float>.Zero;
        Vector128<float> c5a = Vector128<float>.Zero, c5b = Vector128<float>.Zero;

        Vector128<float> b0, b1, av;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector128.Load(b + 0);
            b1 = Vector128.Load(b + 4);
            av = Vector128.Create(a[0]);
            c0a = Vector128.MultiplyAddEstimate(av, b0, c0a);
            c0b = Vector128.MultiplyAddEstimate(av, b1, c0b);
            av = Vector128.Create(a[1]);
            c1a = Vector128.MultiplyAddEstimate(av, b0, c1a);
            c1b = Vector128.MultiplyAddEstimate(av, b1, c1b);
            av = Vector128.Create(a[2]);
            c2a = Vector128.MultiplyAddEstimate(av, b0, c2a);
            c2b = Vector128.MultiplyAddEstimate(av, b1, c2b);
            av = Vector128.Create(a[3]);
            c3a = Vector128.MultiplyAddEstimate(av, b0, c3a);
            c3b = Vector128.MultiplyAddEstimate(av, b1, c3b);
            av = Vector128.Create(a[4]);
            c4a = Vector128.MultiplyAddEstimate(av, b0, c4a);
            c4b = Vector128.MultiplyAddEstimate(av, b1, c4b);
            av = Vector128.Create(a[5]);
            c5a = Vector128.MultiplyAddEstimate(av, b0, c5a);
            c5b = Vector128.MultiplyAddEstimate(av, b1, c5b);

            b0 = Vector128.Load(b + 8);
            b1 = Vector128.Load(b + 12);
            av = Vector128.Create(a[6]);
            c0a = Vector128.MultiplyAddEstimate(av, b0, c0a);
            c0b = Vector128.MultiplyAddEstimate(av, b1, c0b);
            av = Vector128.Create(a[7]);
            c1a = Vector128.MultiplyAddEstimate(av, b0, c1a);
            c1b = Vector128.MultiplyAddEstimate(av, b1, c1b);
            av = Vector128.Create(a[8]);
            c2a = Vector128.MultiplyAddEstimate(av, b0, c2a);
            c2b = Vector128.MultiplyAddEstimate(av, b1, c2b);
            av = Vector128.Create(a[9]);
            c3a = Vector128.MultiplyAddEstimate(av, b0, c3a);
            c3b = Vector128.MultiplyAddEstimate(av, b1, c3b);
            av = Vector128.Create(a[10]);
            c4a = Vector128.MultiplyAddEstimate(av, b0, c4a);
            c4b = Vector128.MultiplyAddEstimate(av, b1, c4b);
            av = Vector128.Create(a[11]);
            c5a = Vector128.MultiplyAddEstimate(av, b0, c5a);
            c5b = Vector128.MultiplyAddEstimate(av, b1, c5b);

            b0 = Vector128.Load(b + 16);
            b1 = Vector128.Load(b + 20);
            av = Vector128.Create(a[12]);
            c0a = Vector128.MultiplyAddEstimate(av, b0, c0a);
            c0b = Vector128.MultiplyAddEstimate(av, b1, c0b);
            av = Vector128.Create(a[13]);
            c1a = Vector128.MultiplyAddEstimate(av, b0, c1a);
            c1b = Vector128.MultiplyAddEstimate(av, b1, c1b);
            av = Vector128.Create(a[14]);
            c2a = Vector128.MultiplyAddEstimate(av, b0, c2a);
            c2b = Vector128.MultiplyAddEstimate(av, b1, c2b);
            av = Vector128.Create(a[15]);
            c3a = Vector128.MultiplyAddEstimate(av, b0, c3a);
            c3b = Vector128.MultiplyAddEstimate(av, b1, c3b);
            av = Vector128.Create(a[16]);
            c4a = Vector128.MultiplyAddEstimate(av, b0, c4a);
            c4b = Vector128.MultiplyAddEstimate(av, b1, c4b);
            av = Vector128.Create(a[17]);
            c5a = Vector128.MultiplyAddEstimate(av, b0, c5a);
            c5b = Vector128.MultiplyAddEstimate(av, b1, c5b);

            b0 = Vector128.Load(b + 24);
            b1 = Vector128.Load(b + 28);
            av = Vector128.Create(a[18]);
            c0a = Vector128.MultiplyAddEstimate(av, b0, c0a);
            c0b = Vector128.MultiplyAddEstimate(av, b1, c0b);
            av = Vector128.Create(a[19]);
            c1a = Vector128.MultiplyAddEstimate(av, b0, c1a);
            c1b = Vector128.MultiplyAddEstimate(av, b1, c1b);
            av = Vector128.Create(a[20]);
            c2a = Vector128.MultiplyAddEstimate(av, b0, c2a);
            c2b = Vector128.MultiplyAddEstimate(av, b1, c2b);
            av = Vector128.Create(a[21]);
            c3a = Vector128.MultiplyAddEstimate(av, b0, c3a);
            c3b = Vector128.MultiplyAddEstimate(av, b1, c3b);
            av = Vector128.Create(a[22]);
            c4a = Vector128.MultiplyAddEstimate(av, b0, c4a);
            c4b = Vector128.MultiplyAddEstimate(av, b1, c4b);
            av = Vector128.Create(a[23]);
            c5a = Vector128.MultiplyAddEstimate(av, b0, c5a);
            c5b = Vector128.MultiplyAddEstimate(av, b1, c5b);

            a += 24;
            b += 32;
        }

        for (; p < kc; p++)
        {
            b0 = Vector128.Load(b + 0);
            b1 = Vector128.Load(b + 4);
            av = Vector128.Create(a[0]);
            c0a = Vector128.MultiplyAddEstimate(av, b0, c0a);
            c0b = Vector128.MultiplyAddEstimate(av, b1, c0b);
            av = Vector128.Create(a[1]);
            c1a = Vector128.MultiplyAddEstimate(av, b0, c1a);
            c1b = Vector128.MultiplyAddEstimate(av, b1, c1b);
            av = Vector128.Create(a[2]);
            c2a = Vector128.MultiplyAddEstimate(av, b0, c2a);
            c2b = Vector128.MultiplyAddEstimate(av, b1, c2b);
            av = Vector128.Create(a[3]);
            c3a = Vector128.MultiplyAddEstimate(av, b0, c3a);
            c3b = Vector128.MultiplyAddEstimate(av, b1, c3b);
            av = Vector128.Create(a[4]);
            c4a = Vector128.MultiplyAddEstimate(av, b0, c4a);
            c4b = Vector128.MultiplyAddEstimate(av, b1, c4b);
            av = Vector128.Create(a[5]);
            c5a = Vector128.MultiplyAddEstimate(av, b0, c5a);
            c5b = Vector128.MultiplyAddEstimate(av, b1, c5b);
            a += 6;
            b += 8;
        }

        Vector128<float> va = Vector128.Create(alpha);
        if (beta == 0)
        {
            StoreRow128(c + (0 * ldc), c0a, c0b, va);
            StoreRow128(c + (1 * ldc), c1a, c1b, va);
            StoreRow128(c + (2 * ldc), c2a, c2b, va);
            StoreRow128(c + (3 * ldc), c3a, c3b, va);
            StoreRow128(c + (4 * ldc), c4a, c4b, va);
            StoreRow128(c + (5 * ldc), c5a, c5b, va);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            UpdateRow128(c + (0 * ldc), c0a, c0b, va, vb);
            UpdateRow128(c + (1 * ldc), c1a, c1b, va, vb);
            UpdateRow128(c + (2 * ldc), c2a, c2b, va, vb);
            UpdateRow128(c + (3 * ldc), c3a, c3b, va, vb);
            UpdateRow128(c + (4 * ldc), c4a, c4b, va, vb);
            UpdateRow128(c + (5 * ldc), c5a, c5b, va, vb);
        }
    }

    /// <summary>Stores α·(lo, hi) to 8 floats at <paramref name="c"/> (β = 0: C is not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow128(float* c, Vector128<float> lo, Vector128<float> hi, Vector128<float> alpha)
    {
        Vector128.Store(lo * alpha, c);
        Vector128.Store(hi * alpha, c + 4);
    }

    /// <summary>Stores α·(lo, hi) + β·C to 8 floats at <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow128(
        float* c, Vector128<float> lo, Vector128<float> hi, Vector128<float> alpha, Vector128<float> beta)
    {
        Vector128.Store((beta * Vector128.Load(c)) + (lo * alpha), c);
        Vector128.Store((beta * Vector128.Load(c + 4)) + (hi * alpha), c + 4);
    }
}
