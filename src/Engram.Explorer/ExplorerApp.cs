using Engram.Hen;
using Engram.Multimodal;
using Engram.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Engram.Explorer;

/// <summary>
/// The web explorer of one <see cref="MultimodalMemory"/> or one living <see cref="MemoryStore"/>: a page (<c>GET /</c>)
/// and a JSON API to browse the stored items, recall from captions, images (uploaded or stored, occluded, noisy, brushed
/// over) and sounds, watch the state settle step by step, and see how separable the stored codes are; a store's items
/// can be added and forgotten too.
/// </summary>
/// <remarks>
/// <para>Endpoints: <c>GET /api/memory</c> (with <c>writable</c>: whether items can be added and forgotten),
/// <c>GET /api/items?offset=&amp;limit=&amp;q=</c>, <c>GET /api/items/{index}/image.png</c> (by index),
/// <c>POST /api/recall</c> (JSON), <c>POST /api/recall/audio</c> (a WAV, multipart or as the body),
/// <c>GET /api/separability</c>; and by id, <c>GET /api/items/{id}</c> (the item, and which original media a store kept),
/// <c>GET /api/items/{id}/audio</c> (its sound as given, audio/wav), <c>GET /api/items/{id}/original</c> (its image as
/// given, image/png), <c>POST /api/items</c> (multipart/form-data: <c>image</c> a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file, <c>caption</c>, <c>sound</c>
/// a WAV file (or <c>audio</c>), optional <c>id</c>; 201) and <c>DELETE /api/items/{id}</c>.</para>
/// <para>An id in a path is URL-encoded, with a '/' in it as %2F (a plain '/' is taken too, unless the id's last part is
/// <c>audio</c>, <c>original</c> or <c>image.png</c>); <c>/api/items/{index}/image.png</c> stays by index, as the page's
/// thumbnails use it.</para>
/// <para>Errors are <c>{"error": "…"}</c> with 400 (a bad request, saying what was wrong), 404 (no such item, or no
/// stored sound), 405 (an add or forget asked of a memory file, which is read-only), 409 (an id already stored; a recall
/// from a store with no items yet), 413 (over the body limit), 415 (wrong content type) or 503 (another process is
/// writing to the store). The explorer has no authentication: it listens on loopback only unless told otherwise.</para>
/// </remarks>
public static class ExplorerApp
{
    private static readonly Lazy<byte[]> s_page = new(LoadPage);

    /// <summary>
    /// Builds the app; start it with <c>StartAsync</c>/<c>RunAsync</c> and read the bound addresses from its
    /// <c>Urls</c> (port 0 picks a free port). Kestrel listens on exactly the endpoints parsed from
    /// <see cref="ExplorerOptions.Urls"/> (see <see cref="ListenAddress"/>); non-loopback ones are refused unless
    /// <see cref="ExplorerOptions.AllowRemote"/>.
    /// </summary>
    /// <remarks>The memory is served as it is: adding and forgetting items is refused (405), since a memory file only reads.</remarks>
    public static WebApplication Create(MultimodalMemory memory, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        options ??= new ExplorerOptions();
        CheckOptions(options);
        return Create(new ExplorerSession(memory, options), options);
    }

    /// <summary>
    /// Builds the app over a living store, as <see cref="Create(MultimodalMemory, ExplorerOptions?)"/> does over a memory:
    /// the API and the page also add items to <paramref name="store"/> and forget them. Each add or forget is written to
    /// the store, then the served memory is replaced by a new snapshot of it; a request works on the snapshot it started
    /// with. A store with no items is served too: it is described and takes adds, and a recall from it is refused (409)
    /// until it has some.
    /// </summary>
    /// <remarks>The store stays the caller's: keep it open while the app runs, and dispose of it after the app.</remarks>
    public static WebApplication Create(MemoryStore store, ExplorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new ExplorerOptions();
        CheckOptions(options);
        return Create(new ExplorerSession(store, options), options);
    }

    private static void CheckOptions(ExplorerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxRequestBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SeparabilityItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxImagePixels);
    }

    private static WebApplication Create(ExplorerSession session, ExplorerOptions options)
    {
        IReadOnlyList<ListenAddress> addresses = CheckUrls(options.Urls, options.AllowRemote);
        var hosts = new HostFilter(addresses, CheckAllowedHosts(options.AllowedHosts));

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

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Endpoints from configuration (a "Kestrel" section, ASPNETCORE_ variables) must not add to what was asked:
            // an empty configuration replaces them, and the explicit endpoints below override ASPNETCORE_URLS.
            kestrel.Configure(new ConfigurationBuilder().Build());
            foreach (ListenAddress address in addresses)
            {
                if (address.Address is { } ip)
                {
                    kestrel.Listen(ip, address.Port);
                }
                else
                {
                    kestrel.ListenLocalhost(address.Port);
                }
            }

            kestrel.AddServerHeader = false;
            // The API refuses bodies over MaxRequestBytes itself, with a message; Kestrel stops what is too large even to read past.
            kestrel.Limits.MaxRequestBodySize = ExplorerApi.DrainLimit(options.MaxRequestBytes);
        });

        WebApplication app = builder.Build();
        var api = new ExplorerApi(session, app.Logger);
        app.Use(hosts.RejectForeignHostsAsync);
        app.Use(api.HandleErrorsAsync);
        app.MapGet("/", ServePage);
        app.MapGet("/api/memory", api.MemoryAsync);
        app.MapGet("/api/items", api.ItemsAsync);
        app.MapPost("/api/items", api.AddAsync);

        // By index (one segment, then image.png) before the catch-all by id: a route with a literal segment takes precedence over {**id}.
        app.MapGet("/api/items/{index}/image.png", api.ItemImageAsync);
        app.MapGet("/api/items/{**id}", api.ItemAsync);
        app.MapDelete("/api/items/{**id}", api.ForgetAsync);
        app.MapPost("/api/recall", api.RecallAsync);
        app.MapPost("/api/recall/audio", api.RecallAudioAsync);
        app.MapGet("/api/separability", api.SeparabilityAsync);
        app.Map("/api/{**rest}", context => ExplorerApi.WriteErrorAsync(
            context,
            StatusCodes.Status404NotFound,
            $"No endpoint {context.Request.Method} {context.Request.Path}: see GET /api/memory, /api/items, /api/items/{{id}}, /api/separability, " +
            "POST /api/recall, POST /api/items and DELETE /api/items/{id}."));
        return app;
    }

    /// <summary>
    /// Parses <paramref name="urls"/> (';'-separated; see <see cref="ListenAddress.Parse"/>) and refuses any malformed
    /// address, or one that listens beyond this machine while <paramref name="allowRemote"/> is false, saying why.
    /// </summary>
    public static IReadOnlyList<ListenAddress> CheckUrls(string urls, bool allowRemote)
    {
        IReadOnlyList<ListenAddress> addresses = ListenAddress.ParseList(urls);
        foreach (ListenAddress address in addresses)
        {
            if (!allowRemote && !address.IsLoopback)
            {
                throw new ArgumentException(
                    $"{address.Url} would listen beyond this machine. The explorer has no authentication: anyone who can reach it can read every stored item " +
                    "and make it compute. Listen on 127.0.0.1, [::1] or localhost, or allow remote clients explicitly (--allow-remote).");
            }
        }

        return addresses;
    }

    /// <summary>Checks the extra Host names to answer (<see cref="ExplorerOptions.AllowedHosts"/>): each a bare host name or IP address, without scheme, port or path.</summary>
    public static IReadOnlyList<string> CheckAllowedHosts(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (string name in names)
        {
            bool literal = ListenAddress.TryParseLiteral(name, out _);
            if (!literal && Uri.CheckHostName(name) != UriHostNameType.Dns)
            {
                throw new ArgumentException(
                    $"'{name}' is not a host name: list the names clients use to reach the explorer, such as mybox.lan or 192.168.1.20, without http:// or a port (--allowed-hosts NAME[;NAME]).");
            }
        }

        return names;
    }

    private static async Task ServePage(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";

        // Everything is inline: no script, style or image comes from anywhere else. Media plays from this origin (a stored
        // item's sound) or from blob: URLs, which only the page's own script makes (a sound recorded in the page, played back
        // before it is sent).
        context.Response.Headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'";
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
