using System.Globalization;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Audio;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Engram.Explorer;

/// <summary>
/// The HTTP side of the explorer: each endpoint reads its request by hand (so that every refusal is a JSON
/// message saying what was wrong, rather than an empty 400 from model binding), and one middleware turns
/// refusals and failures into <c>{"error": …}</c> with their status codes.
/// </summary>
internal sealed class ExplorerApi(ExplorerSession session, ILogger logger)
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    private static readonly string[] s_wavTypes = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"];

    private long Cap => session.Options.MaxRequestBytes;

    /// <summary>
    /// How far past the limit a body is still read (and dropped) before the 413: a client that sends its whole body
    /// before listening, as browsers do, then hears the message instead of a reset connection. Past this the answer
    /// comes at once (Kestrel stops reading) and the connection closes.
    /// </summary>
    public static long DrainLimit(long cap) => cap > long.MaxValue / 8 ? long.MaxValue : cap * 8;

    /// <summary>Refusals and failures as JSON errors; the server goes on serving after each.</summary>
    public async Task HandleErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            (int status, string message) = e switch
            {
                ApiException api => (api.StatusCode, api.Message),
                BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => (bad.StatusCode, TooLarge(null)),
                BadHttpRequestException bad => (bad.StatusCode, bad.Message),
                ArgumentException argument => (StatusCodes.Status400BadRequest, Plain(argument)),
                DataFormatException or InvalidDataException or JsonException => (StatusCodes.Status400BadRequest, e.Message),
                _ => (StatusCodes.Status500InternalServerError, $"The explorer failed on this request ({e.GetType().Name}: {e.Message}); it goes on serving others."),
            };
            if (status >= StatusCodes.Status500InternalServerError)
            {
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            await WriteErrorAsync(context, status, message).ConfigureAwait(false);
        }
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorView(message), ExplorerJson.Options, context.RequestAborted);
    }

    public Task MemoryAsync(HttpContext context) => WriteAsync(context, session.Describe());

    public Task ItemsAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        int offset = QueryInt(query, "offset", 0, 0, int.MaxValue);
        int limit = QueryInt(query, "limit", DefaultLimit, 1, MaxLimit);
        string? q = query["q"].ToString() is { Length: > 0 } text ? text.Trim() : null;
        var matching = session.Memory.Items
            .Select((item, index) => new ItemView(index, item.Id, item.Caption))
            .Where(i => q is null || i.Id.Contains(q, StringComparison.OrdinalIgnoreCase) || (i.Caption?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false))
            .ToList();
        ItemView[] page = matching.Skip(offset).Take(limit).ToArray();
        return WriteAsync(context, new ItemsView(session.Memory.Count, matching.Count, offset, limit, q, page));
    }

    public async Task ItemImageAsync(HttpContext context)
    {
        string raw = context.Request.RouteValues["index"]?.ToString() ?? "";
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            throw ApiException.NotFound($"No item '{raw}': items are numbered 0 to {session.Memory.Count - 1}.");
        }

        byte[] png = session.StoredPng(index);
        context.Response.ContentType = "image/png";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.WriteAsync(png, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task RecallAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            throw new ApiException(
                StatusCodes.Status415UnsupportedMediaType,
                $"POST /api/recall takes a JSON body (Content-Type: application/json); got {Shown(context.Request.ContentType)}. Send a sound to /api/recall/audio.");
        }

        byte[] body = await ReadBodyAsync(context.Request).ConfigureAwait(false);
        RecallRequest request = RecallRequest.Parse(body);
        await WriteAsync(context, session.Recall(request, audio: null)).ConfigureAwait(false);
    }

    /// <summary>
    /// A sound cue: multipart/form-data with the WAV as a file (field "audio", or the first file) and optionally a
    /// field "cue" holding a /api/recall JSON body to go with it; or the WAV itself as the body (audio/wav), with
    /// <c>?trace=true</c> for the trace.
    /// </summary>
    public async Task RecallAudioAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        _ = MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type);
        string mediaType = type?.MediaType.Value?.ToLowerInvariant() ?? "";
        byte[] wav;
        string name;
        RecallRequest cue;
        if (mediaType == "multipart/form-data")
        {
            // Read (and cap) the body first, then parse the form from memory: what fails there is the body's framing, never the network.
            request.Body = new MemoryStream(await ReadBodyAsync(request).ConfigureAwait(false));
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
            {
                // The body is all in memory, so running out of it means the framing is wrong, whatever the reader's message suggests.
                string what = e is IOException
                    ? $"it ends before the closing boundary --{Boundary(type)}--, or its parts are not framed by that boundary"
                    : e.Message.Trim().TrimEnd('.');
                throw ApiException.BadRequest(
                    $"The multipart body is malformed ({what}): send multipart/form-data with the boundary named in its Content-Type, " +
                    "each part framed by it and the body ending with the closing boundary, and the WAV as a file field named \"audio\".");
            }

            IFormFile file = form.Files.GetFile("audio") ?? (form.Files.Count > 0 ? form.Files[0] : null)
                ?? throw ApiException.BadRequest("The form has no file: send the WAV as a file field named \"audio\".");
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            wav = buffer.ToArray();
            name = string.IsNullOrEmpty(file.FileName) ? "audio" : file.FileName;
            string json = form["cue"].ToString();
            cue = json.Length == 0 ? new RecallRequest() : RecallRequest.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        }
        else if (s_wavTypes.Contains(mediaType, StringComparer.Ordinal))
        {
            wav = await ReadBodyAsync(request).ConfigureAwait(false);
            name = "the request body";
            cue = new RecallRequest { Trace = string.Equals(request.Query["trace"], "true", StringComparison.OrdinalIgnoreCase) };
        }
        else
        {
            throw new ApiException(
                StatusCodes.Status415UnsupportedMediaType,
                $"POST /api/recall/audio takes a WAV, as multipart/form-data (a file field \"audio\") or as the body (Content-Type: audio/wav); got {Shown(request.ContentType)}.");
        }

        AudioClip audio = WavFile.Read(wav, name);
        await WriteAsync(context, session.Recall(cue, audio)).ConfigureAwait(false);
    }

    public Task SeparabilityAsync(HttpContext context) => WriteAsync(context, session.Separability);

    private static Task WriteAsync<T>(HttpContext context, T value) =>
        context.Response.WriteAsJsonAsync(value, ExplorerJson.Options, context.RequestAborted);

    private async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is long length && length > DrainLimit(Cap))
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, TooLarge(length));
        }

        // Chunked bodies have no length up front: count while reading. Past the limit, read on without keeping.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total <= Cap)
            {
                buffer.Write(chunk, 0, read);
            }
        }

        if (total > Cap)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, TooLarge(total));
        }

        return buffer.ToArray();
    }

    private string TooLarge(long? length) => string.Create(
        CultureInfo.InvariantCulture,
        $"The request body is {(length is long n ? $"{n:N0} bytes" : "too large")}: this explorer takes at most {Cap:N0} bytes ({Cap / 1048576.0:0.##} MB) per request. Send a smaller image or sound.");

    private static int QueryInt(IQueryCollection query, string name, int fallback, int min, int max)
    {
        string? raw = query[name].ToString();
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max}; got '{raw}'."));
        }

        return value;
    }

    private static string Boundary(MediaTypeHeaderValue? type) => HeaderUtilities.RemoveQuotes(type?.Boundary ?? default).Value ?? "";

    private static string Shown(string? contentType) => string.IsNullOrEmpty(contentType) ? "no Content-Type" : $"'{contentType}'";

    // ArgumentException.Message ends in " (Parameter 'x')" (and "Actual value was …"): the client needs only the sentence.
    private static string Plain(ArgumentException e)
    {
        string message = e.Message;
        int cut = e.ParamName is null ? -1 : message.IndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}
