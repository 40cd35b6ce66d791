using Engram.Data.Audio;
using Engram.Nn;
using Engram.Nn.Layers;

namespace Engram.Encoders.Audio;

/// <summary>The shape of a <see cref="SpeechEncoder"/>.</summary>
public sealed record SpeechEncoderConfig
{
    /// <summary>Mel bands of the log-mel front end (16 kHz, 25 ms Hann windows every 10 ms, 512-point FFT).</summary>
    public int Mels { get; init; } = 40;

    /// <summary>The spectrogram's time axis is resampled to this many frames, whatever the clip's length.</summary>
    public int Frames { get; init; } = 64;

    /// <summary>Channels after the stem and after each of the three stride-2 convolutions.</summary>
    public int[] Widths { get; init; } = [16, 32, 64, 64];

    /// <summary>Width of the hidden layer between the flattened features and the code.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>The code's length: the text encoder's, whose codes the speech codes are aligned with.</summary>
    public int Dimension { get; init; } = 64;

    /// <summary>Checks that the sizes fit together; the message names the setting that does not.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Mels, 8, nameof(Mels));
        ArgumentOutOfRangeException.ThrowIfLessThan(Frames, 8, nameof(Frames));
        if (Widths is not { Length: 4 } || Widths.Any(w => w <= 0))
        {
            throw new ArgumentException("Widths must be four positive channel counts (stem and three downsamplings).", nameof(Widths));
        }

        if (Mels % 8 != 0 || Frames % 8 != 0)
        {
            throw new ArgumentException($"Mels ({Mels}) and Frames ({Frames}) must be multiples of 8: three stride-2 convolutions halve them.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Hidden, nameof(Hidden));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Dimension, nameof(Dimension));
    }
}

/// <summary>
/// A speech encoder: a clip → mono → 16 kHz → log-mel spectrogram → its time axis resampled to a
/// fixed number of frames (so that speaking rate, which differs between voices, does not move the
/// features) → standardised per clip (so that loudness does not either) → a small convolutional
/// network → a unit vector. Trained contrastively against text codes of what is said, so a spoken
/// caption lands near the caption's text code.
/// </summary>
public sealed class SpeechEncoder : Module, IAudioEncoder
{
    /// <summary>The safetensors metadata key under which these weights record their configuration (it also tells what a file is).</summary>
    public const string ConfigKey = "engram.speech_encoder";
    private static readonly LogMelOptions s_front = new();
    private readonly Sequential _network;

    /// <summary>A speech encoder of <paramref name="config"/>'s shape, its weights drawn from <paramref name="random"/> (untrained).</summary>
    public SpeechEncoder(SpeechEncoderConfig config, Rng random)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int[] w = config.Widths;
        int flat = w[3] * (config.Mels / 8) * (config.Frames / 8);
        _network = AddModule("network", new Sequential(
            new Conv2d(1, w[0], 3, random, padding: 1), new Activation(ActivationKind.Silu),
            new Conv2d(w[0], w[1], 4, random, stride: 2, padding: 1), new Activation(ActivationKind.Silu),
            new Conv2d(w[1], w[2], 4, random, stride: 2, padding: 1), new Activation(ActivationKind.Silu),
            new Conv2d(w[2], w[3], 4, random, stride: 2, padding: 1), new Activation(ActivationKind.Silu),
            new Reshape(flat),
            new Linear(flat, config.Hidden, random), new Activation(ActivationKind.Gelu),
            new Linear(config.Hidden, config.Dimension, random)));
    }

    /// <summary>The shape of the network.</summary>
    public SpeechEncoderConfig Config { get; }

    /// <inheritdoc />
    public string Name => "speech";

    /// <inheritdoc />
    public int CodeLength => Config.Dimension;

    /// <summary>The SHA-256 of the weight file this encoder was loaded from (null when built in memory).</summary>
    public string? WeightsHash { get; private set; }

    /// <summary>The network's input for one clip: [Mels, Frames], standardised.</summary>
    public float[] Features(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        float[] mono = clip.ToMono();
        float[] samples = clip.SampleRate == s_front.SampleRate ? mono : LogMelSpectrogram.Resample(mono, clip.SampleRate, s_front.SampleRate);
        var front = new LogMelSpectrogram(s_front with { Mels = Config.Mels });
        if (samples.Length < front.MinimumSampleCount)
        {
            throw new ArgumentException(
                $"The clip is too short to encode: {clip.Duration.TotalMilliseconds:F0} ms ({samples.Length} samples at 16 kHz); it needs at least {front.MinimumSampleCount} " +
                $"({Math.Ceiling(front.MinimumSampleCount * 1000.0 / s_front.SampleRate):F0} ms): give a longer recording.", nameof(clip));
        }

        float[,] logMel = front.Compute(samples);
        int frames = logMel.GetLength(0), mels = Config.Mels, target = Config.Frames;
        var features = new float[mels * target];

        // Linear interpolation along time at frame centres, band by band.
        for (int t = 0; t < target; t++)
        {
            double position = frames == 1 ? 0 : Math.Clamp((((t + 0.5) * frames) / target) - 0.5, 0, frames - 1);
            int left = (int)position, right = Math.Min(left + 1, frames - 1);
            float weight = (float)(position - left);
            for (int m = 0; m < mels; m++)
            {
                features[(m * target) + t] = ((1 - weight) * logMel[left, m]) + (weight * logMel[right, m]);
            }
        }

        float mean = System.Numerics.Tensors.TensorPrimitives.Sum<float>(features) / features.Length;
        System.Numerics.Tensors.TensorPrimitives.Subtract(features, mean, features);
        float std = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(features) / features.Length);
        System.Numerics.Tensors.TensorPrimitives.Divide(features, MathF.Max(std, 1e-6f), features);
        return features;
    }

    /// <summary>Unit-length codes for a batch of feature rows [N, Mels·Frames] (graph-building, for training).</summary>
    public Variable<float> Embed(NdArray<float> features) =>
        Op.L2Normalize(_network.Forward(new Variable<float>(features.Reshape(features.Dim(0), 1, Config.Mels, Config.Frames))));

    /// <summary>Unit-length codes [N, Dimension] for N clips: each is mixed to mono, resampled to 16 kHz and put through the log-mel front end and the network.</summary>
    public Tensor Encode(IReadOnlyList<AudioClip> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        int length = Config.Mels * Config.Frames;
        var features = new float[clips.Count * length];
        // A clip's own refusal (too short, say) reaches the caller as it is: the caller gave the clip.
        ParallelItems.For(clips.Count, i => Features(clips[i]).CopyTo(features.AsSpan(i * length, length)));

        return EncodeFeatures(features, clips.Count);
    }

    /// <summary>Codes for precomputed <see cref="Features"/> rows laid out back to back.</summary>
    public Tensor EncodeFeatures(float[] features, int count)
    {
        ArgumentNullException.ThrowIfNull(features);
        var codes = new Tensor(count, CodeLength);
        int length = Config.Mels * Config.Frames;
        using (GradMode.NoGrad())
        {
            for (int start = 0; start < count; start += 256)
            {
                int n = Math.Min(256, count - start);
                var batch = NdArray<float>.FromArray(features.AsSpan(start * length, n * length).ToArray(), n, length);
                Embed(batch).Value.Span.CopyTo(codes.Span.Slice(start * CodeLength, n * CodeLength));
            }
        }

        return codes;
    }

    /// <summary>Not used: encode clips with <see cref="Encode"/>, train with <see cref="Embed"/>.</summary>
    public override Variable<float> Forward(Variable<float> x) => Op.L2Normalize(_network.Forward(x));

    /// <summary>Saves the weights with the configuration in the metadata.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        ModelWeights.SaveModel(path, this, ConfigKey, Config, metadata);

    /// <summary>Loads an encoder saved by <see cref="Save"/> (or <c>engram train audio</c>).</summary>
    public static SpeechEncoder Load(string path)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        return Load(path, arrays, metadata);
    }

    /// <summary>Builds an encoder from the arrays and metadata of a weight file already read; <paramref name="path"/> names their source in errors.</summary>
    internal static SpeechEncoder Load(string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        ModelFile<SpeechEncoderConfig> file = ModelWeights.ReadModel<SpeechEncoderConfig>(
            path, arrays, metadata, ConfigKey, "an Engram speech encoder (make one with `engram train audio`)", c => c.Validate());
        var encoder = new SpeechEncoder(file.Config, new Rng(0));
        encoder.LoadStateDict(file.Parameters, path);
        encoder.WeightsHash = file.WeightsHash;
        return encoder;
    }
}
