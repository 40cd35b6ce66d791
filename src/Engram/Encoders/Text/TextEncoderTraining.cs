using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Encoders.Text;

/// <summary>Trains a <see cref="NgramTextEncoder"/> contrastively against image codes with the shared <see cref="Trainer"/>.</summary>
public static class TextEncoderTraining
{
    /// <summary>
    /// Item i has <paramref name="captions"/>[i] (one or more wordings) and the image code row i of
    /// <paramref name="imageCodes"/>. Each step draws one wording per item (seeded), embeds it, projects
    /// the image codes, and minimises the symmetric InfoNCE loss at <paramref name="temperature"/>.
    /// </summary>
    public static TrainingHistory Train(
        NgramTextEncoder encoder, IReadOnlyList<IReadOnlyList<string>> captions, Tensor imageCodes, TrainerOptions options,
        float temperature = 0.07f, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(imageCodes);
        int length = encoder.Config.ImageCodeLength;
        if (imageCodes.Rank != 2 || imageCodes.RowCount != captions.Count || imageCodes.Shape[1] != length)
        {
            throw new ArgumentException(
                $"Expected image codes [{captions.Count}, {length}] for {captions.Count} items; got [{string.Join(", ", imageCodes.Shape.ToArray())}].", nameof(imageCodes));
        }

        for (int i = 0; i < captions.Count; i++)
        {
            if (captions[i] is null || captions[i].Count == 0)
            {
                throw new ArgumentException($"Item {i} has no caption; every item needs at least one.", nameof(captions));
            }
        }

        using (var fingerprint = new TrainingFingerprint())
        {
            foreach (IReadOnlyList<string> wordings in captions)
            {
                fingerprint.Add(string.Join('\n', wordings.Select(w => w.Replace("\n", " ", StringComparison.Ordinal))));
            }

            options = options.WithSetting("data", fingerprint.Add(imageCodes.Span).Finish())
                .WithSetting("temperature", temperature.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        return Trainer.Run(encoder, captions.Count, (indices, step) =>
        {
            var chosen = new string[indices.Length];
            var codes = new NdArray<float>(indices.Length, length);
            ReadOnlySpan<float> all = imageCodes.Span;
            for (int i = 0; i < indices.Length; i++)
            {
                IReadOnlyList<string> wordings = captions[indices[i]];
                chosen[i] = wordings[step.Random.NextInt(wordings.Count)];
                all.Slice(indices[i] * length, length).CopyTo(codes.Data.AsSpan(i * length, length));
            }

            Variable<float> text = encoder.Embed(encoder.Features(chosen));
            Variable<float> images = encoder.ProjectImages(new Variable<float>(codes));
            return TrainingLoss.Of(Op.InfoNce(text, images, temperature));
        }, options, progress, cancellation);
    }
}
