using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Engram.Data.Audio;

/// <summary>
/// Formats Engram does not decode itself, through the <c>ffmpeg</c> program (Debian: <c>apt-get install ffmpeg</c>):
/// the file's bytes go in on stdin, 32-bit float WAV at the file's own rate and channels comes out on stdout.
/// ffmpeg is told the demuxer (never left to guess one, so a playlist cannot make it open other files), may use
/// only the pipe protocol, takes the first audio stream, and stops at the first decoding error (<c>-xerror</c>);
/// it is killed when it runs past <see cref="AudioReadOptions.Timeout"/> or writes more than
/// <see cref="AudioReadOptions.MaxSamples"/> samples.
/// </summary>
internal static partial class FfmpegDecoder
{
    // ffmpeg's WAV header on a pipe: RIFF, fmt (up to 40 bytes, extensible), a LIST of its own, data.
    private const int HeaderAllowance = 1 << 16;

    /// <summary>The ffmpeg to run: <see cref="AudioReadOptions.FfmpegPath"/> when it names a file, else <c>ffmpeg</c> on PATH; null when there is none.</summary>
    public static string? Find(AudioReadOptions options)
    {
        if (options.FfmpegPath is { } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in OperatingSystem.IsWindows() ? new[] { "ffmpeg.exe" } : ["ffmpeg"])
            {
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>What the file is and why Engram cannot read it here: ffmpeg is not installed (or not where <see cref="AudioReadOptions.FfmpegPath"/> says).</summary>
    public static DataFormatException NotInstalled(string source, string what, AudioReadOptions options) =>
        new(source, null,
            $"the file is {what}; Engram reads WAV, MP3 and OGG Vorbis itself, and other formats through ffmpeg, which is not installed" +
            (options.FfmpegPath is { } path ? $" (no file at {path})" : "") +
            ": apt-get install ffmpeg, or convert it to WAV.");

    /// <summary>Decodes <paramref name="bytes"/> of <paramref name="format"/> (<paramref name="what"/> describes it) with ffmpeg.</summary>
    public static AudioClip Decode(byte[] bytes, string source, AudioFormat format, string what, AudioReadOptions options)
    {
        string ffmpeg = Find(options) ?? throw NotInstalled(source, what, options);
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in Arguments(format))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DataFormatException(source, null, $"the file is {what}, which Engram reads through ffmpeg, but {ffmpeg} could not be started ({e.Message}): reinstall ffmpeg, or convert the file to WAV.", e);
        }

        // Past the timeout ffmpeg is killed: its stdout then closes and the read below ends.
        bool timedOut = false;
        using var timeout = new CancellationTokenSource(options.Timeout);
        using CancellationTokenRegistration stop = timeout.Token.Register(() =>
        {
            timedOut = true;
            Kill(process);
        });
        Task feed = FeedAsync(process.StandardInput.BaseStream, bytes);
        Task<string> errors = process.StandardError.ReadToEndAsync();
        long limit = (options.MaxSamples * sizeof(float)) + HeaderAllowance;
        (byte[] output, bool complete) = ReadCapped(process.StandardOutput.BaseStream, limit);
        if (!complete)
        {
            Kill(process);
            (int rate, int channels) = RateAndChannels(output);
            throw DecodedSamples.TooLong(source, what, rate, channels, options.MaxSamples);
        }

        process.WaitForExit();
        stop.Dispose(); // waits for a callback that is running, so timedOut is settled
        if (timedOut)
        {
            throw new DataFormatException(source, null, $"ffmpeg did not finish decoding the {what} within {options.Timeout.TotalSeconds:0.#} s (AudioReadOptions.Timeout), and was stopped; the file may be damaged: convert it to WAV.");
        }

        feed.Wait(TimeSpan.FromSeconds(5));
        string stderr = errors.Wait(TimeSpan.FromSeconds(5)) ? errors.Result : "";
        if (process.ExitCode != 0)
        {
            throw new DataFormatException(source, null, $"ffmpeg could not decode the {what}: {Explain(stderr, process.ExitCode)}.");
        }

        AudioClip clip;
        try
        {
            clip = WavFile.Read(output, source);
        }
        catch (DataFormatException e)
        {
            throw new DataFormatException(source, null, $"ffmpeg decoded the {what} but its output could not be read ({e.Problem}).", e);
        }

        if (clip.Samples.Length > options.MaxSamples)
        {
            throw DecodedSamples.TooLong(source, what, clip.SampleRate, clip.Channels, options.MaxSamples);
        }

        if (clip.FrameCount == 0)
        {
            throw new DataFormatException(source, null, $"the {what} holds no sound: ffmpeg decoded no samples from it.");
        }

        return AudioFiles.Checked(clip, source, what);
    }

    /// <summary>The command line after the program's name.</summary>
    internal static IReadOnlyList<string> Arguments(AudioFormat format) =>
    [
        "-nostdin", "-hide_banner", "-loglevel", "error", "-xerror",
        "-protocol_whitelist", "pipe", "-f", format.FfmpegDemuxer() ?? throw new ArgumentOutOfRangeException(nameof(format), format, "No demuxer for this format."),
        "-i", "pipe:0",
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
        "-c:a", "pcm_f32le", "-f", "wav", "pipe:1",
    ];

    /// <summary>ffmpeg's last few error lines, without its "[flac @ 0x55…]" prefixes, the pipe's name or the exit code's jargon.</summary>
    internal static string Explain(string stderr, int exitCode)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => ContextPrefix().Replace(l, "$1: ").Replace("pipe:0: ", "", StringComparison.Ordinal).Replace("pipe:0", "the input", StringComparison.Ordinal))
            .Where(l => l.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (lines.Any(l => l.Contains("matches no streams", StringComparison.Ordinal)))
        {
            return "it has no audio stream";
        }

        string text = lines.Length == 0 ? $"it exited with code {exitCode} and said nothing" : string.Join("; ", lines.TakeLast(3));
        return text.Length > 400 ? text[..400] + "…" : text;
    }

    private static async Task FeedAsync(Stream stdin, byte[] bytes)
    {
        try
        {
            await stdin.WriteAsync(bytes).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it failed, or had what it needed): its exit code and stderr say why.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The pipe is already broken: nothing left to close cleanly.
            }
        }
    }

    /// <summary>All of stdout, and true; or the first <paramref name="limit"/> bytes and false when there is more.</summary>
    private static (byte[] Output, bool Complete) ReadCapped(Stream stdout, long limit)
    {
        using var buffer = new MemoryStream();
        var block = new byte[1 << 16];
        int read;
        while ((read = stdout.Read(block, 0, block.Length)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (buffer.ToArray(), false);
            }

            buffer.Write(block, 0, read);
        }

        return (buffer.ToArray(), true);
    }

    /// <summary>The rate and channels in the WAV header at the start of ffmpeg's output (for the message when it is too long).</summary>
    private static (int Rate, int Channels) RateAndChannels(byte[] output)
    {
        try
        {
            AudioClip start = WavFile.Read(output.AsSpan(0, Math.Min(output.Length, 4096)), "ffmpeg's output");
            return (start.SampleRate, start.Channels);
        }
        catch (DataFormatException)
        {
            return (48000, 2);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }
    }

    [GeneratedRegex(@"^\[([\w,]+) @ 0x[0-9a-f]+\]\s*")]
    private static partial Regex ContextPrefix();
}
