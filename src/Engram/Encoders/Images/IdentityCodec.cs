namespace Engram.Encoders.Images;

/// <summary>The raw-pixel codec: the code is the image itself (the paper's plain modern Hopfield network).</summary>
public sealed class IdentityCodec(ImageShape shape) : IImageCodec
{
    public string Name => "identity";

    public ImageShape Shape { get; } = shape;

    public int CodeLength => Shape.Length;

    public CodeKind Kind => CodeKind.Continuous;

    public CategoricalLayout? Categorical => null;

    public Tensor Encode(Tensor images)
    {
        ImageCodecs.CheckImages(this, images);
        return images.Clone();
    }

    public Tensor Decode(Tensor codes)
    {
        ImageCodecs.CheckCodes(this, codes);
        return codes.Clone();
    }
}
