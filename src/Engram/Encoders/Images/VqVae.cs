using System.Numerics.Tensors;
using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Nn.Training;

namespace Engram.Encoders.Images;

/// <summary>
/// A VQ-VAE (van den Oord et al. 2017; the paper's VQ family): each latent position is replaced by
/// its nearest codebook vector; the decoder sees the quantized grid, the encoder gets the decoder's
/// gradient through the straight-through estimator, the codebook learns from
/// ‖sg(z_e) − e‖² and the encoder is held to its choice by β‖z_e − sg(e)‖² (β =
/// <see cref="ConvCodecConfig.CommitmentWeight"/>). Codebook entries that the current batch does
/// not use are restarted from random encoder outputs every <see cref="RestartEvery"/> steps, so
/// the codebook does not collapse. The code is the quantized grid flattened channel-major.
/// </summary>
public sealed class VqVae : ConvImageCodec
{
    /// <summary>Steps between dead-codebook-entry restarts (step 0 included: the codebook starts from data).</summary>
    public const int RestartEvery = 50;

    internal VqVae(ConvCodecConfig config, Rng random)
        : base(config, config.LatentChannels, config.LatentChannels, random)
    {
        double bound = 1.0 / config.CodebookSize;
        Codebook = AddParameter("codebook", Init.Uniform(random, -bound, bound, config.CodebookSize, config.LatentChannels));
    }

    /// <summary>The codebook [K, D].</summary>
    public Variable<float> Codebook { get; }

    /// <summary>The quantized grid: latent channels × latent positions.</summary>
    public override int CodeLength => Config.LatentChannels * GridPositions;

    /// <summary>Reconstruction MSE through the straight-through estimator, plus the codebook and commitment terms; restarts unused codebook entries every <see cref="RestartEvery"/> steps.</summary>
    public override TrainingLoss Loss(NdArray<float> images, TrainingStep step)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(step);
        int n = images.Dim(0);
        Variable<float> rows = PositionsAsRows(Encoder.Forward(new Variable<float>(images)));
        int[] nearest = NearestEntries(rows.Value);
        if (step.GlobalStep % RestartEvery == 0)
        {
            RestartUnused(rows.Value, nearest, step.Random);
            nearest = NearestEntries(rows.Value);
        }

        Variable<float> chosen = Op.Embedding(Codebook, nearest);
        Variable<float> quantized = Op.StraightThrough(rows, chosen.Value);
        Variable<float> reconstruction = Decoder.Forward(RowsAsGrid(quantized, n));
        Variable<float> mse = Op.MseLoss(reconstruction, new Variable<float>(images));
        Variable<float> codebookLoss = Op.MseLoss(chosen, Op.Detach(rows));
        Variable<float> commitment = Op.MseLoss(rows, Op.Detach(chosen));
        Variable<float> loss = Op.Add(Op.Add(mse, codebookLoss), Op.MulScalar(commitment, (float)Config.CommitmentWeight));
        int used = nearest.Distinct().Count();
        return new TrainingLoss(loss, Metrics(("loss", loss.Value.Data[0]), ("mse", mse.Value.Data[0]), ("commitment", commitment.Value.Data[0]), ("codes_used", used)));
    }

    private protected override NdArray<float> CodeFromLatent(NdArray<float> latent)
    {
        int n = latent.Dim(0);
        NdArray<float> rows = PositionsAsRows(new Variable<float>(latent)).Value;
        int[] nearest = NearestEntries(rows);
        NdArray<float> grid = RowsAsGrid(Op.Embedding(new Variable<float>(Codebook.Value), nearest), n).Value;
        return grid.Reshape(n, CodeLength);
    }

    private protected override Variable<float> DecoderInput(Variable<float> codes)
    {
        var (h, w) = Config.LatentGrid;
        return Op.Reshape(codes, codes.Value.Dim(0), Config.LatentChannels, h, w);
    }

    /// <summary>The nearest codebook entry (squared L2) of each row [M, D].</summary>
    internal int[] NearestEntries(NdArray<float> rows)
    {
        int m = rows.Dim(0), d = rows.Dim(1), k = Config.CodebookSize;
        float[] book = Codebook.Value.Data;
        var norms = new float[k];
        for (int j = 0; j < k; j++)
        {
            norms[j] = TensorPrimitives.Dot<float>(book.AsSpan(j * d, d), book.AsSpan(j * d, d));
        }

        // ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²: one GEMM for all the dot products, then an argmin per row.
        var dots = new Tensor(m, k);
        Tensors.Gemm.Default.Sgemm(false, true, m, k, d, 1f, rows.Data, d, book, d, 0f, dots.Span, k);
        var result = new int[m];
        for (int i = 0; i < m; i++)
        {
            Span<float> row = dots.Span.Slice(i * k, k);
            int best = 0;
            float bestDistance = float.PositiveInfinity;
            for (int j = 0; j < k; j++)
            {
                float distance = norms[j] - (2 * row[j]);
                if (distance < bestDistance)
                {
                    (best, bestDistance) = (j, distance);
                }
            }

            result[i] = best;
        }

        return result;
    }

    private void RestartUnused(NdArray<float> rows, int[] nearest, Rng random)
    {
        int d = rows.Dim(1);
        var used = new bool[Config.CodebookSize];
        foreach (int j in nearest)
        {
            used[j] = true;
        }

        for (int j = 0; j < used.Length; j++)
        {
            if (!used[j])
            {
                int source = random.NextInt(rows.Dim(0));
                for (int c = 0; c < d; c++)
                {
                    Codebook.Value.Data[(j * d) + c] = rows.Data[(source * d) + c] + (float)(1e-3 * random.NextNormal());
                }
            }
        }
    }
}
