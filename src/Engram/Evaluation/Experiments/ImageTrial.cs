using System.Diagnostics;
using Engram.Data.Images;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Engines;
using Engram.Hen;
using Engram.Memory;

namespace Engram.Evaluation.Experiments;

/// <summary>
/// N images seen through one image codec: the images, their codes (what is stored), the decoded codes
/// Dec(ξ) (the reference recall is scored against), the codes of their occluded copies (the cues) and
/// the code mask that says which components the visible pixels determine.
/// </summary>
public sealed class EncodedImages
{
    private EncodedImages(string encoder, IImageCodec codec, Tensor images, Tensor codes, Tensor references, Tensor cueImages, Tensor cueCodes, float[] codeMask)
    {
        Encoder = encoder;
        Codec = codec;
        Images = images;
        Codes = codes;
        References = references;
        CueImages = cueImages;
        CueCodes = cueCodes;
        CodeMask = codeMask;
    }

    /// <summary>The encoder's name in results ("raw" for pixels).</summary>
    public string Encoder { get; }

    /// <summary>The codec that made <see cref="Codes"/> and decodes recalled states.</summary>
    public IImageCodec Codec { get; }

    /// <summary>The stored images, one per row.</summary>
    public Tensor Images { get; }

    /// <summary>The stored codes, Enc(image), one per row.</summary>
    public Tensor Codes { get; }

    /// <summary>Dec(Enc(image)): what a perfect recall decodes to (raw: the image).</summary>
    public Tensor References { get; }

    /// <summary>The occluded images the cues come from.</summary>
    public Tensor CueImages { get; }

    /// <summary>The codes of <see cref="CueImages"/>, one per cue.</summary>
    public Tensor CueCodes { get; }

    /// <summary>1 where the visible pixels alone determine the code component (one row for every cue).</summary>
    public float[] CodeMask { get; }

    /// <summary>Stored items (rows of <see cref="Images"/>).</summary>
    public int Count => Images.RowCount;

    /// <summary>Encodes <paramref name="images"/> and their copies under <paramref name="pixelMask"/> (1 = visible).</summary>
    public static EncodedImages Encode(string encoder, IImageCodec codec, Tensor images, float[] pixelMask)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(pixelMask);
        Tensor cueImages = Data.Cues.Occlusion.Apply(images, pixelMask);
        Tensor codes = codec.Encode(images);
        return new EncodedImages(
            encoder, codec, images, codes, codec.Decode(codes), cueImages, codec.Encode(cueImages), codec.CodeMask(pixelMask));
    }

    /// <summary>The first <paramref name="n"/> items (views, nothing copied).</summary>
    public EncodedImages Take(int n) => n == Count ? this : new EncodedImages(
        Encoder, Codec, Images.Rows(0, n), Codes.Rows(0, n), References.Rows(0, n), CueImages.Rows(0, n), CueCodes.Rows(0, n), CodeMask);
}

/// <summary>
/// The one measurement every experiment makes: recall stored items from cues through a Hopfield
/// Encoding Network, decode the recalled image slot and score it against Dec(ξ_true).
/// </summary>
public static class ImageTrial
{
    /// <summary>The image slot's name in every experiment's network.</summary>
    public const string ImageSlot = Modality.ImageName;

    /// <summary>
    /// The cue mode an experiment's "masked" means for a codec: raw pixels are exact where visible,
    /// so they are compared and clamped there (Masked); a code of a partly hidden image is an
    /// estimate, so its visible components are compared but not clamped (MaskedFree).
    /// </summary>
    public static CueMode MaskedMode(IImageCodec codec) => codec is IdentityCodec ? CueMode.Masked : CueMode.MaskedFree;

    /// <summary>The options of one configuration.</summary>
    public static RecallOptions Options(Similarity similarity, float beta, CueMode mode, int steps) =>
        new() { Similarity = similarity, Beta = beta, CueMode = mode, MaxSteps = steps };

    /// <summary>
    /// Recalls the first Q items of <paramref name="network"/> (whose "image" slot holds <paramref name="items"/>'
    /// codes) from <paramref name="cues"/> (codes by slot, Q rows each), with <paramref name="masks"/> for
    /// masked modes, and scores the decoded image slot against the first Q references.
    /// </summary>
    public static (ExperimentRow Row, HenRecall Recall, Tensor Decoded) Run(
        ExperimentRow template, HopfieldEncodingNetwork network, EncodedImages items,
        IReadOnlyDictionary<string, Tensor> cues, IReadOnlyDictionary<string, Tensor>? masks, RecallOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(items);
        var stopwatch = Stopwatch.StartNew();
        int q = cues.Values.First().RowCount;
        int[] targets = Enumerable.Range(0, q).ToArray();
        HenRecall recall = network.Recall(cues, targets, options, options.CueMode == CueMode.Full ? null : masks, cancellationToken: cancellationToken);
        Tensor decoded = items.Codec.Decode(network.Layout.Contains(ImageSlot) ? recall.SlotState(ImageSlot) : throw new ArgumentException("The network has no image slot."));
        ImageShape shape = items.Codec.Shape;
        Tensor references = items.References.Rows(0, q);
        double ssim = Ssim.Mean(references.Span, decoded.Span, q, shape.Height, shape.Width, shape.Channels);
        double mse = Metrics.MeanSquaredError(references.Span, decoded.Span);
        ExperimentRow row = template with
        {
            Similarity = Name(options.Similarity),
            CueMode = Name(options.CueMode),
            Beta = options.Beta,
            N = network.Count,
            Accuracy = recall.Accuracy,
            MetastableFraction = recall.MetastableFraction,
            OneMinusSsim = 1 - ssim,
            Mse = mse,
            TopWeight = recall.Results.Average(r => r.TopWeight),
            EffectiveMemories = recall.Results.Average(r => r.EffectiveMemories),
            Seconds = stopwatch.Elapsed.TotalSeconds,
        };
        return (row, recall, decoded);
    }

    /// <summary>A similarity as results name it.</summary>
    public static string Name(Similarity similarity) => similarity.ToString().ToLowerInvariant();

    /// <summary>A cue mode as results and the command line name it.</summary>
    public static string Name(CueMode mode) => mode switch
    {
        CueMode.MaskedFree => "masked-free",
        _ => mode.ToString().ToLowerInvariant(),
    };

    /// <summary>Row i of <paramref name="rows"/> as an image of <paramref name="shape"/>, clamped to [0, 1].</summary>
    public static Image ToImage(Tensor rows, int i, ImageShape shape)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var image = new Image(shape.Width, shape.Height, shape.Channels == 1 ? PixelLayout.Grey : PixelLayout.Rgb);
        ReadOnlySpan<float> row = rows.Row(i);
        for (int p = 0; p < row.Length; p++)
        {
            image.Pixels[p] = Math.Clamp(row[p], 0f, 1f);
        }

        return image;
    }
}
