using System.Globalization;
using System.Text;
using System.Xml;
using Engram.Data.Images;
using Engram.Data.Png;

namespace Engram.Evaluation.Figures;

/// <summary>One line of <see cref="SvgFigure.LineChart"/>: the points (X[i], Y[i]) joined in order.</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="X">Horizontal coordinates, as many as <paramref name="Y"/>.</param>
/// <param name="Y">Vertical coordinates.</param>
/// <param name="Colour">The palette entry; -1 takes the series' position.</param>
/// <param name="Dashed">Whether the line is dashed.</param>
/// <remarks>
/// <paramref name="Colour"/> picks the palette entry (default: the series' position), so that related
/// series can share a colour and differ by <paramref name="Dashed"/> lines.
/// </remarks>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, int Colour = -1, bool Dashed = false);

/// <summary>One histogram of <see cref="SvgFigure.Histograms"/>: Values[i] over [BinEdges[i], BinEdges[i + 1]).</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="BinEdges">Finite, strictly increasing; one more than <paramref name="Values"/>.</param>
/// <param name="Values">Finite heights, e.g. densities or fractions.</param>
public sealed record Histogram(string Name, IReadOnlyList<double> BinEdges, IReadOnlyList<double> Values);

/// <summary>One small plot of <see cref="SvgFigure.HistogramGrid"/>, titled <paramref name="Name"/>.</summary>
/// <param name="Name">The panel's title, e.g. an encoder's name.</param>
/// <param name="Histograms">The histograms overlaid in this panel.</param>
public sealed record Panel(string Name, IReadOnlyList<Histogram> Histograms);

/// <summary>
/// Dependency-free SVG figures for the paper reproduction: line charts on linear or log axes, overlaid step
/// histograms, small multiples of histograms, and tables of small images. Each method returns a standalone
/// SVG document for the caller to write to a file. Numbers are written culture-invariantly, all text is
/// XML-escaped, and series take their colours in order from the Okabe–Ito palette (cycling), which stays
/// distinguishable under the common colour-vision deficiencies. Log-axis ticks are decades labelled
/// 0.001 … 1000 in plain digits and 1e4, 1e-4 … beyond; linear ticks are 1-2-5 steps.
/// </summary>
public static class SvgFigure
{
    private const string Font = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
    private const double ChartWidth = 720, ChartHeight = 460, PanelWidth = 360, PanelHeight = 270;

    /// <summary>Series longer than this are drawn as lines without point markers.</summary>
    private const int MaxMarkers = 100;

    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    // Okabe–Ito; yellow last because it is faint on white.
    private static readonly string[] s_palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    /// <summary>
    /// A line chart: each series a line with point markers, with gridlines, a legend, axis labels and a title.
    /// Points with a non-finite coordinate, or a non-positive one on a log axis, are skipped and the line
    /// breaks there. The y axis spans the data rounded out to ticks unless <paramref name="yMin"/> or
    /// <paramref name="yMax"/> fix it (data beyond is clipped). An empty <paramref name="series"/> list gives a
    /// chart with empty axes (0 to 1, or 1 to 10 on a log axis).
    /// </summary>
    /// <exception cref="ArgumentException">A series has unequal X and Y counts (the message names it), or yMin ≥ yMax.</exception>
    /// <exception cref="ArgumentOutOfRangeException">yMin or yMax is not finite, or not positive on a log axis.</exception>
    public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logX = false, bool logY = false, double? yMin = null, double? yMax = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        foreach (Series s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            if (s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"Series '{s.Name}' has {s.X.Count} x values but {s.Y.Count} y values; each point needs both.", nameof(series));
            }
        }

        foreach ((double? bound, string name) in new[] { (yMin, nameof(yMin)), (yMax, nameof(yMax)) })
        {
            if (bound is { } value && !Usable(value, logY))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite{(logY ? " and positive on a log axis" : "")}.");
            }
        }

        if (yMin >= yMax)
        {
            throw new ArgumentException(string.Create(s_inv, $"yMin ({yMin}) must be below yMax ({yMax})."), nameof(yMin));
        }

        List<(double X, double Y)>[][] runs = series.Select(s => Runs(s, logX, logY)).ToArray();
        Scale x = Scale.Fit(runs.SelectMany(r => r).SelectMany(r => r).Select(p => p.X), logX);
        Scale y = Scale.Fit(runs.SelectMany(r => r).SelectMany(r => r).Select(p => p.Y), logY, yMin, yMax);
        string[] names = series.Select(s => s.Name).ToArray();

        // Past a few series a legend inside the plot hides data: it goes to the right of the plot instead.
        double outside = names.Length > LegendInsideAtMost ? 36 + TextWidth(names, 12) + 12 : 0;
        return Document(ChartWidth + outside, ChartHeight, svg => Plot(svg, 0, new Rect(0, 0, ChartWidth + outside, ChartHeight), title, 15, xLabel, yLabel, x, y,
            new Content(names, runs.SelectMany(r => r), (px, py) => DrawLines(svg, series, runs, px, py), series.Select(Style).ToArray(), outside)));
    }

    /// <summary>
    /// Overlaid step histograms (translucent fill and outline) with a legend. The y axis always includes 0;
    /// an empty list gives empty axes.
    /// </summary>
    /// <exception cref="ArgumentException">A histogram's edges are not one more than its values, not finite
    /// and strictly increasing, or a value is not finite (the message names the histogram).</exception>
    public static string Histograms(string title, string xLabel, string yLabel, IReadOnlyList<Histogram> histograms)
    {
        Validate(histograms, null);
        (Scale x, Scale y) = HistogramScales(histograms);
        return Document(ChartWidth, ChartHeight, svg =>
            Plot(svg, 0, new Rect(0, 0, ChartWidth, ChartHeight), title, 15, xLabel, yLabel, x, y, Steps(svg, histograms)));
    }

    /// <summary>
    /// Small multiples: one histogram plot per panel (e.g. one per encoder), <paramref name="columns"/> to a row,
    /// all on the same x and y scales so that panels compare at a glance, under one title.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="Histograms"/>; the message names the panel too.</exception>
    public static string HistogramGrid(string title, string xLabel, string yLabel, IReadOnlyList<Panel> panels, int columns)
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        foreach (Panel p in panels)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(panels));
            Validate(p.Histograms, p.Name);
        }

        (Scale x, Scale y) = HistogramScales(panels.SelectMany(p => p.Histograms).ToArray());
        int cols = Math.Clamp(panels.Count, 1, columns), rows = (panels.Count + cols - 1) / cols;
        const double top = 36;
        return Document(cols * PanelWidth, top + (rows * PanelHeight), svg =>
        {
            Text(svg, cols * PanelWidth / 2, 24, title, "middle", 16, " font-weight=\"bold\"");
            for (int i = 0; i < panels.Count; i++)
            {
                Panel p = panels[i];
                var box = new Rect(i % cols * PanelWidth, top + (i / cols * PanelHeight), PanelWidth, PanelHeight);
                Plot(svg, i, box, p.Name, 13, xLabel, yLabel, x, y, Steps(svg, p.Histograms));
            }
        });
    }

    /// <summary>
    /// A table of small images (e.g. rows = cues; columns = "cue", "step 1", …, "stored"), each embedded as a PNG
    /// data URI drawn <paramref name="cellPixels"/> wide and high (aspect kept) with pixelated scaling; row labels
    /// at the left, column labels on top. A null cell is left blank.
    /// </summary>
    /// <exception cref="ArgumentException">The number of rows differs from the row labels, or a row's cells
    /// from the column labels.</exception>
    public static string ImageGrid(string title, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, IReadOnlyList<IReadOnlyList<Image?>> cells, int cellPixels = 56)
    {
        ArgumentNullException.ThrowIfNull(rowLabels);
        ArgumentNullException.ThrowIfNull(columnLabels);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cellPixels);
        if (rowLabels.Count != cells.Count)
        {
            throw new ArgumentException($"The image grid has {rowLabels.Count} row labels but {cells.Count} rows of cells; they must match.", nameof(cells));
        }

        for (int r = 0; r < cells.Count; r++)
        {
            if (cells[r] is null || cells[r].Count != columnLabels.Count)
            {
                throw new ArgumentException($"Row {r} ('{rowLabels[r]}') of the image grid has {cells[r]?.Count ?? 0} cells but there are {columnLabels.Count} column labels.", nameof(cells));
            }
        }

        const double pad = 4, top = 58;
        double labelWidth = 16 + TextWidth(rowLabels, 12);
        double colWidth = Math.Max(cellPixels + (2 * pad), 8 + TextWidth(columnLabels, 12));
        double rowHeight = cellPixels + (2 * pad);
        double width = Math.Max(labelWidth + (columnLabels.Count * colWidth) + pad, 24 + TextWidth([title], 15));
        return Document(width, top + (cells.Count * rowHeight) + pad, svg =>
        {
            Text(svg, width / 2, 24, title, "middle", 15, " font-weight=\"bold\"");
            for (int c = 0; c < columnLabels.Count; c++)
            {
                Text(svg, labelWidth + ((c + 0.5) * colWidth), top - 8, columnLabels[c], "middle");
            }

            for (int r = 0; r < cells.Count; r++)
            {
                double y = top + (r * rowHeight) + pad;
                Text(svg, labelWidth - 8, y + (cellPixels / 2.0) + 4, rowLabels[r], "end");
                for (int c = 0; c < columnLabels.Count; c++)
                {
                    if (cells[r][c] is not { } image)
                    {
                        continue;
                    }

                    double x = labelWidth + (c * colWidth) + ((colWidth - cellPixels) / 2);
                    string png = Convert.ToBase64String(PngEncoder.Encode(image));
                    svg.Append(s_inv, $"<rect x=\"{x - 0.5:0.##}\" y=\"{y - 0.5:0.##}\" width=\"{cellPixels + 1}\" height=\"{cellPixels + 1}\" fill=\"none\" stroke=\"#ccc\"/>\n");
                    svg.Append(s_inv, $"<image x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{cellPixels}\" height=\"{cellPixels}\" preserveAspectRatio=\"xMidYMid meet\" style=\"image-rendering: pixelated\" href=\"data:image/png;base64,{png}\"/>\n");
                }
            }
        });
    }

    /// <summary>XML-escapes <paramref name="text"/> and drops the characters XML 1.0 cannot hold (controls, lone surrogates).</summary>
    internal static string Escape(string? text)
    {
        text ??= "";
        var escaped = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            _ = c switch
            {
                '<' => escaped.Append("&lt;"),
                '>' => escaped.Append("&gt;"),
                '&' => escaped.Append("&amp;"),
                '"' => escaped.Append("&quot;"),
                '\'' => escaped.Append("&apos;"),
                _ when XmlConvert.IsXmlChar(c) => escaped.Append(c),
                _ when i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c) => escaped.Append(c).Append(text[++i]),
                _ => escaped,
            };
        }

        return escaped.ToString();
    }

    /// <summary>A tick label: plain digits within [0.001, 10⁶) (whole numbers from 10⁴ on), otherwise 1e4-style.</summary>
    internal static string Label(double v)
    {
        double a = Math.Abs(v);
        return v == 0 ? "0" : a >= 1e6 || a < 1e-3 || (a >= 1e4 && v != Math.Round(v)) ? v.ToString("0.####e0", s_inv) : v.ToString("0.######", s_inv);
    }

    /// <summary>
    /// The one plotting routine: title, gridlines, ticks, axis labels and a legend in <paramref name="box"/>, with
    /// the content drawing its data (given the data → SVG coordinate maps) clipped to the plot area.
    /// </summary>
    private static void Plot(StringBuilder svg, int id, Rect box, string title, int titleSize, string xLabel, string yLabel, Scale x, Scale y, Content content)
    {
        const double left = 66, top = 34, bottom = 50;
        double right = 16 + content.Outside;
        double x0 = box.X + left, y0 = box.Y + top, w = box.Width - left - right, h = box.Height - top - bottom;

        // Far-off points (beyond a fixed yMin/yMax) are clamped so that coordinates stay short numbers.
        double Px(double v) => Math.Clamp(x0 + (x.Fraction(v) * w), -1e6, 1e6);
        double Py(double v) => Math.Clamp(y0 + h - (y.Fraction(v) * h), -1e6, 1e6);

        Text(svg, box.X + (box.Width / 2), box.Y + 22, title, "middle", titleSize, " font-weight=\"bold\"");
        svg.Append("<g class=\"x-ticks\" text-anchor=\"middle\">\n");
        foreach (double t in x.Ticks)
        {
            svg.Append(s_inv, $"<line x1=\"{Px(t):0.##}\" y1=\"{y0:0.##}\" x2=\"{Px(t):0.##}\" y2=\"{y0 + h + 4:0.##}\" stroke=\"#e2e2e2\"/>\n");
            Text(svg, Px(t), y0 + h + 17, Label(t));
        }

        svg.Append("</g>\n<g class=\"y-ticks\" text-anchor=\"end\">\n");
        foreach (double t in y.Ticks)
        {
            svg.Append(s_inv, $"<line x1=\"{x0 - 4:0.##}\" y1=\"{Py(t):0.##}\" x2=\"{x0 + w:0.##}\" y2=\"{Py(t):0.##}\" stroke=\"#e2e2e2\"/>\n");
            Text(svg, x0 - 7, Py(t) + 4, Label(t));
        }

        svg.Append("</g>\n");
        Text(svg, x0 + (w / 2), y0 + h + 38, xLabel, "middle", 13);
        Text(svg, box.X + 16, y0 + (h / 2), yLabel, "middle", 13, string.Create(s_inv, $" transform=\"rotate(-90 {box.X + 16:0.##} {y0 + (h / 2):0.##})\""));

        // The clip leaves room for half a point marker on the frame.
        svg.Append(s_inv, $"<clipPath id=\"plot{id}\"><rect x=\"{x0 - 4:0.##}\" y=\"{y0 - 4:0.##}\" width=\"{w + 8:0.##}\" height=\"{h + 8:0.##}\"/></clipPath>\n");
        svg.Append(s_inv, $"<g clip-path=\"url(#plot{id})\">\n");
        content.Draw(Px, Py);
        svg.Append("</g>\n");
        svg.Append(s_inv, $"<rect x=\"{x0:0.##}\" y=\"{y0:0.##}\" width=\"{w:0.##}\" height=\"{h:0.##}\" fill=\"none\" stroke=\"#555\"/>\n");
        string[] names = content.Names;
        if (names.Length == 0)
        {
            return;
        }

        // The legend goes in whichever top corner the data lines cross less (the right on a tie), judged from
        // points about 8 px apart along the lines.
        double lw = 36 + TextWidth(names, 12), lh = 8 + (18 * names.Length), ly = y0 + 8;
        int Crowd(double lx) => content.Outside > 0 ? 0 : content.Lines.Sum(line =>
            Along(line.ConvertAll(p => (Px(p.X), Py(p.Y)))).Count(p => p.X > lx - 4 && p.X < lx + lw + 4 && p.Y < ly + lh + 4));
        double lx = content.Outside > 0 ? x0 + w + 12 : Crowd(x0 + 8) < Crowd(x0 + w - lw - 8) ? x0 + 8 : x0 + w - lw - 8;
        svg.Append(s_inv, $"<g class=\"legend\"><rect x=\"{lx:0.##}\" y=\"{ly:0.##}\" width=\"{lw:0.##}\" height=\"{lh}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n");
        for (int k = 0; k < names.Length; k++)
        {
            double row = ly + 13 + (18 * k);
            (string colour, bool dashed) = content.Styles?[k] ?? (Colour(k), false);
            svg.Append(s_inv, $"<line x1=\"{lx + 6:0.##}\" y1=\"{row:0.##}\" x2=\"{lx + 24:0.##}\" y2=\"{row:0.##}\" stroke=\"{colour}\" stroke-width=\"3\"{(dashed ? Dash : "")}/>\n");
            Text(svg, lx + 30, row + 4, names[k]);
        }

        svg.Append("</g>\n");
    }

    /// <summary>A line's vertices and points about 8 px apart between them (at most 200 a segment).</summary>
    private static IEnumerable<(double X, double Y)> Along(List<(double X, double Y)> line)
    {
        for (int i = 0; i < line.Count; i++)
        {
            yield return line[i];
            if (i + 1 < line.Count)
            {
                ((double X, double Y) a, (double X, double Y) b) = (line[i], line[i + 1]);
                int n = (int)Math.Min(200, Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)) / 8);
                for (int t = 1; t <= n; t++)
                {
                    yield return (a.X + (t * (b.X - a.X) / (n + 1)), a.Y + (t * (b.Y - a.Y) / (n + 1)));
                }
            }
        }
    }

    /// <summary>The series' runs of drawable points: a point with a coordinate its axis cannot show breaks the line.</summary>
    private static List<(double X, double Y)>[] Runs(Series s, bool logX, bool logY)
    {
        var runs = new List<List<(double X, double Y)>> { new() };
        for (int i = 0; i < s.X.Count; i++)
        {
            if (Usable(s.X[i], logX) && Usable(s.Y[i], logY))
            {
                runs[^1].Add((s.X[i], s.Y[i]));
            }
            else if (runs[^1].Count > 0)
            {
                runs.Add([]);
            }
        }

        return runs.Where(r => r.Count > 0).ToArray();
    }

    private static void DrawLines(StringBuilder svg, IReadOnlyList<Series> series, List<(double X, double Y)>[][] runs, Func<double, double> px, Func<double, double> py)
    {
        for (int k = 0; k < series.Count; k++)
        {
            (string colour, bool dashed) = Style(series[k], k);
            svg.Append(s_inv, $"<g data-series=\"{Escape(series[k].Name)}\" stroke=\"{colour}\" fill=\"{colour}\"{(dashed ? Dash : "")}>\n");
            foreach (List<(double X, double Y)> run in runs[k])
            {
                string points = string.Join(" ", run.Select(p => string.Create(s_inv, $"{px(p.X):0.##},{py(p.Y):0.##}")));
                svg.Append(s_inv, $"<polyline fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"{points}\"/>\n");
            }

            foreach ((double X, double Y) p in series[k].X.Count <= MaxMarkers ? runs[k].SelectMany(r => r) : [])
            {
                svg.Append(s_inv, $"<circle cx=\"{px(p.X):0.##}\" cy=\"{py(p.Y):0.##}\" r=\"3\" stroke=\"none\"/>\n");
            }

            svg.Append("</g>\n");
        }
    }

    /// <summary>Overlaid step histograms; for placing the legend each is the line along its bins' tops.</summary>
    private static Content Steps(StringBuilder svg, IReadOnlyList<Histogram> histograms) => new(
        histograms.Select(h => h.Name).ToArray(),
        histograms.Select(h => h.Values.SelectMany((v, i) => new[] { (h.BinEdges[i], v), (h.BinEdges[i + 1], v) }).ToList()),
        (px, py) => DrawSteps(svg, histograms, px, py));

    private static void DrawSteps(StringBuilder svg, IReadOnlyList<Histogram> histograms, Func<double, double> px, Func<double, double> py)
    {
        for (int k = 0; k < histograms.Count; k++)
        {
            Histogram hist = histograms[k];
            var d = new StringBuilder();
            d.Append(s_inv, $"M{px(hist.BinEdges[0]):0.##},{py(0):0.##}");
            for (int i = 0; i < hist.Values.Count; i++)
            {
                d.Append(s_inv, $"V{py(hist.Values[i]):0.##}H{px(hist.BinEdges[i + 1]):0.##}");
            }

            d.Append(s_inv, $"V{py(0):0.##}Z");
            svg.Append(s_inv, $"<path data-histogram=\"{Escape(hist.Name)}\" d=\"{d}\" fill=\"{Colour(k)}\" fill-opacity=\"0.25\" stroke=\"{Colour(k)}\" stroke-width=\"1.5\"/>\n");
        }
    }

    private static (Scale X, Scale Y) HistogramScales(IReadOnlyList<Histogram> histograms) =>
        (Scale.Fit(histograms.SelectMany(h => h.BinEdges), log: false),
         Scale.Fit(histograms.SelectMany(h => h.Values).Append(0), log: false));

    private static void Validate(IReadOnlyList<Histogram> histograms, string? panel)
    {
        ArgumentNullException.ThrowIfNull(histograms);
        foreach (Histogram h in histograms)
        {
            ArgumentNullException.ThrowIfNull(h, nameof(histograms));
            string where = panel is null ? $"Histogram '{h.Name}'" : $"Histogram '{h.Name}' in panel '{panel}'";
            if (h.BinEdges.Count != h.Values.Count + 1)
            {
                throw new ArgumentException($"{where} has {h.BinEdges.Count} bin edges for {h.Values.Count} values; it needs {h.Values.Count + 1}, one more than the values.", nameof(histograms));
            }

            for (int i = 0; i < h.BinEdges.Count; i++)
            {
                if (!double.IsFinite(h.BinEdges[i]) || (i > 0 && !(h.BinEdges[i] > h.BinEdges[i - 1])))
                {
                    throw new ArgumentException(string.Create(s_inv, $"{where}: bin edges must be finite and strictly increasing; edge {i} is {h.BinEdges[i]}{(i > 0 ? $" after {h.BinEdges[i - 1]}" : "")}."), nameof(histograms));
                }
            }

            int bad = h.Values.ToList().FindIndex(v => !double.IsFinite(v));
            if (bad >= 0)
            {
                throw new ArgumentException(string.Create(s_inv, $"{where}: value {bad} is {h.Values[bad]}; values must be finite."), nameof(histograms));
            }
        }
    }

    private static string Document(double width, double height, Action<StringBuilder> body)
    {
        var svg = new StringBuilder();
        svg.Append(s_inv, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0.##}\" height=\"{height:0.##}\" viewBox=\"0 0 {width:0.##} {height:0.##}\" font-family=\"{Font}\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        body(svg);
        return svg.Append("</svg>\n").ToString();
    }

    private static void Text(StringBuilder svg, double x, double y, string text, string? anchor = null, int size = 12, string extra = "") =>
        svg.Append(s_inv, $"<text x=\"{x:0.##}\" y=\"{y:0.##}\"{(anchor is null ? "" : $" text-anchor=\"{anchor}\"")}{(size == 12 ? "" : $" font-size=\"{size}\"")} fill=\"#222\"{extra}>{Escape(text)}</text>\n");

    // A rough width for layout: sans-serif glyphs average about 0.6 em.
    private static double TextWidth(IEnumerable<string> texts, int size) => 0.6 * size * texts.Select(t => t?.Length ?? 0).DefaultIfEmpty(0).Max();

    private static string Colour(int k) => s_palette[k % s_palette.Length];

    private static bool Usable(double v, bool log) => double.IsFinite(v) && (!log || v > 0);

    private readonly record struct Rect(double X, double Y, double Width, double Height);

    /// <summary>What a plot shows: legend names, its data as lines (to keep the legend off them), and how to draw it.</summary>
    private sealed record Content(
        string[] Names, IEnumerable<List<(double X, double Y)>> Lines, Action<Func<double, double>, Func<double, double>> Draw, (string Colour, bool Dashed)[]? Styles = null, double Outside = 0);

    /// <summary>Line charts with more series than this put their legend beside the plot.</summary>
    private const int LegendInsideAtMost = 4;

    private static (string Colour, bool Dashed) Style(Series s, int k) => (Colour(s.Colour >= 0 ? s.Colour : k), s.Dashed);

    private const string Dash = " stroke-dasharray=\"6 4\"";

    /// <summary>An axis: its range, whether logarithmic, and its tick values.</summary>
    internal sealed record Scale(double Min, double Max, bool Log, IReadOnlyList<double> Ticks)
    {
        /// <summary>Where <paramref name="v"/> lies between Min (0) and Max (1).</summary>
        public double Fraction(double v) => Log
            ? (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min))
            : (v - Min) / (Max - Min);

        /// <summary>
        /// Spans the usable <paramref name="values"/>, rounded out to ticks at the ends that <paramref name="min"/>
        /// and <paramref name="max"/> (valid and ordered, checked by the caller) leave free.
        /// </summary>
        public static Scale Fit(IEnumerable<double> values, bool log, double? min = null, double? max = null)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (double v in values.Where(v => Usable(v, log)))
            {
                (lo, hi) = (Math.Min(lo, v), Math.Max(hi, v));
            }

            (lo, hi) = lo > hi ? (min ?? (log ? 1 : 0), max ?? (log ? 10 : 1)) : (min ?? lo, max ?? hi);
            if (lo >= hi)
            {
                // One distinct value, or data wholly beyond a fixed bound: widen around the value or the bound
                // (all zeros, e.g. an empty histogram, get 0 to 1).
                double anchor = min ?? max ?? lo, pad = anchor == 0 ? 1 : Math.Abs(anchor) / 10;
                (lo, hi) = anchor == 0 && min is null && max is null ? (0, 1)
                    : (min ?? (log ? anchor / 10 : anchor - pad), max ?? (log ? anchor * 10 : anchor + pad));
            }

            var ticks = new List<double>();
            if (log)
            {
                double a = min is null ? Math.Floor(Math.Log10(lo) + 1e-9) : Math.Log10(lo);
                double b = max is null ? Math.Ceiling(Math.Log10(hi) - 1e-9) : Math.Log10(hi);
                int every = Math.Max(1, (int)Math.Ceiling((b - a) / 8));
                for (int k = (int)Math.Ceiling(a - 1e-9); k <= b + 1e-9; k++)
                {
                    if (k % every == 0)
                    {
                        ticks.Add(Math.Pow(10, k));
                    }
                }

                (lo, hi) = (min ?? Math.Pow(10, a), max ?? Math.Pow(10, b));
                if (ticks.Count < 2)
                {
                    // Less than a decade between fixed bounds: 1-2-5 ticks instead.
                    ticks = Enumerable.Range((int)Math.Floor(a), (int)Math.Ceiling(b) - (int)Math.Floor(a) + 1)
                        .SelectMany(k => new[] { 1.0, 2, 5 }.Select(m => m * Math.Pow(10, k)))
                        .Where(t => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)).ToList();
                }

                return new Scale(lo, hi, true, ticks);
            }

            double rough = (hi - lo) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough))), f = rough / magnitude;
            double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
            lo = min ?? (Math.Floor((lo / step) + 1e-9) * step);
            hi = max ?? (Math.Ceiling((hi / step) - 1e-9) * step);
            for (double k = Math.Ceiling((lo / step) - 1e-9); k <= Math.Floor((hi / step) + 1e-9); k++)
            {
                ticks.Add(k * step);
            }

            return new Scale(lo, hi, false, ticks);
        }
    }
}
