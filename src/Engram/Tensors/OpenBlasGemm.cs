using System.Runtime.InteropServices;

namespace Engram.Tensors;

/// <summary>
/// GEMM through OpenBLAS's <c>cblas_sgemm</c>, loaded at run time with <see cref="NativeLibrary"/>
/// so that Engram neither ships nor requires it.
/// </summary>
internal sealed unsafe class OpenBlasGemm : IGemmBackend
{
    private const int CblasRowMajor = 101;
    private const int CblasNoTrans = 111;
    private const int CblasTrans = 112;

    private static readonly string[] s_candidates =
    [
        "libopenblas.so.0",
        "libopenblas.so",
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
    ];

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlasGemm(nint handle, nint sgemm, nint setThreads, string loadedFrom, string? requestedCoreType)
    {
        RequestedCoreType = string.IsNullOrWhiteSpace(requestedCoreType) ? null : requestedCoreType;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _setThreads = (delegate* unmanaged<int, void>)setThreads;
        LoadedFrom = loadedFrom;
        LibraryFile = MappedFile("libopenblas") ?? loadedFrom;
        CoreName = ReadString(handle, "openblas_get_corename");
        Config = ReadString(handle, "openblas_get_config");
    }

    public string Name => "openblas";

    /// <summary>The library file that was loaded.</summary>
    public string LoadedFrom { get; }

    /// <summary>The file the loader mapped (its real path, from /proc/self/maps on Linux), else the name it was loaded by.</summary>
    public string LibraryFile { get; }

    /// <summary>
    /// The processor core OpenBLAS detected and whose kernels it runs (<c>openblas_get_corename</c>, e.g.
    /// "Haswell", or "Prescott" when it does not know the processor), or null when the library does not say.
    /// </summary>
    public string? CoreName { get; }

    /// <summary>The core asked for with <c>OPENBLAS_CORETYPE</c> before the library loaded, or null.</summary>
    public string? RequestedCoreType { get; }

    /// <summary>How the library was built (<c>openblas_get_config</c>: version, DYNAMIC_ARCH, threading), or null.</summary>
    public string? Config { get; }

    /// <summary>Loads OpenBLAS, or returns null when no candidate library exports <c>cblas_sgemm</c>.</summary>
    public static OpenBlasGemm? TryCreate()
    {
        // Read before loading: OpenBLAS's DYNAMIC_ARCH start-up sets OPENBLAS_CORETYPE to the core it detected.
        string? requested = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        foreach (string candidate in s_candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle)
                && NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm))
            {
                NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads);
                return new OpenBlasGemm(handle, sgemm, setThreads, candidate, requested);
            }
        }

        return null;
    }

    private static string? MappedFile(string name)
    {
        try
        {
            // "address perms offset dev inode   /usr/lib/.../libopenblasp-r0.3.21.so"
            return File.Exists("/proc/self/maps")
                ? File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6)
                    .Select(f => f[5]).FirstOrDefault(p => Path.GetFileName(p).StartsWith(name, StringComparison.Ordinal))
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadString(nint handle, string export)
    {
        if (!NativeLibrary.TryGetExport(handle, export, out nint function))
        {
            return null;
        }

        // Both calls return a pointer to a static, NUL-terminated string owned by the library.
        nint text = (nint)((delegate* unmanaged<byte*>)function)();
        return text == 0 ? null : Marshal.PtrToStringUTF8(text)?.Trim();
    }

    /// <summary>Sets OpenBLAS's thread count (no-op when the library does not export the call).</summary>
    public void SetThreads(int threads)
    {
        if (_setThreads != null)
        {
            _setThreads(threads);
        }
    }

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
            _sgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }
}
