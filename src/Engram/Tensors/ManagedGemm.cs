using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engram.Tensors;

/// <summary>
/// The managed GEMM backend, organised as in GotoBLAS and BLIS: op(A) and op(B) are copied block by
/// block into packed buffers (the transposes are taken care of there, so NN, NT, TN and TT share one
/// micro-kernel), and a register-blocked SIMD micro-kernel (<see cref="GemmKernels"/>) multiplies
/// the packed micro-panels. Large products are split across threads by rows or columns of C.
/// </summary>
/// <remarks>
/// Loop nest of one thread over its part of C (rows i0..i1, columns j0..j1):
/// <code>
/// for ib in i0..i1 step Mc           Ã: Mc×Kc block of op(A), packed in Mr-row micro-panels (L3)
///   for pc in 0..k step Kc
///     pack Ã
///     for jb in j0..j1 step Nc       B̃: Kc×Nc block of op(B), packed in Nr-column micro-panels (L2)
///       pack B̃
///       for ir in 0..mb step Mr      one Mr×Kc micro-panel of Ã stays in L1 ...
///         for jr in 0..nb step Nr    ... while the Kc×Nr micro-panels of B̃ stream from L2
///           micro-kernel
/// </code>
/// </remarks>
internal sealed unsafe class ManagedGemm : IGemmBackend
{
    // Blocking for a core with 32 KiB of L1d and 1 MiB of L2 (AMD Zen 4; Intel server cores are alike).
    // A 12×Kc micro-panel of Ã (18 KiB) stays in L1 while the Kc×Nc block of B̃ (720 KiB) sits in L2.
    // Mc only bounds the Ã buffer (2.25 MiB, L3) and how often B̃ is packed again.
    private const int Kc = 384;
    private const int Nc = 480;
    private const int Mc = 1536;

    // Below this many flops per thread, waking another thread costs more than it saves.
    private const double MinFlopsPerThread = 4e6;

    // Packing buffers, one per thread, allocated on the pinned heap and reused by every call.
    [ThreadStatic]
    private static float[]? s_packBuffer;

    private readonly int _maxThreads;
    private readonly GemmMicroKernel _kernel;

    /// <summary>Creates the backend with the best kernel for this machine.</summary>
    /// <param name="maxThreads">The most threads one product uses; 0 means one per processor.</param>
    internal ManagedGemm(int maxThreads = 0)
        : this(maxThreads, GemmKernels.Best)
    {
    }

    /// <summary>Creates the backend with a given micro-kernel (tests use this to cover every kernel).</summary>
    internal ManagedGemm(int maxThreads, GemmMicroKernel kernel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxThreads);
        _maxThreads = maxThreads;
        _kernel = kernel;
    }

    public string Name => "managed";

    /// <summary>The micro-kernel in use.</summary>
    internal GemmMicroKernel Kernel => _kernel;

    public void Sgemm(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Gemm.Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (k == 0 || alpha == 0)
            {
                // BLAS: A and B are not read; C ← β·C.
                GemmKernels.Scale(pc, ldc, m, n, beta);
                return;
            }

            var operands = new Operands(pa, lda, transposeA, pb, ldb, transposeB, pc, ldc, m, n, k, alpha, beta);
            int threads = ThreadsFor(m, n, k);
            if (threads == 1)
            {
                Multiply(operands, _kernel, 0, m, 0, n);
                return;
            }

            // Split C into equal runs of whole tiles along its longer side (in tiles).
            GemmMicroKernel kernel = _kernel;
            bool splitRows = DivideRoundingUp(m, kernel.Mr) >= DivideRoundingUp(n, kernel.Nr);
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                if (splitRows)
                {
                    (int start, int end) = Part(m, kernel.Mr, threads, t);
                    Multiply(operands, kernel, start, end, 0, operands.N);
                }
                else
                {
                    (int start, int end) = Part(n, kernel.Nr, threads, t);
                    Multiply(operands, kernel, 0, operands.M, start, end);
                }
            });
        }
    }

    private int ThreadsFor(int m, int n, int k)
    {
        int threads = _maxThreads > 0 ? _maxThreads : Environment.ProcessorCount;
        double flops = 2.0 * m * n * k;
        threads = (int)Math.Min(threads, Math.Max(1, flops / MinFlopsPerThread));
        int tiles = Math.Max(DivideRoundingUp(m, _kernel.Mr), DivideRoundingUp(n, _kernel.Nr));
        return Math.Max(1, Math.Min(threads, tiles));
    }

    /// <summary>Part <paramref name="t"/> of <paramref name="parts"/> of 0..length, in whole tiles.</summary>
    private static (int Start, int End) Part(int length, int tile, int parts, int t)
    {
        long tiles = DivideRoundingUp(length, tile);
        int start = (int)Math.Min(length, tiles * t / parts * tile);
        int end = (int)Math.Min(length, tiles * (t + 1) / parts * tile);
        return (start, end);
    }

    /// <summary>
    /// The block size that splits <paramref name="length"/> into as few blocks of at most
    /// <paramref name="limit"/> as possible, of near-equal size, rounded up to a multiple of <paramref name="multiple"/>.
    /// </summary>
    private static int BlockSize(int length, int limit, int multiple)
    {
        int blocks = DivideRoundingUp(length, limit);
        int size = DivideRoundingUp(DivideRoundingUp(length, blocks), multiple) * multiple;
        return Math.Min(size, DivideRoundingUp(length, multiple) * multiple);
    }

    private static int DivideRoundingUp(int value, int divisor) => (int)(((long)value + divisor - 1) / divisor);

    /// <summary>C[i0..i1, j0..j1] ← α·op(A)[i0..i1, :]·op(B)[:, j0..j1] + β·C[i0..i1, j0..j1] on this thread.</summary>
    [SkipLocalsInit]
    private static void Multiply(in Operands o, GemmMicroKernel kernel, int i0, int i1, int j0, int j1)
    {
        if (i0 >= i1 || j0 >= j1)
        {
            return;
        }

        // Blocks of equal size rather than full blocks and a short last one: a short pass over k
        // would update C for little work, and a narrow last block of B̃ would waste its packing.
        int mr = kernel.Mr, nr = kernel.Nr;
        int kcMax = BlockSize(o.K, Kc, 8);
        int ncMax = BlockSize(j1 - j0, Nc, nr);
        int mcMax = BlockSize(i1 - i0, Mc, mr);
        float* packedA = PackBuffer((mcMax * kcMax) + (kcMax * ncMax));
        float* packedB = packedA + (mcMax * kcMax);
        float* tile = stackalloc float[mr * nr];
        var micro = kernel.Kernel;

        for (int ib = i0; ib < i1; ib += mcMax)
        {
            int mb = Math.Min(mcMax, i1 - ib);
            for (int pc = 0; pc < o.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, o.K - pc);

                // Only the first pass over k applies β; later passes add to what it left.
                float beta = pc == 0 ? o.Beta : 1f;
                GemmKernels.PackA(o.A, o.Lda, o.TransposeA, ib, mb, pc, kc, mr, packedA);
                for (int jb = j0; jb < j1; jb += ncMax)
                {
                    int nb = Math.Min(ncMax, j1 - jb);
                    GemmKernels.PackB(o.B, o.Ldb, o.TransposeB, pc, kc, jb, nb, nr, packedB);
                    for (int ir = 0; ir < mb; ir += mr)
                    {
                        int rows = Math.Min(mr, mb - ir);
                        float* panelA = packedA + ((nint)ir * kc);
                        float* rowC = o.C + ((nint)(ib + ir) * o.Ldc) + jb;
                        for (int jr = 0; jr < nb; jr += nr)
                        {
                            int cols = Math.Min(nr, nb - jr);
                            float* panelB = packedB + ((nint)jr * kc);
                            if (rows == mr && cols == nr)
                            {
                                micro(kc, panelA, panelB, rowC + jr, o.Ldc, o.Alpha, beta);
                            }
                            else
                            {
                                // Edge tile: compute the full tile aside, then write the part inside C.
                                micro(kc, panelA, panelB, tile, nr, 1f, 0f);
                                GemmKernels.StoreEdge(tile, nr, rowC + jr, o.Ldc, rows, cols, o.Alpha, beta);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>This thread's packing buffer, at least <paramref name="length"/> floats, 64-byte aligned.</summary>
    private static float* PackBuffer(int length)
    {
        const int AlignFloats = 16;
        float[]? buffer = s_packBuffer;
        if (buffer is null || buffer.Length < length + AlignFloats)
        {
            buffer = GC.AllocateUninitializedArray<float>(length + AlignFloats, pinned: true);
            s_packBuffer = buffer;
        }

        // The array lives on the pinned object heap, so its address is stable without a fixed block.
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }

    /// <summary>The arguments of one product, as raw pointers (the spans are pinned by the caller).</summary>
    private readonly struct Operands(
        float* a, nint lda, bool transposeA, float* b, nint ldb, bool transposeB,
        float* c, nint ldc, int m, int n, int k, float alpha, float beta)
    {
        public float* A { get; } = a;

        public nint Lda { get; } = lda;

        public bool TransposeA { get; } = transposeA;

        public float* B { get; } = b;

        public nint Ldb { get; } = ldb;

        public bool TransposeB { get; } = transposeB;

        public float* C { get; } = c;

        public nint Ldc { get; } = ldc;

        public int M { get; } = m;

        public int N { get; } = n;

        public int K { get; } = k;

        public float Alpha { get; } = alpha;

        public float Beta { get; } = beta;
    }
}
