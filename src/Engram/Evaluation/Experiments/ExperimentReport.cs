using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engram.Data;

namespace Engram.Evaluation.Experiments;

/// <summary>
/// One measured configuration of an experiment: which data, encoder, similarity, cue mode, β and N,
/// and what recall gave (the fields of the JSON summary's <c>rows</c>).
/// </summary>
public sealed record ExperimentRow
{
    /// <summary>"table1", "beta-sweep", "separability", "cross-modal", "uniqueness" or "progression".</summary>
    public required string Experiment { get; init; }

    /// <summary>"fashion-mnist" or "emoji", with the cue or caption kind where it matters.</summary>
    public required string Dataset { get; init; }

    /// <summary>The image encoder ("raw" for pixels), and for cross-modal runs the text encoder after a '+'.</summary>
    public required string Encoder { get; init; }

    /// <summary>"dot", "l2" or "cosine".</summary>
    public required string Similarity { get; init; }

    /// <summary>"full", "masked" or "masked-free" (see <see cref="Memory.CueMode"/>).</summary>
    public required string CueMode { get; init; }

    /// <summary>The inverse temperature β of the recall.</summary>
    public required double Beta { get; init; }

    /// <summary>Stored items.</summary>
    public required int N { get; init; }

    /// <summary>Fraction of cues whose final state is nearest to their own item.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Fraction of final states that are mixtures rather than a stored item.</summary>
    public required double MetastableFraction { get; init; }

    /// <summary>1 − mean SSIM between Dec(ξ_true) and Dec(v_T) (raw: the image and v_T).</summary>
    public required double OneMinusSsim { get; init; }

    /// <summary>Mean squared error between Dec(ξ_true) and Dec(v_T), per pixel.</summary>
    public required double Mse { get; init; }

    /// <summary>Mean top softmax weight at the last step.</summary>
    public double TopWeight { get; init; }

    /// <summary>Mean effective number of memories 1/Σp² at the last step.</summary>
    public double EffectiveMemories { get; init; }

    /// <summary>Wall time of this configuration: recall, decoding and scoring.</summary>
    public double Seconds { get; init; }
}

/// <summary>
/// What an experiment produced: its rows, extra tables and SVG figures, written into one folder as
/// <c>NAME.csv</c>, <c>NAME.md</c>, the summary <c>NAME.json</c> and one <c>.svg</c> per figure. Every file is
/// written whole to a temporary name and renamed into place.
/// </summary>
public sealed class ExperimentReport(string name, string description)
{
    /// <summary>The JSON style of every summary: snake_case names, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly List<ExperimentRow> _rows = [];
    private readonly Dictionary<string, string> _figures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Caption, string Markdown)> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _extra = new(StringComparer.Ordinal);

    /// <summary>The experiment's name, also the stem of its files.</summary>
    public string Name { get; } = name;

    /// <summary>What was run, in a sentence or two (the head of the Markdown file).</summary>
    public string Description { get; } = description;

    /// <summary>The result rows, in the order they were added.</summary>
    public IReadOnlyList<ExperimentRow> Rows => _rows;

    /// <summary>Figure file names → SVG documents.</summary>
    public IReadOnlyDictionary<string, string> Figures => _figures;

    /// <summary>Seconds the whole experiment took (set by the runner).</summary>
    public double Seconds { get; set; }

    /// <summary>The settings the experiment ran with, for the summary.</summary>
    public IDictionary<string, object> Settings { get; } = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Appends <paramref name="row"/> to <see cref="Rows"/>.</summary>
    public void Add(ExperimentRow row) => _rows.Add(row);

    /// <summary>Adds an SVG figure written as <paramref name="fileName"/>.</summary>
    public void AddFigure(string fileName, string svg) => _figures[fileName] = svg;

    /// <summary>Adds a Markdown table (with a caption) to the Markdown file.</summary>
    public void AddTable(string key, string caption, string markdown) => _tables[key] = (caption, markdown);

    /// <summary>Adds a named value to the JSON summary beside the rows.</summary>
    public void AddSummary(string key, object value) => _extra[key] = value;

    /// <summary>The rows as a Markdown table.</summary>
    public string RowsMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| dataset | encoder | similarity | cue mode | β | N | accuracy | metastable | 1 − SSIM | MSE | seconds |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (ExperimentRow r in _rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Dataset} | {r.Encoder} | {r.Similarity} | {r.CueMode} | {r.Beta:G} | {r.N} | {r.Accuracy:F4} | {r.MetastableFraction:F4} | {r.OneMinusSsim:F4} | {r.Mse:F5} | {r.Seconds:F1} |"));
        }

        return text.ToString();
    }

    /// <summary>The rows as CSV, one header line then one line per row.</summary>
    public string RowsCsv()
    {
        var text = new StringBuilder();
        text.AppendLine("experiment,dataset,encoder,similarity,cue_mode,beta,n,accuracy,metastable_fraction,one_minus_ssim,mse,top_weight,effective_memories,seconds");
        foreach (ExperimentRow r in _rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{Csv(r.Experiment)},{Csv(r.Dataset)},{Csv(r.Encoder)},{r.Similarity},{r.CueMode},{r.Beta:R},{r.N},{r.Accuracy:R},{r.MetastableFraction:R},{r.OneMinusSsim:R},{r.Mse:R},{r.TopWeight:R},{r.EffectiveMemories:R},{r.Seconds:F3}"));
        }

        return text.ToString();
    }

    /// <summary>Writes every file into <paramref name="folder"/> (created if missing) and returns their paths.</summary>
    public IReadOnlyList<string> Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        void Save(string file, string content)
        {
            string path = Path.Combine(folder, file);
            AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
            written.Add(path);
        }

        Save(Name + ".csv", RowsCsv());
        var markdown = new StringBuilder();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"# engram eval {Name}");
        markdown.AppendLine();
        markdown.AppendLine(Description);
        markdown.AppendLine();
        markdown.Append(RowsMarkdown());
        foreach (var (caption, table) in _tables.Values)
        {
            markdown.AppendLine();
            markdown.AppendLine(caption);
            markdown.AppendLine();
            markdown.Append(table);
        }

        if (_figures.Count > 0)
        {
            markdown.AppendLine();
            foreach (string figure in _figures.Keys)
            {
                markdown.AppendLine(CultureInfo.InvariantCulture, $"![{figure}]({figure})");
            }
        }

        Save(Name + ".md", markdown.ToString());
        foreach (var (file, svg) in _figures)
        {
            Save(file, svg);
        }

        var summary = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["experiment"] = Name,
            ["description"] = Description,
            ["seconds"] = Math.Round(Seconds, 2),
            ["settings"] = Settings,
            ["figures"] = _figures.Keys.ToArray(),
            ["rows"] = _rows,
        };
        foreach (var (key, value) in _extra)
        {
            summary[key] = value;
        }

        Save(Name + ".json", JsonSerializer.Serialize(summary, Json) + "\n");
        return written;
    }

    /// <summary>
    /// Reads back the summary <c>NAME.json</c> that <see cref="Write"/> wrote: name, description, seconds,
    /// settings and rows (figures and extra tables are not read; redraw them from the rows).
    /// </summary>
    public static ExperimentReport Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = json.RootElement;
        string Field(string name) => root.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new InvalidDataException($"{path} is not an experiment summary: it has no '{name}'.");
        var report = new ExperimentReport(Field("experiment"), Field("description"));
        if (root.TryGetProperty("seconds", out JsonElement seconds))
        {
            report.Seconds = seconds.GetDouble();
        }

        if (root.TryGetProperty("settings", out JsonElement settings))
        {
            foreach (JsonProperty p in settings.EnumerateObject())
            {
                report.Settings[p.Name] = p.Value.Clone();
            }
        }

        if (!root.TryGetProperty("rows", out JsonElement rows) || rows.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path} is not an experiment summary: it has no 'rows'.");
        }

        foreach (JsonElement row in rows.EnumerateArray())
        {
            report.Add(row.Deserialize<ExperimentRow>(Json) ?? throw new InvalidDataException($"{path}: an empty row."));
        }

        return report;
    }

    private static string Csv(string field) =>
        field.Contains(',', StringComparison.Ordinal) || field.Contains('"', StringComparison.Ordinal) ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
