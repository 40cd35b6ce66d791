namespace Engram.Tensors;

/// <summary>
/// The managed GEMM backend. (Placeholder: a plain triple loop; replaced by the packed kernels.)
/// </summary>
internal sealed class ManagedGemm : IGemmBackend
{
    public string Name => "managed";

    public void Sgemm(
        bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Gemm.Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transposeB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }

                ref float cij = ref c[(i * ldc) + j];
                cij = beta == 0 ? alpha * sum : (alpha * sum) + (beta * cij);
            }
        }
    }
}
