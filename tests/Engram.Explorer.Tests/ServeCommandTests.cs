using System.Diagnostics;
using System.Text.RegularExpressions;
using Engram.Cli;
using Engram.Explorer.Tests.Support;

namespace Engram.Explorer.Tests;

/// <summary><c>engram serve</c> as a person runs it.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed partial class ServeCommandTests(ExplorerServer server)
{
    [Fact]
    public async Task Serve_prints_the_url_serves_the_page_and_the_api_and_stops_cleanly_on_a_signal()
    {
        // Given `engram serve` started on a free port, as its own process
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Engram.Cli.dll"), "serve", "--memory", server.MemoryPath, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        try
        {
            // When it says where it listens
            string line = (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
            Assert.Contains("Serving emoji.engram (40 items; image, text) at http://127.0.0.1:", line, StringComparison.Ordinal);
            Uri url = new(Url().Match(line).Value);

            // Then the page and the API answer there
            using var client = new HttpClient { BaseAddress = url };
            Assert.Contains("<title>Engram explorer</title>", await client.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
            Assert.Contains("\"count\":40", await client.GetStringAsync(new Uri("/api/memory", UriKind.Relative)), StringComparison.Ordinal);

            // And SIGTERM (as Ctrl+C's SIGINT) stops it, exit code 0
            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Stopped.", await process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://127.0.0.1:5000;http://192.168.1.20:5000")]
    public void Serve_refuses_addresses_other_machines_can_reach_unless_allowed_and_says_why(string urls)
    {
        var (code, _, error) = Run("serve", "--memory", server.MemoryPath, "--urls", urls);

        Assert.Equal(EngramApp.Failure, code);
        Assert.StartsWith("error: http://", error, StringComparison.Ordinal);
        Assert.Contains("would listen beyond this machine. The explorer has no authentication", error, StringComparison.Ordinal);
        Assert.Contains("--allow-remote", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_reports_a_missing_or_broken_memory_file_as_an_error()
    {
        var (code, _, error) = Run("serve", "--memory", "no-such.engram");
        Assert.Equal(EngramApp.Failure, code);
        Assert.Equal("error: The memory file no-such.engram does not exist (make one with `engram build`).", error.Trim());

        string weights = Path.Combine(Engram.Data.ShippedData.Find("models")!, "emoji-text.safetensors");
        (code, _, error) = Run("serve", "--memory", weights);
        Assert.Equal(EngramApp.Failure, code);
        Assert.Contains("not an Engram memory", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_help_shows_the_options_and_examples()
    {
        var (code, output, _) = Run("serve", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--memory <FILE> (REQUIRED)", output, StringComparison.Ordinal);
        Assert.Contains("[default: http://127.0.0.1:5000]", output, StringComparison.Ordinal);
        Assert.Contains("--allow-remote", output, StringComparison.Ordinal);
        Assert.Contains("engram serve --memory emoji.engram --urls http://127.0.0.1:8080", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.0.0.2:80/", true)]
    [InlineData("http://localhost:0", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("https://LOCALHOST", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("http://localhost.example.com:5000", false)]
    public void Only_loopback_addresses_count_as_this_machine(string url, bool loopback) =>
        Assert.Equal(loopback, ExplorerApp.IsLoopback(url));

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = EngramApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex Url();
}
