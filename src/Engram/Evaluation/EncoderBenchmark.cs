using System.Diagnostics;
using Engram.Encoders;

namespace Engram.Evaluation;

/// <summary>One encoder's speed and its reference's, measured in one run.</summary>
/// <param name="Encoder">The encoder timed ("resnet18", "minilm").</param>
/// <param name="Items">Inputs encoded per pass (images or sentences).</param>
/// <param name="PerSecond">Inputs per second, best of the passes.</param>
/// <param name="Reference">The encoder it is compared with ("autoencoder", "ngram").</param>
/// <param name="ReferencePerSecond">The reference's inputs per second on the same inputs, best of the passes.</param>
public sealed record EncoderSpeed(string Encoder, int Items, double PerSecond, string Reference, double ReferencePerSecond)
{
    /// <summary>The encoder's rate over the reference's.</summary>
    public double Ratio => PerSecond / ReferencePerSecond;
}

/// <summary>
/// Encoding speed of the pretrained encoders against Engram's own trained ones on the same inputs, in one run: images per
/// second through an image encoder (the images already prepared, so decoding and resizing are not counted) and sentences
/// per second through a text encoder (tokenizing counted), best of several passes after one to warm up.
/// </summary>
public static class EncoderBenchmark
{
    /// <summary>
    /// Times <paramref name="encoder"/> on <paramref name="images"/> (rows at its shape) and <paramref name="reference"/> on
    /// <paramref name="referenceImages"/> (the same images at its shape).
    /// </summary>
    public static EncoderSpeed Images(IImageCodec encoder, Tensor images, IImageCodec reference, Tensor referenceImages, int passes = 3)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(referenceImages);
        return new EncoderSpeed(
            encoder.Name, images.RowCount, Rate(() => encoder.Encode(images), images.RowCount, passes),
            reference.Name, Rate(() => reference.Encode(referenceImages), referenceImages.RowCount, passes));
    }

    /// <summary>Times <paramref name="encoder"/> and <paramref name="reference"/> on the same <paramref name="sentences"/>.</summary>
    public static EncoderSpeed Sentences(ITextEncoder encoder, ITextEncoder reference, IReadOnlyList<string> sentences, int passes = 3)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(sentences);
        return new EncoderSpeed(
            encoder.Name, sentences.Count, Rate(() => encoder.Encode(sentences), sentences.Count, passes),
            reference.Name, Rate(() => reference.Encode(sentences), sentences.Count, passes));
    }

    // Inputs per second of the fastest of `passes` timed runs, after one untimed run (sessions allocate on first use).
    private static double Rate(Func<Tensor> encode, int items, int passes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(items);
        encode();
        double best = double.PositiveInfinity;
        for (int pass = 0; pass < passes; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            encode();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return items / best;
    }
}
