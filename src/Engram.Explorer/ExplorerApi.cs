using System.Globalization;
using System.Text.Json;
using Engram.Data;
using Engram.Data.Audio;
using Engram.Data.Images;
using Engram.Engines;
using Engram.Multimodal;
using Engram.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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

    // The body types /api/recall/audio takes as a sound file; the format is told from the bytes (AudioFiles.Detect), never from the type.
    private static readonly string[] s_soundTypes =
    [
        "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/mpeg", "audio/mp3", "audio/ogg", "audio/vorbis", "audio/flac", "audio/x-flac",
        "audio/mp4", "audio/x-m4a", "audio/aac", "audio/webm", "audio/opus", "audio/aiff", "audio/x-aiff", "application/ogg", "application/octet-stream",
    ];

    // The form fields of POST /api/items; "audio" is taken for "sound", as /api/recall/audio names its file.
    private static readonly string[] s_itemFields = ["image", "caption", "sound", "audio", "id"];

    // What may follow /api/items/{id}/: the item's stored sound, or its image as given ("image.png" is by index, and says so).
    private static readonly string[] s_itemParts = ["audio", "original", "image.png"];

    private const string ItemFields = "image (a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file), caption (text), sound (a WAV file; \"audio\" is taken too) and optionally id (text)";

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

            await WriteErrorAsync(context, status, message, (e as ApiException)?.Allow).ConfigureAwait(false);
        }
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string message, string? allow = null)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (allow is not null)
        {
            context.Response.Headers.Allow = allow;
        }

        return context.Response.WriteAsJsonAsync(new ErrorView(message), ExplorerJson.Options, context.RequestAborted);
    }

    public Task MemoryAsync(HttpContext context) => WriteAsync(context, session.Current.Describe());

    public Task ItemsAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        int offset = QueryInt(query, "offset", 0, 0, int.MaxValue);
        int limit = QueryInt(query, "limit", DefaultLimit, 1, MaxLimit);
        string? q = query["q"].ToString() is { Length: > 0 } text ? text.Trim() : null;
        ServedSnapshot snapshot = session.Current;
        var matching = snapshot.Items
            .Select((item, index) => new ItemView(index, item.Id, item.Caption))
            .Where(i => q is null || i.Id.Contains(q, StringComparison.OrdinalIgnoreCase) || (i.Caption?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false))
            .ToList();
        ItemView[] page = matching.Skip(offset).Take(limit).ToArray();
        return WriteAsync(context, new ItemsView(snapshot.Count, matching.Count, offset, limit, q, page, snapshot.Version));
    }

    public async Task ItemImageAsync(HttpContext context)
    {
        string raw = context.Request.RouteValues["index"]?.ToString() ?? "";
        ServedSnapshot snapshot = session.Current;
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            throw ApiException.NotFound(snapshot.Count == 0
                ? $"No item '{raw}': this store holds no items yet."
                : $"No item '{raw}': items are numbered 0 to {snapshot.Count - 1}.");
        }

        byte[] png = snapshot.StoredPng(index);
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
        await WriteAsync(context, session.Current.Recall(request, audio: null)).ConfigureAwait(false);
    }

    /// <summary>
    /// A sound cue in any format <see cref="AudioFiles"/> reads (WAV, MP3, OGG Vorbis; others through ffmpeg), told from
    /// its bytes: multipart/form-data with the sound as a file (field "audio", or the first file) and optionally a
    /// field "cue" holding a /api/recall JSON body to go with it; or the sound itself as the body (audio/wav, audio/mpeg,
    /// audio/ogg, …), with <c>?trace=true</c> for the trace.
    /// </summary>
    public async Task RecallAudioAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        _ = MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type);
        string mediaType = type?.MediaType.Value?.ToLowerInvariant() ?? "";
        byte[] sound;
        string name;
        RecallRequest cue;
        if (mediaType == "multipart/form-data")
        {
            IFormCollection form = await ReadFormAsync(context, type, "the sound as a file field named \"audio\"").ConfigureAwait(false);
            IFormFile file = form.Files.GetFile("audio") ?? (form.Files.Count > 0 ? form.Files[0] : null)
                ?? throw ApiException.BadRequest("The form has no file: send the sound (WAV, MP3, OGG…) as a file field named \"audio\".");
            sound = await ReadFileAsync(file, context.RequestAborted).ConfigureAwait(false);
            name = string.IsNullOrEmpty(file.FileName) ? "audio" : file.FileName;
            string json = form["cue"].ToString();
            cue = json.Length == 0 ? new RecallRequest() : RecallRequest.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        }
        else if (s_soundTypes.Contains(mediaType, StringComparer.Ordinal))
        {
            sound = await ReadBodyAsync(request).ConfigureAwait(false);
            name = "the request body";
            cue = new RecallRequest { Trace = string.Equals(request.Query["trace"], "true", StringComparison.OrdinalIgnoreCase) };
        }
        else
        {
            throw new ApiException(
                StatusCodes.Status415UnsupportedMediaType,
                $"POST /api/recall/audio takes a sound file (WAV, MP3, OGG; others through ffmpeg), as multipart/form-data (a file field \"audio\") " +
                $"or as the body (Content-Type: audio/wav, audio/mpeg, audio/ogg, …); got {Shown(request.ContentType)}.");
        }

        AudioClip audio = AudioFiles.Read(sound, name);
        await WriteAsync(context, session.Current.Recall(cue, audio)).ConfigureAwait(false);
    }

    public Task SeparabilityAsync(HttpContext context) => WriteAsync(context, session.Current.Separability);

    /// <summary>
    /// Adds an item to the store: multipart/form-data with its image (a JPEG, PNG, GIF, BMP, TIFF, WebP or TGA file, field
    /// "image"), caption ("caption"), sound (a file of any format <see cref="AudioFiles"/> reads: WAV, MP3, OGG, others through ffmpeg; "sound" or "audio") and optionally its id ("id"; by default the image
    /// file's name without its extension). Each slot the store has needs its part, and a part for a slot it lacks is refused; the image and sound are
    /// kept as given. Answers 201 with the item and the new count.
    /// </summary>
    public async Task AddAsync(HttpContext context)
    {
        if (!session.IsWritable)
        {
            throw ApiException.ReadOnly(session.ReadOnlyMessage("add items"));
        }

        HttpRequest request = context.Request;
        _ = MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type);
        if (!string.Equals(type?.MediaType.Value, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(
                StatusCodes.Status415UnsupportedMediaType,
                $"POST /api/items takes multipart/form-data with the new item's fields: {ItemFields}; got {Shown(request.ContentType)}. With curl: -F image=@photo.png -F caption=\"…\".");
        }

        IFormCollection form = await ReadFormAsync(context, type, "the new item's fields in its parts").ConfigureAwait(false);
        NewItemForm item = NewItemForm.Read(form);

        // What the store keeps for every item, and what it has no slot for, before anything is decoded.
        if (item.Image is not null && !session.HasSlot(Modality.ImageName))
        {
            throw ApiException.BadRequest($"This store has no image slot (it has {string.Join(", ", session.SlotNames)}): add the item without an image (leave the field \"image\" out).");
        }

        if (item.Image is null && session.HasSlot(Modality.ImageName))
        {
            throw ApiException.BadRequest($"This store keeps an image for every item: give the new item's image, a file ({ImageFiles.FormatList}) in the field \"image\".");
        }

        if (item.Caption is null && session.HasSlot(Modality.TextName))
        {
            throw ApiException.BadRequest("This store keeps a caption for every item: give the new item's caption in the field \"caption\".");
        }

        if (item.Sound is not null && !session.HasSlot(Modality.AudioName))
        {
            throw ApiException.BadRequest($"This store has no audio slot (it has {string.Join(", ", session.SlotNames)}): add the item without a sound (leave the field \"{item.Sound.Name}\" out).");
        }

        if (item.Sound is null && session.HasSlot(Modality.AudioName))
        {
            throw ApiException.BadRequest("This store keeps a sound for every item: give the new item's sound, a file (WAV, MP3, OGG; others through ffmpeg) in the field \"sound\".");
        }

        string id = item.Id
            ?? (item.Image is { } named && Path.GetFileNameWithoutExtension(named.FileName) is { Length: > 0 } stem ? stem : null)
            ?? throw ApiException.BadRequest("Give the new item an id in the field \"id\": without an image there is no file name to take it from.");
        var media = new List<StoredMedia>();
        float[]? pixels = null;
        if (item.Image is { } image)
        {
            byte[] png = await ReadFileAsync(image, context.RequestAborted).ConfigureAwait(false);
            string name = $"The image {(string.IsNullOrEmpty(image.FileName) ? "" : image.FileName + " ")}(field \"image\")";
            try
            {
                pixels = session.PrepareImage(png, name);
            }
            catch (DataFormatException e)
            {
                throw ApiException.BadRequest($"{e.Message.TrimEnd('.')}. Send the item's image as a {ImageFiles.FormatList} file in the field \"image\".");
            }

            media.Add(new StoredMedia(Modality.ImageName, png));
        }

        AudioClip? sound = null;
        if (item.Sound is { } file)
        {
            byte[] wav = await ReadFileAsync(file, context.RequestAborted).ConfigureAwait(false);
            try
            {
                sound = AudioFiles.Read(wav, $"The sound {(string.IsNullOrEmpty(file.FileName) ? "" : file.FileName + " ")}(field \"{file.Name}\")");
            }
            catch (DataFormatException e)
            {
                throw ApiException.BadRequest($"{e.Message.TrimEnd('.')}. Send the item's sound as a WAV, MP3 or OGG file (others through ffmpeg) in the field \"sound\".");
            }

            media.Add(new StoredMedia(Modality.AudioName, wav));
        }

        (ServedSnapshot snapshot, int index) = session.Add(new MemoryItem(id, item.Caption), pixels, sound, media);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = ItemUrl(id);
        await WriteAsync(context, new ItemAddedView(new ItemView(index, id, item.Caption), snapshot.Count, snapshot.Version)).ConfigureAwait(false);
    }

    /// <summary>Forgets the item <c>DELETE /api/items/{id}</c> names (URL-encoded; see <see cref="ItemId"/>): 200 with the new count, 404 naming an id the store lacks.</summary>
    public async Task ForgetAsync(HttpContext context)
    {
        if (!session.IsWritable)
        {
            throw ApiException.ReadOnly(session.ReadOnlyMessage("forget items"));
        }

        string id = ItemId(context, out _, parts: []);
        ServedSnapshot snapshot = session.Forget(id);
        await WriteAsync(context, new ItemForgottenView(id, snapshot.Count, snapshot.Version)).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/items/{id}</c> (the item and which original media are kept), <c>/api/items/{id}/audio</c> (its sound as
    /// given) and <c>/api/items/{id}/original</c> (its image as given).
    /// </summary>
    public async Task ItemAsync(HttpContext context)
    {
        string id = ItemId(context, out string? part, s_itemParts);
        ServedSnapshot snapshot = session.Current;
        if (part == "image.png")
        {
            throw ApiException.NotFound(
                $"Stored images are served by index: GET /api/items/{{index}}/image.png, with an index that GET /api/items lists ('{id}' is not one). By id, GET /api/items/{{id}}/original serves a store's image as given.");
        }

        int index = snapshot.FindItem(new ItemReference(id, null));
        switch (part)
        {
            case null:
                MemoryItem item = snapshot.Items[index];
                await WriteAsync(context, new ItemDetailView(
                    index, item.Id, item.Caption, session.Media(id, Modality.ImageName) is not null, session.Media(id, Modality.AudioName) is not null, snapshot.Version,
                    session.MediaExtension(id, Modality.ImageName), session.MediaExtension(id, Modality.AudioName))).ConfigureAwait(false);
                break;
            case "audio":
                await MediaAsync(context, id, Modality.AudioName).ConfigureAwait(false);
                break;
            default:
                await MediaAsync(context, id, Modality.ImageName).ConfigureAwait(false);
                break;
        }
    }

    // An item's original image or sound as given: the bytes the store kept, or the file a reference names while it is still there.
    private async Task MediaAsync(HttpContext context, string id, string kind)
    {
        string noun = kind == Modality.AudioName ? "sound" : "image";
        if (!session.IsWritable)
        {
            throw ApiException.NotFound(
                $"{session.Options.MemoryName ?? "This memory"} is a memory file: it keeps each item's codes, not its {noun} as given. A store keeps them: " +
                "import the file into one (engram import), and add items with their media (POST /api/items, or engram add).");
        }

        StoredMedia media = session.Media(id, kind) ?? throw ApiException.NotFound(kind == Modality.AudioName && !session.HasSlot(Modality.AudioName)
            ? $"Item '{id}' has no stored sound: this store has no audio slot (it has {string.Join(", ", session.SlotNames)}), so its items are kept without sounds."
            : $"Item '{id}' has no stored {noun}: it was added without one, or imported from a memory file (which keeps codes, not media).");
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        if (media.Bytes is { } bytes)
        {
            await Results.File(bytes, ContentTypeOf(bytes, kind) ?? "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        string path = session.ReferencePath(media.Reference ?? "");
        if (media.Reference is null || !File.Exists(path))
        {
            throw ApiException.NotFound(
                $"Item '{id}''s {noun} is kept as a reference to {media.Reference}, and that file is gone: put it back there, or forget the item and add it again with its {noun}.");
        }

        var head = new byte[4096];
        await using (FileStream file = File.OpenRead(path))
        {
            _ = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
        }

        if (ContentTypeOf(head, kind) is not { } contentType)
        {
            throw ApiException.NotFound(
                $"Item '{id}''s {noun} is kept as a reference to {media.Reference}, and that file is no longer {(kind == Modality.AudioName ? "a sound (WAV, MP3, OGG, FLAC, …)" : $"an image ({ImageFiles.FormatList})")}: put the original back there, or forget the item and add it again with its {noun}.");
        }

        await Results.File(Path.GetFullPath(path), contentType, enableRangeProcessing: true).ExecuteAsync(context).ConfigureAwait(false);
    }

    // The media type the bytes' signature proves: a sound format's (AudioFiles.Detect: "RIFF…WAVE", an MPEG frame or ID3 tag, "OggS", …); an image format's magic bytes (ImageFiles.DetectFormat); else null.
    private static string? ContentTypeOf(ReadOnlySpan<byte> bytes, string kind) => kind == Modality.AudioName
        ? AudioFiles.Detect(bytes).ContentType()
        : ImageFiles.DetectFormat(bytes) is { } format ? ImageFiles.ContentType(format) : null;

    /// <summary>
    /// The id in <c>/api/items/{id}</c> (and before a trailing <paramref name="parts"/> word such as <c>/audio</c>), read
    /// from the request's raw target and URL-decoded: an id's '/' is sent as %2F (encodeURIComponent does so), or as a
    /// plain '/' when the id's last part is none of those words. "sub%2Fphoto" and "sub/photo" both name the item
    /// "sub/photo"; "%252F" names an id holding "%2F".
    /// </summary>
    private static string ItemId(HttpContext context, out string? part, IReadOnlyCollection<string> parts)
    {
        // Kestrel's decoded path keeps %2F as it is but decodes %25, so "%2F" there could be either: the raw target is unambiguous.
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (!raw.StartsWith('/'))
        {
            raw = context.Request.Path.Value ?? "";
        }

        int end = raw.IndexOfAny(['?', '#']);
        string[] segments = (end < 0 ? raw : raw[..end]).Split('/');

        // "", "api", "items", then the id's segments and the part.
        string[] rest = segments.Length > 3 ? segments[3..] : [];
        part = null;
        if (rest.Length >= 2 && parts.Contains(rest[^1], StringComparer.Ordinal))
        {
            part = rest[^1];
            rest = rest[..^1];
        }

        string id = Uri.UnescapeDataString(string.Join('/', rest));
        if (id.Length == 0)
        {
            throw ApiException.NotFound("Name the item after /api/items/: its id, as GET /api/items lists it (URL-encoded, a '/' in it as %2F).");
        }

        return id;
    }

    private static string ItemUrl(string id) => $"/api/items/{Uri.EscapeDataString(id)}";

    private async Task<IFormCollection> ReadFormAsync(HttpContext context, MediaTypeHeaderValue? type, string parts)
    {
        // Read (and cap) the body first, then parse the form from memory: what fails there is the body's framing, never the network.
        HttpRequest request = context.Request;
        request.Body = new MemoryStream(await ReadBodyAsync(request).ConfigureAwait(false));
        try
        {
            return await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
        {
            // The body is all in memory, so running out of it means the framing is wrong, whatever the reader's message suggests.
            string what = e is IOException
                ? $"it ends before the closing boundary --{Boundary(type)}--, or its parts are not framed by that boundary"
                : e.Message.Trim().TrimEnd('.');
            throw ApiException.BadRequest(
                $"The multipart body is malformed ({what}): send multipart/form-data with the boundary named in its Content-Type, " +
                $"each part framed by it and the body ending with the closing boundary, and {parts}.");
        }
    }

    private static async Task<byte[]> ReadFileAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The fields of <c>POST /api/items</c>, each checked for its kind (a file or text) and given at most once.</summary>
    private sealed record NewItemForm(IFormFile? Image, string? Caption, IFormFile? Sound, string? Id)
    {
        public static NewItemForm Read(IFormCollection form)
        {
            string? unknown = form.Keys.Concat(form.Files.Select(f => f.Name)).FirstOrDefault(n => !s_itemFields.Contains(n, StringComparer.Ordinal));
            if (unknown is not null)
            {
                throw ApiException.BadRequest($"Unknown field '{unknown}' in the form: POST /api/items takes {ItemFields}.");
            }

            IFormFile? sound = File(form, "sound"), audio = File(form, "audio");
            if (sound is not null && audio is not null)
            {
                throw ApiException.BadRequest("Give the sound once, in the field \"sound\" (or \"audio\"), not in both.");
            }

            return new NewItemForm(File(form, "image"), Text(form, "caption"), sound ?? audio, Text(form, "id"));
        }

        private static IFormFile? File(IFormCollection form, string name)
        {
            // A browser sends a file input left empty as a part without a file name, which reads as empty text: no file.
            if (form[name].Any(v => !string.IsNullOrEmpty(v)))
            {
                throw ApiException.BadRequest($"The field \"{name}\" holds text; send the {(name == "image" ? "image" : "sound")} as a file (with curl: -F {name}=@{(name == "image" ? "photo.jpg" : "sound.wav")}).");
            }

            IReadOnlyList<IFormFile> files = form.Files.GetFiles(name);
            return files.Count switch
            {
                0 => null,
                1 => files[0],
                _ => throw ApiException.BadRequest($"The form gives {files.Count} files in the field \"{name}\"; an item takes one."),
            };
        }

        // Text, or null when absent or blank; a file where text goes is refused.
        private static string? Text(IFormCollection form, string name)
        {
            if (form.Files.GetFile(name) is not null)
            {
                throw ApiException.BadRequest($"The field \"{name}\" is a file; send the item's {name} as text (with curl: -F {name}=\"…\").");
            }

            Microsoft.Extensions.Primitives.StringValues values = form[name];
            if (values.Count > 1)
            {
                throw ApiException.BadRequest($"The form gives {values.Count} values in the field \"{name}\"; an item takes one.");
            }

            string value = values.ToString().Trim();
            return value.Length == 0 ? null : value;
        }
    }

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
