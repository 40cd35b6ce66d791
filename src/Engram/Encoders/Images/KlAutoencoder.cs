using Engram.Nn;
using Engram.Nn.Training;

namespace Engram.Encoders.Images;

/// <summary>
/// A convolutional autoencoder with a continuous Gaussian latent (the paper's KL family): the
/// encoder predicts a mean and a log-variance per latent position and channel; training samples
/// z = μ + σ·ε and adds <see cref="ConvCodecConfig.KlWeight"/>·KL(q(z|x) ‖ N(0, I)) to the
/// reconstruction MSE. The code is the mean μ, flattened channel-major ([L, h, w]).
/// </summary>
public sealed class KlAutoencoder : ConvImageCodec
{
    internal KlAutoencoder(ConvCodecConfig config, Rng random)
        : base(config, 2 * config.LatentChannels, config.LatentChannels, random)
    {
    }

    /// <summary>The mean μ: latent channels × latent positions.</summary>
    public override int CodeLength => Config.LatentChannels * GridPositions;

    /// <summary>Reconstruction MSE of a sampled z = μ + σ·ε plus the weighted KL to N(0, I).</summary>
    public override TrainingLoss Loss(NdArray<float> images, TrainingStep step)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(step);
        int latent = Config.LatentChannels;
        Variable<float> head = Encoder.Forward(new Variable<float>(images));
        Variable<float> mean = Op.Slice(head, 1, 0, latent);

        // Log-variances are clamped (as a constant offset outside [-10, 10]) so exp cannot overflow early in training.
        Variable<float> logVariance = Op.Slice(head, 1, latent, latent);
        var noise = new NdArray<float>(mean.Value.ShapeArray);
        for (int i = 0; i < noise.Length; i++)
        {
            noise.Data[i] = (float)step.Random.NextNormal();
        }

        Variable<float> sample = Op.Add(mean, Op.Mul(Op.Exp(Op.MulScalar(ClampedLogVariance(logVariance), 0.5f)), Op.Constant(noise)));
        Variable<float> reconstruction = Decoder.Forward(sample);
        Variable<float> mse = Op.MseLoss(reconstruction, new Variable<float>(images));

        // KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − log σ²), averaged over latent elements.
        Variable<float> lv = ClampedLogVariance(logVariance);
        Variable<float> kl = Op.MulScalar(Op.Mean(Op.Sub(Op.Add(Op.Square(mean), Op.Exp(lv)), Op.AddScalar(lv, 1f))), 0.5f);
        Variable<float> loss = Op.Add(mse, Op.MulScalar(kl, (float)Config.KlWeight));
        return new TrainingLoss(loss, Metrics(("loss", loss.Value.Data[0]), ("mse", mse.Value.Data[0]), ("kl", kl.Value.Data[0])));
    }

    private protected override NdArray<float> CodeFromLatent(NdArray<float> latent)
    {
        int n = latent.Dim(0);
        NdArray<float> mean = Op.Slice(new Variable<float>(latent), 1, 0, Config.LatentChannels).Value;
        return mean.Reshape(n, CodeLength);
    }

    private protected override Variable<float> DecoderInput(Variable<float> codes)
    {
        var (h, w) = Config.LatentGrid;
        return Op.Reshape(codes, codes.Value.Dim(0), Config.LatentChannels, h, w);
    }

    private static Variable<float> ClampedLogVariance(Variable<float> logVariance)
    {
        var offset = new NdArray<float>(logVariance.Value.ShapeArray);
        for (int i = 0; i < offset.Length; i++)
        {
            float v = logVariance.Value.Data[i];
            offset.Data[i] = Math.Clamp(v, -10f, 10f) - v;
        }

        return Op.Add(logVariance, Op.Constant(offset));
    }
}
