using Engram.Memory;
using Engram.Tests.Support;

namespace Engram.Tests.Memory;

[Collection(AllocationMeasuringTests.Name)]
public sealed class LargeBankTests
{
    [Fact]
    public void Should_recall_from_a_million_patterns_without_holding_the_association_matrix()
    {
        // Given N = 1,000,000 stored patterns of dimension 16 and 32 cues: the Q×N association
        // matrix alone would be 128 MB
        const int n = 1_000_000, k = 16, q = 32;
        Tensor patterns = TestData.Gaussian(seed: 5, n, k);
        var memory = new HopfieldMemory(MemoryBank.FromPatterns(patterns),
            new RecallOptions { Beta = 50f, Similarity = Similarity.L2, MaxSteps = 2, Tolerance = 0 });
        var targets = Enumerable.Range(0, q).Select(i => i * 31_000).ToArray();
        var cues = new Tensor(q, k);
        for (int i = 0; i < q; i++)
        {
            patterns.Row(targets[i]).CopyTo(cues.Row(i));
        }

        // When
        long before = GC.GetTotalAllocatedBytes(precise: true);
        IReadOnlyList<RecallResult> results = memory.Recall(cues, targets: targets);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Then every stored pattern comes back, and the recall allocated far less than Q×N floats
        Assert.All(results, r => Assert.True(r.Retrieved));
        Assert.True(allocated < 16L << 20, $"recall allocated {allocated >> 20} MB; the Q×N matrix is {(long)q * n * 4 >> 20} MB.");
    }
}
