using Spectre.Console;

namespace Engram.Cli;

/// <summary>A progress bar on long work when the terminal can draw one; silence otherwise.</summary>
internal static class Progress
{
    public static T Run<T>(CliContext context, string description, int total, Func<IProgress<int>, CancellationToken, T> work)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        System.Console.CancelKeyPress += cancel;
        try
        {
            if (!context.Interactive)
            {
                return work(new Progress<int>(_ => { }), cancellation.Token);
            }

            return context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    ProgressTask task = ctx.AddTask(Markup.Escape(description), maxValue: total);
                    return work(new SynchronousProgress<int>(done => task.Value = done), cancellation.Token);
                });
        }
        finally
        {
            System.Console.CancelKeyPress -= cancel;
        }
    }

    /// <summary>
    /// Long work's progress lines ("encoding 27 captions (minilm)"), written to the command's output as they are reported, in
    /// order, on the reporting thread: a <see cref="Progress{T}"/> would post them to the thread pool, out of order, and
    /// could write after the command had finished and its output was closed.
    /// </summary>
    public static IProgress<string> Lines(CliContext context) => new SynchronousProgress<string>(line => context.Output.WriteLine(line));

    // Progress<T> posts to the thread pool; reporting inline keeps the bar in step with the work.
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
