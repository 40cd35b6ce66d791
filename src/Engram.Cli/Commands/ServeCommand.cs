using System.CommandLine;
using System.Net.Sockets;
using Engram.Explorer;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Multimodal;
using Engram.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary>
/// <c>engram serve</c>: the web explorer of one memory, on this machine, until Ctrl+C. A memory file is served as it is;
/// a store is opened for writing and served live, so the page and the API add items to it and forget them.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var memory = new Option<string>("--memory")
        {
            Description = "The memory to explore: a memory file (from `engram build`, served as it is) or a store (from `engram import`, served live: " +
                "the page adds items to it and forgets them).",
            Required = true,
            HelpName = "FILE",
        };
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
            "separable the stored codes are. A harmonic memory (`engram build --harmonic`) clamps the cued modalities and shows what each other one completed. " +
            "A store (`engram import`) is served live: the page adds an item (its PNG, caption and WAV, kept as given) and forgets one, and plays an item's stored sound. " +
            "A JSON API serves the page (GET /api/memory, /api/items, /api/items/N/image.png, /api/items/ID, /api/items/ID/audio, /api/items/ID/original, /api/separability; " +
            $"POST /api/recall, /api/recall/audio, /api/items; DELETE /api/items/ID); request bodies are capped at {ExplorerOptions.DefaultMaxRequestBytes / (1024 * 1024)} MB and uploaded " +
            $"images at {ExplorerOptions.DefaultMaxImagePixels / 1_000_000} megapixels (such as 6000×4000), decoded one at a time. " +
            "Serves until Ctrl+C.\n\n" +
            "Examples:\n" +
            "  engram serve --memory emoji.engram\n" +
            "  engram import --memory emoji.engram --out emoji.store && engram serve --memory emoji.store\n" +
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
            if (MemoryStore.IsStore(path))
            {
                return ServeStore(context, path, options, addresses, parse.GetValue(models));
            }

            MultimodalMemory loaded = MemoryFileOptions.Load(context, path, parse.GetValue(noVerify), parse.GetValue(models));
            using WebApplication app = ExplorerApp.Create(loaded, options);
            Start(app, options.Urls);
            string slots = string.Join(", ", loaded.Network.Layout.Slots.Select(s => s.Name));
            context.Console.MarkupLine(Markup.Escape($"Serving {options.MemoryName} ({loaded.Count:N0} items; {slots}{(loaded.Engine is not HarmonicEngine ? "" : "; harmonic: a cue completes the other modalities")}) at {string.Join(" and ", app.Urls)}"));
            return Serve(context, app, addresses);
        });
        return command;
    }

    // A store, open for writing while it is served: the explorer adds to it and forgets from it, and serves a new snapshot after each.
    private static int ServeStore(CliContext context, string path, ExplorerOptions options, IReadOnlyList<ListenAddress> addresses, IReadOnlyList<string>? models)
    {
        using MemoryStore store = MemoryStore.Open(path, new MemoryLoadOptions { ModelFolders = models ?? [] });
        foreach (string relocated in store.Encoders.Relocated)
        {
            context.Error.WriteLine(relocated);
        }

        using WebApplication app = ExplorerApp.Create(store, options);
        Start(app, options.Urls);
        string slots = string.Join(", ", store.Encoders.Described.Where(e => e.Slot != MemoryEncoders.HarmonicEntry).Select(e => e.Slot));
        bool harmonic = Engines.EngineCatalog.Choose(store.EngineName, store.Encoders.Harmonic) == HarmonicEngine.Kind;
        context.Console.MarkupLine(Markup.Escape(
            $"Serving {options.MemoryName} ({store.Count:N0} items; {slots}{(harmonic ? "; harmonic: a cue completes the other modalities" : "")}; a store: the page adds and forgets items) at {string.Join(" and ", app.Urls)}"));
        return Serve(context, app, addresses);
    }

    private static int Serve(CliContext context, WebApplication app, IReadOnlyList<ListenAddress> addresses)
    {
        context.Console.MarkupLine(Markup.Escape("Open it in a browser. Press Ctrl+C to stop."));
        if (addresses.Any(a => !a.IsLoopback))
        {
            context.Console.MarkupLine(Markup.Escape("warning: listening beyond this machine (--allow-remote), with no authentication."));
        }

        // The host stops on Ctrl+C or SIGTERM.
        app.WaitForShutdown();
        context.Output.WriteLine("Stopped.");
        return 0;
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
