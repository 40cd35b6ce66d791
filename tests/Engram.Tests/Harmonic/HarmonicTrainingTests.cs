using Engram.Harmonic;
using Engram.Nn;
using Engram.Nn.Training;
using Xunit.Abstractions;

namespace Engram.Tests.Harmonic;

/// <summary>Training adapters and couplings on synthetic paired codes through the shared trainer; saving and loading.</summary>
public sealed class HarmonicTrainingTests(ITestOutputHelper output) : IDisposable
{
    private const int Items = 48;
    private static readonly int[] s_baseDimensions = [24, 16, 20];
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-harmonic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static HarmonicTrainingOptions Options(IReadOnlyList<CouplingPair>? pairs = null, int epochs = 150, ulong seed = 1, string? checkpoint = null) => new()
    {
        Trainer = new TrainerOptions
        {
            Epochs = epochs, BatchSize = Items, LearningRate = 2e-2, WarmupSteps = 10, WeightDecay = 0, Seed = seed,
            CheckpointPath = checkpoint, CheckpointEvery = 5,
        },
        Pairs = pairs,
    };

    private static Dictionary<string, Tensor> Adapted(HarmonicModel model, Dictionary<string, Tensor> codes) =>
        codes.ToDictionary(p => p.Key, p => model.Encode(p.Key, p.Value), StringComparer.Ordinal);

    [Fact]
    public void Should_recall_every_item_for_every_ordered_pair_after_training_on_paired_codes()
    {
        // Given 48 items seen through three different random linear maps, and a fully coupled model
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 3, Items, s_baseDimensions);
        var model = new HarmonicModel(HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8), new Rng(5));
        Assert.Equal(3, model.Config.Couplings.Count);

        // When the adapters and couplings are trained contrastively on all three pairs
        TrainingHistory history = HarmonicTraining.Train(model, codes, Options());

        // Then each cue modality alone recalls every item in both other modalities, as a clean stored slot
        HarmonicNetwork network = model.Store(codes);
        IReadOnlyList<PairAccuracy> accuracies = network.Evaluate(Adapted(model, codes));
        foreach (PairAccuracy a in accuracies)
        {
            output.WriteLine($"{a.Cue} → {a.Target}: accuracy {a.Accuracy:F4}, coherence {a.Coherence:F4}, metastable {a.Metastable:F4}, sweeps {a.MeanSweeps:F2}");
        }

        output.WriteLine($"loss {history.Epochs[0].Metrics["loss"]:F4} → {history.Epochs[^1].Metrics["loss"]:F4}; coupling ratio {network.CouplingRatio:F4}");
        Assert.Equal(6, accuracies.Count);
        Assert.All(accuracies, a => Assert.Equal((1.0, 0.0), (a.Accuracy, a.Metastable)));
        Assert.True(history.Epochs[^1].Metrics["loss"] < 0.1 * history.Epochs[0].Metrics["loss"]);
        Assert.Equal(1.0, history.Epochs[^1].Metrics["accuracy"]);

        // And the couplings were held inside the bound that keeps the energy bounded below
        Assert.InRange(network.CouplingRatio, 0.3, 0.5 + 1e-9);
        Assert.Equal(network.CouplingRatio, model.CouplingRatio, 1e-12);
    }

    [Fact]
    public void Should_recall_an_unseen_combination_through_the_modality_both_pairs_share()
    {
        // Given couplings m0–m1 and m1–m2 only, trained on those pairs
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 4, Items, s_baseDimensions);
        CouplingPair[] pairs = [new("m0", "m1"), new("m1", "m2")];
        var model = new HarmonicModel(HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8, pairs), new Rng(6));
        HarmonicTraining.Train(model, codes, Options(pairs));

        // When m0 cues m2 and m2 cues m0 (a combination no coupling or loss ever saw)
        HarmonicNetwork network = model.Store(codes);
        IReadOnlyList<PairAccuracy> accuracies = network.Evaluate(Adapted(model, codes));
        foreach (PairAccuracy a in accuracies)
        {
            output.WriteLine($"{a.Cue} → {a.Target}: accuracy {a.Accuracy:F4}, coherence {a.Coherence:F4}, sweeps {a.MeanSweeps:F2}");
        }

        // Then the cue reaches the far modality through m1, item for item
        Assert.DoesNotContain(network.Couplings, c => c.Pair.Joins("m0", "m2"));
        Assert.Equal(1.0, accuracies.Single(a => a.Cue == "m0" && a.Target == "m2").Accuracy);
        Assert.Equal(1.0, accuracies.Single(a => a.Cue == "m2" && a.Target == "m0").Accuracy);
        Assert.All(accuracies, a => Assert.Equal(1.0, a.Accuracy));
    }

    [Fact]
    public void Should_store_a_subset_of_its_modalities_with_the_couplings_among_them()
    {
        // Given a fully coupled model trained on all three modalities
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 3, Items, s_baseDimensions);
        var model = new HarmonicModel(HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8), new Rng(5));
        HarmonicTraining.Train(model, codes, Options());

        // When only m0 and m2 are stored
        HarmonicNetwork network = model.Store(new Dictionary<string, Tensor> { ["m0"] = codes["m0"], ["m2"] = codes["m2"] });

        // Then the network has those two modalities, their one coupling (the model's own factors), and recalls across it
        Assert.Equal(["m0", "m2"], network.Modalities.Select(m => m.Name));
        HarmonicCoupling coupling = Assert.Single(network.Couplings);
        Assert.True(coupling.Pair.Joins("m0", "m2"));
        Assert.Equal(model.Couplings.Single(c => c.Pair.Joins("m0", "m2")).U.Span.ToArray(), coupling.U.Span.ToArray());
        Assert.Equal(model.Encode("m2", codes["m2"]).Span.ToArray(), network.Slots("m2").Span.ToArray(), new FloatTolerance(1e-6f));
        IReadOnlyList<PairAccuracy> accuracies = network.Evaluate(Adapted(model, codes).Where(p => p.Key != "m1").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        Assert.Equal(2, accuracies.Count);
        Assert.All(accuracies, a => Assert.Equal(1.0, a.Accuracy));
    }

    [Fact]
    public void Should_train_on_several_views_of_an_item_and_recall_from_a_view_it_was_not_shown()
    {
        // Given paired codes, and for m0 six views of every item shifted along a fixed 3-dimensional nuisance subspace
        // (as another voice or another occlusion shifts a code), each view with its own random amounts (σ = 8)
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 3, Items, s_baseDimensions);
        Tensor nuisance = HarmonicProblems.Orthonormal(new Rng(77), 3, s_baseDimensions[0]);
        Tensor Shifted(ulong seed)
        {
            Tensor amounts = HarmonicProblems.Gaussian(new Rng(seed), Items, 3);
            Tensor view = codes["m0"].Clone();
            for (int i = 0; i < Items; i++)
            {
                for (int k = 0; k < 3; k++)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(nuisance.Row(k), 8f * amounts.Row(i)[k], view.Row(i), view.Row(i));
                }
            }

            return view;
        }

        HarmonicModelConfig config = HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8);
        var plain = new HarmonicModel(config, new Rng(5));
        HarmonicTraining.Train(plain, codes, Options());
        var augmented = new HarmonicModel(config, new Rng(5));
        var views = codes.ToDictionary(p => p.Key, p => (IReadOnlyList<Tensor>)[p.Value], StringComparer.Ordinal);
        views["m0"] = [codes["m0"], .. Enumerable.Range(11, 6).Select(s => Shifted((ulong)s))];
        HarmonicTraining.Train(augmented, views, Options(epochs: 300));

        // When each is cued in m0 with a third noisy view, one neither model saw
        Tensor unseen = Shifted(99);
        double Accuracy(HarmonicModel model) => model.Store(codes)
            .Evaluate(new Dictionary<string, Tensor> { ["m0"] = model.Encode("m0", unseen) })
            .Average(a => a.Accuracy);
        double plainAccuracy = Accuracy(plain), augmentedAccuracy = Accuracy(augmented);
        output.WriteLine($"m0 cue with an unseen shift: trained on the stored codes {plainAccuracy:F4}, on shifted views too {augmentedAccuracy:F4}");

        // Then the model trained on views has learned to ignore the nuisance, and still recalls every item from the stored codes
        Assert.True(plainAccuracy < 0.8, $"the plain model recalled {plainAccuracy} from shifted cues: the shift is too weak to test anything");
        Assert.True(augmentedAccuracy >= 0.95, $"{augmentedAccuracy} vs {plainAccuracy}");
        Assert.All(augmented.Store(codes).Evaluate(Adapted(augmented, codes)), a => Assert.Equal(1.0, a.Accuracy));

        // And a single view trains exactly as the plain overload does (nothing is drawn for it)
        var one = new HarmonicModel(config, new Rng(5));
        HarmonicTraining.Train(one, codes.ToDictionary(p => p.Key, p => (IReadOnlyList<Tensor>)[p.Value], StringComparer.Ordinal), Options());
        Assert.Equal(ModelWeights.ParameterHash(plain), ModelWeights.ParameterHash(one));

        // And views of another length are refused, naming the view
        views["m0"] = [codes["m0"], HarmonicProblems.Gaussian(new Rng(1), Items - 1, s_baseDimensions[0])];
        var e = Assert.Throws<ArgumentException>(() => HarmonicTraining.Train(new HarmonicModel(config, new Rng(5)), views, Options(epochs: 1)));
        Assert.Contains("View 1 of the 'm0' base codes has 47 rows but the others have 48", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_train_only_the_pairs_it_is_told_to()
    {
        // Given a fully coupled model trained on m0–m1 alone
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 5, Items, s_baseDimensions);
        var model = new HarmonicModel(HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8), new Rng(7));
        double[] before = model.Couplings.Select(c => c.SpectralNorm()).ToArray();
        HarmonicTraining.Train(model, codes, Options([new("m1", "m0")], epochs: 30));

        // Then m0–m1 grew to the bound while the couplings to m2 kept their small initial values
        double[] after = model.Couplings.Select(c => c.SpectralNorm()).ToArray();
        output.WriteLine($"‖A‖₂ before {string.Join(", ", before.Select(b => b.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}, after {string.Join(", ", after.Select(b => b.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.All(before, b => Assert.InRange(b, 0.03, 0.3));
        Assert.InRange(after[0], 0.45, 0.5 + 1e-9);
        Assert.Equal(before[1], after[1], 1e-6);
        Assert.Equal(before[2], after[2], 1e-6);
    }

    [Fact]
    public void Should_give_the_same_weights_for_the_same_seeds_and_resume_from_a_checkpoint_to_the_same_end()
    {
        // Given one uninterrupted run
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 3, Items, s_baseDimensions);
        HarmonicModelConfig config = HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8);
        string Train(int epochs, ulong seed, string? checkpoint = null, CancellationToken cancel = default, IProgress<TrainingProgress>? progress = null)
        {
            var model = new HarmonicModel(config, new Rng(5));
            HarmonicTraining.Train(model, codes, Options(epochs: epochs, seed: seed, checkpoint: checkpoint) with { UnrolledSweeps = 2 }, progress, cancel);
            return ModelWeights.ParameterHash(model);
        }

        string reference = Train(20, seed: 1);

        // When the same run is repeated, run with another seed, and interrupted after 12 steps then resumed
        string again = Train(20, seed: 1);
        string other = Train(20, seed: 2);
        string checkpoint = Path.Combine(_folder, "harmonic.ckpt.safetensors");
        using var cancel = new CancellationTokenSource();
        var stopAt12 = new SynchronousProgress(p =>
        {
            if (p.GlobalStep == 12)
            {
                cancel.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => Train(20, seed: 1, checkpoint, cancel.Token, stopAt12));
        string resumed = Train(20, seed: 1, checkpoint);

        // Then the seed alone decides the weights, and the resumed run ends on the uninterrupted run's
        Assert.Equal(reference, again);
        Assert.NotEqual(reference, other);
        Assert.Equal(reference, resumed);
    }

    [Fact]
    public void Should_save_and_load_a_model_with_its_configuration_and_refuse_other_files()
    {
        // Given a trained model, saved
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 3, Items, s_baseDimensions);
        var model = new HarmonicModel(HarmonicProblems.Config(s_baseDimensions, dimension: 16, rank: 8, hidden: 12), new Rng(5));
        HarmonicTraining.Train(model, codes, Options(epochs: 5));
        string path = Path.Combine(_folder, "harmonic.safetensors");
        model.Save(path, new Dictionary<string, string> { ["engram.pairs"] = "m0-m1,m0-m2,m1-m2", [HarmonicModel.BaseEncodersKey] = "{\"m0\":\"aa\",\"m2\":\"cc\"}" });

        // When it is loaded
        HarmonicModel loaded = HarmonicModel.Load(path);

        // Then it has the same configuration, weights (and hash) and codes
        Assert.Equal(model.Config.Rank, loaded.Config.Rank);
        Assert.Equal(model.Config.Modalities, loaded.Config.Modalities);
        Assert.Equal(model.Config.Couplings, loaded.Config.Couplings);
        Assert.Equal(ModelWeights.ParameterHash(model), loaded.WeightsHash);
        Assert.Equal(ModelWeights.ParameterHash(model), ModelWeights.ParameterHash(loaded));
        Assert.Equal(model.Encode("m1", codes["m1"]).Span.ToArray(), loaded.Encode("m1", codes["m1"]).Span.ToArray());
        Assert.Contains("adapter_m0.hidden.weight", loaded.StateDict().Keys);
        Assert.Contains("coupling_m0_m2.u", loaded.StateDict().Keys);
        Assert.Null(model.BaseEncoders);
        Assert.Equal(new Dictionary<string, string> { ["m0"] = "aa", ["m2"] = "cc" }, loaded.BaseEncoders);

        // And a weight file of something else is refused, naming the file
        var text = new Engram.Encoders.Text.NgramTextEncoder(new Engram.Encoders.Text.NgramTextConfig { Buckets = 16, Hidden = 4, Dimension = 4, ImageCodeLength = 3 }, new Rng(1));
        string other = Path.Combine(_folder, "text.safetensors");
        text.Save(other);
        var e = Assert.Throws<InvalidDataException>(() => HarmonicModel.Load(other));
        Assert.Contains(other, e.Message, StringComparison.Ordinal);
        Assert.Contains("not an Engram harmonic model", e.Message, StringComparison.Ordinal);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    /// <summary>Reports on the training thread (System.Progress posts to the thread pool, too late to stop a step).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
