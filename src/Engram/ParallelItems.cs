using System.Runtime.ExceptionServices;

namespace Engram;

/// <summary>
/// A parallel loop over items whose failure reads as the failure of one item: where <see cref="Parallel.For(int, int, Action{int})"/>
/// wraps whatever the threads met in an <see cref="AggregateException"/>, this rethrows the lowest-index failing item's
/// own exception (its type, message and stack unchanged), the same one whatever the scheduling, so a folder with a
/// corrupt file fails as a sequential loop over it would.
/// </summary>
public static class ParallelItems
{
    /// <summary>
    /// Runs <paramref name="body"/> for items 0 to <paramref name="count"/> − 1 in parallel. When an item fails, no
    /// further item above it is started, every item below it still runs, and the exception of the lowest-index failing
    /// item is rethrown as it was thrown. Cancelling <paramref name="cancellationToken"/> stops the loop with an
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="count">How many items there are (0 runs nothing).</param>
    /// <param name="body">The work for one item, given its index.</param>
    /// <param name="maxDegree">At most this many items at once; null leaves it to the thread pool.</param>
    /// <param name="cancellationToken">Stops the loop when cancelled.</param>
    public static void For(int count, Action<int> body, int? maxDegree = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(body);
        if (maxDegree is int degree)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degree, nameof(maxDegree));
        }

        var gate = new Lock();
        int lowest = int.MaxValue;
        Exception? failure = null;
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxDegree ?? -1 };
        Parallel.For(0, count, options, (i, state) =>
        {
            try
            {
                body(i);
            }
#pragma warning disable CA1031 // Every item's failure is kept, and the lowest item's is rethrown below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (gate)
                {
                    if (i < lowest)
                    {
                        lowest = i;
                        failure = e;
                    }
                }

                // Break, not Stop: items below this one still run, so the lowest failing item is always among those met.
                state.Break();
            }
        });

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
