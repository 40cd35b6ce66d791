using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Nn.Training;

namespace Engram.Encoders.Images;

/// <summary>
/// A convolutional image codec: an encoder network to a latent grid, a bottleneck that makes the
/// code (continuous, vector-quantised or categorical, by subclass) and a decoder network back to
/// pixels. See <see cref="ConvCodecConfig"/> for the architecture.
/// </summary>
public abstract class ConvImageCodec : Module, IImageCodec
{
    /// <summary>The safetensors metadata key under which these weights record their configuration (it also tells what a file is).</summary>
    public const string ConfigKey = "engram.codec";
    private const int InferenceBatch = 256;

    private protected ConvImageCodec(ConvCodecConfig config, int headChannels, int decoderInputChannels, Rng random)
    {
        Config = config;
        int[] widths = config.Widths;
        var encoder = new List<Module>();
        if (config.LocalEncoder)
        {
            // A patch embedding, then a per-position MLP: position (y, x) sees only its own cell.
            int cell = config.CellSize;
            encoder.Add(new Conv2d(config.Channels, widths[^1], cell, random, stride: cell));
            encoder.Add(new Activation(ActivationKind.Silu));
            for (int i = 0; i < 2; i++)
            {
                encoder.Add(new Conv2d(widths[^1], widths[^1], 1, random));
                encoder.Add(new Activation(ActivationKind.Silu));
            }

            encoder.Add(new Conv2d(widths[^1], headChannels, 1, random));
        }
        else
        {
            encoder.Add(new Conv2d(config.Channels, widths[0], 3, random, padding: 1));
            encoder.Add(new Activation(ActivationKind.Silu));
            for (int i = 1; i < widths.Length; i++)
            {
                encoder.Add(new Conv2d(widths[i - 1], widths[i], 4, random, stride: 2, padding: 1));
                encoder.Add(new Activation(ActivationKind.Silu));
            }

            encoder.Add(new ResidualBlock(widths[^1], config.NormGroups, random));
            encoder.Add(new Conv2d(widths[^1], headChannels, 3, random, padding: 1));
        }

        Encoder = AddModule("encoder", new Sequential([.. encoder]));

        var decoder = new List<Module>
        {
            new Conv2d(decoderInputChannels, widths[^1], 3, random, padding: 1),
            new ResidualBlock(widths[^1], config.NormGroups, random),
            new Activation(ActivationKind.Silu),
        };
        for (int i = widths.Length - 1; i >= 1; i--)
        {
            decoder.Add(new ConvTranspose2d(widths[i], widths[i - 1], 4, random, stride: 2, padding: 1));
            decoder.Add(new Activation(ActivationKind.Silu));
        }

        decoder.Add(new Conv2d(widths[0], config.Channels, 3, random, padding: 1));
        decoder.Add(new Activation(ActivationKind.Sigmoid));
        Decoder = AddModule("decoder", new Sequential([.. decoder]));
    }

    /// <summary>The architecture.</summary>
    public ConvCodecConfig Config { get; }

    /// <summary>Images → latent grid (before the bottleneck).</summary>
    public Sequential Encoder { get; }

    /// <summary>Decoder input grid → images in [0, 1].</summary>
    public Sequential Decoder { get; }

    /// <inheritdoc />
    public string Name => Config.Kind;

    /// <inheritdoc />
    public ImageShape Shape => Config.Shape;

    /// <inheritdoc />
    public abstract int CodeLength { get; }

    /// <inheritdoc />
    public virtual CodeKind Kind => CodeKind.Continuous;

    /// <inheritdoc />
    public virtual CategoricalLayout? Categorical => null;

    /// <summary>The SHA-256 of the weight file this codec was loaded from (null when built in memory).</summary>
    public string? WeightsHash { get; internal set; }

    /// <summary>Tokens per code: the latent grid's positions.</summary>
    public int GridPositions => Config.LatentGrid.Height * Config.LatentGrid.Width;

    /// <inheritdoc />
    public Tensor Encode(Tensor images)
    {
        ImageCodecs.CheckImages(this, images);
        int n = images.RowCount;
        var codes = new Tensor(n, CodeLength);
        using (GradMode.NoGrad())
        {
            for (int start = 0; start < n; start += InferenceBatch)
            {
                int count = Math.Min(InferenceBatch, n - start);
                NdArray<float> x = ImageCodecs.ToNchw(images.Span.Slice(start * Shape.Length, count * Shape.Length), count, Shape);
                NdArray<float> code = CodeFromLatent(Encoder.Forward(new Variable<float>(x)).Value);
                code.Span.CopyTo(codes.Span.Slice(start * CodeLength, count * CodeLength));
            }
        }

        return codes;
    }

    /// <inheritdoc />
    public Tensor Decode(Tensor codes)
    {
        ImageCodecs.CheckCodes(this, codes);
        int n = codes.RowCount;
        var images = new Tensor(n, Shape.Length);
        using (GradMode.NoGrad())
        {
            for (int start = 0; start < n; start += InferenceBatch)
            {
                int count = Math.Min(InferenceBatch, n - start);
                var code = NdArray<float>.FromArray(codes.Span.Slice(start * CodeLength, count * CodeLength).ToArray(), count, CodeLength);
                NdArray<float> pixels = Decoder.Forward(DecoderInput(new Variable<float>(code))).Value;
                ImageCodecs.ToRows(pixels, Shape, images.Span.Slice(start * Shape.Length, count * Shape.Length));
            }
        }

        return images;
    }

    /// <summary>The training loss for a batch [N, C, H, W]; builds the graph.</summary>
    public abstract TrainingLoss Loss(NdArray<float> images, TrainingStep step);

    /// <summary>
    /// Saves the weights with the architecture in the metadata, so <see cref="ImageCodecs.Load(string)"/>
    /// can rebuild the codec; extra metadata (the training command, metrics) is stored beside it.
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        ModelWeights.SaveModel(path, this, ConfigKey, Config, metadata);

    /// <summary>A SHA-256 over every parameter's name, shape and bytes: identifies the trained weights.</summary>
    public string ParameterHash() => ModelWeights.ParameterHash(this);

    /// <summary>
    /// The observation mask of a code, given the observation mask of its image (one value per sample,
    /// [C·H·W] interleaved as the images, 1 = observed): a latent position counts as observed when at
    /// least <paramref name="minObserved"/> of the pixels of the cell it sits on are observed (every
    /// one by default), and all of that position's code components share its value. With cue mode
    /// MaskedFree, recall then compares only the part of the code that the visible pixels determine.
    /// </summary>
    public float[] CodeMask(ReadOnlySpan<float> pixelMask, double minObserved = 1.0)
    {
        if (pixelMask.Length != Shape.Length)
        {
            throw new ArgumentException($"A pixel mask for {Shape} images has {Shape.Length} values; got {pixelMask.Length}.", nameof(pixelMask));
        }

        var (h, w) = Config.LatentGrid;
        int cellH = Shape.Height / h, cellW = Shape.Width / w, perPosition = CodeLength / GridPositions;
        var mask = new float[CodeLength];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double observed = 0;
                for (int py = y * cellH; py < (y + 1) * cellH; py++)
                {
                    for (int px = x * cellW; px < (x + 1) * cellW; px++)
                    {
                        for (int c = 0; c < Shape.Channels; c++)
                        {
                            observed += pixelMask[(((py * Shape.Width) + px) * Shape.Channels) + c] != 0 ? 1 : 0;
                        }
                    }
                }

                if (observed >= minObserved * cellH * cellW * Shape.Channels)
                {
                    int position = (y * w) + x;
                    for (int j = 0; j < perPosition; j++)
                    {
                        mask[TokenMajor ? (position * perPosition) + j : (j * GridPositions) + position] = 1f;
                    }
                }
            }
        }

        return mask;
    }

    /// <summary>Whether the code is laid out position-major ([positions, per position], the discrete VAE's tokens) rather than channel-major ([channels, positions]).</summary>
    private protected virtual bool TokenMajor => false;

    /// <summary>
    /// A batch [N, C, H, W] through the code and back, as <c>Decode(Encode(x))</c>; the code is not
    /// differentiable (train with <see cref="Loss"/>).
    /// </summary>
    public override Variable<float> Forward(Variable<float> x) => Decoder.Forward(DecoderInput(new Variable<float>(CodeFromLatent(Encoder.Forward(x).Value))));

    /// <summary>The encoder's output grid [N, head, h, w] → codes [N, CodeLength].</summary>
    private protected abstract NdArray<float> CodeFromLatent(NdArray<float> latent);

    /// <summary>Codes [N, CodeLength] → the decoder's input grid [N, channels, h, w].</summary>
    private protected abstract Variable<float> DecoderInput(Variable<float> codes);

    /// <summary>[N, C, h, w] → [N·h·w, C]: one row per latent position.</summary>
    private protected static Variable<float> PositionsAsRows(Variable<float> grid) =>
        Op.Reshape(Op.Permute(grid, 0, 2, 3, 1), -1, grid.Value.Dim(1));

    /// <summary>[N·h·w, C] → [N, C, h, w].</summary>
    private protected Variable<float> RowsAsGrid(Variable<float> rows, int n)
    {
        var (h, w) = Config.LatentGrid;
        return Op.Permute(Op.Reshape(rows, n, h, w, rows.Value.Dim(1)), 0, 3, 1, 2);
    }

    private protected static Dictionary<string, double> Metrics(params (string Name, double Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
}
