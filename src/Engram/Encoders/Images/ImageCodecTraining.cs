using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Encoders.Images;

/// <summary>Trains a convolutional image codec on rows of images with the shared <see cref="Trainer"/>.</summary>
public static class ImageCodecTraining
{
    /// <summary>
    /// Trains <paramref name="codec"/> on <paramref name="images"/> ([N, C·H·W] rows, channels
    /// interleaved, in [0, 1]).
    /// </summary>
    public static TrainingHistory Train(
        ConvImageCodec codec, Tensor images, TrainerOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ImageCodecs.CheckImages(codec, images);
        ImageShape shape = codec.Shape;
        int length = shape.Length;
        using (var fingerprint = new TrainingFingerprint())
        {
            options = options.WithSetting("data", fingerprint.Add(images.Span).Finish());
        }

        return Trainer.Run(codec, images.RowCount, (indices, step) =>
        {
            var batch = new float[indices.Length * length];
            ReadOnlySpan<float> all = images.Span;
            for (int i = 0; i < indices.Length; i++)
            {
                all.Slice(indices[i] * length, length).CopyTo(batch.AsSpan(i * length, length));
            }

            NdArray<float> x = ImageCodecs.ToNchw(batch, indices.Length, shape);
            return codec.Loss(x, step);
        }, options, progress, cancellation);
    }
}
