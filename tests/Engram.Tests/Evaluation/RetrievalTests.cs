using Engram.Evaluation;

namespace Engram.Tests.Evaluation;

public sealed class RetrievalTests
{
    [Fact]
    public void Nearest_is_by_cosine_not_by_dot_product()
    {
        // Target 1 is long but points away; target 0 is short and points the same way as the query.
        var targets = Tensor.FromArray([0.1f, 0f, 5f, 5f], 2, 2);
        var queries = Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2);
        Assert.Equal([0, 1], Retrieval.Nearest(queries, targets));
    }

    [Fact]
    public void Accuracy_counts_equivalent_targets_as_right()
    {
        var targets = Tensor.FromArray([1f, 0f, 1f, 0f, 0f, 1f], 3, 2);
        var queries = Tensor.FromArray([1f, 0.1f, 1f, 0.1f, 0.1f, 1f], 3, 2);

        // Queries 0 and 1 both find target 0 (first on ties): item 1 is wrong unless 0 and 1 are the same.
        Assert.Equal(2.0 / 3, Retrieval.Accuracy(queries, targets, [0, 1, 2]), 12);
        Assert.Equal(1.0, Retrieval.Accuracy(queries, targets, [0, 1, 2], (a, b) => a + b == 1 || a == b));
    }

    [Fact]
    public void Should_refuse_codes_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Retrieval.Nearest(new Tensor(2, 3), new Tensor(4, 2)));
        Assert.Contains("[2, 3] and [4, 2]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Retrieval.Accuracy(new Tensor(2, 3), new Tensor(4, 3), [0]));
    }
}
