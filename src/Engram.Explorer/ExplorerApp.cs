using System.Net;
using Engram.Hen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Engram.Explorer;

/// <summary>
/// The web explorer of one <see cref="MultimodalMemory"/>: a page (<c>GET /</c>) and a JSON API to browse the
/// stored items, recall from captions, images (uploaded or stored, occluded, noisy, brushed over) and sounds,
/// watch the state settle step by step, and see how separable the stored codes are.
/// </summary>
/// <remarks>
/// Endpoints: <c>GET /api/memory</c>, <c>GET /api/items?offset=&amp;limit=&amp;q=</c>,
/// <c>GET /api/items/{index}/image.png</c>, <c>POST /api/recall</c> (JSON), <c>POST /api/recall/audio</c>
/// (a WAV, multipart or as the body) and <c>GET /api/separability</c>. Errors are <c>{"error": "…"}</c> with
/// 400 (a bad request, saying what was wrong), 404 (no such item), 413 (over the body limit) or 415 (wrong
/// content type). The explorer has no authentication: it listens on loopback only unless told otherwise.
/// </remarks>
public static class ExplorerApp
{
    private static readonly Lazy<byte[]> s_page = new(LoadPage);

    /// <summary>
    /// Builds the app; start it with <c>StartAsync</c>/<c>RunAsync</c> and read the bound addresses from its
    /// <c>Urls</c> (port 0 picks a free port). Refuses non-loopback URLs unless <see cref="ExplorerOptions.AllowRemote"/>.
    /// </summary>
    public static WebApplication Create(MultimodalMemory memory, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        options ??= new ExplorerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRequestBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SeparabilityItems);
        string[] urls = CheckUrls(options.Urls, options.AllowRemote);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(ExplorerApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }

        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The API refuses bodies over MaxRequestBytes itself, with a message; Kestrel stops what is too large even to read past.
            kestrel.Limits.MaxRequestBodySize = ExplorerApi.DrainLimit(options.MaxRequestBytes);
        });

        WebApplication app = builder.Build();
        var api = new ExplorerApi(new ExplorerSession(memory, options), app.Logger);
        if (!options.AllowRemote)
        {
            app.Use(RejectForeignHosts);
        }

        app.Use(api.HandleErrorsAsync);
        app.MapGet("/", ServePage);
        app.MapGet("/api/memory", api.MemoryAsync);
        app.MapGet("/api/items", api.ItemsAsync);
        app.MapGet("/api/items/{index}/image.png", api.ItemImageAsync);
        app.MapPost("/api/recall", api.RecallAsync);
        app.MapPost("/api/recall/audio", api.RecallAudioAsync);
        app.MapGet("/api/separability", api.SeparabilityAsync);
        app.Map("/api/{**rest}", context => ExplorerApi.WriteErrorAsync(
            context, StatusCodes.Status404NotFound, $"No endpoint {context.Request.Method} {context.Request.Path}: see GET /api/memory, /api/items, /api/separability and POST /api/recall."));
        return app;
    }

    /// <summary>
    /// Splits <paramref name="urls"/> (';'-separated) and refuses any that is not an absolute http URL, or that
    /// listens beyond this machine while <paramref name="allowRemote"/> is false, saying why.
    /// </summary>
    public static string[] CheckUrls(string urls, bool allowRemote)
    {
        ArgumentNullException.ThrowIfNull(urls);
        string[] list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            throw new ArgumentException("Give a URL to listen on, such as http://127.0.0.1:5000.");
        }

        foreach (string url in list)
        {
            if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{url}' is not an http URL; listen on one such as http://127.0.0.1:5000.");
            }

            if (!allowRemote && !IsLoopback(url))
            {
                throw new ArgumentException(
                    $"{url} would listen beyond this machine. The explorer has no authentication: anyone who can reach it can read every stored item " +
                    "and make it compute. Listen on 127.0.0.1, [::1] or localhost, or allow remote clients explicitly (--allow-remote).");
            }
        }

        return list;
    }

    /// <summary>Whether <paramref name="url"/> listens only on this machine: localhost, 127.0.0.0/8 or ::1 (not *, + or 0.0.0.0).</summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);

        // Kestrel's wildcards (*, +) are not valid URI hosts: read the host by hand.
        int start = url.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        string rest = url[(start + 3)..];
        int end = rest.StartsWith('[') ? rest.IndexOf(']', StringComparison.Ordinal) + 1 : rest.IndexOfAny([':', '/']);
        string host = end <= 0 ? rest : rest[..end];
        return IsLoopbackHost(host);
    }

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));

    // A page elsewhere could point a name of its own at 127.0.0.1 (DNS rebinding) and read the API with the
    // browser's help: answer only requests addressed to this machine by a loopback name.
    private static Task RejectForeignHosts(HttpContext context, RequestDelegate next)
    {
        string host = context.Request.Host.Host;
        return host.Length == 0 || IsLoopbackHost(host)
            ? next(context)
            : ExplorerApi.WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"This explorer answers only requests to a loopback host (localhost, 127.0.0.1, [::1]); got '{host}'.");
    }

    private static async Task ServePage(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";

        // Everything is inline: no script, style or image comes from anywhere else.
        context.Response.Headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'";
        await context.Response.Body.WriteAsync(s_page.Value, context.RequestAborted).ConfigureAwait(false);
    }

    private static byte[] LoadPage()
    {
        using Stream stream = typeof(ExplorerApp).Assembly.GetManifestResourceStream("Engram.Explorer.index.html")
            ?? throw new InvalidOperationException("The explorer page is missing from the assembly (resource Engram.Explorer.index.html).");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
