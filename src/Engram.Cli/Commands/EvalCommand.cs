using System.CommandLine;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Evaluation;
using Spectre.Console;

namespace Engram.Cli.Commands;

/// <summary><c>engram eval</c>: measurements and experiments.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var eval = new Command(
            "eval",
            "Measure: the paper's experiments (table1, beta-sweep, separability, cross-modal, uniqueness, progression), each writing CSV, Markdown, " +
            "SVG figures and a JSON summary; harmonic; confidence (how often a recall's \"no match\" is right); and compare, the metrics of two images. Every experiment takes --quick for a run of a few minutes.");
        foreach (Command experiment in EvalExperiments.Create(context))
        {
            eval.Subcommands.Add(experiment);
        }

        eval.Subcommands.Add(EvalHarmonic.Create(context));
        eval.Subcommands.Add(EvalConfidence.Create(context));
        eval.Subcommands.Add(EvalZeroShot.Create(context));
        eval.Subcommands.Add(EvalZeroShot.Paraphrase(context));
        eval.Subcommands.Add(CreateCompare(context));
        return eval;
    }

    private static Command CreateCompare(CliContext context)
    {
        var reference = new Argument<string>("A") { Description = "The reference PNG (SSIM's data range is taken from it)." };
        var image = new Argument<string>("B") { Description = "The PNG to score against A (same width and height)." };
        Option<string?> json = CommonOptions.Json();
        Option<bool> force = OutputOptions.Force();
        var command = new Command(
            "compare",
            "Print the MSE and SSIM of two PNG images, as Engram computes them for recalled images, so you can check them against your own tools. " +
            "Pixels are scaled to [0, 1]; alpha is composited over white; if either image has colour both are compared as RGB, else as grey. " +
            "SSIM is scikit-image's structural_similarity(A, B, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=A.max()-A.min()), " +
            "with channel_axis=-1 for RGB; images must be at least 11×11.\n\n" +
            "Examples:\n  engram eval compare original.png recalled.png\n  engram eval compare a.png b.png --json scores.json")
        {
            reference, image, json, force,
        };
        command.SetAction(parse =>
        {
            string pathA = parse.GetValue(reference)!, pathB = parse.GetValue(image)!;
            JsonTarget? jsonTarget = JsonOutput.Target(parse.GetValue(json), parse.GetValue(force));
            Image a = ImageOps.CompositeOverWhite(PngDecoder.Decode(pathA).Image), b = ImageOps.CompositeOverWhite(PngDecoder.Decode(pathB).Image);
            if (a.Width != b.Width || a.Height != b.Height)
            {
                throw new ArgumentException($"{pathA} is {a.Width}×{a.Height} but {pathB} is {b.Width}×{b.Height}; compare images of one size.");
            }

            bool grey = a.Channels == 1 && b.Channels == 1;
            if (!grey)
            {
                (a, b) = (ImageOps.ToRgb(a), ImageOps.ToRgb(b));
            }

            int channels = grey ? 1 : 3;
            double mse = Metrics.MeanSquaredError(a.Pixels, b.Pixels);
            double ssim = Ssim.Compute(a.Pixels, b.Pixels, a.Height, a.Width, channels);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("A").AddColumn("B").AddColumn("size").AddColumn("MSE").AddColumn("SSIM").AddColumn("1 − SSIM");
            table.AddRow(
                Markup.Escape(Path.GetFileName(pathA)), Markup.Escape(Path.GetFileName(pathB)), $"{a.Width}×{a.Height}×{channels}",
                TrainCommand.F(mse, "G6"), TrainCommand.F(ssim, "F6"), TrainCommand.F(1 - ssim, "F6"));
            context.Console.Write(table);
            jsonTarget?.Write(new { a = pathA, b = pathB, width = a.Width, height = a.Height, channels, mse, ssim, one_minus_ssim = 1 - ssim }, context);

            return 0;
        });
        return command;
    }
}
