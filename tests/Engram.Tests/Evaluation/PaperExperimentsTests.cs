using System.Text.Json;
using Engram.Data;
using Engram.Data.Datasets;
using Engram.Encoders;
using Engram.Encoders.Images;
using Engram.Evaluation.Experiments;
using Engram.Hen;
using Engram.Memory;
using Engram.Multimodal;

namespace Engram.Tests.Evaluation;

/// <summary>
/// The paper's experiments, run small on the data and weights shipped in data/ (the first 2,000
/// Fashion-MNIST training images, 239 emoji, the trained codecs).
/// </summary>
public sealed class PaperExperimentsTests
{
    private static readonly string[] RowFields =
        ["experiment", "dataset", "encoder", "similarity", "cue_mode", "beta", "n", "accuracy", "metastable_fraction", "one_minus_ssim", "mse"];

    private static ExperimentSettings Small(params string[] encoders) => new()
    {
        ModelsFolder = ShippedData.Find("models")!,
        Encoders = encoders,
        Sizes = [300],
        Similarities = [Similarity.Dot, Similarity.L2],
        Betas = [1000f],
        CueModes = ["full", "masked"],
        Examples = 3,
    };

    [Fact]
    public void Table1_reproduces_the_failure_of_raw_dot_recall_and_its_repair_by_masked_codes()
    {
        // When table1 runs with N = 300 on raw pixels and the local autoencoder
        ExperimentReport report = PaperExperiments.Table1(Small("raw", "local-autoencoder"));

        // Then there is one row per encoder, similarity and cue mode, each a real measurement
        Assert.Equal(2 * 2 * 2, report.Rows.Count);
        Assert.All(report.Rows, r =>
        {
            Assert.Equal(300, r.N);
            Assert.InRange(r.Accuracy, 0, 1);
            Assert.InRange(r.MetastableFraction, 0, 1);
            Assert.True(r.Mse >= 0 && double.IsFinite(r.OneMinusSsim));
        });
        ExperimentRow Row(string encoder, string similarity, string mode) =>
            report.Rows.Single(r => r.Encoder == encoder && r.Similarity == similarity && r.CueMode == mode);

        // And raw pixels with dot similarity and the paper's full cues fail, as the paper reports
        Assert.True(Row("raw", "dot", "full").Accuracy < 0.2, $"raw dot full: {Row("raw", "dot", "full").Accuracy}");

        // While the local autoencoder's codes compared where the cue is visible come back whole and decode to Dec(ξ)
        ExperimentRow best = Row("local-autoencoder", "l2", "masked-free");
        Assert.True(best.Accuracy >= 0.99, $"local autoencoder, L2, masked: {best.Accuracy}");
        Assert.True(best.MetastableFraction <= 0.02, $"metastable {best.MetastableFraction}");
        Assert.True(best.OneMinusSsim < 0.02, $"1 − SSIM {best.OneMinusSsim}");

        // And the figures are there, one per cue mode
        Assert.Contains("accuracy-full.svg", report.Figures.Keys);
        Assert.Contains("one-minus-ssim-masked.svg", report.Figures.Keys);
    }

    [Fact]
    public void A_report_writes_csv_markdown_svg_and_a_json_summary_whose_rows_have_the_documented_fields()
    {
        // Given a small beta sweep
        ExperimentReport report = PaperExperiments.BetaSweep(Small("raw") with { Sizes = [100], Betas = [1f, 100f], Similarities = [Similarity.L2] });
        string folder = Path.Combine(Path.GetTempPath(), "engram-experiment-" + Guid.NewGuid().ToString("N"));
        try
        {
            // When it is written
            IReadOnlyList<string> files = report.Write(folder);

            // Then every file is there, the CSV has a line per row, and the JSON rows carry every documented field
            Assert.Contains(Path.Combine(folder, "beta-sweep.csv"), files);
            Assert.Contains(Path.Combine(folder, "beta-sweep.md"), files);
            Assert.Contains(Path.Combine(folder, "one-minus-ssim-masked.svg"), files);
            Assert.Equal(report.Rows.Count + 1, File.ReadAllLines(Path.Combine(folder, "beta-sweep.csv")).Length);
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "beta-sweep.json")));
            JsonElement rows = json.RootElement.GetProperty("rows");
            Assert.Equal(4, rows.GetArrayLength());
            foreach (JsonElement row in rows.EnumerateArray())
            {
                foreach (string field in RowFields)
                {
                    Assert.True(row.TryGetProperty(field, out _), $"rows lack '{field}'");
                }
            }

            Assert.Equal("beta-sweep", rows[0].GetProperty("experiment").GetString());

            // And it reads back row for row, and its figures can be drawn again from the rows alone
            ExperimentReport read = ExperimentReport.Read(Path.Combine(folder, "beta-sweep.json"));
            Assert.Equal(report.Rows, read.Rows);
            PaperExperiments.Redraw(read);
            Assert.Equal(report.Figures.Keys.Order(), read.Figures.Keys.Order());
            Assert.Equal(report.Figures["mse-full.svg"], read.Figures["mse-full.svg"]);
            Assert.Equal([1.0, 1.0, 100.0, 100.0], rows.EnumerateArray().Select(r => r.GetProperty("beta").GetDouble()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Uniqueness_flags_every_shared_caption_at_store_time_and_recall_from_it_returns_a_mixture()
    {
        // When 40 images are stored in 20 pairs that share a caption (and, as the control, with a caption each),
        // and recalled from the caption alone, compared on the caption (masked)
        ExperimentReport report = PaperExperiments.Uniqueness(Small("autoencoder") with { Sizes = [40], Similarities = [Similarity.Dot], CueModes = ["masked"] });

        // Then the store-time check names all 20 pairs, and none among unique captions
        ExperimentRow shared = report.Rows.Single(r => r.Dataset.EndsWith("shared-captions", StringComparison.Ordinal));
        ExperimentRow unique = report.Rows.Single(r => r.Dataset.EndsWith("unique-captions", StringComparison.Ordinal));
        string folder = Path.Combine(Path.GetTempPath(), "engram-uniqueness-" + Guid.NewGuid().ToString("N"));
        try
        {
            report.Write(folder);
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "uniqueness.json")));
            JsonElement check = json.RootElement.GetProperty("uniqueness_check");
            Assert.Equal(20, check.GetProperty("autoencoder").GetProperty("flagged").GetInt32());
            Assert.Equal(0, check.GetProperty("autoencoder (unique captions)").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        // And recall from a shared caption ends in a mixture (about half the weight on each image), from a unique one on its image
        Assert.True(shared.MetastableFraction > 0.9, $"shared captions: metastable {shared.MetastableFraction}");
        Assert.InRange(shared.TopWeight, 0.4, 0.6);
        Assert.Equal(1.0, unique.Accuracy);
        Assert.Equal(0.0, unique.MetastableFraction);
    }

    [Fact]
    public void Captions_recall_every_shipped_emoji_and_the_hashed_captions_of_fashion_mnist()
    {
        // When the emoji and 300 Fashion-MNIST images are stored with their captions and recalled from the captions alone
        ExperimentReport report = PaperExperiments.CrossModal(Small("autoencoder", "dvae"));
        ExperimentRow Row(string dataset, string encoder, string mode, string similarity) =>
            report.Rows.Single(r => r.Dataset == dataset && r.Encoder == encoder && r.CueMode == mode && r.Similarity == similarity);

        // Then every emoji comes back from its name, pixelized or through the trained text encoder, with dot similarity or compared on the name alone;
        // L2 over full cues cannot work: the image slot's zeros are nearest to the faintest images
        Assert.True(Row("emoji", "autoencoder+pixelized", "full", "l2").Accuracy < 0.9);
        Assert.All(report.Rows.Where(r => r.Dataset == "emoji" && (r.Similarity, r.CueMode) != ("l2", "full")), r => Assert.True(r.Accuracy == 1.0 && r.OneMinusSsim < 1e-3, $"emoji {r.Encoder} {r.CueMode}: accuracy {r.Accuracy}, 1 − SSIM {r.OneMinusSsim}"));
        Assert.Equal(8, report.Rows.Count(r => r.Dataset == "emoji"));

        // And every Fashion-MNIST image from its hashed caption compared alone by distance (masked, L2)
        Assert.Equal(1.0, Row("fashion-mnist", "autoencoder+pixelized", "masked", "l2").Accuracy);
        Assert.Equal(1.0, Row("fashion-mnist", "dvae+pixelized", "masked", "l2").Accuracy);

        // While with the paper's full cues and dot similarity, only the discrete VAE's one-hot codes (all of one norm) recall every image:
        // the autoencoder's caption codes differ in norm, and the dot product favours the larger
        Assert.Equal(1.0, Row("fashion-mnist", "dvae+pixelized", "full", "dot").Accuracy);
        Assert.True(Row("fashion-mnist", "autoencoder+pixelized", "full", "dot").Accuracy < 0.99);
        Assert.Contains("emoji-examples.svg", report.Figures.Keys);
    }

    [Fact]
    public void Progression_draws_the_decoded_state_at_each_iteration()
    {
        ExperimentReport report = PaperExperiments.Progression(Small("raw", "autoencoder") with { Sizes = [100], Iterations = [1, 3], CueModes = ["masked"], Similarities = [Similarity.L2] });

        // One row per encoder (the scores at the last iteration), one image table with image, cue, t = 1, t = 3 and Dec(ξ) columns
        Assert.Equal(2, report.Rows.Count);
        string svg = report.Figures["progression-masked.svg"];
        Assert.Contains("t = 3", svg, StringComparison.Ordinal);
        Assert.Equal(2 * 3 * 5, System.Text.RegularExpressions.Regex.Count(svg, "data:image/png;base64"));
    }

    [Fact]
    public void An_exact_recall_scores_zero_error_and_raw_cue_mode_masked_clamps_while_codes_do_not()
    {
        // Given 50 raw images stored and recalled from themselves
        Tensor images = DatasetImages.Load(FashionMnistDataset.Load(train: true, 50), 28, grey: true);
        var codec = new IdentityCodec(new ImageShape(1, 28, 28));
        EncodedImages items = EncodedImages.Encode("raw", codec, images, Enumerable.Repeat(1f, 784).ToArray());
        HopfieldEncodingNetwork network = HopfieldEncodingNetwork.Store([new SlotCodes(ImageTrial.ImageSlot, items.Codes)]);
        ExperimentRow template = new()
        {
            Experiment = "test", Dataset = "fashion-mnist", Encoder = "raw", Similarity = "", CueMode = "", Beta = 0, N = 0,
            Accuracy = 0, MetastableFraction = 0, OneMinusSsim = 1, Mse = 1,
        };

        // When
        var (row, _, decoded) = ImageTrial.Run(template, network, items, new Dictionary<string, Tensor> { ["image"] = items.Codes }, null,
            ImageTrial.Options(Similarity.L2, 1000f, CueMode.Full, 10));

        // Then
        Assert.Equal(1.0, row.Accuracy);
        Assert.True(row.OneMinusSsim < 1e-6 && row.Mse < 1e-10, $"1 − SSIM {row.OneMinusSsim}, MSE {row.Mse}");
        Assert.Equal([50, 784], decoded.Shape.ToArray());
        Assert.Equal(CueMode.Masked, ImageTrial.MaskedMode(codec));
        Assert.Equal(CueMode.MaskedFree, ImageTrial.MaskedMode(ImageCodecs.Load(Path.Combine(ShippedData.Find("models")!, "fmnist-autoencoder.safetensors"))));
    }

    [Fact]
    public void Settings_that_cannot_run_are_refused_with_the_setting_named()
    {
        Assert.Contains("Unknown encoder 'clip'", Assert.Throws<ArgumentException>(() => Small("clip").Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("cue mode 'clamped'", Assert.Throws<ArgumentException>(() => (Small("raw") with { CueModes = ["clamped"] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("β", Assert.Throws<ArgumentException>(() => (Small("raw") with { Betas = [0f] }).Validate()).Message, StringComparison.Ordinal);
        var missing = Small("autoencoder") with { ModelsFolder = Path.GetTempPath() };
        Assert.Contains("engram train", Assert.Throws<FileNotFoundException>(() => PaperExperiments.Table1(missing)).Message, StringComparison.Ordinal);
    }
}
