using System.Diagnostics;
using Engram.Data.Cues;
using Engram.Memory;
using Engram.Tensors;

namespace Engram.Evaluation;

/// <summary>
/// The paper's protocol on raw pixels: store N images, recall each from a copy with a region hidden,
/// and score the recalls.
/// </summary>
public static class OcclusionRecall
{
    /// <summary>
    /// Stores every row of <paramref name="images"/> (height×width pixels each) and recalls each from
    /// its occluded copy. Accuracy is the fraction whose nearest stored pattern is the image itself
    /// (or a byte-identical twin); MSE is between the image and v_T, per pixel, averaged over images.
    /// </summary>
    public static OcclusionRecallSummary Run(
        Tensor images,
        int height,
        int width,
        OcclusionRegion region,
        RecallOptions options,
        IGemmBackend? gemm = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        if (images.Rank != 2 || images.Shape[1] != height * width)
        {
            throw new ArgumentException($"images must be N×{height * width} for {height}×{width} images; got {images}.", nameof(images));
        }

        var stopwatch = Stopwatch.StartNew();
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(images), options, gemm);
        float[] maskRow = Occlusion.Mask(region, height, width);
        var mask = Tensor.FromArray(maskRow, 1, maskRow.Length);
        Tensor cues = Occlusion.Apply(images, maskRow);
        int n = images.Shape[0];
        IReadOnlyList<RecallResult> results = memory.Recall(
            cues, mask, Enumerable.Range(0, n).ToArray(), progress, cancellationToken);

        int retrieved = 0, metastable = 0;
        double mse = 0, steps = 0;
        for (int i = 0; i < n; i++)
        {
            RecallResult r = results[i];
            retrieved += r.Retrieved == true ? 1 : 0;
            metastable += r.Metastable ? 1 : 0;
            steps += r.Steps;
            mse += Metrics.MeanSquaredError(images.Row(i), r.State);
        }

        stopwatch.Stop();
        return new OcclusionRecallSummary
        {
            N = n,
            Accuracy = (double)retrieved / n,
            MetastableFraction = (double)metastable / n,
            Mse = mse / n,
            MeanSteps = steps / n,
            Seconds = stopwatch.Elapsed.TotalSeconds,
            Results = results,
        };
    }
}

/// <summary>The scores of an <see cref="OcclusionRecall"/> run.</summary>
public sealed record OcclusionRecallSummary
{
    /// <summary>Stored images.</summary>
    public required int N { get; init; }

    /// <summary>Fraction of cues whose nearest stored pattern is their own image.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Fraction of final states that are mixtures, not stored patterns.</summary>
    public required double MetastableFraction { get; init; }

    /// <summary>Mean squared error between image and final state, per pixel, averaged over images.</summary>
    public required double Mse { get; init; }

    /// <summary>Mean update steps a recall ran, over all cues.</summary>
    public required double MeanSteps { get; init; }

    /// <summary>Wall time: storing, recalling and scoring.</summary>
    public required double Seconds { get; init; }

    /// <summary>Every cue's result, in item order.</summary>
    public required IReadOnlyList<RecallResult> Results { get; init; }
}
