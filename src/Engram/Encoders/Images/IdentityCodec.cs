namespace Engram.Encoders.Images;

/// <summary>The raw-pixel codec: the code is the image itself (the paper's plain modern Hopfield network).</summary>
public sealed class IdentityCodec(ImageShape shape) : IImageCodec
{
    /// <inheritdoc />
    public string Name => "identity";

    /// <inheritdoc />
    public ImageShape Shape { get; } = shape;

    /// <summary>One value per pixel sample.</summary>
    public int CodeLength => Shape.Length;

    /// <summary>Continuous: the pixels themselves.</summary>
    public CodeKind Kind => CodeKind.Continuous;

    /// <summary>Always null: raw pixels are not categorical.</summary>
    public CategoricalLayout? Categorical => null;

    /// <summary>A copy of the images.</summary>
    public Tensor Encode(Tensor images)
    {
        ImageCodecs.CheckImages(this, images);
        return images.Clone();
    }

    /// <summary>A copy of the codes, read as images.</summary>
    public Tensor Decode(Tensor codes)
    {
        ImageCodecs.CheckCodes(this, codes);
        return codes.Clone();
    }

    /// <summary>Each pixel is its own component: observed where the pixel is (<paramref name="minObserved"/> has nothing to weigh).</summary>
    public float[] CodeMask(ReadOnlySpan<float> pixelMask, double minObserved = 1.0)
    {
        if (pixelMask.Length != Shape.Length)
        {
            throw new ArgumentException($"A pixel mask for {Shape} images has {Shape.Length} values; got {pixelMask.Length}.", nameof(pixelMask));
        }

        var mask = new float[pixelMask.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = pixelMask[i] != 0 ? 1f : 0f;
        }

        return mask;
    }
}
