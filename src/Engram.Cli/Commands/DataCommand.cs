using System.CommandLine;
using Engram.Data;
using Engram.Data.Datasets;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram data</c>: what data this machine has, and whether a folder of files decodes.</summary>
internal static class DataCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Command("data", "See which datasets are available, and check that files decode before building a memory from them.");
        data.Subcommands.Add(CreateInfo(context));
        data.Subcommands.Add(CreateCheck(context));
        return data;
    }

    private static Command CreateInfo(CliContext context)
    {
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "info",
            "Which datasets are available and where: the shipped subsets in data/, Debian's Fashion-MNIST, the npm emoji package, espeak-ng.\n\n" +
            "Example:\n  engram data info --json data.json")
        {
            json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            IReadOnlyList<DatasetAvailability> all = DatasetCatalog.Describe();
            var table = new Table().Border(TableBorder.Rounded).AddColumn("dataset").AddColumn("available").AddColumn("source")
                .AddColumn("items").AddColumn("location").AddColumn("note");
            foreach (DatasetAvailability d in all)
            {
                table.AddRow(
                    Markup.Escape(d.Name), d.Available ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(d.Source),
                    d.Items > 0 ? d.Items.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
                    Markup.Escape(d.Location ?? "-"), Markup.Escape(d.Note ?? ""));
            }

            context.Console.Write(table);
            if (jsonTarget is not null)
            {
                jsonTarget.Write(new { datasets = all }, context);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateCheck(CliContext context)
    {
        var target = new Argument<string>("PATH") { Description = "A file, or a folder to check recursively." };
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "check",
            "Decode every image (JPEG, PNG, GIF, BMP, TIFF, WebP, TGA), sound (WAV, MP3, OGG; FLAC, Opus, M4A and others through ffmpeg), IDX and safetensors file under PATH " +
            "and list those that fail, with the reason. " +
            "Exit code 0 when every file decodes, 1 when any fails.\n\n" +
            "Examples:\n  engram data check ~/my-images\n  engram data check data --json check.json")
        {
            target, json, force,
        };
        command.SetAction(parse =>
        {
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            string path = parse.GetValue(target)!;
            string[] files = DataCheck.FilesUnder(path);
            DataCheckReport report = Progress.Run(context, $"Checking {path}", files.Length, (progress, ct) => DataCheck.Run(files, progress, ct));

            context.Console.MarkupLine(
                $"{report.Files} files checked: [green]{report.Decoded} decoded[/], " +
                (report.Failed.Count == 0 ? "0 failed" : $"[red]{report.Failed.Count} failed[/]") +
                (report.Skipped > 0 ? $" ({report.Skipped} other files ignored)" : "") + ".");
            if (report.Failed.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn("file").AddColumn("error");
                foreach (DataCheckFailure f in report.Failed)
                {
                    table.AddRow(Markup.Escape(f.File), Markup.Escape(f.Error));
                }

                context.Console.Write(table);
            }

            if (jsonTarget is not null)
            {
                jsonTarget.Write(new
                {
                    files = report.Files,
                    decoded = report.Decoded,
                    skipped = report.Skipped,
                    failed = report.Failed.Select(f => new { file = f.File, kind = f.Kind, error = f.Error }),
                }, context);
            }

            return report.Failed.Count == 0 ? 0 : EngramApp.Failure;
        });
        return command;
    }
}
