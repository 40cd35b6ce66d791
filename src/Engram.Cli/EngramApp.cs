using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Engram.Cli.Commands;
using Engram.Data;
using Spectre.Console;

namespace Engram.Cli;

/// <summary>The <c>engram</c> command: builds the command tree and turns failures into clear messages and exit codes.</summary>
public static class EngramApp
{
    /// <summary>Exit code for a run that failed on bad input or a missing file.</summary>
    public const int Failure = 1;

    /// <summary>Runs the command line; output and errors go to the given writers (the console in production).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        Command root = BuildRoot(context);
        ParseResult parsed = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
        };

        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            // Say what was wrong and where the options are, rather than printing the whole help above the error.
            foreach (ParseError problem in parsed.Errors)
            {
                error.WriteLine($"error: {UserMessages.ForParseError(problem.Message)}");
            }

            string command = string.Join(' ', ["engram", .. CommandPath(parsed.CommandResult)]);
            error.WriteLine($"See '{command} --help' for the options.");
            return Failure;
        }

        if (JsonOnStandardOutput(parsed))
        {
            // Standard output then holds exactly one JSON document, so it can be piped; tables, progress and notes
            // go to standard error, where a person still sees them.
            context.SendReadableOutputToError();
        }

        try
        {
            return parsed.Invoke(configuration);
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"error: {UserMessages.For(e)}");
            return Failure;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled.");
            return Failure;
        }
    }

    internal static Command BuildRoot(CliContext context)
    {
        // A plain command named "engram" rather than RootCommand, whose name would be the assembly's (Engram.Cli).
        var root = new Command(
            "engram",
            "Engram: multimodal associative memory. Store patterns, then recall whole memories from partial, noisy cues.\n\n" +
            "Examples:\n" +
            "  engram demo\n" +
            "  engram build --dataset emoji --out emoji.engram\n" +
            "  engram recall --memory emoji.engram --text \"red apple\" --save apple.png\n" +
            "  engram serve --memory emoji.engram\n" +
            "  engram recall idx --n 2000 --similarity l2 --cue-mode masked\n" +
            "  engram bench gemm --size 2048 --json gemm.json\n" +
            "  engram bench recall --n 60000 --dim 784 --queries 1000\n" +
            "  engram data info\n" +
            "  engram data check ~/my-images\n" +
            "  engram train autoencoder --dataset fashion-mnist --epochs 2 --out fmnist-autoencoder.safetensors\n" +
            "  engram eval compare original.png recalled.png");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(BuildCommand.Create(context));
        root.Subcommands.Add(RecallCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        root.Subcommands.Add(DataCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        foreach (Command command in StoreCommands.Create(context))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    // Whether the command parsed has a --json option and it was given "-" (standard output).
    private static bool JsonOnStandardOutput(ParseResult parsed) =>
        parsed.CommandResult.Command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == CommonOptions.JsonName) is { } json
        && parsed.GetValue(json) == JsonOutput.StandardOutput;

    // The subcommands from the root down to the one parsed, e.g. ["train", "harmonic"].
    private static Stack<string> CommandPath(CommandResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Parent is not null; r = c.Parent)
        {
            names.Push(c.Command.Name);
        }

        return names;
    }

    // Failures a person can fix: bad arguments, missing or corrupt files. Anything else is a bug
    // and keeps its stack trace.
    private static bool IsUserError(Exception e) => e is ArgumentException or DataFormatException
        or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or NotSupportedException
        or UnauthorizedAccessException or IOException or InvalidDataException;
}

/// <summary>
/// Where a command writes: what a person reads (<see cref="Output"/>, and the Spectre <see cref="Console"/> over it),
/// errors, and the machine-readable output (<see cref="StandardOutput"/>). They are the same standard output unless
/// <c>--json -</c> asks for the JSON there alone (<see cref="SendReadableOutputToError"/>).
/// </summary>
public sealed class CliContext
{
    private readonly TextWriter _standardOutput;

    /// <summary>A context over these writers (the console's in production).</summary>
    public CliContext(TextWriter output, TextWriter error)
    {
        _standardOutput = output;
        Error = error;
        Output = output;
        Console = CreateConsole(output, isConsole: ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected);
    }

    /// <summary>Where tables, progress and notes such as "Wrote …" go: standard output, or standard error under <c>--json -</c>.</summary>
    public TextWriter Output { get; private set; }

    /// <summary>Where errors go.</summary>
    public TextWriter Error { get; }

    /// <summary>Standard output itself, where <c>--json -</c> writes its one JSON document.</summary>
    public TextWriter StandardOutput => _standardOutput;

    /// <summary>The Spectre console over <see cref="Output"/>.</summary>
    public IAnsiConsole Console { get; private set; }

    /// <summary>Whether live progress bars can be drawn (an interactive terminal).</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive;

    /// <summary>Sends everything a person reads to standard error, leaving standard output to the JSON alone.</summary>
    internal void SendReadableOutputToError()
    {
        Output = Error;
        Console = CreateConsole(Error, isConsole: ReferenceEquals(Error, System.Console.Error) && !System.Console.IsErrorRedirected);
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool isConsole)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isConsole ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isConsole ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isConsole ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isConsole)
        {
            console.Profile.Width = 120;
        }

        return console;
    }
}
