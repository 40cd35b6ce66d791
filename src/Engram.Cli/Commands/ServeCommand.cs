using System.CommandLine;
using System.Net.Sockets;
using Engram.Explorer;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Multimodal;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram serve</c>: the web explorer of one memory, on this machine, until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var memory = new Option<string>("--memory") { Description = "The memory file to explore (from `engram build`).", Required = true, HelpName = "FILE" };
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen: http://ADDRESS:PORT, or several separated by ';'. ADDRESS is an IP address, localhost or * (every " +
                "interface), never a name to look up; PORT is 0 to 65535 (0 picks a free port). The explorer listens on exactly these and nothing " +
                "else, and refuses a malformed one. Only loopback addresses (127.0.0.1, [::1], localhost) unless --allow-remote.",
            DefaultValueFactory = _ => ExplorerOptions.DefaultUrls,
            HelpName = "URLS",
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow URLs that other machines can reach (0.0.0.0, *, a LAN address). The explorer has no authentication: " +
                "anyone who reaches it can read every stored item and make it compute.",
        };
        var allowedHosts = new Option<string>("--allowed-hosts")
        {
            Description = "More names to answer requests for, separated by ';' (such as mybox.lan). The explorer answers only requests whose Host " +
                "is localhost, a loopback address, an address it listens on or the one the request arrived on, so that a web page elsewhere cannot " +
                "reach it through a name of its own (DNS rebinding); with --allow-remote, list here the names other machines use to reach it.",
            HelpName = "NAME[;NAME]",
        };
        Option<bool> noVerify = MemoryFileOptions.NoVerify();
        Option<string[]> models = MemoryFileOptions.Models();
        var command = new Command(
            "serve",
            "Explore a memory in the browser: browse the stored items, recall from a caption, an image (a stored one or a PNG, with a half hidden, " +
            "noise, or pixels brushed out) or a sound, and watch the state settle step by step with its energy and softmax weights; see how " +
            "separable the stored codes are. A harmonic memory (`engram build --harmonic`) clamps the cued modalities and shows what each other one completed. A JSON API serves the page (GET /api/memory, /api/items, /api/items/N/image.png, /api/separability; " +
            $"POST /api/recall, /api/recall/audio); request bodies are capped at {ExplorerOptions.DefaultMaxRequestBytes / (1024 * 1024)} MB and uploaded " +
            $"images at {ExplorerOptions.DefaultMaxImagePixels / 1_000_000} megapixels (such as 6000×4000), decoded one at a time. " +
            "Serves until Ctrl+C.\n\n" +
            "Examples:\n" +
            "  engram serve --memory emoji.engram\n" +
            "  engram serve --memory emoji.engram --urls http://127.0.0.1:8080\n" +
            "  engram serve --memory emoji.engram --urls http://0.0.0.0:5000 --allow-remote --allowed-hosts mybox.lan")
        {
            memory, urls, allowRemote, allowedHosts, noVerify, models,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(memory)!;
            var options = new ExplorerOptions
            {
                Urls = parse.GetValue(urls)!,
                AllowRemote = parse.GetValue(allowRemote),
                AllowedHosts = (parse.GetValue(allowedHosts) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                MemoryName = Path.GetFileName(path),
                ConsoleLogging = true,
            };

            // Refuse a URL or a host name before the (slower) load, so the mistake is reported at once.
            IReadOnlyList<ListenAddress> addresses = ExplorerApp.CheckUrls(options.Urls, options.AllowRemote);
            ExplorerApp.CheckAllowedHosts(options.AllowedHosts);
            MultimodalMemory loaded = MemoryFileOptions.Load(context, path, parse.GetValue(noVerify), parse.GetValue(models));
            using WebApplication app = ExplorerApp.Create(loaded, options);
            Start(app, options.Urls);
            string slots = string.Join(", ", loaded.Network.Layout.Slots.Select(s => s.Name));
            context.Console.MarkupLine(Markup.Escape($"Serving {options.MemoryName} ({loaded.Count:N0} items; {slots}{(loaded.Engine is not HarmonicEngine ? "" : "; harmonic: a cue completes the other modalities")}) at {string.Join(" and ", app.Urls)}"));
            context.Console.MarkupLine(Markup.Escape("Open it in a browser. Press Ctrl+C to stop."));
            if (addresses.Any(a => !a.IsLoopback))
            {
                context.Console.MarkupLine(Markup.Escape("warning: listening beyond this machine (--allow-remote), with no authentication."));
            }

            // The host stops on Ctrl+C or SIGTERM.
            app.WaitForShutdown();
            context.Output.WriteLine("Stopped.");
            return 0;
        });
        return command;
    }

    // A port in use, or an address this machine does not have, is the user's to fix: say so, not with a stack trace.
    private static void Start(WebApplication app, string urls)
    {
        try
        {
            app.Start();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new IOException(
                $"Could not listen on {urls}: {e.Message.TrimEnd('.')}. Another program may hold the port, or the address may not be one of this machine's; " +
                "pick another with --urls (port 0 picks a free one).", e);
        }
    }
}
