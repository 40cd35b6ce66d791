using Engram.Data.Text;

namespace Engram.Encoders.Text;

/// <summary>
/// The paper's "pixelized" text: a caption's SHA-256 hex digest rendered as an image of the image
/// codec's size (<see cref="CaptionRenderer.RenderDigest"/>; grey, repeated into RGB when the codec
/// reads colour), then encoded by that codec. Distinct captions give distinct codes with
/// certainty of the hash, and similar captions give unrelated codes: it identifies, it does not
/// generalise to other wordings.
/// </summary>
public sealed class PixelizedTextEncoder(IImageCodec codec) : ITextEncoder
{
    private readonly IImageCodec _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <inheritdoc />
    public string Name => "pixelized";

    /// <summary>The image codec's code length: a caption's code is the code of its rendered digest.</summary>
    public int CodeLength => _codec.CodeLength;

    /// <summary>The rendered digest images [N, C·H·W] that the codec encodes.</summary>
    public Tensor Render(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        ImageShape shape = _codec.Shape;
        var images = new Tensor(captions.Count, shape.Length);
        Span<float> data = images.Span;
        for (int i = 0; i < captions.Count; i++)
        {
            float[] grey = CaptionRenderer.RenderDigest(captions[i], shape.Width, shape.Height);
            Span<float> row = data.Slice(i * shape.Length, shape.Length);
            for (int p = 0; p < grey.Length; p++)
            {
                for (int c = 0; c < shape.Channels; c++)
                {
                    row[(p * shape.Channels) + c] = grey[p];
                }
            }
        }

        return images;
    }

    /// <summary>Codes [N, CodeLength]: each caption's digest rendered (<see cref="Render"/>), then encoded by the image codec.</summary>
    public Tensor Encode(IReadOnlyList<string> captions) => _codec.Encode(Render(captions));
}
