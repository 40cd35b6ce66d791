using System.Globalization;
using System.Xml.Linq;
using Engram.Data.Images;
using Engram.Data.Png;
using Engram.Evaluation.Figures;

namespace Engram.Tests.Evaluation;

public sealed class SvgFigureTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Should_write_a_well_formed_standalone_svg_for_every_figure()
    {
        // Given one of each figure
        string[] figures =
        [
            SvgFigure.LineChart("t", "x", "y", [new Series("a", [1, 2, 3], [0.1, 0.4, 0.2])]),
            SvgFigure.LineChart("empty", "x", "y", [], logX: true, logY: true),
            SvgFigure.Histograms("h", "cosine", "density", [Matched, Unmatched]),
            SvgFigure.HistogramGrid("g", "cosine", "density", [new Panel("p", [Matched])], columns: 3),
            SvgFigure.ImageGrid("i", ["r"], ["c"], [[Checkerboard(3, 2)]]),
        ];

        foreach (string figure in figures)
        {
            // When parsed as XML
            XElement root = XDocument.Parse(figure).Root!;

            // Then it is an <svg> with its namespace, size and view box
            Assert.Equal(s_svg + "svg", root.Name);
            Assert.True(double.Parse((string)root.Attribute("width")!, CultureInfo.InvariantCulture) > 0);
            Assert.True(double.Parse((string)root.Attribute("height")!, CultureInfo.InvariantCulture) > 0);
            Assert.StartsWith("0 0 ", (string)root.Attribute("viewBox")!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_escape_markup_and_keep_non_ascii_in_titles_labels_and_names()
    {
        // Given text with XML metacharacters, quotes, Greek and a control character XML cannot hold
        const string nasty = "<β & ≤> \"q\" 'a'";

        // When
        string line = SvgFigure.LineChart(nasty, nasty, nasty + "\u0001", [new Series(nasty, [1, 2], [1, 2])]);
        string grid = SvgFigure.ImageGrid(nasty, [nasty], [nasty], [[null]]);

        // Then the text reads back unchanged wherever it is shown
        foreach (string svg in new[] { line, grid })
        {
            Assert.Contains("&lt;β &amp; ≤&gt;", svg, StringComparison.Ordinal);
            Assert.Contains(Texts(XDocument.Parse(svg)), t => t == nasty);
        }

        Assert.Equal(nasty, (string)XDocument.Parse(line).Descendants(s_svg + "g").Single(g => g.Attribute("data-series") is not null).Attribute("data-series")!);
    }

    [Fact]
    public void Should_skip_non_finite_points_and_break_the_line_there()
    {
        // Given a series with NaN and both infinities in the middle
        var series = new Series("s", [0, 1, 2, 3, 4, 5, 6], [1, 2, double.NaN, 3, double.PositiveInfinity, double.NegativeInfinity, 4]);

        // When
        string svg = SvgFigure.LineChart("t", "x", "y", [series, new Series("x-nan", [double.NaN, 1], [1, 1])]);

        // Then nothing non-numeric is written, and the line has three runs: {0,1}, {3}, {6}
        Assert.DoesNotContain("NaN", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("∞", svg, StringComparison.Ordinal);
        XElement group = SeriesGroup(XDocument.Parse(svg), "s");
        Assert.Equal([2, 1, 1], group.Elements(s_svg + "polyline").Select(p => Points(p).Count));
        Assert.Equal(4, group.Elements(s_svg + "circle").Count());
    }

    [Fact]
    public void Should_draw_larger_y_higher_on_a_linear_axis()
    {
        // Given y rising with x
        string svg = SvgFigure.LineChart("t", "x", "y", [new Series("rising", [0, 1, 2, 3], [-1.5, 0.25, 2, 7])]);

        // When the line's points are read back
        var points = Points(SeriesGroup(XDocument.Parse(svg), "rising").Element(s_svg + "polyline")!);

        // Then SVG x grows and SVG y shrinks (SVG y points down)
        Assert.Equal(4, points.Count);
        for (int i = 1; i < points.Count; i++)
        {
            Assert.True(points[i].X > points[i - 1].X, $"x at {i}");
            Assert.True(points[i].Y < points[i - 1].Y, $"y at {i}");
        }
    }

    [Fact]
    public void Should_put_linear_ticks_on_1_2_5_steps_covering_the_data()
    {
        string svg = SvgFigure.LineChart("t", "x", "y", [new Series("s", [0, 10], [0.13, 0.92])]);
        XDocument doc = XDocument.Parse(svg);
        Assert.Equal(["0", "0.2", "0.4", "0.6", "0.8", "1"], TickLabels(doc, "y-ticks"));
        Assert.Equal(["0", "2", "4", "6", "8", "10"], TickLabels(doc, "x-ticks"));

        // A fixed range is kept exactly, ticks inside it.
        string fixedRange = SvgFigure.LineChart("t", "x", "y", [new Series("s", [0, 10], [0.13, 0.92])], yMin: 0, yMax: 0.5);
        Assert.Equal(["0", "0.1", "0.2", "0.3", "0.4", "0.5"], TickLabels(XDocument.Parse(fixedRange), "y-ticks"));
    }

    [Fact]
    public void Should_put_log_ticks_on_decades_and_skip_non_positive_points()
    {
        // Given data spanning 1..1000 on both axes, with a zero and a negative value that a log axis cannot show
        var series = new Series("s", [1, 10, 100, 1000, 5, 7], [1, 30, 1000, 2, 0, -2]);

        // When
        XDocument doc = XDocument.Parse(SvgFigure.LineChart("t", "N", "time", [series], logX: true, logY: true));

        // Then the ticks are the decades, and only the positive points are drawn
        Assert.Equal(["1", "10", "100", "1000"], TickLabels(doc, "x-ticks"));
        Assert.Equal(["1", "10", "100", "1000"], TickLabels(doc, "y-ticks"));
        Assert.Equal(4, SeriesGroup(doc, "s").Elements(s_svg + "circle").Count());
        Assert.Equal(["1e-4", "0.001", "1", "1000", "10000", "250000", "1e6", "1.2346e4"], new[] { 1e-4, 0.001, 1, 1000, 1e4, 2.5e5, 1e6, 12345.6 }.Select(SvgFigure.Label));
    }

    [Fact]
    public void Should_refuse_a_series_whose_x_and_y_counts_differ_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            SvgFigure.LineChart("t", "x", "y", [new Series("fine", [1], [1]), new Series("β-sweep", [1, 2, 3], [1, 2])]));
        Assert.Contains("'β-sweep'", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 x values but 2 y values", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SvgFigure.LineChart("t", "x", "y", [], yMin: 2, yMax: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SvgFigure.LineChart("t", "x", "y", [], logY: true, yMin: 0));
    }

    [Fact]
    public void Should_keep_the_legend_off_the_data()
    {
        // Given a line rising into the top-right corner and one falling from the top-left
        static double LegendX(Series s) => double.Parse(
            (string)XDocument.Parse(SvgFigure.LineChart("t", "x", "y", [s])).Descendants(s_svg + "g")
                .Single(g => (string?)g.Attribute("class") == "legend").Element(s_svg + "rect")!.Attribute("x")!,
            CultureInfo.InvariantCulture);

        // Then the legend takes the other top corner (the chart is 720 px wide)
        Assert.InRange(LegendX(new Series("rising", [0, 1, 2, 3], [0, 1, 2, 3])), 0, 200);
        Assert.InRange(LegendX(new Series("falling", [0, 1, 2, 3], [3, 2, 1, 0])), 500, 720);
    }

    [Fact]
    public void Should_draw_one_translucent_step_outline_per_histogram()
    {
        // When
        XDocument doc = XDocument.Parse(SvgFigure.Histograms("Separability", "cosine", "density", [Matched, Unmatched]));

        // Then each histogram is one filled, outlined path in its own colour, and both are in the legend
        XElement[] paths = doc.Descendants(s_svg + "path").ToArray();
        Assert.Equal(["i = j", "i ≠ j"], paths.Select(p => (string)p.Attribute("data-histogram")!));
        Assert.All(paths, p => Assert.Equal("0.25", (string)p.Attribute("fill-opacity")!));
        Assert.NotEqual((string)paths[0].Attribute("fill")!, (string)paths[1].Attribute("fill")!);
        Assert.Contains("i ≠ j", Texts(doc));
        Assert.Equal(["-1", "-0.5", "0", "0.5", "1"], TickLabels(doc, "x-ticks"));
    }

    [Fact]
    public void Should_refuse_histograms_with_bad_edges_naming_them()
    {
        var tooFew = new Histogram("few", [0, 1], [1, 2]);
        var unordered = new Histogram("unordered", [0, 2, 1], [1, 2]);
        var nanEdge = new Histogram("nan", [0, double.NaN, 1], [1, 2]);

        var e = Assert.Throws<ArgumentException>(() => SvgFigure.Histograms("t", "x", "y", [Matched, tooFew]));
        Assert.Contains("'few' has 2 bin edges for 2 values; it needs 3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => SvgFigure.Histograms("t", "x", "y", [unordered]));
        Assert.Contains("'unordered'", e.Message, StringComparison.Ordinal);
        Assert.Contains("strictly increasing; edge 2 is 1 after 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SvgFigure.Histograms("t", "x", "y", [nanEdge]));
        e = Assert.Throws<ArgumentException>(() => SvgFigure.HistogramGrid("t", "x", "y", [new Panel("ok", [Matched]), new Panel("conv", [unordered])], 2));
        Assert.Contains("'unordered' in panel 'conv'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_lay_panels_out_in_a_grid_on_shared_scales()
    {
        // Given three panels, two to a row
        Panel[] panels = [new("identity", [Matched]), new("conv", [Matched, Unmatched]), new("harmonic", [Unmatched])];

        // When
        XDocument doc = XDocument.Parse(SvgFigure.HistogramGrid("By encoder", "cosine", "density", panels, columns: 2));

        // Then there are three clipped plots over two rows, each titled, all with the same ticks
        Assert.Equal(3, doc.Descendants(s_svg + "clipPath").Count());
        Assert.Equal(4, doc.Descendants(s_svg + "path").Count());
        Assert.Equal(["By encoder", "identity", "conv", "harmonic"], Texts(doc).Intersect(["By encoder", "identity", "conv", "harmonic"]));
        double width = double.Parse((string)doc.Root!.Attribute("width")!, CultureInfo.InvariantCulture);
        double height = double.Parse((string)doc.Root!.Attribute("height")!, CultureInfo.InvariantCulture);
        Assert.True(height > width / 2 * 1.3, $"{width}×{height} should hold two rows");
        var yTicks = doc.Descendants(s_svg + "g").Where(g => (string?)g.Attribute("class") == "y-ticks").Select(g => string.Join(" ", g.Elements(s_svg + "text").Select(t => t.Value))).ToArray();
        Assert.Equal(3, yTicks.Length);
        Assert.Single(yTicks.Distinct());
        Assert.Throws<ArgumentOutOfRangeException>(() => SvgFigure.HistogramGrid("t", "x", "y", panels, columns: 0));
    }

    [Fact]
    public void Should_embed_each_non_null_cell_as_a_decodable_png()
    {
        // Given 2 cues × 3 columns with one cell blank
        Image?[][] cells =
        [
            [Checkerboard(5, 3), Checkerboard(5, 3), Checkerboard(5, 3)],
            [Checkerboard(5, 3), null, Checkerboard(5, 3)],
        ];

        // When
        XDocument doc = XDocument.Parse(SvgFigure.ImageGrid("Recall", ["cue 0", "cue 1"], ["cue", "step 1", "stored"], cells, cellPixels: 40));

        // Then five PNGs are embedded, drawn 40 px and pixelated, and they decode to the source size
        XElement[] images = doc.Descendants(s_svg + "image").ToArray();
        Assert.Equal(5, images.Length);
        byte[] signature = [137, 80, 78, 71, 13, 10, 26, 10];
        foreach (XElement image in images)
        {
            string href = (string)image.Attribute("href")!;
            Assert.StartsWith("data:image/png;base64,", href, StringComparison.Ordinal);
            byte[] png = Convert.FromBase64String(href["data:image/png;base64,".Length..]);
            Assert.Equal(signature, png[..8]);
            Assert.Equal("40", (string)image.Attribute("width")!);
            Assert.Contains("image-rendering: pixelated", (string)image.Attribute("style")!, StringComparison.Ordinal);
        }

        PngImage decoded = PngDecoder.Decode(Convert.FromBase64String(((string)images[0].Attribute("href")!)[22..]), "cell");
        Assert.Equal((5, 3), (decoded.Image.Width, decoded.Image.Height));
        Assert.Equal(1f, decoded.Image[0, 0, 0]);
        Assert.Equal(0f, decoded.Image[1, 0, 0]);
        Assert.Equal(["Recall", "cue", "step 1", "stored", "cue 0", "cue 1"], Texts(doc));
    }

    [Fact]
    public void Should_refuse_an_image_grid_of_the_wrong_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => SvgFigure.ImageGrid("t", ["a", "b"], ["x"], [[null]]));
        Assert.Contains("2 row labels but 1 rows", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => SvgFigure.ImageGrid("t", ["a", "b"], ["x", "y"], [[null, null], [null]]));
        Assert.Contains("Row 1 ('b') of the image grid has 1 cells but there are 2 column labels", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SvgFigure.ImageGrid("t", [], [], [], cellPixels: 0));
    }

    [Fact]
    public void Should_write_the_same_document_under_a_comma_decimal_culture()
    {
        // Given a German-style culture. The build sets InvariantGlobalization, where "de-DE" carries no
        // data of its own, so a clone of the invariant culture with German number symbols stands in.
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        german.NumberFormat.NumberGroupSeparator = ".";
        Series[] series = [new("s", [0.5, 1.25, 2.75], [-0.125, 0.375, 1.5])];
        string Draw() => SvgFigure.LineChart("t", "x", "y", series) + SvgFigure.Histograms("h", "x", "y", [Matched]);
        string invariant = Draw();

        // When drawn with that culture current
        CultureInfo previous = CultureInfo.CurrentCulture;
        string commas;
        try
        {
            CultureInfo.CurrentCulture = german;
            Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture));
            commas = Draw();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        // Then the output is identical, with '.' decimals
        Assert.Equal(invariant, commas);
        Assert.Contains("0.5", TickLabels(XDocument.Parse(SvgFigure.LineChart("t", "x", "y", series)), "x-ticks"));
    }

    private static Histogram Matched => new("i = j", [-1, -0.5, 0, 0.5, 1], [0, 0, 0.4, 1.6]);

    private static Histogram Unmatched => new("i ≠ j", [-1, -0.5, 0, 0.5, 1], [0.1, 0.9, 0.9, 0.1]);

    private static Image Checkerboard(int width, int height)
    {
        var image = new Image(width, height, PixelLayout.Grey);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y, 0] = (x + y) % 2 == 0 ? 1f : 0f;
            }
        }

        return image;
    }

    private static List<string> Texts(XDocument doc) => doc.Descendants(s_svg + "text").Select(t => t.Value).ToList();

    private static string[] TickLabels(XDocument doc, string axis) =>
        doc.Descendants(s_svg + "g").Single(g => (string?)g.Attribute("class") == axis).Elements(s_svg + "text").Select(t => t.Value).ToArray();

    private static XElement SeriesGroup(XDocument doc, string name) =>
        doc.Descendants(s_svg + "g").Single(g => (string?)g.Attribute("data-series") == name);

    private static List<(double X, double Y)> Points(XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
}
