using Engram.Encoders;

namespace Engram.Evaluation;

/// <summary>How well an image codec gives images back: Decode(Encode(x)) against x, by MSE and by mean SSIM.</summary>
public sealed record ReconstructionReport(int Images, double Mse, double Ssim)
{
    /// <summary>Encodes and decodes <paramref name="images"/> ([N, C·H·W] rows) and scores the result.</summary>
    public static ReconstructionReport Measure(IImageCodec codec, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(images);
        Tensor decoded = codec.Decode(codec.Encode(images));
        ImageShape shape = codec.Shape;
        return new ReconstructionReport(
            images.RowCount,
            Metrics.MeanSquaredError(images.Span, decoded.Span),
            Evaluation.Ssim.Mean(images.Span, decoded.Span, images.RowCount, shape.Height, shape.Width, shape.Channels));
    }
}
