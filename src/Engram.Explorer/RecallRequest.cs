using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engram.Explorer;

/// <summary>
/// The body of <c>POST /api/recall</c> (and the <c>cue</c> field of <c>POST /api/recall/audio</c>): a caption, an
/// image (an image file of any format Engram reads, or a stored item's decoded image) corrupted as asked, and optional overrides of the recall options.
/// </summary>
internal sealed record RecallRequest
{
    public string? Text { get; init; }

    /// <summary>
    /// An image file, base64 (or a data: URL): despite the name, any format <see cref="Engram.Data.Images.ImageFiles"/> reads (JPEG, PNG,
    /// GIF, BMP, TIFF, WebP, TGA, by content); prepared like every image a memory takes (padded square, resized, grey or RGB).
    /// </summary>
    public string? ImagePng { get; init; }

    /// <summary>Use this stored item's decoded image (Dec(ξ)) as the image cue: its id (a string) or its index (a number), as <c>engram recall --item</c> takes.</summary>
    [JsonConverter(typeof(ItemReferenceConverter))]
    public ItemReference? Item { get; init; }

    /// <summary>bottom-half, top-half, left-half, right-half (or none).</summary>
    public string? Occlude { get; init; }

    /// <summary>σ of Gaussian noise added to the image cue (pixels in [0, 1]).</summary>
    public double? Noise { get; init; }

    public int? Seed { get; init; }

    /// <summary>One value per pixel of the memory's images (height · width), 1 = visible, 0 = hidden.</summary>
    public float[]? Mask { get; init; }

    public float? Beta { get; init; }

    public int? Steps { get; init; }

    public string? Similarity { get; init; }

    public string? CueMode { get; init; }

    public bool Trace { get; init; }

    public int? RunnersUp { get; init; }

    /// <summary>Every field a request may carry, with what it must be: unknown fields are refused rather than ignored, so a typo cannot pass silently.</summary>
    private static readonly Dictionary<string, string> s_fields = new(StringComparer.Ordinal)
    {
        ["text"] = "a string (a caption)",
        ["image_png"] = "a string (an image file, base64: JPEG, PNG, GIF, BMP, TIFF, WebP or TGA)",
        ["item"] = "a stored item's id (a string) or index (a whole number)",
        ["occlude"] = "one of none, bottom-half, top-half, left-half, right-half",
        ["noise"] = "a number (σ ≥ 0)",
        ["seed"] = "a whole number",
        ["mask"] = "an array of numbers, 1 (visible) or 0 (hidden), one per pixel",
        ["beta"] = "a number (β > 0)",
        ["steps"] = "a whole number (≥ 1)",
        ["similarity"] = "one of dot, l2, cosine",
        ["cue_mode"] = "one of full, clamped, masked, masked-free",
        ["trace"] = "true or false",
        ["runners_up"] = "a whole number (1 to 50)",
    };

    /// <summary>
    /// Reads a request body, refusing bytes that are not UTF-8, bad JSON, anything but an object, unknown fields, text that is not
    /// valid Unicode and values of the wrong type, each with a message saying which. Nothing else escapes: every refusal is an <see cref="ApiException"/>.
    /// </summary>
    public static RecallRequest Parse(ReadOnlySpan<byte> body)
    {
        // JSON is UTF-8 (RFC 8259). The reader checks only structure; it would fail later, reading a string, with no position.
        if (FirstInvalidUtf8(body) is int at)
        {
            throw ApiException.BadRequest(string.Create(
                CultureInfo.InvariantCulture,
                $"The request body is not valid UTF-8 at byte {at} (0x{body[at]:x2}): JSON is UTF-8 text. Send every caption and field name as UTF-8."));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            CheckText(document.RootElement);
            return Read(document.RootElement);
        }
    }

    // Valid UTF-8 JSON can still hold text that is no string: a \u escape of half a surrogate pair. Decode every name and string
    // once here, so that no later read (of a field name, or of a value in an error message) can fail on one.
    private static void CheckText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        CheckText(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        CheckText(item);
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
            }
        }
        catch (InvalidOperationException e)
        {
            throw NotUnicode(e);
        }
    }

    private static RecallRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"The request body must be a JSON object such as {{\"text\": \"red apple\"}}; got {Kind(root.ValueKind)}.");
        }

        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!s_fields.ContainsKey(property.Name))
            {
                throw ApiException.BadRequest($"Unknown field '{property.Name}': a recall takes {string.Join(", ", s_fields.Keys)}.");
            }
        }

        try
        {
            return root.Deserialize<RecallRequest>(ExplorerJson.Options) ?? new RecallRequest();
        }
        catch (JsonException e)
        {
            // e.Path names the value that failed: "$.item", or "$.mask[3]" inside an array.
            string where = e.Path is { } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "";
            int end = where.IndexOf('[', StringComparison.Ordinal);
            string field = end < 0 ? where : where[..end];
            string expected = s_fields.TryGetValue(field, out string? what) ? what : "another value";
            JsonElement value = ValueAt(root, field, end < 0 ? null : where[(end + 1)..].TrimEnd(']'));
            throw ApiException.BadRequest($"'{field}' must be {expected}; {where} is {Kind(value.ValueKind)}{Shown(value)}.");
        }
    }

    private static ApiException NotUnicode(InvalidOperationException e) => ApiException.BadRequest(
        $"The request body holds a field name or string that is not valid Unicode ({e.Message.TrimEnd('.')}): an escape such as \\ud800 is half a character " +
        "and must be followed by its other half (\\udc00 to \\udfff).");

    // The index of the first byte that does not start a complete, valid UTF-8 character, or null when all do.
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int index = 0;
        while (index < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[index..], out _, out int consumed) != OperationStatus.Done)
            {
                return index;
            }

            index += consumed;
        }

        return null;
    }

    private static JsonElement ValueAt(JsonElement root, string field, string? index)
    {
        if (!root.TryGetProperty(field, out JsonElement value))
        {
            return default;
        }

        return index is not null && value.ValueKind == JsonValueKind.Array && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < value.GetArrayLength()
            ? value[i]
            : value;
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shown(JsonElement value) => value.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False
        ? $" ({Truncate(value.GetRawText())})"
        : "";

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A stored item named by its id, or by its index in the memory.</summary>
internal sealed record ItemReference(string? Id, int? Index)
{
    /// <summary>How a person would write it: the id quoted, the index bare.</summary>
    public override string ToString() => Index is int index ? index.ToString(CultureInfo.InvariantCulture) : $"'{Id}'";
}

/// <summary>Reads <c>item</c> as a string (an id) or a whole number (an index); anything else is refused by <see cref="RecallRequest"/> naming the field.</summary>
internal sealed class ItemReferenceConverter : JsonConverter<ItemReference>
{
    public override ItemReference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => new ItemReference(reader.GetString(), null),
        JsonTokenType.Number when reader.TryGetInt32(out int index) => new ItemReference(null, index),
        _ => throw new JsonException(),
    };

    public override void Write(Utf8JsonWriter writer, ItemReference value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Index is int index)
        {
            writer.WriteNumberValue(index);
        }
        else
        {
            writer.WriteStringValue(value.Id);
        }
    }
}
