using Engram.Data;

namespace Engram.Tests;

public sealed class ParallelItemsTests
{
    [Fact]
    public void Should_rethrow_the_lowest_failing_item_even_when_a_higher_one_fails_first()
    {
        for (int run = 0; run < 50; run++)
        {
            // Given 1000 items where item 900 fails at once and item 3 only after some work
            var ran = new int[1000];

            // When
            var e = Assert.Throws<InvalidDataException>(() => ParallelItems.For(ran.Length, i =>
            {
                ran[i] = 1;
                if (i == 900)
                {
                    throw new InvalidDataException("item 900 is bad");
                }

                if (i == 3)
                {
                    Thread.SpinWait(200_000);
                    throw new InvalidDataException("item 3 is bad");
                }
            }));

            // Then it is item 3's failure, and every item below it ran
            Assert.Equal("item 3 is bad", e.Message);
            Assert.All(ran[..3], r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void Should_keep_the_item_exceptions_type_message_and_stack()
    {
        var e = Assert.Throws<DataFormatException>(() => ParallelItems.For(20, i =>
        {
            if (i == 7)
            {
                Refuse();
            }
        }));

        Assert.Equal("seven.png: the image data is short.", e.Message);
        Assert.Contains(nameof(Refuse), e.StackTrace, StringComparison.Ordinal);

        static void Refuse() => throw new DataFormatException("seven.png", null, "the image data is short.");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(3)]
    public void Should_run_every_item_once_when_none_fails(int? maxDegree)
    {
        var ran = new int[10_000];

        ParallelItems.For(ran.Length, i => Interlocked.Increment(ref ran[i]), maxDegree: maxDegree);

        Assert.All(ran, r => Assert.Equal(1, r));
    }

    [Fact]
    public void Should_run_nothing_for_no_items_and_refuse_a_negative_count_or_degree()
    {
        ParallelItems.For(0, _ => throw new InvalidOperationException("no item should run"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParallelItems.For(-1, _ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParallelItems.For(1, _ => { }, maxDegree: 0));
    }

    [Fact]
    public void Should_stop_with_operation_canceled_when_the_token_is_cancelled()
    {
        // Given a token already cancelled
        using var before = new CancellationTokenSource();
        before.Cancel();
        var e = Assert.ThrowsAny<OperationCanceledException>(() => ParallelItems.For(100, _ => { }, cancellationToken: before.Token));
        Assert.Equal(before.Token, e.CancellationToken);

        // Given a token cancelled by an item while the loop runs, the items then refusing to go on
        using var during = new CancellationTokenSource();
        e = Assert.ThrowsAny<OperationCanceledException>(() => ParallelItems.For(10_000, i =>
        {
            if (i == 5)
            {
                during.Cancel();
            }

            during.Token.ThrowIfCancellationRequested();
        }, maxDegree: 2, during.Token));
        Assert.Equal(during.Token, e.CancellationToken);
    }
}
