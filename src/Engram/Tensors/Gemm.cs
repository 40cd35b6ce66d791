namespace Engram.Tensors;

/// <summary>
/// The GEMM entry point: the backends and the one used by default. The default is chosen once per
/// process: <c>ENGRAM_GEMM=managed|openblas</c> if set, else the managed kernels when OpenBLAS does not
/// load, else whichever of the two was faster in a short measurement on this machine, cached so that
/// every process on the machine makes the same choice (<see cref="DefaultChoice"/> says which and why).
/// Code that wants another backend for a while uses <see cref="Use"/>, which affects only its own flow
/// of execution: a process-wide switch would change the arithmetic of a training run on another thread.
/// </summary>
public static class Gemm
{
    private static readonly Lazy<OpenBlasGemm?> s_openBlas = new(OpenBlasGemm.TryCreate);
    private static readonly Lazy<(IGemmBackend Backend, GemmChoice Choice)> s_chosen = new(ChooseDefault);
    private static readonly AsyncLocal<IGemmBackend?> s_scoped = new();

    /// <summary>The managed backend (packed, cache-blocked, multi-threaded SIMD kernels).</summary>
    public static IGemmBackend Managed { get; } = new ManagedGemm();

    /// <summary>The OpenBLAS backend, or null when <c>libopenblas.so.0</c> cannot be loaded.</summary>
    public static IGemmBackend? OpenBlas => s_openBlas.Value;

    /// <summary>The OpenBLAS library that was loaded (file, build, detected core), or null when none loads.</summary>
    public static OpenBlasInfo? OpenBlasLibrary => s_openBlas.Value is { } blas ? new OpenBlasInfo(blas.LoadedFrom, blas.LibraryFile, blas.CoreName, blas.Config, blas.RequestedCoreType) : null;

    /// <summary>
    /// The backend every library operation uses: the one given to <see cref="Use"/> in this flow of
    /// execution, else the process's default (<see cref="DefaultChoice"/>).
    /// </summary>
    public static IGemmBackend Default => s_scoped.Value ?? s_chosen.Value.Backend;

    /// <summary>Which backend the process's default is and why (requested, the only one, measured or cached).</summary>
    public static GemmChoice DefaultChoice => s_chosen.Value.Choice;

    /// <summary>
    /// Makes <paramref name="backend"/> the <see cref="Default"/> of the calling flow of execution (this
    /// thread and the tasks it starts) until the result is disposed; other threads keep theirs.
    /// </summary>
    public static IDisposable Use(IGemmBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        IGemmBackend? previous = s_scoped.Value;
        s_scoped.Value = backend;
        return new Scope(previous);
    }

    /// <summary>Looks a backend up by name ("managed" or "openblas").</summary>
    public static IGemmBackend Get(string name) => name.ToLowerInvariant() switch
    {
        "managed" => Managed,
        "openblas" => OpenBlas ?? throw new InvalidOperationException(
            "The OpenBLAS backend was asked for, but libopenblas.so.0 could not be loaded. " +
            "Install it (Debian: apt-get install libopenblas0-pthread) or use the managed backend."),
        _ => throw new ArgumentException($"Unknown GEMM backend '{name}'; use 'managed' or 'openblas'.", nameof(name)),
    };

    /// <summary>
    /// <c>C ← α·op(A)·op(B) + β·C</c> for rank-2 tensors, with the shapes checked.
    /// </summary>
    public static void Multiply(
        Tensor a, Tensor b, Tensor c, bool transposeA = false, bool transposeB = false,
        float alpha = 1f, float beta = 0f, IGemmBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        RequireRank2(a, nameof(a));
        RequireRank2(b, nameof(b));
        RequireRank2(c, nameof(c));
        int m = transposeA ? a.Shape[1] : a.Shape[0];
        int k = transposeA ? a.Shape[0] : a.Shape[1];
        int kb = transposeB ? b.Shape[1] : b.Shape[0];
        int n = transposeB ? b.Shape[0] : b.Shape[1];
        if (k != kb || c.Shape[0] != m || c.Shape[1] != n)
        {
            throw new ArgumentException(
                $"GEMM shapes do not agree: op(A) is {m}×{k}, op(B) is {kb}×{n}, C is {c.Shape[0]}×{c.Shape[1]}; " +
                $"expected op(B) {k}×n and C {m}×{n}.");
        }

        (backend ?? Default).Sgemm(
            transposeA, transposeB, m, n, k, alpha,
            a.Span, a.Shape[1], b.Span, b.Shape[1], beta, c.Span, c.Shape[1]);
    }

    /// <summary>Returns op(A)·op(B) as a new tensor.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, IGemmBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireRank2(a, nameof(a));
        RequireRank2(b, nameof(b));
        var c = new Tensor(transposeA ? a.Shape[1] : a.Shape[0], transposeB ? b.Shape[0] : b.Shape[1]);
        Multiply(a, b, c, transposeA, transposeB, backend: backend);
        return c;
    }

    /// <summary>
    /// Checks the arguments of a raw <see cref="IGemmBackend.Sgemm"/> call; every backend calls this first.
    /// </summary>
    internal static void Validate(
        bool transposeA, bool transposeB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        CheckOperand("a", aRows, aCols, aLength, lda);
        CheckOperand("b", bRows, bCols, bLength, ldb);
        CheckOperand("c", m, n, cLength, ldc);
    }

    private static void CheckOperand(string name, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException(
                "ld" + name, $"Leading dimension of {name} is {ld} but its rows hold {cols} elements.");
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"Operand {name} ({rows}×{cols}, leading dimension {ld}) needs {needed} elements but has {length}.", name);
        }
    }

    private static void RequireRank2(Tensor t, string name)
    {
        if (t.Rank != 2)
        {
            throw new ArgumentException($"GEMM needs rank-2 tensors; {name} is {t}.", name);
        }
    }

    private static (IGemmBackend, GemmChoice) ChooseDefault()
    {
        IGemmBackend[] candidates = OpenBlas is { } blas ? [Managed, blas] : [Managed];
        return GemmSelection.Choose(
            candidates, Environment.GetEnvironmentVariable("ENGRAM_GEMM"), GemmSelection.MachineKey(OpenBlasLibrary), GemmSelection.DefaultCachePath());
    }

    private sealed class Scope(IGemmBackend? previous) : IDisposable
    {
        public void Dispose() => s_scoped.Value = previous;
    }
}

/// <summary>The OpenBLAS library in use: how it was asked for, the file it is, its build, and the core it detected.</summary>
/// <param name="LoadedFrom">The name or path it was loaded by.</param>
/// <param name="LibraryFile">The file actually mapped (symbolic links resolved), when the system says.</param>
/// <param name="CoreName">
/// The processor core whose kernels it runs (<c>openblas_get_corename</c>); an old core such as "Prescott" on a
/// new processor means this OpenBLAS does not know the processor (<c>OPENBLAS_CORETYPE</c> overrides).
/// </param>
/// <param name="Config">Its build (<c>openblas_get_config</c>: version, DYNAMIC_ARCH, threads).</param>
/// <param name="RequestedCoreType">The core asked for with <c>OPENBLAS_CORETYPE</c> before it loaded, or null (it then detects one).</param>
public sealed record OpenBlasInfo(string LoadedFrom, string? LibraryFile, string? CoreName, string? Config, string? RequestedCoreType);
