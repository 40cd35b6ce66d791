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
                    return work(new SynchronousProgress(done => task.Value = done), cancellation.Token);
                });
        }
        finally
        {
            System.Console.CancelKeyPress -= cancel;
        }
    }

    // Progress<T> posts to the thread pool; reporting inline keeps the bar in step with the work.
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
