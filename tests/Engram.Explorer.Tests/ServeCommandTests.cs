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

    [Fact]
    public async Task Serve_opens_a_store_for_writing_and_serves_what_is_added_to_it()
    {
        // Given a store imported from the memory file, served by `engram serve` in its own process
        string folder = Directory.CreateTempSubdirectory("engram-serve-store-").FullName;
        string store = Path.Combine(folder, "emoji.store");
        using Process process = StartServe(store, folder);
        try
        {
            // When it says where it listens, an item is added there and another forgotten
            string line = (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
            Assert.Contains("Serving emoji.store (40 items; image, text; a store: the page adds and forgets items) at http://127.0.0.1:", line, StringComparison.Ordinal);
            using var client = new HttpClient { BaseAddress = new Uri(Url().Match(line).Value) };
            using var form = StoreExplorer.Form([("image", "mine.png", Engram.Data.Png.PngEncoder.Encode(server.Emoji[5].Image))], [("caption", "one of my own")]);
            using (HttpResponseMessage added = await client.PostAsync(new Uri("/api/items", UriKind.Relative), form))
            {
                Assert.Equal(System.Net.HttpStatusCode.Created, added.StatusCode);
            }

            using (HttpResponseMessage forgotten = await client.DeleteAsync(new Uri($"/api/items/{server.Emoji[0].Id}", UriKind.Relative)))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, forgotten.StatusCode);
            }

            // Then the explorer serves the store as it is now, and says it is writable
            string memory = await client.GetStringAsync(new Uri("/api/memory", UriKind.Relative));
            Assert.Contains("\"count\":40", memory, StringComparison.Ordinal);
            Assert.Contains("\"writable\":true", memory, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        // And the store file holds it, for the next `engram` command that opens it
        using (Engram.Store.MemoryStore opened = Engram.Store.MemoryStore.Open(store))
        {
            Assert.Equal(40, opened.Count);
            Assert.Contains(opened.List(), i => i.Id == "mine");
            Assert.DoesNotContain(opened.List(), i => i.Id == server.Emoji[0].Id);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private Process StartServe(string store, string folder)
    {
        var (code, _, error) = Run("import", "--memory", server.MemoryPath, "--out", store);
        Assert.True(code == 0, error);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Engram.Cli.dll"), "serve", "--memory", store, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
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

    [Theory]
    [InlineData("http://127.0.0.1:abc", "has the port 'abc'")]
    [InlineData("http://127.0.0.1:", "has nothing after the ':' where the port goes")]
    [InlineData("http://[::1]:5000:5001", "has an extra ':'")]
    public async Task Should_refuse_a_malformed_address_with_what_is_wrong(string urls, string problem)
    {
        // Given a listen address that is not one, with remote clients allowed or not
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--allow-remote"] })
        {
            // When serve is run with it (an address taken as valid would serve until stopped: that fails here rather than hangs)
            var (code, _, error) = await Task.Run(() => Run(["serve", "--memory", server.MemoryPath, "--urls", urls, .. extra])).WaitAsync(TimeSpan.FromSeconds(60));

            // Then it fails at once, naming it and what is wrong
            Assert.Equal(EngramApp.Failure, code);
            Assert.StartsWith($"error: '{urls}' {problem}", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Should_listen_only_on_its_urls_whatever_the_environment_asks_for()
    {
        // Given `engram serve` in its own process, with ASP.NET Core's variables asking for other endpoints (on loopback ports that were free)
        int urlsPort = FreePort(), endpointPort = FreePort(), httpPort = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{urlsPort}";
        start.Environment["ASPNETCORE_Kestrel__Endpoints__extra__Url"] = $"http://127.0.0.1:{endpointPort}";
        start.Environment["ASPNETCORE_HTTP_PORTS"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Engram.Cli.dll"), "serve", "--memory", server.MemoryPath, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        try
        {
            // When it says where it listens (after ASP.NET Core's warnings that it overrides those variables)
            string line;
            do
            {
                line = (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
            }
            while (!line.StartsWith("Serving ", StringComparison.Ordinal));

            // Then that is the one address of --urls, it answers there, and nothing listens where the environment asked
            Assert.Single(Url().Matches(line));
            using var client = new HttpClient { BaseAddress = new Uri(Url().Match(line).Value) };
            Assert.Contains("\"count\":40", await client.GetStringAsync(new Uri("/api/memory", UriKind.Relative)), StringComparison.Ordinal);
            foreach (int port in new[] { urlsPort, endpointPort, httpPort })
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(async () => await socket.ConnectAsync(System.Net.IPAddress.Loopback, port));
            }
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void Should_report_a_port_in_use_or_an_address_this_machine_lacks_as_an_error()
    {
        // Given a port another listener holds, and an address (TEST-NET-3) that is none of this machine's
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        int port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        // When serve is asked to listen there
        var (inUse, _, inUseError) = Run("serve", "--memory", server.MemoryPath, "--urls", $"http://127.0.0.1:{port}");
        var (absent, _, absentError) = Run("serve", "--memory", server.MemoryPath, "--urls", "http://203.0.113.7:0", "--allow-remote");

        // Then each is an error saying where it could not listen and what to do, not a crash
        Assert.Equal(EngramApp.Failure, inUse);
        Assert.StartsWith($"error: Could not listen on http://127.0.0.1:{port}: ", inUseError, StringComparison.Ordinal);
        Assert.Contains("pick another with --urls", inUseError, StringComparison.Ordinal);
        Assert.Equal(EngramApp.Failure, absent);
        Assert.StartsWith("error: Could not listen on http://203.0.113.7:0: ", absentError, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_an_allowed_host_that_is_not_a_host_name()
    {
        // Given --allowed-hosts with a URL where a name goes
        // When serve is run
        var (code, _, error) = Run("serve", "--memory", server.MemoryPath, "--allowed-hosts", "mybox.lan;http://mybox.lan:5000");

        // Then it says which entry is wrong and what the option takes
        Assert.Equal(EngramApp.Failure, code);
        Assert.StartsWith("error: 'http://mybox.lan:5000' is not a host name", error, StringComparison.Ordinal);
        Assert.Contains("--allowed-hosts NAME[;NAME]", error, StringComparison.Ordinal);
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
        Assert.Contains("--allowed-hosts <NAME[;NAME]>", output, StringComparison.Ordinal);
        Assert.Contains("--no-verify", output, StringComparison.Ordinal);
        Assert.Contains("uploaded images at 24 megapixels", output, StringComparison.Ordinal);
        Assert.Contains("engram serve --memory emoji.engram --urls http://127.0.0.1:8080", output, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = EngramApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex Url();
}
