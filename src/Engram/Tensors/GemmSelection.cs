using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Data;

namespace Engram.Tensors;

/// <summary>How the default GEMM backend was decided.</summary>
public enum GemmChoiceSource
{
    /// <summary><c>ENGRAM_GEMM</c> named the backend.</summary>
    Requested,

    /// <summary>Only one backend was available (OpenBLAS did not load).</summary>
    OnlyOne,

    /// <summary>Every backend was timed on this machine just now, and the fastest chosen (then cached).</summary>
    Measured,

    /// <summary>An earlier measurement on this machine, with the same libraries and settings, was read back.</summary>
    Cached,
}

/// <summary>
/// Which backend <see cref="Gemm.Default"/> is and why: the source of the decision, and for a measured
/// (or cached) one the seconds each backend took over the trial products.
/// </summary>
/// <param name="Backend">The chosen backend's <see cref="IGemmBackend.Name"/>.</param>
/// <param name="Source">How it was decided.</param>
/// <param name="Seconds">Per backend, the summed best times of the trial products (empty unless measured or cached).</param>
/// <param name="CachePath">The cache file read or written, or null when none was used.</param>
public sealed record GemmChoice(string Backend, GemmChoiceSource Source, IReadOnlyDictionary<string, double> Seconds, string? CachePath)
{
    /// <summary>One sentence for a person: which backend, and why.</summary>
    public string Describe()
    {
        string timings = string.Join(", ", Seconds.OrderBy(p => p.Value).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value * 1e3:F2} ms")));
        return Source switch
        {
            GemmChoiceSource.Requested => $"{Backend}, because ENGRAM_GEMM={Backend}",
            GemmChoiceSource.OnlyOne => $"{Backend}, the only backend available (OpenBLAS did not load)",
            GemmChoiceSource.Measured => $"{Backend}, the faster on this machine as measured just now ({timings}; cached in {CachePath ?? "nothing: the cache could not be written"})",
            _ => $"{Backend}, the faster on this machine as measured earlier ({timings}; read from {CachePath})",
        };
    }
}

/// <summary>
/// Chooses the default GEMM backend by what each does on this machine rather than by whether it loads:
/// OpenBLAS may detect an unknown processor as an old core and run many times slower than the managed
/// kernels. A short trial (a few medium products per backend, interleaved, best of seven) decides once; the
/// result is cached under a key of everything that changes it (processor, OpenBLAS library and detected
/// core, the OpenBLAS environment, the managed kernel, Engram's version), so that every later process
/// on the machine uses the same backend, and training stays reproducible from run to run.
/// </summary>
internal static class GemmSelection
{
    /// <summary>The cache file's name in the cache folder.</summary>
    internal const string CacheFileName = "gemm-backend.json";

    private const int Repeats = 7;

    // A square product (linear layers), a convolution's wide one (im2col: 64 filters over 4096 columns of a
    // 32-channel 3×3 window), each some 0.1–0.2 GFLOP, and a larger one (a recall block: 1024 cues × 512
    // components × 512 patterns, 0.5 GFLOP) where a kernel's throughput rather than its start-up shows:
    // milliseconds per product. (384³ alone once chose a backend half as fast at 2048³.)
    private static readonly (int M, int N, int K)[] s_trials = [(384, 384, 384), (64, 4096, 288), (1024, 512, 512)];

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>
    /// The backend to use among <paramref name="candidates"/> (by name): <paramref name="requested"/> when
    /// given (ENGRAM_GEMM), the only one when there is one, else the cached choice for <paramref name="key"/>
    /// in <paramref name="cachePath"/>, else the fastest by <paramref name="measure"/> (default: <see cref="Measure"/>),
    /// written back to the cache. A cache that cannot be read or parsed is ignored and rewritten.
    /// </summary>
    public static (IGemmBackend Backend, GemmChoice Choice) Choose(
        IReadOnlyList<IGemmBackend> candidates, string? requested, string key, string? cachePath,
        Func<IReadOnlyList<IGemmBackend>, IReadOnlyDictionary<string, double>>? measure = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfZero(candidates.Count);
        var empty = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(requested))
        {
            string name = requested.Trim().ToLowerInvariant();
            IGemmBackend named = candidates.FirstOrDefault(c => c.Name == name) ?? Gemm.Get(name);
            return (named, new GemmChoice(named.Name, GemmChoiceSource.Requested, empty, null));
        }

        if (candidates.Count == 1)
        {
            return (candidates[0], new GemmChoice(candidates[0].Name, GemmChoiceSource.OnlyOne, empty, null));
        }

        measure ??= Measure;
        string hashedKey = Hash(key);
        if (cachePath is null)
        {
            return Measured(candidates, measure, null);
        }

        using FileStream? held = Lock(cachePath);

        // Another process may have measured while this one waited for the lock: read again under it.
        if (Read(cachePath, hashedKey, candidates) is var (cachedName, cachedSeconds))
        {
            return (candidates.First(c => c.Name == cachedName), new GemmChoice(cachedName, GemmChoiceSource.Cached, cachedSeconds, cachePath));
        }

        var (backend, choice) = Measured(candidates, measure, cachePath);
        bool written = held is not null && Write(cachePath, hashedKey, key, choice);
        return (backend, written ? choice : choice with { CachePath = null });
    }

    /// <summary>
    /// Times each backend on the trial products, interleaving them so that a burst of other load hits
    /// all alike: one warm-up product per backend and shape, then <see cref="Repeats"/> rounds; per backend
    /// the sum over shapes of the fastest round (on a shared machine other work only adds time, and the
    /// choice is kept for later runs, so it should reflect the backend rather than this moment's load).
    /// A fraction of a second on any backend worth choosing (eight rounds of three products of milliseconds each).
    /// </summary>
    public static IReadOnlyDictionary<string, double> Measure(IReadOnlyList<IGemmBackend> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var seconds = candidates.ToDictionary(c => c.Name, _ => 0.0, StringComparer.Ordinal);
        foreach (var (m, n, k) in s_trials)
        {
            float[] a = Filled(m * k, 1), b = Filled(k * n, 2), c = new float[m * n];
            var times = candidates.ToDictionary(x => x.Name, _ => new double[Repeats], StringComparer.Ordinal);
            foreach (IGemmBackend backend in candidates)
            {
                backend.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            }

            for (int r = 0; r < Repeats; r++)
            {
                foreach (IGemmBackend backend in candidates)
                {
                    long start = Stopwatch.GetTimestamp();
                    backend.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                    times[backend.Name][r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            }

            foreach (var (name, t) in times)
            {
                seconds[name] += t.Min();
            }
        }

        return seconds;
    }

    /// <summary>
    /// What the choice depends on, as text: the processor (model and instruction-set flags), the cores,
    /// the managed kernel, the trial's products, the OpenBLAS library file, build, detected core and OPENBLAS_CORETYPE, every
    /// other OPENBLAS_* variable, the thread and instruction-set settings of the environment, and Engram's version.
    /// </summary>
    public static string MachineKey(OpenBlasInfo? openBlas)
    {
        var key = new StringBuilder();
        key.Append("cpu=").AppendLine(CpuDescription());
        key.Append("cores=").AppendLine(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        key.Append("managed=").AppendLine(GemmKernels.Best.Name);
        key.Append("trial=").AppendLine(string.Join(' ', s_trials.Select(t => $"{t.M}x{t.N}x{t.K}")));
        key.Append("openblas=").AppendLine(openBlas is null ? "none" : $"{openBlas.LibraryFile} | {openBlas.Config} | {openBlas.CoreName} | OPENBLAS_CORETYPE={openBlas.RequestedCoreType}");
        // Every OPENBLAS_* setting (thread count, cache sizes such as OPENBLAS_L2_SIZE) but the core type,
        // which the library itself sets once loaded and which is recorded above as it was asked for.
        IEnumerable<string> openBlasVariables = Environment.GetEnvironmentVariables().Keys.OfType<string>()
            .Where(v => v.StartsWith("OPENBLAS_", StringComparison.Ordinal) && v != "OPENBLAS_CORETYPE").Order(StringComparer.Ordinal);
        foreach (string variable in openBlasVariables.Concat(["OMP_NUM_THREADS", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"]))
        {
            key.Append(variable).Append('=').AppendLine(Environment.GetEnvironmentVariable(variable) ?? "");
        }

        key.Append("engram=").AppendLine(typeof(GemmSelection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
        return key.ToString();
    }

    /// <summary>The cache file: in <c>ENGRAM_CACHE</c>, else <c>$XDG_CACHE_HOME/engram</c>, else <c>~/.cache/engram</c>.</summary>
    public static string DefaultCachePath()
    {
        string? root = Environment.GetEnvironmentVariable("ENGRAM_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "engram")
                : Path.Combine(xdg, "engram");
        }

        return Path.Combine(root, CacheFileName);
    }

    private static (IGemmBackend, GemmChoice) Measured(
        IReadOnlyList<IGemmBackend> candidates, Func<IReadOnlyList<IGemmBackend>, IReadOnlyDictionary<string, double>> measure, string? cachePath)
    {
        IReadOnlyDictionary<string, double> seconds = measure(candidates);

        // Ties go to the first candidate (the managed kernels): the same answer on every run.
        IGemmBackend fastest = candidates.MinBy(c => seconds[c.Name])!;
        return (fastest, new GemmChoice(fastest.Name, GemmChoiceSource.Measured, seconds, cachePath));
    }

    private static (string Backend, IReadOnlyDictionary<string, double> Seconds)? Read(string path, string hashedKey, IReadOnlyList<IGemmBackend> candidates)
    {
        try
        {
            CacheFile? file = File.Exists(path) ? JsonSerializer.Deserialize<CacheFile>(File.ReadAllBytes(path), s_json) : null;
            if (file?.Entries is { } entries && entries.TryGetValue(hashedKey, out CacheEntry? entry)
                && entry is { Backend: { } name, Seconds: { } seconds }
                && candidates.Any(c => c.Name == name)
                && candidates.All(c => seconds.TryGetValue(c.Name, out double s) && double.IsFinite(s) && s > 0))
            {
                return (name, seconds);
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // A damaged or unreadable cache is only a lost measurement: measure again and rewrite it.
        }

        return null;
    }

    private static bool Write(string path, string hashedKey, string key, GemmChoice choice)
    {
        try
        {
            // Keep other machines' or settings' entries (a shared home folder) unless the file is damaged.
            Dictionary<string, CacheEntry> entries;
            try
            {
                entries = File.Exists(path) ? JsonSerializer.Deserialize<CacheFile>(File.ReadAllBytes(path), s_json)?.Entries ?? [] : [];
            }
            catch (JsonException)
            {
                entries = [];
            }

            entries[hashedKey] = new CacheEntry { Backend = choice.Backend, Seconds = new Dictionary<string, double>(choice.Seconds, StringComparer.Ordinal), Key = key };
            AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(new CacheFile { Entries = entries }, s_json));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Holds <c>PATH.lock</c> exclusively (an advisory lock other processes running this code respect), so
    /// that two processes starting at once measure once and agree; null when the folder cannot be written.
    /// </summary>
    private static FileStream? Lock(string cachePath)
    {
        string lockPath = cachePath + ".lock";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockPath))!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                // Another process is measuring (well under a second): wait for it, then read its result.
                Thread.Sleep(20);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private static string CpuDescription()
    {
        try
        {
            // The first processor's model and flags: what the kernels (ours and OpenBLAS's) can use.
            string[] lines = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
            string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
            return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} | {Field("model name")} | {Field("flags")}";
        }
        catch (IOException)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static float[] Filled(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private sealed class CacheFile
    {
        [JsonPropertyName("entries")]
        public Dictionary<string, CacheEntry>? Entries { get; set; }
    }

    private sealed class CacheEntry
    {
        [JsonPropertyName("backend")]
        public string? Backend { get; set; }

        [JsonPropertyName("seconds")]
        public Dictionary<string, double>? Seconds { get; set; }

        [JsonPropertyName("key")]
        public string? Key { get; set; }
    }
}
