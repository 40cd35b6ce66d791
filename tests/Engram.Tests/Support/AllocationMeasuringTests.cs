namespace Engram.Tests.Support;

/// <summary>
/// Tests that measure the process's allocations with GC.GetTotalAllocatedBytes: they run after the
/// parallel tests, alone, so that no other test's allocations are counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuringTests
{
    public const string Name = "Allocation measuring";
}
