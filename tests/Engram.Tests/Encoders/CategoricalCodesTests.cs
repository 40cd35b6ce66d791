using Engram.Encoders;
using Engram.Nn;

namespace Engram.Tests.Encoders;

public sealed class CategoricalCodesTests
{
    private static CategoricalCodes Random(int n, int tokens, int vocabulary, ulong seed)
    {
        var random = new Rng(seed);
        return new CategoricalCodes(Enumerable.Range(0, n * tokens).Select(_ => random.NextInt(vocabulary)).ToArray(), tokens, vocabulary);
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(7, 5, 3)]
    [InlineData(40, 49, 32)]
    public void Scores_and_read_out_equal_the_dense_products(int n, int tokens, int vocabulary)
    {
        // Given codes, a random state and random weights
        CategoricalCodes codes = Random(n, tokens, vocabulary, (ulong)(n + tokens));
        Tensor dense = codes.ToDense();
        var random = new Rng(3);
        float[] state = Enumerable.Range(0, tokens * vocabulary).Select(_ => (float)random.NextNormal()).ToArray();
        float[] weights = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();

        // When scored by lookups and read out by scatter-adds
        var scores = new float[n];
        codes.Scores(state, scores);
        var readOut = new float[tokens * vocabulary];
        codes.ReadOut(weights, readOut);

        // Then they equal X·v and Xᵀp computed densely (in double)
        int length = tokens * vocabulary;
        for (int i = 0; i < n; i++)
        {
            double expected = 0;
            for (int j = 0; j < length; j++)
            {
                expected += dense.Span[(i * length) + j] * (double)state[j];
            }

            Support.Tolerance.Close(expected, scores[i], 1e-5, 1e-5, $"score {i}");
        }

        for (int j = 0; j < length; j++)
        {
            double expected = 0;
            for (int i = 0; i < n; i++)
            {
                expected += dense.Span[(i * length) + j] * (double)weights[i];
            }

            Support.Tolerance.Close(expected, readOut[j], 1e-5, 1e-6, $"read-out {j}");
        }
    }

    [Fact]
    public void Dense_and_compact_forms_round_trip()
    {
        CategoricalCodes codes = Random(9, 4, 6, 1);
        CategoricalCodes back = CategoricalCodes.FromDense(codes.ToDense(), 4, 6);
        for (int n = 0; n < 9; n++)
        {
            Assert.Equal(codes.Tokens(n).ToArray(), back.Tokens(n).ToArray());
        }
    }

    [Fact]
    public void Should_refuse_tokens_outside_the_vocabulary_and_states_of_the_wrong_length()
    {
        var e = Assert.Throws<ArgumentException>(() => new CategoricalCodes([0, 3, 5], 3, 5));
        Assert.Contains("Token 2 is 5, outside the vocabulary [0, 5)", e.Message, StringComparison.Ordinal);
        CategoricalCodes codes = Random(2, 3, 4, 2);
        e = Assert.Throws<ArgumentException>(() => codes.Scores(new float[11], new float[2]));
        Assert.Contains("length 12 (3 tokens × 4); got 11", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CategoricalCodes.FromDense(new Tensor(2, 13), 3, 4));
    }
}
