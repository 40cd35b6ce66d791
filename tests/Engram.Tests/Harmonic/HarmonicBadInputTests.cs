using Engram.Harmonic;
using Engram.Memory;
using Engram.Nn;

namespace Engram.Tests.Harmonic;

/// <summary>Bad input fails at the public boundary with a message that names the field, the modality and the shapes.</summary>
public sealed class HarmonicBadInputTests
{
    private static readonly HarmonicModality[] s_spaces = [new("image", 4), new("text", 3), new("audio", 5)];

    private static Dictionary<string, Tensor> Slots(int items = 6) => s_spaces.ToDictionary(
        s => s.Name, s => HarmonicProblems.Gaussian(new Rng((ulong)s.Dimension), items, s.Dimension), StringComparer.Ordinal);

    private static HarmonicCoupling Coupling(string first, int df, string second, int ds, int rank = 2, float value = 0.1f)
    {
        var u = new Tensor(df, rank);
        var v = new Tensor(ds, rank);
        u.Span.Fill(value);
        v.Span.Fill(value);
        return new HarmonicCoupling(first, second, u, v);
    }

    private static HarmonicNetwork Network() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("image", 4, "text", 3), Coupling("text", 3, "audio", 5)]);

    private static ArgumentException Rejects(Action action, string param, params string[] fragments)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(param, e.ParamName);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        }

        return e;
    }

    [Fact]
    public void Should_reject_slots_of_the_wrong_shape_or_modality()
    {
        Dictionary<string, Tensor> slots = Slots();
        slots["text"] = new Tensor(6, 5);
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "slots['text'] must be 6×3", "Tensor[6, 5]");

        slots = Slots();
        slots["audio"] = HarmonicProblems.Gaussian(new Rng(1), 7, 5);
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "slots['audio'] must be 6×5", "Tensor[7, 5]");

        slots = Slots();
        slots.Remove("text");
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "no 'text' codes");

        slots = Slots();
        slots["smell"] = new Tensor(6, 2);
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "'smell', which is not a modality", "image, text, audio");

        Rejects(() => HarmonicNetwork.Create(s_spaces, s_spaces.ToDictionary(s => s.Name, s => new Tensor(0, s.Dimension))), "slots", "holds no items");
    }

    [Fact]
    public void Should_reject_zero_or_non_finite_slots()
    {
        Dictionary<string, Tensor> slots = Slots();
        slots["image"].Row(2).Clear();
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "slots['image'] row 2 is zero");

        slots = Slots();
        slots["audio"][3, 1] = float.NaN;
        Rejects(() => HarmonicNetwork.Create(s_spaces, slots), "slots", "slots['audio'] row 3 has a non-finite component 1");
    }

    [Fact]
    public void Should_reject_bad_modalities()
    {
        Rejects(() => HarmonicNetwork.Create([new("image", 4)], Slots()), "modalities", "at least two modalities");
        Rejects(() => HarmonicNetwork.Create([new("image", 4), new("image", 4)], Slots()), "modalities", "'image' appears twice");
        Rejects(() => HarmonicNetwork.Create([new("Image", 4), new("text", 3)], Slots()), "Name", "'Image' is not a valid modality name");
        Rejects(() => HarmonicNetwork.Create([new("image", 4, Lambda: 0), new("text", 3)], Slots()), "Lambda", "'image'", "λ (Lambda)");
        Rejects(() => HarmonicNetwork.Create([new("image", 4, Beta: double.NaN), new("text", 3)], Slots()), "Beta", "β (Beta)");
    }

    [Fact]
    public void Should_reject_couplings_that_do_not_fit()
    {
        Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("image", 3, "text", 3)]), "couplings", "U of shape 4×r", "V of shape 3×r", "Tensor[3, 2]");
        Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("image", 4, "smell", 3)]), "couplings", "'smell' is not a modality");
        Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("text", 3, "text", 3)]), "couplings", "to itself");
        Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("image", 4, "text", 3), Coupling("text", 3, "image", 4)]), "couplings", "already joins");
        var different = new HarmonicCoupling("image", "text", new Tensor(4, 2), new Tensor(3, 3));
        Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [different]), "couplings", "the same r");
    }

    [Fact]
    public void Should_refuse_couplings_that_leave_the_energy_unbounded_below()
    {
        // ‖A‖₂ of a constant 4×2 · (3×2)ᵀ with entries 0.5: 2·0.25·√12 ≈ 1.73 > √(λλ) = 1
        var e = Rejects(() => HarmonicNetwork.Create(s_spaces, Slots(), [Coupling("image", 4, "text", 3, value: 0.5f)]), "couplings", "unbounded below", "image, text are free together", "≥ 1", "‖A_image,text‖₂ = 1.732");
        Assert.Contains("EnforceBound", e.Message, StringComparison.Ordinal);

        // The same coupling is fine when λ is large enough
        HarmonicModality[] stiff = [new("image", 4, Lambda: 2), new("text", 3, Lambda: 2), new("audio", 5)];
        Assert.InRange(HarmonicNetwork.Create(stiff, Slots(), [Coupling("image", 4, "text", 3, value: 0.5f)]).CouplingRatio, 0.86, 0.87);
    }

    [Fact]
    public void Should_reject_bad_cues()
    {
        HarmonicNetwork network = Network();
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["smell"] = new Tensor(1, 3) }), "cues", "'smell' is not a modality of this network (image, text, audio)");
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["text"] = new Tensor(2, 4) }), "cues", "cues['text'] must be a Q×3 matrix", "Tensor[2, 4]");
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["text"] = new Tensor(2, 3), ["image"] = new Tensor(3, 4) }), "cues", "must be a 2×4 matrix", "Tensor[3, 4]");
        Rejects(() => network.Recall(new Dictionary<string, Tensor>()), "cues", "cues is empty");
        Rejects(() => network.Recall(s_spaces.ToDictionary(s => s.Name, s => new Tensor(1, s.Dimension))), "cues", "Every modality (image, text, audio) is cued");
        var nan = new Tensor(2, 3);
        nan[1, 2] = float.PositiveInfinity;
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["text"] = nan }), "cues", "cues['text'] row 1 has a non-finite component 2");
        Rejects(() => network.Recall(new Dictionary<string, float[]> { ["audio"] = new float[4] }), "cues", "cues['audio'] must be a Q×5 matrix");
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["text"] = new Tensor(2, 3) }, targets: [0]), "targets", "1 entries for 2 cues");
        Rejects(() => network.Recall(new Dictionary<string, Tensor> { ["text"] = new Tensor(1, 3) }, targets: [6]), "targets", "outside the 6 stored items");
    }

    [Fact]
    public void Should_reject_bad_options()
    {
        HarmonicNetwork network = Network();
        var cue = new Dictionary<string, Tensor> { ["text"] = new Tensor(1, 3) };
        Rejects(() => network.Recall(cue, new HarmonicRecallOptions { MaxSweeps = 0 }), "MaxSweeps", "T (MaxSweeps) must be at least 1");
        Rejects(() => network.Recall(cue, new HarmonicRecallOptions { Tolerance = -1 }), "Tolerance", "ε (Tolerance)");
        Rejects(() => network.Recall(cue, new HarmonicRecallOptions { StepSizes = new Dictionary<string, double> { ["image"] = 0 } }), "StepSizes", "η for modality 'image'");
        Rejects(() => network.Recall(cue, new HarmonicRecallOptions { StepSizes = new Dictionary<string, double> { ["smell"] = 1 } }), "options", "'smell' is not a modality");
        Rejects(() => network.Recall(cue, new HarmonicRecallOptions { UpdateRule = UpdateRule.Gradient, StepSize = 2 }), "options", "η = 2 for 'image' is too large for λ = 1", "η·λ < 2");
    }

    [Fact]
    public void Should_reject_states_that_do_not_fit_the_energy()
    {
        HarmonicNetwork network = Network();
        var state = s_spaces.ToDictionary(s => s.Name, s => new float[s.Dimension]);
        state.Remove("audio");
        Rejects(() => network.Energy(state), "state", "no 'audio' state");
        state["audio"] = new float[4];
        Rejects(() => network.EnergyGradient(state), "state", "state['audio'] has 4 components but d_audio is 5");
        state["audio"] = new float[5];
        state["smell"] = new float[1];
        Rejects(() => network.Energy(state), "state", "'smell' is not a modality");
        Rejects(() => network.Slots("smell"), "modality", "'smell' is not a modality");
    }

    [Fact]
    public void Should_reject_bad_model_configurations_and_training_data()
    {
        HarmonicModelConfig good = HarmonicProblems.Config([6, 5, 4], dimension: 3, rank: 2, [new("m0", "m1"), new("m1", "m2")]);
        Rejects(() => _ = new HarmonicModel(good with { Rank = 0 }, new Rng(1)), "Rank");
        Rejects(() => _ = new HarmonicModel(good with { Couplings = [new("m0", "m3")] }, new Rng(1)), "Couplings", "'m3' is not a modality of this model (m0, m1, m2)");
        Rejects(() => _ = new HarmonicModel(good with { Couplings = [new("m0", "m1"), new("m1", "m0")] }, new Rng(1)), "Couplings", "listed twice");
        Rejects(() => _ = new HarmonicModel(good with { Modalities = [good.Modalities[0] with { BaseDimension = 1 }, good.Modalities[1]] }, new Rng(1)), "BaseDimension", "at least 2");
        Rejects(() => _ = new HarmonicModel(good with { Modalities = [good.Modalities[0] with { Name = "a.b" }, good.Modalities[1]] }, new Rng(1)), "Name", "'a.b' is not a valid modality name");

        var model = new HarmonicModel(good, new Rng(1));
        Dictionary<string, Tensor> codes = HarmonicProblems.Paired(seed: 1, items: 8, 6, 5, 4);
        Rejects(() => model.Encode("m1", new Tensor(8, 6)), "baseCodes", "The 'm1' base codes must be N×5", "Tensor[8, 6]");
        Rejects(() => model.Encode("m9", codes["m1"]), "modality", "'m9' is not a modality of this model");
        Rejects(() => model.Store(new Dictionary<string, Tensor> { ["m0"] = codes["m0"] }), "baseCodes", "only 'm0'", "at least two of this model's modalities (m0, m1, m2)");
        Rejects(() => model.Store(new Dictionary<string, Tensor> { ["m0"] = codes["m0"], ["m9"] = codes["m1"] }), "baseCodes", "'m9' is not a modality of this model");
        Rejects(() => HarmonicTraining.Train(model, codes, new HarmonicTrainingOptions { Pairs = [new("m0", "m2")] }), "Pairs", "m0–m2 is not a coupling of this model (its couplings: m0–m1, m1–m2)");
        Rejects(() => HarmonicTraining.Train(model, new Dictionary<string, Tensor> { ["m0"] = codes["m0"], ["m1"] = codes["m1"] }, new HarmonicTrainingOptions()), "baseCodes", "no 'm2' codes", "m1–m2");
        Dictionary<string, Tensor> ragged = new(codes) { ["m2"] = HarmonicProblems.Gaussian(new Rng(1), 7, 4) };
        Rejects(() => HarmonicTraining.Train(model, ragged, new HarmonicTrainingOptions()), "baseCodes", "'m2' base codes have 7 rows but the others have 8");
        Rejects(() => HarmonicTraining.Train(model, codes, new HarmonicTrainingOptions { CouplingLimit = 1 }), "CouplingLimit", "(0, 1)");
        Rejects(() => HarmonicTraining.Train(model, codes, new HarmonicTrainingOptions { ContrastiveWeight = 0 }), "ContrastiveWeight", "Neither loss");
        Rejects(() => model.EnforceBound(1.5), "limit", "(0, 1)");
    }
}
