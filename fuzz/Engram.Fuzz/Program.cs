using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Engram.Hen;
using Engram.Multimodal;

namespace Engram.Fuzz;

/// <summary>
/// The fuzz harness: <c>Engram.Fuzz TARGET COUNT [--seed N] [--timeout-ms MS] [--findings DIR] [--memory-open NAME] [--replay FILE]</c>.
/// Each input is a seeded mutation of a valid seed; an exception other than the target's documented refusal is
/// a crash and a run past the timeout a hang: both are saved under findings/TARGET/ and printed. The last line
/// is the summary fuzz/run.sh collects.
/// </summary>
internal static class Harness
{
    /// <summary>
    /// How the memory target opens a file, by name (--memory-open). "checked" is MultimodalMemory.Load as a user
    /// gets it (most mutations then end at the checksum); "unchecked" skips the checksum (--no-verify), so that
    /// mutations reach every check behind it.
    /// </summary>
    public static readonly Dictionary<string, Func<string, MultimodalMemory>> MemoryOpeners = new(StringComparer.Ordinal)
    {
        ["checked"] = path => MultimodalMemory.Load(path),
        ["unchecked"] = path => MultimodalMemory.Load(path, new MemoryLoadOptions { VerifyChecksum = false }),
    };

    private static readonly string[] s_targets = ["png", "wav", "idx", "safetensors", "memory", "explorer", .. ImageTarget.Names];

    public static int Main(string[] args)
    {
        if (args.Length < 2 || !s_targets.Contains(args[0]) || !int.TryParse(args[1], out int count) || count < 1)
        {
            Console.Error.WriteLine($"usage: Engram.Fuzz TARGET COUNT [--seed N] [--timeout-ms MS] [--findings DIR] [--memory-open NAME] [--replay FILE]; targets: {string.Join(", ", s_targets)}");
            return 2;
        }

        int seed = int.Parse(Option(args, "--seed") ?? "20261202", System.Globalization.CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromMilliseconds(int.Parse(Option(args, "--timeout-ms") ?? "10000", System.Globalization.CultureInfo.InvariantCulture));
        string repository = Repository();
        string findings = Option(args, "--findings") ?? Path.Combine(repository, "fuzz", "findings");
        string opener = Option(args, "--memory-open") ?? "checked";
        if (!MemoryOpeners.TryGetValue(opener, out Func<string, MultimodalMemory>? open))
        {
            Console.Error.WriteLine($"--memory-open {opener}: the openers are {string.Join(", ", MemoryOpeners.Keys)}.");
            return 2;
        }

        Target target = args[0] switch
        {
            "png" => new PngTarget(repository),
            "wav" => new WavTarget(repository),
            "idx" => new IdxTarget(repository),
            "safetensors" => new SafetensorsTarget(repository),
            "memory" => new MemoryTarget(open),
            _ when ImageTarget.Names.Contains(args[0]) => new ImageTarget(args[0]),
            _ => new ExplorerTarget(repository, timeout),
        };
        try
        {
            return Option(args, "--replay") is { } replay ? Replay(target, replay) : Run(target, count, seed, timeout, Path.Combine(findings, target.Name));
        }
        finally
        {
            (target as IDisposable)?.Dispose();
            Scratch.Delete();
        }
    }

    private static int Run(Target target, int count, int seed, TimeSpan timeout, string findings)
    {
        var mutator = new Mutator(seed);
        IReadOnlyList<byte[]> seeds = target.Seeds;
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        int accepted = 0, refused = 0, crashes = 0, hangs = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            byte[] input = target.Mutate(mutator, seeds[i % seeds.Count], seeds[mutator.Random.Next(seeds.Count)]);
            Task<Verdict> run = Task.Run(() => target.Run(input));
            bool finished;
            try
            {
                finished = run.Wait(timeout);
            }
            catch (AggregateException)
            {
                finished = true;
            }

            if (!finished || run.Exception?.InnerException is TimeoutException)
            {
                hangs++;
                Save(findings, "hang", i, input, target, run.Exception?.InnerException?.Message ?? $"no result within {timeout.TotalMilliseconds} ms");
                continue;
            }

            if (run.Exception?.InnerException is { } e)
            {
                crashes++;
                string signature = Signature(e);
                if (signatures.Add(signature))
                {
                    Save(findings, "crash", i, input, target, e.ToString());
                    Console.WriteLine($"{target.Name}: input {i}: {e.GetType().Name}: {FirstLine(e.Message)}");
                }

                continue;
            }

            if (run.Result == Verdict.Accepted)
            {
                accepted++;
            }
            else
            {
                refused++;
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        Console.WriteLine(
            $"{target.Name}: inputs {count}, accepted {accepted}, refused {refused}, crashes {crashes} ({signatures.Count} distinct), hangs {hangs}, "
            + $"{count / seconds:F0} execs/s, {seconds:F0} s, peak working set {peak >> 20} MiB");
        return crashes + hangs == 0 ? 0 : 1;
    }

    /// <summary>Runs the target once on a saved input (a finding, or a hand-made one) and prints what it did.</summary>
    private static int Replay(Target target, string path)
    {
        try
        {
            Console.WriteLine($"{target.Name}: {path}: {target.Run(File.ReadAllBytes(path))}");
            return 0;
        }
#pragma warning disable CA1031 // Whatever the input does is the answer to print.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.WriteLine($"{target.Name}: {path}: {e}");
            return 1;
        }
    }

    /// <summary>The exception's type and the first frame in Engram's code: one finding per distinct cause.</summary>
    private static string Signature(Exception e)
    {
        string frame = e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Engram.", StringComparison.Ordinal)) ?? "";
        if (e is ExplorerFinding)
        {
            // The status and, for a 500, the exception the explorer names: "HTTP 500 … (IOException: …".
            System.Text.RegularExpressions.Match cause = System.Text.RegularExpressions.Regex.Match(e.Message, @"\((\w+Exception)");
            return $"{e.Message.Split(':')[0]} {(cause.Success ? cause.Groups[1].Value : FirstLine(e.Message)[..Math.Min(60, FirstLine(e.Message).Length)])}";
        }

        return $"{e.GetType().FullName} {frame}";
    }

    private static void Save(string folder, string kind, int index, byte[] input, Target target, string what)
    {
        Directory.CreateDirectory(folder);
        string name = $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(input))[..12]}";
        File.WriteAllBytes(Path.Combine(folder, name + target.Extension), input);
        File.WriteAllText(Path.Combine(folder, name + ".txt"), $"input {index} of target {target.Name}\n{what}\n", Encoding.UTF8);
        if (kind == "hang")
        {
            Console.WriteLine($"{target.Name}: input {index}: hang: {what}");
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>The repository root: the first folder above the program (or the working directory) holding Engram.slnx.</summary>
    private static string Repository()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Engram.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("The repository (a folder holding Engram.slnx) was not found above the program or the working directory.");
    }
}
