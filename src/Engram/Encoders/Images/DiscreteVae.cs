using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Nn.Training;

namespace Engram.Encoders.Images;

/// <summary>
/// A discrete VAE (the paper's D-VAE family, as in DALL·E): the encoder predicts logits over a
/// vocabulary of <see cref="ConvCodecConfig.CodebookSize"/> tokens at every latent position;
/// training relaxes the choice with Gumbel-softmax (temperature annealed geometrically from
/// <see cref="ConvCodecConfig.StartTemperature"/> to <see cref="ConvCodecConfig.EndTemperature"/>)
/// and adds <see cref="ConvCodecConfig.KlWeight"/>·KL(q ‖ uniform). The decoder embeds the
/// (soft) one-hot tokens. The code is a grid of one-hot tokens, token-major (index t·V + v), whose
/// compact form is <see cref="EncodeTokens"/>.
/// </summary>
public sealed class DiscreteVae : ConvImageCodec
{
    internal DiscreteVae(ConvCodecConfig config, Rng random)
        : base(config, config.CodebookSize, config.LatentChannels, random)
    {
        Embedding = AddParameter("embedding", Init.Normal(random, 1.0, config.CodebookSize, config.LatentChannels));
    }

    /// <summary>The token embedding [V, D] that the decoder reads.</summary>
    public Variable<float> Embedding { get; }

    /// <summary>One-hot tokens: vocabulary size × latent positions.</summary>
    public override int CodeLength => Config.CodebookSize * GridPositions;

    /// <summary>Categorical: one token per latent position.</summary>
    public override CodeKind Kind => CodeKind.Categorical;

    private protected override bool TokenMajor => true;

    /// <summary>Latent positions × vocabulary, token-major.</summary>
    public override CategoricalLayout? Categorical => new CategoricalLayout(GridPositions, Config.CodebookSize);

    /// <summary>The Gumbel temperature at a point of training (geometric from start to end).</summary>
    public double Temperature(double progress) =>
        Config.StartTemperature * Math.Pow(Config.EndTemperature / Config.StartTemperature, Math.Clamp(progress, 0, 1));

    /// <summary>Reconstruction MSE of the Gumbel-softmax relaxation plus the weighted KL to the uniform prior over tokens.</summary>
    public override TrainingLoss Loss(NdArray<float> images, TrainingStep step)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(step);
        int n = images.Dim(0);
        Variable<float> logits = PositionsAsRows(Encoder.Forward(new Variable<float>(images)));
        Variable<float> soft = Op.GumbelSoftmax(logits, Temperature(step.Progress), hard: false, step.Random);
        Variable<float> reconstruction = Decoder.Forward(RowsAsGrid(Op.MatMul(soft, Embedding), n));
        Variable<float> mse = Op.MseLoss(reconstruction, new Variable<float>(images));

        // KL(q ‖ uniform) per token = Σ q log q + log V.
        Variable<float> logQ = Op.LogSoftmax(logits);
        Variable<float> kl = Op.AddScalar(Op.MulScalar(Op.Sum(Op.Mul(Op.Exp(logQ), logQ)), 1f / logits.Value.Dim(0)), MathF.Log(Config.CodebookSize));
        Variable<float> loss = Op.Add(mse, Op.MulScalar(kl, (float)Config.KlWeight));
        return new TrainingLoss(loss, Metrics(("loss", loss.Value.Data[0]), ("mse", mse.Value.Data[0]), ("kl", kl.Value.Data[0])));
    }

    /// <summary>The codes in compact form: one token index per latent position.</summary>
    public CategoricalCodes EncodeTokens(Tensor images)
    {
        Tensor dense = Encode(images);
        return CategoricalCodes.FromDense(dense, GridPositions, Config.CodebookSize);
    }

    private protected override NdArray<float> CodeFromLatent(NdArray<float> latent)
    {
        int n = latent.Dim(0);
        NdArray<float> oneHot = Op.OneHotOfArgmax(PositionsAsRows(new Variable<float>(latent)).Value);
        return oneHot.Reshape(n, CodeLength);
    }

    private protected override Variable<float> DecoderInput(Variable<float> codes)
    {
        // A recalled state may be a mixture of one-hot codes; the embedding is linear, so it decodes
        // to the same mixture of token embeddings.
        int n = codes.Value.Dim(0);
        return RowsAsGrid(Op.MatMul(Op.Reshape(codes, n * GridPositions, Config.CodebookSize), Embedding), n);
    }
}
