using Engram.Tensors;
using Engram.Tests.Support;
using Xunit;

namespace Engram.Tests.Tensors;

/// <summary>
/// The managed GEMM against a float64 reference, for every transpose form, every micro-kernel this
/// machine supports, sizes around the micro-tile and cache-block edges, α/β combinations, padded
/// leading dimensions and thread splits; plus agreement with OpenBLAS and argument validation.
/// <see cref="InstructionSetTests"/> reruns the class (category Kernels) with AVX-512, AVX2 and all
/// intrinsics switched off, to cover the default kernel choice on lesser machines.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class GemmTests
{
    private static readonly (bool TransposeA, bool TransposeB)[] s_forms =
        [(false, false), (false, true), (true, false), (true, true)];

    private static readonly int[] s_edgeSizes = [0, 1, 2, 5, 6, 7, 31, 32, 33, 63, 65, 127, 257];

    /// <summary>
    /// Shapes (m, n, k): each edge size in each dimension, cubes, the cache-block edges of
    /// <see cref="ManagedGemm"/> (Kc = 384, Nc = 480, Mc = 1536) and one larger product.
    /// </summary>
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int s in s_edgeSizes)
        {
            data.Add(s, 33, 7);
            data.Add(7, s, 33);
            data.Add(33, 7, s);
            if (s <= 127)
            {
                data.Add(s, s, s);
            }
        }

        data.Add(13, 40, 383);
        data.Add(13, 40, 384);
        data.Add(13, 40, 385);
        data.Add(13, 40, 769);
        data.Add(9, 479, 17);
        data.Add(9, 481, 17);
        data.Add(9, 961, 17);
        data.Add(1537, 9, 17);
        data.Add(300, 517, 1031);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Should_match_the_reference_for_every_form_and_kernel(int m, int n, int k)
    {
        foreach ((bool ta, bool tb) in s_forms)
        {
            // Given
            var problem = GemmProblem.Create(ta, tb, m, n, k, alpha: 1, beta: 0, seed: (m * 7919) + (n * 131) + k);
            Reference expected = problem.ComputeReference();
            foreach (GemmMicroKernel kernel in GemmKernels.Supported())
            {
                // When
                float[] c = problem.Run(new ManagedGemm(0, kernel));

                // Then
                problem.AssertMatches(expected, c, kernel.Name);
            }
        }
    }

    [Theory]
    [InlineData(1f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(1f, 0.5f)]
    [InlineData(2f, 0f)]
    [InlineData(2f, 0.5f)]
    [InlineData(-1.5f, 1f)]
    [InlineData(0f, 0.5f)]
    [InlineData(0f, 0f)]
    public void Should_apply_alpha_and_beta(float alpha, float beta)
    {
        foreach ((bool ta, bool tb) in s_forms)
        {
            foreach ((int m, int n, int k) in new[] { (37, 45, 29), (130, 200, 400) })
            {
                // Given: when β is 0, C starts as NaN, which must not reach the result.
                var problem = GemmProblem.Create(ta, tb, m, n, k, alpha, beta, seed: m + n + k);
                Reference expected = problem.ComputeReference();
                foreach (GemmMicroKernel kernel in GemmKernels.Supported())
                {
                    // When
                    float[] c = problem.Run(new ManagedGemm(0, kernel));

                    // Then
                    problem.AssertMatches(expected, c, $"{kernel.Name}, α={alpha}, β={beta}");
                }
            }
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-2f)]
    public void Should_scale_C_by_beta_when_k_is_zero(float beta)
    {
        // Given
        var problem = GemmProblem.Create(false, false, 9, 70, 0, alpha: 1, beta, seed: 3);
        Reference expected = problem.ComputeReference();

        // When
        float[] c = problem.Run(Gemm.Managed);

        // Then
        problem.AssertMatches(expected, c, $"k = 0, β={beta}");
    }

    [Fact]
    public void Should_match_the_reference_when_split_across_threads()
    {
        // (150, 517, 520) is split by rows, (24, 2000, 300) by columns; both into uneven parts.
        foreach ((int m, int n, int k) in new[] { (150, 517, 520), (24, 2000, 300) })
        {
            foreach ((bool ta, bool tb) in s_forms)
            {
                // Given
                var problem = GemmProblem.Create(ta, tb, m, n, k, alpha: 1, beta: 0.5f, seed: m + k);
                Reference expected = problem.ComputeReference();
                foreach (int maxThreads in new[] { 1, 2, 3, 5 })
                {
                    // When
                    float[] c = problem.Run(new ManagedGemm(maxThreads));

                    // Then
                    problem.AssertMatches(expected, c, $"{maxThreads} threads");
                }
            }
        }
    }

    [Fact]
    public void Should_give_the_same_bits_however_many_threads_share_the_product()
    {
        // Training is reproducible only if no sum's order depends on the threads available: each
        // thread owns whole tiles of C, and every element's k-sum runs the same blocks in the same order.
        foreach ((int m, int n, int k) in new[] { (150, 517, 520), (24, 2000, 300), (97, 33, 1031) })
        {
            foreach ((bool ta, bool tb) in s_forms)
            {
                // Given
                var problem = GemmProblem.Create(ta, tb, m, n, k, alpha: 1, beta: 0.5f, seed: m + n);
                float[] alone = problem.Run(new ManagedGemm(1));
                foreach (int maxThreads in new[] { 2, 3, 5, 16 })
                {
                    // When
                    float[] shared = problem.Run(new ManagedGemm(maxThreads));

                    // Then
                    Assert.True(alone.AsSpan().SequenceEqual(shared), $"{(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} {m}×{n}×{k}: {maxThreads} threads differ from one.");
                }
            }
        }
    }

    [Fact]
    public void Should_detect_a_result_with_one_product_term_of_the_wrong_sign()
    {
        // Given: a correct result, then the same with the largest term a·b of one element
        // subtracted instead of added. The tolerance must tell them apart, or the tests above
        // prove nothing.
        var problem = GemmProblem.Create(false, false, 40, 50, 1031, alpha: 1, beta: 0, seed: 11);
        Reference expected = problem.ComputeReference();
        float[] c = problem.Run(Gemm.Managed);
        float[] wrong = (float[])c.Clone();
        int i = 17, j = 23;
        float largest = Enumerable.Range(0, problem.K)
            .Select(p => problem.OpA(i, p) * problem.OpB(p, j))
            .MaxBy(Math.Abs);
        wrong[(i * problem.Ldc) + j] -= 2 * largest;

        // When
        string? correct = problem.FirstMismatch(expected, c);
        string? flipped = problem.FirstMismatch(expected, wrong);

        // Then
        Assert.Null(correct);
        Assert.NotNull(flipped);
    }

    [Fact]
    public void Should_multiply_tensors_through_the_public_entry_point()
    {
        // Given: [[1, 2, 3], [4, 5, 6]] · [[1, 0], [0, 1], [1, 1]]
        var a = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        var b = Tensor.FromArray([1, 0, 0, 1, 1, 1], 3, 2);

        // When
        Tensor c = Gemm.MatMul(a, b, backend: Gemm.Managed);

        // Then
        Assert.Equal([4f, 5f, 10f, 11f], c.Span.ToArray());
    }

    [OpenBlasTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Should_agree_with_OpenBLAS(bool transposeA, bool transposeB)
    {
        IGemmBackend openBlas = OpenBlas.Backend;
        foreach ((int m, int n, int k) in new[] { (200, 300, 150), (65, 33, 1031), (1, 257, 63) })
        {
            // Given
            var problem = GemmProblem.Create(transposeA, transposeB, m, n, k, alpha: 2, beta: 0.5f, seed: k);
            Reference expected = problem.ComputeReference();

            // When
            float[] managed = problem.Run(Gemm.Managed);
            float[] reference = problem.Run(openBlas);

            // Then: both are within the bound of the exact product, so within twice it of each other.
            problem.AssertMatches(expected, reference, "openblas");
            problem.AssertMatches(expected, managed, "managed");
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    int at = (i * problem.Ldc) + j;
                    double allowed = 2 * Reference.Tolerance(k, expected.Bound[(i * n) + j]);
                    Assert.True(
                        Math.Abs(managed[at] - reference[at]) <= allowed,
                        $"C[{i},{j}]: managed {managed[at]} vs OpenBLAS {reference[at]} (allowed {allowed:E2}).");
                }
            }
        }
    }

    [Fact]
    public void Should_throw_for_negative_sizes()
    {
        float[] buffer = new float[16];
        var m = Assert.Throws<ArgumentOutOfRangeException>(
            () => Gemm.Managed.Sgemm(false, false, -1, 2, 2, 1, buffer, 2, buffer, 2, 0, buffer, 2));
        var n = Assert.Throws<ArgumentOutOfRangeException>(
            () => Gemm.Managed.Sgemm(false, false, 2, -1, 2, 1, buffer, 2, buffer, 2, 0, buffer, 2));
        var k = Assert.Throws<ArgumentOutOfRangeException>(
            () => Gemm.Managed.Sgemm(false, false, 2, 2, -1, 1, buffer, 2, buffer, 2, 0, buffer, 2));
        Assert.Equal("m", m.ParamName);
        Assert.Equal("n", n.ParamName);
        Assert.Equal("k", k.ParamName);
    }

    [Theory]
    [InlineData(false, false, "a")]
    [InlineData(true, false, "a")]
    [InlineData(false, false, "b")]
    [InlineData(false, true, "b")]
    [InlineData(false, false, "c")]
    public void Should_throw_for_a_buffer_too_short_naming_the_operand(bool transposeA, bool transposeB, string operand)
    {
        // Given: op(A) 3×4, op(B) 4×5, C 3×5, one element short in the named operand.
        float[] a = new float[(3 * 4) - (operand == "a" ? 1 : 0)];
        float[] b = new float[(4 * 5) - (operand == "b" ? 1 : 0)];
        float[] c = new float[(3 * 5) - (operand == "c" ? 1 : 0)];
        int lda = transposeA ? 3 : 4, ldb = transposeB ? 4 : 5;

        // When
        var error = Assert.Throws<ArgumentException>(
            () => Gemm.Managed.Sgemm(transposeA, transposeB, 3, 5, 4, 1, a, lda, b, ldb, 0, c, 5));

        // Then
        Assert.Equal(operand, error.ParamName);
        Assert.Contains($"Operand {operand} ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, "lda", 3, 5, 5)]
    [InlineData(true, false, "lda", 2, 5, 5)]
    [InlineData(false, false, "ldb", 4, 4, 5)]
    [InlineData(false, true, "ldb", 4, 3, 5)]
    [InlineData(false, false, "ldc", 4, 5, 4)]
    public void Should_throw_when_a_leading_dimension_is_shorter_than_a_row(
        bool transposeA, bool transposeB, string name, int lda, int ldb, int ldc)
    {
        // Given: op(A) 3×4, op(B) 4×5, C 3×5, with buffers large enough for any stride.
        float[] buffer = new float[64];

        // When
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => Gemm.Managed.Sgemm(transposeA, transposeB, 3, 5, 4, 1, buffer, lda, buffer, ldb, 0, buffer, ldc));

        // Then
        Assert.Equal(name, error.ParamName);
        Assert.Contains($"Leading dimension of {name[2]}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_negative_thread_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManagedGemm(-1));
    }

    [Fact]
    public void Should_offer_the_scalar_kernel_last()
    {
        GemmMicroKernel[] kernels = GemmKernels.Supported();
        Assert.Equal(GemmKernels.Scalar.Name, kernels[^1].Name);
        Assert.Equal(kernels[0].Name, GemmKernels.Best.Name);
    }

    /// <summary>The float64 product and, per element, the magnitude that bounds its rounding error.</summary>
    private sealed record Reference(double[] Value, double[] Bound)
    {
        private const double UnitRoundoff = 1.0 / (1 << 24);

        /// <summary>
        /// The allowed |computed − exact| for an element whose <see cref="Bound"/> is
        /// <paramref name="bound"/> = |α|·Σₚ|op(A)ᵢₚ·op(B)ₚⱼ| + |β|·|Cᵢⱼ|. A float32 sum of k products,
        /// in any order, is off by at most about k·u·Σ|terms| (u = 2⁻²⁴); the α and β steps add two
        /// roundings, and the factor 2 leaves room for the second-order terms. One product term
        /// of the wrong sign moves the result by 2|aᵢₚbₚⱼ|, which is far more (see the test above).
        /// </summary>
        public static double Tolerance(int k, double bound) => 2 * (k + 2) * UnitRoundoff * bound;
    }

    /// <summary>
    /// One product with random operands stored at padded leading dimensions. The padding of A and
    /// B is NaN, so reading it shows in the result; the padding of C is a sentinel that must survive.
    /// </summary>
    private sealed class GemmProblem
    {
        private const float CPadding = 7777f;

        private GemmProblem(bool transposeA, bool transposeB, int m, int n, int k, float alpha, float beta)
        {
            (TransposeA, TransposeB, M, N, K, Alpha, Beta) = (transposeA, transposeB, m, n, k, alpha, beta);
        }

        public bool TransposeA { get; }

        public bool TransposeB { get; }

        public int M { get; }

        public int N { get; }

        public int K { get; }

        public float Alpha { get; }

        public float Beta { get; }

        public float[] A { get; private set; } = [];

        public float[] B { get; private set; } = [];

        public float[] C { get; private set; } = [];

        public int Lda { get; private set; }

        public int Ldb { get; private set; }

        public int Ldc { get; private set; }

        public static GemmProblem Create(
            bool transposeA, bool transposeB, int m, int n, int k, float alpha, float beta, int seed)
        {
            var random = new Random(seed);
            var problem = new GemmProblem(transposeA, transposeB, m, n, k, alpha, beta);
            int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
            int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
            problem.Lda = aCols + 3;
            problem.Ldb = bCols + 1;
            problem.Ldc = n + 2;
            problem.A = Fill(random, aRows, aCols, problem.Lda, float.NaN);
            problem.B = Fill(random, bRows, bCols, problem.Ldb, float.NaN);
            problem.C = Fill(random, m, n, problem.Ldc, CPadding);
            if (beta == 0)
            {
                // β = 0: C is not read, so NaN there must not reach the result.
                for (int i = 0; i < m; i++)
                {
                    problem.C.AsSpan(i * problem.Ldc, n).Fill(float.NaN);
                }
            }

            return problem;
        }

        public float OpA(int i, int p) => TransposeA ? A[(p * Lda) + i] : A[(i * Lda) + p];

        public float OpB(int p, int j) => TransposeB ? B[(j * Ldb) + p] : B[(p * Ldb) + j];

        public float[] Run(IGemmBackend backend)
        {
            float[] c = (float[])C.Clone();
            backend.Sgemm(TransposeA, TransposeB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc);
            return c;
        }

        public Reference ComputeReference()
        {
            // op(A) by rows and op(B) by columns, in float64, with their absolute values: each
            // element is then two dot products of contiguous runs, which TensorPrimitives does fast
            // enough for the larger shapes (a plain loop here dominated the run time).
            double[] rowsOfA = new double[M * K], absRowsOfA = new double[M * K];
            double[] columnsOfB = new double[N * K], absColumnsOfB = new double[N * K];
            for (int p = 0; p < K; p++)
            {
                for (int i = 0; i < M; i++)
                {
                    rowsOfA[(i * K) + p] = OpA(i, p);
                    absRowsOfA[(i * K) + p] = Math.Abs(OpA(i, p));
                }

                for (int j = 0; j < N; j++)
                {
                    columnsOfB[(j * K) + p] = OpB(p, j);
                    absColumnsOfB[(j * K) + p] = Math.Abs(OpB(p, j));
                }
            }

            double[] value = new double[M * N];
            double[] bound = new double[M * N];
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    double sum = System.Numerics.Tensors.TensorPrimitives.Dot<double>(rowsOfA.AsSpan(i * K, K), columnsOfB.AsSpan(j * K, K));
                    double magnitude = System.Numerics.Tensors.TensorPrimitives.Dot<double>(
                        absRowsOfA.AsSpan(i * K, K), absColumnsOfB.AsSpan(j * K, K));
                    double c = Beta == 0 ? 0 : C[(i * Ldc) + j];
                    value[(i * N) + j] = (Alpha * sum) + (Beta * c);
                    bound[(i * N) + j] = (Math.Abs(Alpha) * magnitude) + Math.Abs(Beta * c);
                }
            }

            return new Reference(value, bound);
        }

        /// <summary>The first element out of tolerance (or padding changed), or null when all match.</summary>
        public string? FirstMismatch(Reference expected, float[] actual)
        {
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < Ldc && (i * Ldc) + j < actual.Length; j++)
                {
                    float got = actual[(i * Ldc) + j];
                    if (j >= N)
                    {
                        if (got != CPadding)
                        {
                            return $"padding C[{i},{j}] was overwritten with {got}";
                        }

                        continue;
                    }

                    double want = expected.Value[(i * N) + j];
                    double allowed = Reference.Tolerance(K, expected.Bound[(i * N) + j]);
                    if (!(Math.Abs(got - want) <= allowed))
                    {
                        return $"C[{i},{j}] = {got}, expected {want} ± {allowed:E2}";
                    }
                }
            }

            return null;
        }

        public void AssertMatches(Reference expected, float[] actual, string what)
        {
            string? mismatch = FirstMismatch(expected, actual);
            Assert.True(
                mismatch is null,
                $"{what}, {(TransposeA ? 'T' : 'N')}{(TransposeB ? 'T' : 'N')}, m={M} n={N} k={K}: {mismatch}");
        }

        private static float[] Fill(Random random, int rows, int cols, int ld, float padding)
        {
            float[] data = new float[rows == 0 ? 0 : ((rows - 1) * ld) + cols];
            data.AsSpan().Fill(padding);
            for (int r = 0; r < rows; r++)
            {
                for (int col = 0; col < cols; col++)
                {
                    data[(r * ld) + col] = (float)((random.NextDouble() * 2) - 1);
                }
            }

            return data;
        }
    }
}
