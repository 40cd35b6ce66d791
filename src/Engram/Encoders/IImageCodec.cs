namespace Engram.Encoders;

/// <summary>The layout of the images a codec reads: channels (1 grey, 3 RGB), height and width.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Samples per image: C·H·W.</summary>
    public int Length => Channels * Height * Width;

    /// <inheritdoc/>
    public override string ToString() => $"{Width}×{Height}×{Channels}";
}

/// <summary>What a code is made of.</summary>
public enum CodeKind
{
    /// <summary>Real-valued: pixels or a continuous latent.</summary>
    Continuous,

    /// <summary>A grid of tokens, each a one-hot over a vocabulary (see <see cref="CategoricalLayout"/>).</summary>
    Categorical,
}

/// <summary>Token count and vocabulary of a categorical code; its dense length is Tokens·Vocabulary.</summary>
public readonly record struct CategoricalLayout(int Tokens, int Vocabulary)
{
    /// <summary>The length of the dense one-hot code.</summary>
    public int DenseLength => Tokens * Vocabulary;
}

/// <summary>
/// An image encoder and its decoder: images in, codes out, and back. Images are rows of
/// <see cref="Shape"/>.Length samples in [0, 1], row-major with channels interleaved (the layout of
/// <see cref="Engram.Data.Images.ImageOps.Prepare"/>); codes are rows of <see cref="CodeLength"/>.
/// A Hopfield Encoding Network stores <c>Encode(images)</c> and decodes recalled states. A pretrained feature
/// extractor (<see cref="Onnx.OnnxImageEncoder"/>: resnet18, a user's ONNX model) encodes only: its
/// <see cref="Decodes"/> is false, and a memory then recalls which item it was without decoding an image.
/// </summary>
public interface IImageCodec
{
    /// <summary>"identity", "autoencoder", "vq-vae", "dvae", "resnet18" or "onnx".</summary>
    string Name { get; }

    /// <summary>The images this codec reads and writes.</summary>
    ImageShape Shape { get; }

    /// <summary>The length of one code.</summary>
    int CodeLength { get; }

    /// <summary>Continuous, or categorical with <see cref="Categorical"/> set.</summary>
    CodeKind Kind { get; }

    /// <summary>The token layout when <see cref="Kind"/> is categorical, else null.</summary>
    CategoricalLayout? Categorical { get; }

    /// <summary>Codes for a batch of images [N, Shape.Length] → [N, CodeLength].</summary>
    Tensor Encode(Tensor images);

    /// <summary>
    /// Whether <see cref="Decode"/> turns codes back into images: true for the codecs Engram trains and for raw pixels;
    /// false for an encoder without a decoder (a pretrained feature extractor), whose <see cref="Decode"/> throws
    /// <see cref="NotSupportedException"/>. Callers that show images check it first.
    /// </summary>
    bool Decodes => true;

    /// <summary>Images for a batch of codes (or recalled states) [N, CodeLength] → [N, Shape.Length]; throws <see cref="NotSupportedException"/> when <see cref="Decodes"/> is false.</summary>
    Tensor Decode(Tensor codes);

    /// <summary>
    /// Which components of a code the observed pixels determine, given the image's observation mask
    /// (Shape.Length values, 1 = observed) → CodeLength values of 1 or 0: what a partial cue's code
    /// can be compared on (cue mode MaskedFree). <paramref name="minObserved"/> is the fraction of a
    /// component's pixels that must be observed.
    /// </summary>
    float[] CodeMask(ReadOnlySpan<float> pixelMask, double minObserved = 1.0);
}
