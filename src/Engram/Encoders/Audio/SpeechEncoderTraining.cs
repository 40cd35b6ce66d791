using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Encoders.Audio;

/// <summary>Trains a <see cref="SpeechEncoder"/> contrastively against fixed text codes with the shared <see cref="Trainer"/>.</summary>
public static class SpeechEncoderTraining
{
    /// <summary>
    /// Item i was spoken in one or more ways (<paramref name="features"/>[i]: <see cref="SpeechEncoder.Features"/>
    /// of each recording, e.g. one per voice) and has the text code row i of <paramref name="textCodes"/>.
    /// Each step draws one recording per item (seeded) and minimises the symmetric InfoNCE loss
    /// between speech codes and the (fixed) text codes at <paramref name="temperature"/>.
    /// </summary>
    public static TrainingHistory Train(
        SpeechEncoder encoder, IReadOnlyList<IReadOnlyList<float[]>> features, Tensor textCodes, TrainerOptions options,
        float temperature = 0.07f, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(textCodes);
        int d = encoder.CodeLength, length = encoder.Config.Mels * encoder.Config.Frames;
        if (textCodes.Rank != 2 || textCodes.RowCount != features.Count || textCodes.Shape[1] != d)
        {
            throw new ArgumentException(
                $"Expected text codes [{features.Count}, {d}] for {features.Count} items; got [{string.Join(", ", textCodes.Shape.ToArray())}].", nameof(textCodes));
        }

        for (int i = 0; i < features.Count; i++)
        {
            if (features[i] is null || features[i].Count == 0 || features[i].Any(f => f.Length != length))
            {
                throw new ArgumentException($"Item {i} needs at least one recording's features of length {length}.", nameof(features));
            }
        }

        using (var fingerprint = new TrainingFingerprint())
        {
            foreach (IReadOnlyList<float[]> recordings in features)
            {
                fingerprint.Add(recordings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (float[] recording in recordings)
                {
                    fingerprint.Add(recording);
                }
            }

            options = options.WithSetting("data", fingerprint.Add(textCodes.Span).Finish())
                .WithSetting("temperature", temperature.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        return Trainer.Run(encoder, features.Count, (indices, step) =>
        {
            var batch = new NdArray<float>(indices.Length, length);
            var targets = new NdArray<float>(indices.Length, d);
            ReadOnlySpan<float> codes = textCodes.Span;
            for (int i = 0; i < indices.Length; i++)
            {
                IReadOnlyList<float[]> recordings = features[indices[i]];
                recordings[step.Random.NextInt(recordings.Count)].CopyTo(batch.Data.AsSpan(i * length, length));
                codes.Slice(indices[i] * d, d).CopyTo(targets.Data.AsSpan(i * d, d));
            }

            return TrainingLoss.Of(Op.InfoNce(encoder.Embed(batch), new Variable<float>(targets), temperature));
        }, options, progress, cancellation);
    }
}
