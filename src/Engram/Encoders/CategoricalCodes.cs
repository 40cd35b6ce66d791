namespace Engram.Encoders;

/// <summary>
/// Codes made of one-hot tokens (a discrete VAE's), held compactly: one token index per position.
/// The dense code of item n has a 1 at t·V + tokens[n, t] and zeros elsewhere, so a state's dot
/// product with it is a sum of T lookups (<see cref="Scores"/>) and the read-out Σₙ pₙ ξₙ is T
/// scatter-adds per item (<see cref="ReadOut"/>): O(N·T) per step, not O(N·T·V).
/// </summary>
public sealed class CategoricalCodes
{
    private readonly int[] _tokens;

    /// <summary>Codes for <paramref name="tokens"/> laid out [N, T] row-major, each in [0, V).</summary>
    public CategoricalCodes(int[] tokens, int tokensPerCode, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerCode);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 2);
        if (tokens.Length % tokensPerCode != 0)
        {
            throw new ArgumentException($"{tokens.Length} tokens do not split into codes of {tokensPerCode}.", nameof(tokens));
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"Token {i} is {tokens[i]}, outside the vocabulary [0, {vocabulary}).", nameof(tokens));
            }
        }

        _tokens = tokens;
        Layout = new CategoricalLayout(tokensPerCode, vocabulary);
    }

    /// <summary>Tokens per code and the vocabulary.</summary>
    public CategoricalLayout Layout { get; }

    /// <summary>The number of codes N.</summary>
    public int Count => _tokens.Length / Layout.Tokens;

    /// <summary>The tokens of code <paramref name="n"/>.</summary>
    public ReadOnlySpan<int> Tokens(int n) => _tokens.AsSpan(n * Layout.Tokens, Layout.Tokens);

    /// <summary>The compact form of dense one-hot codes [N, T·V] (each token's largest entry, first on ties).</summary>
    public static CategoricalCodes FromDense(Tensor dense, int tokensPerCode, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(dense);
        int length = tokensPerCode * vocabulary;
        if (dense.Rank != 2 || dense.Shape[1] != length)
        {
            throw new ArgumentException($"Dense categorical codes must be [N, {length}] ({tokensPerCode} tokens × {vocabulary}); got [{string.Join(", ", dense.Shape.ToArray())}].", nameof(dense));
        }

        int n = dense.RowCount;
        var tokens = new int[n * tokensPerCode];
        ReadOnlySpan<float> data = dense.Span;
        for (int t = 0; t < tokens.Length; t++)
        {
            tokens[t] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(data.Slice(t * vocabulary, vocabulary));
        }

        return new CategoricalCodes(tokens, tokensPerCode, vocabulary);
    }

    /// <summary>The dense one-hot codes [N, T·V].</summary>
    public Tensor ToDense()
    {
        var dense = new Tensor(Count, Layout.DenseLength);
        Span<float> data = dense.Span;
        for (int t = 0; t < _tokens.Length; t++)
        {
            data[(t * Layout.Vocabulary) + _tokens[t]] = 1f;
        }

        return dense;
    }

    /// <summary>scores[n] = ξₙ · state for every code: T lookups each.</summary>
    public void Scores(ReadOnlySpan<float> state, Span<float> scores)
    {
        CheckState(state.Length);
        if (scores.Length != Count)
        {
            throw new ArgumentException($"scores has length {scores.Length}; there are {Count} codes.", nameof(scores));
        }

        int tokensPerCode = Layout.Tokens, vocabulary = Layout.Vocabulary;
        for (int n = 0; n < scores.Length; n++)
        {
            ReadOnlySpan<int> tokens = _tokens.AsSpan(n * tokensPerCode, tokensPerCode);
            float sum = 0;
            for (int t = 0; t < tokens.Length; t++)
            {
                sum += state[(t * vocabulary) + tokens[t]];
            }

            scores[n] = sum;
        }
    }

    /// <summary>state = Σₙ weights[n]·ξₙ (the Hopfield read-out Xᵀp): T scatter-adds per code.</summary>
    public void ReadOut(ReadOnlySpan<float> weights, Span<float> state)
    {
        CheckState(state.Length);
        if (weights.Length != Count)
        {
            throw new ArgumentException($"weights has length {weights.Length}; there are {Count} codes.", nameof(weights));
        }

        state.Clear();
        int tokensPerCode = Layout.Tokens, vocabulary = Layout.Vocabulary;
        for (int n = 0; n < weights.Length; n++)
        {
            float p = weights[n];
            if (p == 0)
            {
                continue;
            }

            ReadOnlySpan<int> tokens = _tokens.AsSpan(n * tokensPerCode, tokensPerCode);
            for (int t = 0; t < tokens.Length; t++)
            {
                state[(t * vocabulary) + tokens[t]] += p;
            }
        }
    }

    private void CheckState(int length)
    {
        if (length != Layout.DenseLength)
        {
            throw new ArgumentException($"A state for these codes has length {Layout.DenseLength} ({Layout.Tokens} tokens × {Layout.Vocabulary}); got {length}.");
        }
    }
}
