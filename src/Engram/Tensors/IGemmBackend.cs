namespace Engram.Tensors;

/// <summary>
/// Single-precision general matrix multiply, BLAS convention on row-major storage:
/// <c>C ← α·op(A)·op(B) + β·C</c>, where op(A) is m×k, op(B) is k×n and C is m×n.
/// <c>op(X) = Xᵀ</c> when the matching transpose flag is set. <c>lda</c>, <c>ldb</c> and
/// <c>ldc</c> are row strides (elements between the starts of consecutive rows) of A, B and C
/// as stored. When β is 0, C is not read (NaNs in it do not propagate), as in BLAS.
/// </summary>
public interface IGemmBackend
{
    /// <summary>A short name for reports: "managed" or "openblas".</summary>
    string Name { get; }

    /// <summary>Computes <c>C ← α·op(A)·op(B) + β·C</c>.</summary>
    void Sgemm(
        bool transposeA,
        bool transposeB,
        int m,
        int n,
        int k,
        float alpha,
        ReadOnlySpan<float> a,
        int lda,
        ReadOnlySpan<float> b,
        int ldb,
        float beta,
        Span<float> c,
        int ldc);
}
