using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace Engram.Encoders.Onnx;

/// <summary>What an encoder run by ONNX Runtime is, beyond its modality's interface: its description, model file and hash.</summary>
public interface IOnnxEncoder
{
    /// <summary>What the graph reads, which output is the code, and how it is pooled.</summary>
    OnnxEncoderConfig Config { get; }

    /// <summary>The model file it was read from (for minilm, the package's assembly that embeds it).</summary>
    string ModelPath { get; }

    /// <summary>
    /// The SHA-256 (hex) of the bytes that decide its codes, in order: the model, then its sidecar (a user's
    /// <c>onnx:PATH</c> model only), then its vocabulary or preprocessing graph. A memory records it and reopens only an
    /// encoder with the same.
    /// </summary>
    string Sha256 { get; }
}

/// <summary>
/// A text encoder run by ONNX Runtime: a BERT-style transformer graph over WordPiece tokens. A caption is tokenized as
/// Hugging Face's BertTokenizer does (BERT's basic tokenization, lower-cased and accents stripped for uncased models, CJK
/// characters set apart, then Microsoft.ML.Tokenizers' WordPiece; [CLS] … [SEP], cut at
/// <see cref="OnnxTokenizerConfig.MaxLength"/> tokens), fed as token ids with an
/// attention mask and token type ids where the graph takes them, and the output is pooled (mean over the tokens, or the
/// [CLS] vector) and optionally scaled to unit length: sentence-transformers' pipeline. <c>minilm</c>
/// (<see cref="PretrainedEncoders.MiniLm"/>) is one; <c>onnx:PATH</c> is a user's.
/// </summary>
/// <remarks>
/// Captions are batched only with captions of the same token count, so nothing is ever padded: a caption's code is the
/// same bits whether it is encoded alone (a cue) or among thousands (a memory being built).
/// </remarks>
public sealed class OnnxTextEncoder : ITextEncoder, IOnnxEncoder, IDisposable
{
    private const int BatchSize = 64;
    private readonly OnnxGraph _graph;
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxLength;
    private readonly string[] _specialTokens = [];

    internal OnnxTextEncoder(string name, OnnxEncoderConfig config, byte[] model, byte[] vocab, string modelPath, string sha256, OnnxRuntimeSettings settings)
    {
        config.Validate(modelPath);
        if (config.Modality != OnnxModality.Text)
        {
            throw new ArgumentException($"{modelPath} is described as an image encoder, not a text encoder.", nameof(config));
        }

        Name = name;
        Config = config;
        ModelPath = modelPath;
        Sha256 = sha256;
        _maxLength = config.Tokenizer!.MaxLength;
        _graph = new OnnxGraph(model, modelPath, settings);
        try
        {
            foreach ((string? input, string role) in new[] { (config.InputIds, "the token ids"), (config.AttentionMask, "the attention mask"), (config.TokenTypeIds, "the token type ids") })
            {
                if (input is not null && _graph.Input(input, TensorElementType.Int64, role).Length != 2)
                {
                    throw new InvalidDataException($"{modelPath}: input '{input}' ({role}) must be [batch, tokens].");
                }
            }

            if (_graph.Unfed([config.InputIds, config.AttentionMask, config.TokenTypeIds]).ToArray() is { Length: > 0 } unfed)
            {
                throw new InvalidDataException(
                    $"{modelPath} also takes {string.Join(", ", unfed.Select(u => $"'{u}'"))}, which the sidecar does not name: give each as \"inputIds\", \"attentionMask\" or \"tokenTypeIds\".");
            }

            int[] output = _graph.Output(config.Output);
            int rank = config.Pooling == OnnxPooling.None ? 2 : 3;
            if (output.Length != rank)
            {
                throw new InvalidDataException(
                    $"{modelPath}: output '{config.Output}' has {output.Length} dimensions; pooling '{config.Pooling.ToString().ToLowerInvariant()}' reads " +
                    (rank == 3 ? "[batch, tokens, dimension] (a vector per token)." : "[batch, dimension] (one vector per caption): give \"pooling\": \"mean\" or \"cls\" for a vector per token."));
            }

            // Only WordPiece, the vocabulary and the special tokens are Microsoft.ML.Tokenizers': the basic tokenization
            // before it is BertBasicTokenizer's, which is the model's (see there why).
            _tokenizer = BertTokenizer.Create(new MemoryStream(WithoutCarriageReturns(vocab)), new BertOptions
            {
                LowerCaseBeforeTokenization = false,
                RemoveNonSpacingMarks = false,
                ApplyBasicTokenization = false,
                IndividuallyTokenizeCjk = false,
                SplitOnSpecialTokens = false,
            });
            _specialTokens = new[] { _tokenizer.ClassificationToken, _tokenizer.SeparatorToken, _tokenizer.PaddingToken, _tokenizer.MaskingToken, _tokenizer.UnknownToken }
                .Where(t => !string.IsNullOrEmpty(t)).Distinct(StringComparer.Ordinal).ToArray();
            CodeLength = output[^1] > 0 ? output[^1] : EncodeBatch([Tokenize("")]).GetLength(1);
        }
        catch
        {
            _graph.Dispose();
            throw;
        }
    }

    /// <summary>"minilm", or "onnx" for a user's model.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public int CodeLength { get; }

    /// <inheritdoc />
    public OnnxEncoderConfig Config { get; }

    /// <inheritdoc />
    public string ModelPath { get; }

    /// <inheritdoc />
    public string Sha256 { get; }

    /// <summary>
    /// The token ids the graph reads for <paramref name="caption"/>: [CLS], the WordPiece ids of its words (cut after
    /// <see cref="OnnxTokenizerConfig.MaxLength"/> − 2, as Hugging Face truncates), [SEP].
    /// </summary>
    public int[] Tokenize(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        string words = BertBasicTokenizer.Words(caption, Config.Tokenizer!.Lowercase, _specialTokens);
        IReadOnlyList<int> pieces = _tokenizer.EncodeToIds(words, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: false);
        int kept = Math.Min(pieces.Count, _maxLength - 2);
        var ids = new int[kept + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (int i = 0; i < kept; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>Codes [N, CodeLength] for N captions, in order.</summary>
    public Tensor Encode(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        int[][] ids = captions.Select(Tokenize).ToArray();
        var codes = new Tensor(captions.Count, CodeLength);
        foreach (IGrouping<int, int> sameLength in Enumerable.Range(0, ids.Length).GroupBy(i => ids[i].Length))
        {
            foreach (int[] batch in sameLength.Chunk(BatchSize))
            {
                float[,] pooled = EncodeBatch(batch.Select(i => ids[i]).ToArray());
                for (int b = 0; b < batch.Length; b++)
                {
                    Span<float> row = codes.Row(batch[b]);
                    for (int d = 0; d < CodeLength; d++)
                    {
                        row[d] = pooled[b, d];
                    }
                }
            }
        }

        return codes;
    }

    /// <inheritdoc />
    public void Dispose() => _graph.Dispose();

    // One batch of token sequences of one length (so no padding): the graph's output, pooled and normalised, [batch, D].
    private float[,] EncodeBatch(int[][] sequences)
    {
        int batch = sequences.Length, tokens = sequences[0].Length;
        var ids = new long[batch * tokens];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < tokens; t++)
            {
                ids[(b * tokens) + t] = sequences[b][t];
            }
        }

        long[] shape = [batch, tokens];
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            inputs[Config.InputIds!] = OrtValue.CreateTensorValueFromMemory(ids, shape);
            if (Config.AttentionMask is { } mask)
            {
                inputs[mask] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
            }

            if (Config.TokenTypeIds is { } types)
            {
                inputs[types] = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
            }

            (float[] values, long[] outShape) = _graph.Run(inputs, Config.Output);
            return Pool(values, outShape, batch, tokens);
        }
        finally
        {
            foreach (OrtValue value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private float[,] Pool(float[] values, long[] shape, int batch, int tokens)
    {
        bool perToken = Config.Pooling != OnnxPooling.None;
        if (shape.Length != (perToken ? 3 : 2) || shape[0] != batch || (perToken && shape[1] != tokens) || (CodeLength > 0 && shape[^1] != CodeLength))
        {
            throw new InvalidDataException(
                $"{ModelPath}: output '{Config.Output}' came back [{string.Join(", ", shape)}] for {batch} captions of {tokens} tokens; expected " +
                (perToken ? $"[{batch}, {tokens}, D]" : $"[{batch}, D]") + (CodeLength > 0 ? $" with D = {CodeLength}." : "."));
        }

        int dimension = (int)shape[^1];
        var pooled = new float[batch, dimension];
        var sum = new double[dimension];
        for (int b = 0; b < batch; b++)
        {
            Array.Clear(sum);
            switch (Config.Pooling)
            {
                case OnnxPooling.Mean:
                    // Every token is kept (nothing is padded), so the masked mean is the plain mean over the tokens.
                    for (int t = 0; t < tokens; t++)
                    {
                        ReadOnlySpan<float> vector = values.AsSpan(((b * tokens) + t) * dimension, dimension);
                        for (int d = 0; d < dimension; d++)
                        {
                            sum[d] += vector[d];
                        }
                    }

                    for (int d = 0; d < dimension; d++)
                    {
                        sum[d] /= tokens;
                    }

                    break;
                case OnnxPooling.Cls:
                    for (int d = 0; d < dimension; d++)
                    {
                        sum[d] = values[(b * tokens * dimension) + d];
                    }

                    break;
                default:
                    for (int d = 0; d < dimension; d++)
                    {
                        sum[d] = values[(b * dimension) + d];
                    }

                    break;
            }

            double scale = Config.Normalize ? 1.0 / Math.Max(Math.Sqrt(sum.Sum(v => v * v)), 1e-12) : 1.0;
            for (int d = 0; d < dimension; d++)
            {
                pooled[b, d] = (float)(sum[d] * scale);
            }
        }

        return pooled;
    }

    // Vocabulary files written on Windows end their lines with CR LF; a token is the line without either.
    private static byte[] WithoutCarriageReturns(byte[] vocab) => Array.IndexOf(vocab, (byte)'\r') < 0 ? vocab : vocab.Where(b => b != '\r').ToArray();
}
