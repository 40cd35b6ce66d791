using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Engram.Data.Audio;

namespace Engram.Data.Speech;

/// <summary>
/// Speech for any caption through espeak-ng (offline, deterministic for one espeak-ng version),
/// cached on disk: the same text, voice and espeak-ng version give the same WAV file, made once.
/// </summary>
public sealed class SpeechSynthesizer
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private HashSet<string>? _voices;
    private HashSet<string>? _variants;

    private SpeechSynthesizer(string executable, string version, string cacheFolder)
    {
        Executable = executable;
        Version = version;
        CacheFolder = cacheFolder;
    }

    /// <summary>The espeak-ng program.</summary>
    public string Executable { get; }

    /// <summary>What <c>espeak-ng --version</c> printed; part of the cache key.</summary>
    public string Version { get; }

    /// <summary>Where spoken captions are kept.</summary>
    public string CacheFolder { get; }

    /// <summary>
    /// Finds espeak-ng on PATH (or <c>ENGRAM_ESPEAK</c>); null when it is not installed. The cache goes
    /// to <paramref name="cacheFolder"/>, else <c>ENGRAM_CACHE</c>/speech, else ~/.cache/engram/speech.
    /// </summary>
    public static SpeechSynthesizer? TryCreate(string? cacheFolder = null)
    {
        string? executable = FindExecutable();
        if (executable is null)
        {
            return null;
        }

        (int code, string output, _) = Run(executable, ["--version"], stdin: null);
        if (code != 0)
        {
            return null;
        }

        string cache = cacheFolder ?? DefaultCacheFolder();
        // "eSpeak NG text-to-speech: 1.51  Data at: …": the first line is the version.
        string version = output.Trim().Split('\n')[0].Split("Data at:")[0].Trim();
        return new SpeechSynthesizer(executable, version, cache);
    }

    /// <summary>The default cache folder.</summary>
    public static string DefaultCacheFolder()
    {
        string? root = Environment.GetEnvironmentVariable("ENGRAM_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "engram");
        }

        return Path.Combine(root, "speech");
    }

    /// <summary>Speaks <paramref name="text"/> with <paramref name="voice"/> (e.g. "en-us", "en-us+f3").</summary>
    public AudioClip Speak(string text, string voice = "en-us") => WavFile.Read(SpeakToFile(text, voice));

    /// <summary>The cached WAV file of <paramref name="text"/> spoken with <paramref name="voice"/>, made if missing.</summary>
    public string SpeakToFile(string text, string voice = "en-us")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(voice);
        if (voice.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"Voice '{voice}' has spaces or control characters; use a voice name such as en-us or en-us+f3.", nameof(voice));
        }

        CheckVoice(voice);
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Version}\n{voice}\n{text}")));
        string path = Path.Combine(CacheFolder, key[..2], key + ".wav");
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;

        // The text goes in on standard input, so a caption that starts with '-' is never an option.
        (int code, _, string error) = Run(Executable, ["-v", voice, "-w", temporary, "--stdin"], text);
        if (code != 0 || !File.Exists(temporary))
        {
            File.Delete(temporary);
            throw new InvalidOperationException(
                $"espeak-ng could not speak \"{Shorten(text)}\" with voice '{voice}' (exit code {code}): {error.Trim()}");
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// espeak-ng falls back to its default voice, silently and with exit code 0, when it does not know
    /// the one asked for; so the voice (and its +variant) is checked against <c>--voices</c> first.
    /// </summary>
    private void CheckVoice(string voice)
    {
        string[] parts = voice.Split('+', 2);
        if (!KnownNames(ref _voices, "--voices").Contains(parts[0]))
        {
            throw new ArgumentException($"espeak-ng has no voice '{parts[0]}'; `espeak-ng --voices` lists them (e.g. en-us, en-gb, fr).", nameof(voice));
        }

        if (parts.Length == 2 && !KnownNames(ref _variants, "--voices=variant").Contains(parts[1]))
        {
            throw new ArgumentException($"espeak-ng has no voice variant '{parts[1]}'; `espeak-ng --voices=variant` lists them (e.g. f3, m1).", nameof(voice));
        }
    }

    // Each listing row: Pty, Language, Age/Gender, VoiceName, File, (Other languages). Any of the
    // language, name or file (and the file's last part) selects the voice.
    private HashSet<string> KnownNames(ref HashSet<string>? cache, string listing)
    {
        if (cache is not null)
        {
            return cache;
        }

        (_, string output, _) = Run(Executable, [listing], stdin: null);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in output.Split('\n').Skip(1))
        {
            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 5)
            {
                names.Add(columns[1]);
                names.Add(columns[3]);
                names.Add(columns[4]);
                names.Add(columns[4][(columns[4].LastIndexOf('/') + 1)..]);
            }
        }

        return cache = names;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    private static string? FindExecutable()
    {
        string? overridden = Environment.GetEnvironmentVariable("ENGRAM_ESPEAK");
        if (!string.IsNullOrEmpty(overridden))
        {
            return File.Exists(overridden) ? overridden : null;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "espeak-ng");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (int Code, string Output, string Error) Run(string executable, string[] args, string? stdin)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} did not finish in {s_timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }
}
