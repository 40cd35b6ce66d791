using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engram.Encoders.Onnx;

/// <summary>What an ONNX encoder reads: captions or images.</summary>
public enum OnnxModality
{
    /// <summary>Captions, tokenized by a BERT WordPiece vocabulary.</summary>
    Text,

    /// <summary>Images, resized and normalised into an N×C×H×W float tensor.</summary>
    Image,
}

/// <summary>How the graph's output becomes one code per input.</summary>
public enum OnnxPooling
{
    /// <summary>
    /// The mean over positions: for text, over the tokens the attention mask keeps ([N, tokens, D] → D, as
    /// sentence-transformers' mean pooling); for images, over the spatial positions ([N, C, H, W] → C).
    /// </summary>
    Mean,

    /// <summary>Text only: the first token's vector, [CLS] ([N, tokens, D] → D).</summary>
    Cls,

    /// <summary>The output as it is, flattened per input ([N, …] → the product of the other dimensions).</summary>
    None,
}

/// <summary>The order of the colour planes a graph reads.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision's order).</summary>
    Rgb,

    /// <summary>Blue, green, red (Caffe's and CNTK's order).</summary>
    Bgr,
}

/// <summary>How a text encoder tokenizes: a BERT WordPiece vocabulary (one token a line) and the longest sequence.</summary>
public sealed record OnnxTokenizerConfig
{
    /// <summary>The vocabulary file, relative to the sidecar's folder: one WordPiece token a line, with [CLS], [SEP], [PAD] and [UNK].</summary>
    public required string Vocab { get; init; }

    /// <summary>Lower-case the text and strip its accents before tokenizing (BERT's uncased models: do_lower_case).</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>The most tokens a caption becomes, [CLS] and [SEP] included; longer captions are cut (sentence-transformers' max_seq_length).</summary>
    public int MaxLength { get; init; } = 512;
}

/// <summary>
/// How an image encoder prepares its input from Engram's images (<see cref="Size"/>×<see cref="Size"/> RGB samples in
/// [0, 1], from <see cref="Data.Images.ImageOps.Prepare"/>): each sample times <see cref="Scale"/>, minus the channel's
/// <see cref="Mean"/>, divided by its <see cref="Std"/>, laid out as planes in <see cref="Channels"/> order.
/// </summary>
public sealed record OnnxImageConfig
{
    /// <summary>The side of the square images the graph reads.</summary>
    public required int Size { get; init; }

    /// <summary>What a sample of 1 becomes before the mean is subtracted: 1 for graphs that read [0, 1], 255 for those that read 0–255.</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Per channel, listed red, green, blue whatever <see cref="Channels"/> says: subtracted after scaling (torchvision's ImageNet mean is 0.485, 0.456, 0.406).</summary>
    public float[] Mean { get; init; } = [0f, 0f, 0f];

    /// <summary>Per channel, listed red, green, blue: divides after the mean is subtracted (torchvision's ImageNet std is 0.229, 0.224, 0.225).</summary>
    public float[] Std { get; init; } = [1f, 1f, 1f];

    /// <summary>The order of the planes the graph reads.</summary>
    public ChannelOrder Channels { get; init; } = ChannelOrder.Rgb;

    /// <summary>
    /// Optional: a preprocessing graph (relative to the sidecar's folder), run on the prepared planes before the model; its
    /// one input and one output are the model's input shape (ML.NET's image featurizers ship their preprocessing so).
    /// </summary>
    public string? Preprocess { get; init; }
}

/// <summary>
/// The sidecar of a user's ONNX encoder (<c>model.onnx.json</c> beside <c>model.onnx</c>): what the graph reads and how,
/// which output is the code, how it is pooled, and whether it is scaled to unit length.
/// </summary>
/// <example>
/// <code>
/// { "modality": "text", "inputIds": "input_ids", "attentionMask": "attention_mask", "tokenTypeIds": "token_type_ids",
///   "output": "last_hidden_state", "tokenizer": { "vocab": "vocab.txt", "lowercase": true, "maxLength": 256 },
///   "pooling": "mean", "normalize": true }
/// { "modality": "image", "input": "pixels", "output": "features",
///   "image": { "size": 224, "scale": 1, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "channels": "rgb" },
///   "pooling": "none", "normalize": false }
/// </code>
/// </example>
public sealed record OnnxEncoderConfig
{
    /// <summary>What the encoder reads.</summary>
    public required OnnxModality Modality { get; init; }

    /// <summary>Text: the graph's input of token ids (int64 [N, tokens]).</summary>
    public string? InputIds { get; init; }

    /// <summary>Text, optional: the graph's input of the attention mask (int64 [N, tokens], 1 for a token, 0 for padding).</summary>
    public string? AttentionMask { get; init; }

    /// <summary>Text, optional: the graph's input of token type ids (int64 [N, tokens], all 0 for one sentence).</summary>
    public string? TokenTypeIds { get; init; }

    /// <summary>Image: the graph's input of images (float [N, 3, size, size]).</summary>
    public string? Input { get; init; }

    /// <summary>The graph's output that holds the code (float).</summary>
    public required string Output { get; init; }

    /// <summary>Text: how captions become token ids.</summary>
    public OnnxTokenizerConfig? Tokenizer { get; init; }

    /// <summary>Image: how images become the graph's input.</summary>
    public OnnxImageConfig? Image { get; init; }

    /// <summary>How the output becomes one code per input.</summary>
    public OnnxPooling Pooling { get; init; } = OnnxPooling.None;

    /// <summary>Whether each code is divided by its L2 norm (a zero code stays zero).</summary>
    public bool Normalize { get; init; }

    /// <summary>The file name of the sidecar of <paramref name="modelPath"/>: the model's path with ".json" added.</summary>
    public static string SidecarPath(string modelPath) => modelPath + ".json";

    /// <summary>
    /// Reads and checks the sidecar at <paramref name="path"/>; a missing file, malformed JSON, an unknown key or a setting
    /// out of range is refused naming the file and the setting.
    /// </summary>
    public static OnnxEncoderConfig Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The ONNX model needs its sidecar {path}: a JSON file that says what the graph reads and returns, e.g. " +
                "{\"modality\": \"text\", \"inputIds\": \"input_ids\", \"attentionMask\": \"attention_mask\", \"output\": \"last_hidden_state\", " +
                "\"tokenizer\": {\"vocab\": \"vocab.txt\", \"maxLength\": 256}, \"pooling\": \"mean\", \"normalize\": true} (see the README, \"Pretrained encoders\").", path);
        }

        OnnxEncoderConfig config;
        try
        {
            config = JsonSerializer.Deserialize<OnnxEncoderConfig>(File.ReadAllBytes(path), s_json)
                ?? throw new InvalidDataException($"The sidecar {path} is empty: it must hold one JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The sidecar {path} is not a valid encoder description: {e.Message}", e);
        }

        config.Validate(path);
        return config;
    }

    /// <summary>Checks that the settings fit the modality; <paramref name="source"/> names the sidecar in the message.</summary>
    public void Validate(string source)
    {
        string Problem(string what) => $"The sidecar {source}: {what}";
        if (Modality == OnnxModality.Text)
        {
            if (string.IsNullOrEmpty(InputIds) || Tokenizer is null)
            {
                throw new InvalidDataException(Problem("a text encoder needs \"inputIds\" (the graph's token-id input) and \"tokenizer\" ({\"vocab\": FILE, \"maxLength\": N})."));
            }

            if (Image is not null || Input is not null)
            {
                throw new InvalidDataException(Problem("\"image\" and \"input\" are an image encoder's settings; a text encoder has \"inputIds\", \"attentionMask\", \"tokenTypeIds\" and \"tokenizer\"."));
            }

            if (string.IsNullOrEmpty(Tokenizer.Vocab) || Tokenizer.MaxLength < 3)
            {
                throw new InvalidDataException(Problem(string.Create(CultureInfo.InvariantCulture,
                    $"the tokenizer needs a \"vocab\" file and a \"maxLength\" of at least 3 ([CLS], one token, [SEP]); got vocab '{Tokenizer.Vocab}', maxLength {Tokenizer.MaxLength}.")));
            }
        }
        else
        {
            if (string.IsNullOrEmpty(Input) || Image is null)
            {
                throw new InvalidDataException(Problem("an image encoder needs \"input\" (the graph's image input) and \"image\" ({\"size\": N, \"mean\": [r, g, b], \"std\": [r, g, b]})."));
            }

            if (Tokenizer is not null || InputIds is not null || AttentionMask is not null || TokenTypeIds is not null)
            {
                throw new InvalidDataException(Problem("\"tokenizer\", \"inputIds\", \"attentionMask\" and \"tokenTypeIds\" are a text encoder's settings; an image encoder has \"input\" and \"image\"."));
            }

            if (Pooling == OnnxPooling.Cls)
            {
                throw new InvalidDataException(Problem("\"pooling\": \"cls\" takes a text encoder's first token; an image encoder pools \"mean\" (over positions) or \"none\"."));
            }

            if (Image.Size is < 1 or > 4096 || Image.Mean is not { Length: 3 } || Image.Std is not { Length: 3 }
                || !float.IsFinite(Image.Scale) || Image.Scale <= 0 || Image.Mean.Any(m => !float.IsFinite(m)) || Image.Std.Any(s => !float.IsFinite(s) || s <= 0))
            {
                throw new InvalidDataException(Problem(string.Create(CultureInfo.InvariantCulture,
                    $"the image settings need a size from 1 to 4096, a positive scale, three finite means and three positive stds (red, green, blue); " +
                    $"got size {Image.Size}, scale {Image.Scale}, mean [{string.Join(", ", Image.Mean ?? [])}], std [{string.Join(", ", Image.Std ?? [])}].")));
            }
        }

        if (string.IsNullOrEmpty(Output))
        {
            throw new InvalidDataException(Problem("\"output\" must name the graph's output that holds the code."));
        }
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };
}
