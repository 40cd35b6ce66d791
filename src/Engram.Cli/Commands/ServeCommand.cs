using System.CommandLine;
using Engram.Explorer;
using Engram.Hen;
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
            Description = "Where to listen: a URL, or several separated by ';'. Port 0 picks a free port. Only loopback addresses " +
                "(127.0.0.1, [::1], localhost) unless --allow-remote.",
            DefaultValueFactory = _ => ExplorerOptions.DefaultUrls,
            HelpName = "URLS",
        };
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow URLs that other machines can reach (0.0.0.0, *, a LAN address). The explorer has no authentication: " +
                "anyone who reaches it can read every stored item and make it compute.",
        };
        var command = new Command(
            "serve",
            "Explore a memory in the browser: browse the stored items, recall from a caption, an image (a stored one or a PNG, with a half hidden, " +
            "noise, or pixels brushed out) or a sound, and watch the state settle step by step with its energy and softmax weights; see how " +
            "separable the stored codes are. A harmonic memory (`engram build --harmonic`) clamps the cued modalities and shows what each other one completed. A JSON API serves the page (GET /api/memory, /api/items, /api/items/N/image.png, /api/separability; " +
            $"POST /api/recall, /api/recall/audio); request bodies are capped at {ExplorerOptions.DefaultMaxRequestBytes / (1024 * 1024)} MB. " +
            "Serves until Ctrl+C.\n\n" +
            "Examples:\n" +
            "  engram serve --memory emoji.engram\n" +
            "  engram serve --memory emoji.engram --urls http://127.0.0.1:8080\n" +
            "  engram serve --memory emoji.engram --urls http://0.0.0.0:5000 --allow-remote")
        {
            memory, urls, allowRemote,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(memory)!;
            var options = new ExplorerOptions
            {
                Urls = parse.GetValue(urls)!,
                AllowRemote = parse.GetValue(allowRemote),
                MemoryName = Path.GetFileName(path),
                ConsoleLogging = true,
            };

            // Refuse a URL before the (slower) load, so the mistake is reported at once.
            ExplorerApp.CheckUrls(options.Urls, options.AllowRemote);
            MultimodalMemory loaded = MultimodalMemory.Load(path);
            using WebApplication app = ExplorerApp.Create(loaded, options);
            app.Start();
            string slots = string.Join(", ", loaded.Network.Layout.Slots.Select(s => s.Name));
            context.Console.MarkupLine(Markup.Escape($"Serving {options.MemoryName} ({loaded.Count:N0} items; {slots}{(loaded.Harmonic is null ? "" : "; harmonic: a cue completes the other modalities")}) at {string.Join(" and ", app.Urls)}"));
            context.Console.MarkupLine(Markup.Escape("Open it in a browser. Press Ctrl+C to stop."));
            if (options.AllowRemote && options.Urls.Split(';').Any(u => !ExplorerApp.IsLoopback(u.Trim())))
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
}
