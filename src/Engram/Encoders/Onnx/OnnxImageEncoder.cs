using Engram.Encoders.Images;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Engram.Encoders.Onnx;

/// <summary>
/// An image encoder run by ONNX Runtime: a pretrained network's features as the code. Images arrive as Engram prepares
/// them (<see cref="Shape"/>: size×size RGB samples in [0, 1], interleaved); each becomes the planes the graph reads
/// (<see cref="OnnxImageConfig"/>: scaled, the mean subtracted, divided by the std, in the graph's channel order), goes
/// through the preprocessing graph when there is one, then the model, and its output is pooled and optionally scaled to
/// unit length. <c>resnet18</c> (<see cref="PretrainedEncoders.ResNet18"/>) is one; <c>onnx:PATH</c> is a user's.
/// </summary>
/// <remarks>
/// It is an encoder only: a feature extractor has no decoder, so <see cref="Decodes"/> is false and <see cref="Decode"/>
/// throws. A memory whose image slot it encodes recalls items, not pixels (see <see cref="IImageCodec.Decodes"/>).
/// </remarks>
public sealed class OnnxImageEncoder : IImageCodec, IOnnxEncoder, IDisposable
{
    private const int BatchSize = 16;
    private readonly OnnxGraph _graph;
    private readonly OnnxGraph? _preprocess;
    private readonly string _preprocessInput = "", _preprocessOutput = "";
    private readonly int _batch;
    private readonly bool _fixedBatch;

    internal OnnxImageEncoder(
        string name, OnnxEncoderConfig config, byte[] model, byte[]? preprocess, string modelPath, string sha256, OnnxRuntimeSettings settings)
    {
        config.Validate(modelPath);
        if (config.Modality != OnnxModality.Image)
        {
            throw new ArgumentException($"{modelPath} is described as a text encoder, not an image encoder.", nameof(config));
        }

        Name = name;
        Config = config;
        ModelPath = modelPath;
        Sha256 = sha256;
        int size = config.Image!.Size;
        Shape = new ImageShape(3, size, size);
        _graph = new OnnxGraph(model, modelPath, settings);
        try
        {
            int[] input = _graph.Input(config.Input!, TensorElementType.Float, "the images");
            CheckImageInput(input, modelPath, config.Input!, size);
            if (_graph.Unfed([config.Input]).ToArray() is { Length: > 0 } unfed)
            {
                throw new InvalidDataException($"{modelPath} also takes {string.Join(", ", unfed.Select(u => $"'{u}'"))}; an image encoder's graph reads the images alone.");
            }

            if (preprocess is not null)
            {
                string source = Path.Combine(Path.GetDirectoryName(modelPath) ?? "", config.Image.Preprocess ?? "preprocessing graph");
                _preprocess = new OnnxGraph(preprocess, source, settings);
                if (_preprocess.Inputs.Count != 1 || _preprocess.Outputs.Count != 1)
                {
                    throw new InvalidDataException($"{source}: a preprocessing graph has one input and one output; it has {_preprocess.Inputs.Count} and {_preprocess.Outputs.Count}.");
                }

                _preprocessInput = _preprocess.Inputs.Keys.Single();
                _preprocessOutput = _preprocess.Outputs.Keys.Single();
                CheckImageInput(_preprocess.Input(_preprocessInput, TensorElementType.Float, "the images"), source, _preprocessInput, size);
                _preprocess.Output(_preprocessOutput);
            }

            // A graph exported with a fixed batch (ResNet-18's is 1) is fed that many images at a time.
            int[] fixedBatches = new[] { input[0], _preprocess?.Inputs.Values.Single().Dimensions[0] ?? -1 }.Where(b => b > 0).Distinct().ToArray();
            if (fixedBatches.Length > 1)
            {
                throw new InvalidDataException($"{modelPath}: the preprocessing graph reads batches of {fixedBatches[1]} and the model batches of {fixedBatches[0]}.");
            }

            _fixedBatch = fixedBatches.Length == 1;
            _batch = _fixedBatch ? fixedBatches[0] : BatchSize;

            int[] output = _graph.Output(config.Output);
            if (output.Length < 2 || (config.Pooling == OnnxPooling.Mean && output.Length < 3))
            {
                throw new InvalidDataException(
                    $"{modelPath}: output '{config.Output}' has {output.Length} dimensions; an image encoder's output is [batch, features…]" +
                    (config.Pooling == OnnxPooling.Mean ? ", and \"mean\" pooling averages [batch, channels, positions…] over the positions." : "."));
            }

            int fixedLength = config.Pooling == OnnxPooling.Mean ? output[1] : output.Skip(1).All(d => d > 0) ? output.Skip(1).Aggregate(1, (a, d) => a * d) : -1;
            CodeLength = fixedLength > 0 ? fixedLength : EncodeBatch(new float[_batch * Shape.Length], _batch).Length / _batch;
        }
        catch
        {
            _preprocess?.Dispose();
            _graph.Dispose();
            throw;
        }
    }

    /// <summary>"resnet18", or "onnx" for a user's model.</summary>
    public string Name { get; }

    /// <summary>RGB images of the graph's size (resnet18: 224×224×3).</summary>
    public ImageShape Shape { get; }

    /// <inheritdoc />
    public int CodeLength { get; }

    /// <summary>Continuous: pooled network features.</summary>
    public CodeKind Kind => CodeKind.Continuous;

    /// <summary>Always null: the features are not categorical.</summary>
    public CategoricalLayout? Categorical => null;

    /// <summary>False: a feature extractor has no decoder.</summary>
    public bool Decodes => false;

    /// <inheritdoc />
    public OnnxEncoderConfig Config { get; }

    /// <inheritdoc />
    public string ModelPath { get; }

    /// <inheritdoc />
    public string Sha256 { get; }

    /// <summary>Codes [N, CodeLength] for images [N, Shape.Length] (interleaved RGB samples in [0, 1]).</summary>
    public Tensor Encode(Tensor images)
    {
        ImageCodecs.CheckImages(this, images);
        var codes = new Tensor(images.RowCount, CodeLength);
        for (int start = 0; start < images.RowCount; start += _batch)
        {
            int count = Math.Min(_batch, images.RowCount - start);
            ReadOnlySpan<float> rows = images.Rows(start, count).Span;
            if (_fixedBatch && count < _batch)
            {
                // A graph of a fixed batch is fed whole: the last images are padded with black ones, whose codes are dropped.
                var padded = new float[_batch * Shape.Length];
                rows.CopyTo(padded);
                rows = padded;
            }

            EncodeBatch(rows, rows.Length / Shape.Length).AsSpan(0, count * CodeLength).CopyTo(codes.Span.Slice(start * CodeLength, count * CodeLength));
        }

        return codes;
    }

    /// <summary>Always throws: a feature extractor has no decoder (check <see cref="Decodes"/> first).</summary>
    public Tensor Decode(Tensor codes) => throw new NotSupportedException(
        $"The {Name} image encoder has no decoder: its codes are a network's features and cannot be turned back into pixels. " +
        "A memory built with it recalls which item it was; a store (`engram build --store`) keeps each item's original image to show.");

    /// <summary>
    /// A network's pooled features each average over the whole image, so hiding part of it perturbs every feature and
    /// determines none: the code of a partly hidden image is an estimate of the whole code (as cue mode MaskedFree takes
    /// any cue's code to be). Every component is compared (1) when any sample is observed, none (0) when the whole image
    /// is hidden; <paramref name="minObserved"/>, a fraction of each component's own pixels, does not apply.
    /// </summary>
    public float[] CodeMask(ReadOnlySpan<float> pixelMask, double minObserved = 1.0)
    {
        if (pixelMask.Length != Shape.Length)
        {
            throw new ArgumentException($"A pixel mask for {Shape} images has {Shape.Length} values; got {pixelMask.Length}.", nameof(pixelMask));
        }

        var mask = new float[CodeLength];
        Array.Fill(mask, pixelMask.ContainsAnyExcept(0f) ? 1f : 0f);
        return mask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _preprocess?.Dispose();
        _graph.Dispose();
    }

    private static void CheckImageInput(int[] dimensions, string source, string name, int size)
    {
        if (dimensions.Length != 4 || dimensions[1] is not (3 or -1) || dimensions[2] is not -1 && dimensions[2] != size || dimensions[3] is not -1 && dimensions[3] != size)
        {
            throw new InvalidDataException(
                $"{source}: input '{name}' is [{string.Join(", ", dimensions)}]; an image encoder feeds [batch, 3, {size}, {size}] (the sidecar's image size is {size}).");
        }
    }

    // Count images (interleaved RGB rows) → the graph's planes → preprocessing → model → pooled, normalised codes.
    private float[] EncodeBatch(ReadOnlySpan<float> rows, int count)
    {
        OnnxImageConfig image = Config.Image!;
        int plane = image.Size * image.Size;
        var planes = new float[count * 3 * plane];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> row = rows.Slice(n * 3 * plane, 3 * plane);
            for (int c = 0; c < 3; c++)
            {
                int source = image.Channels == ChannelOrder.Rgb ? c : 2 - c;
                float scale = image.Scale / image.Std[source], shift = image.Mean[source] / image.Std[source];
                Span<float> destination = planes.AsSpan(((n * 3) + c) * plane, plane);
                for (int p = 0; p < plane; p++)
                {
                    destination[p] = (row[(p * 3) + source] * scale) - shift;
                }
            }
        }

        long[] shape = [count, 3, image.Size, image.Size];
        if (_preprocess is not null)
        {
            using OrtValue raw = OrtValue.CreateTensorValueFromMemory(planes, shape);
            (planes, long[] prepared) = _preprocess.Run(new Dictionary<string, OrtValue>(StringComparer.Ordinal) { [_preprocessInput] = raw }, _preprocessOutput);
            if (!prepared.SequenceEqual(shape))
            {
                throw new InvalidDataException($"{_preprocess.Source}: the preprocessing graph returned [{string.Join(", ", prepared)}] for input [{string.Join(", ", shape)}]; it must keep the shape.");
            }
        }

        using OrtValue input = OrtValue.CreateTensorValueFromMemory(planes, shape);
        (float[] values, long[] outShape) = _graph.Run(new Dictionary<string, OrtValue>(StringComparer.Ordinal) { [Config.Input!] = input }, Config.Output);
        return Pool(values, outShape, count);
    }

    private float[] Pool(float[] values, long[] shape, int count)
    {
        if (shape.Length < 2 || shape[0] != count || values.Length % count != 0)
        {
            throw new InvalidDataException($"{ModelPath}: output '{Config.Output}' came back [{string.Join(", ", shape)}] for {count} images; expected [{count}, …].");
        }

        int perImage = values.Length / count;
        int channels = Config.Pooling == OnnxPooling.Mean ? (int)shape[1] : perImage;
        int positions = perImage / channels;
        if (CodeLength > 0 && channels != CodeLength)
        {
            throw new InvalidDataException($"{ModelPath}: output '{Config.Output}' came back [{string.Join(", ", shape)}], which pools to {channels} values per image, not {CodeLength}.");
        }

        var codes = new float[count * channels];
        var sum = new double[channels];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> output = values.AsSpan(n * perImage, perImage);
            for (int c = 0; c < channels; c++)
            {
                double total = 0;
                for (int p = 0; p < positions; p++)
                {
                    total += output[(c * positions) + p];
                }

                sum[c] = total / positions;
            }

            double scale = Config.Normalize ? 1.0 / Math.Max(Math.Sqrt(sum.Sum(v => v * v)), 1e-12) : 1.0;
            for (int c = 0; c < channels; c++)
            {
                codes[(n * channels) + c] = (float)(sum[c] * scale);
            }
        }

        return codes;
    }
}
