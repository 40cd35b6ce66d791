using System.Globalization;
using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Tensors;

namespace Engram.Harmonic;

/// <summary>
/// The learned part of a Cross-Modal Harmonic Network: an adapter φ_m per modality (the frozen base
/// encoder's code → a unit vector in R^{d_m}) and a low-rank coupling A = U Vᵀ per coupled pair.
/// <see cref="Store"/> turns the base codes of N items into a <see cref="HarmonicNetwork"/>; the model
/// is trained with <see cref="HarmonicTraining"/> and saved with its configuration and weight hash.
/// Weight names: <c>adapter_{m}.output.weight</c> (and <c>.hidden.</c> with a hidden layer),
/// <c>coupling_{first}_{second}.u</c> and <c>.v</c>.
/// </summary>
public sealed class HarmonicModel : Module
{
    /// <summary>The safetensors metadata key under which these weights record their configuration (it also tells what a file is).</summary>
    public const string ConfigKey = "engram.harmonic_model";

    /// <summary>The metadata key recording, per modality, the SHA-256 of the base encoder whose codes the model was trained on.</summary>
    public const string BaseEncodersKey = "engram.base_encoders";

    /// <summary>‖A‖₂ of a freshly initialised coupling, about: small, so untrained couplings barely act.</summary>
    private const double InitialNorm = 0.1;

    private readonly ModalityAdapter[] _adapters;
    private readonly LowRankCoupling[] _couplings;

    /// <summary>A model with adapters initialised as PyTorch's Linear and couplings of ‖A‖₂ ≈ 0.1, from <paramref name="random"/>.</summary>
    public HarmonicModel(HarmonicModelConfig config, Rng random)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(random);
        config.Validate();
        Config = config;
        _adapters = config.Modalities.Select(m => AddModule(AdapterName(m.Name), new ModalityAdapter(m, random))).ToArray();
        _couplings = config.Couplings.Select(pair =>
        {
            int df = config.Modalities[config.IndexOf(pair.First)].Dimension, ds = config.Modalities[config.IndexOf(pair.Second)].Dimension, r = config.Rank;

            // A random d × r matrix of entries with deviation σ has ‖·‖₂ ≈ σ(√d + √r).
            double std = Math.Sqrt(InitialNorm / ((Math.Sqrt(df) + Math.Sqrt(r)) * (Math.Sqrt(ds) + Math.Sqrt(r))));
            return AddModule(CouplingName(pair), new LowRankCoupling(Init.Normal(random, std, df, r), Init.Normal(random, std, ds, r)));
        }).ToArray();
    }

    /// <summary>The architecture: modalities, coupled pairs and rank.</summary>
    public HarmonicModelConfig Config { get; }

    /// <summary>The modality spaces (name, d_m, λ_m, β_m).</summary>
    public IReadOnlyList<HarmonicModality> Modalities => Config.Modalities.Select(m => m.ToModality()).ToArray();

    /// <summary>The SHA-256 of the weight file this model was loaded from (null when built in memory).</summary>
    public string? WeightsHash { get; private set; }

    /// <summary>
    /// Per modality, the SHA-256 of the base encoder's weights whose codes the model was trained on, as
    /// saved under <see cref="BaseEncodersKey"/> (null when the file does not say, or for a model built in
    /// memory). A memory refuses a model whose base encoders are not its own: their codes would be foreign.
    /// </summary>
    public IReadOnlyDictionary<string, string>? BaseEncoders { get; private set; }

    /// <summary>The couplings' current factors (copies).</summary>
    public IReadOnlyList<HarmonicCoupling> Couplings => Config.Couplings.Select((pair, c) => new HarmonicCoupling(
        pair.First, pair.Second, ToTensor(_couplings[c].U.Value), ToTensor(_couplings[c].V.Value))).ToArray();

    /// <summary>
    /// The largest spectral radius of ‖A_mk‖₂/√(λ_mλ_k) over the free sets a recall can have; the energy
    /// is bounded below while it is under 1 (see <see cref="HarmonicNetwork.CouplingRatio"/>).
    /// </summary>
    public double CouplingRatio => CouplingBound.FreeSetRatios(Lambdas(), Norms()).DefaultIfEmpty(0).Max();

    /// <summary>φ_m of N base codes [N, BaseDimension]: the adapted unit codes [N, d_m].</summary>
    public Tensor Encode(string modality, Tensor baseCodes)
    {
        int m = Config.IndexOf(modality, nameof(modality));
        NdArray<float> codes = BaseCodes(Config.Modalities[m], baseCodes, nameof(baseCodes));
        using (GradMode.NoGrad())
        {
            NdArray<float> adapted = _adapters[m].Forward(new Variable<float>(codes)).Value;
            return Tensor.FromArray(adapted.Data, baseCodes.Shape[0], Config.Modalities[m].Dimension);
        }
    }

    /// <summary>
    /// Stores N items: <paramref name="baseCodes"/> gives base codes [N, BaseDimension] (row n is item n)
    /// for every modality of the model, or for a subset of at least two; their adapted codes become the
    /// slots of a network with this model's couplings among those modalities. A subset is still bounded
    /// below: its free sets are among the model's, which <see cref="EnforceBound"/> keeps under the limit.
    /// </summary>
    public HarmonicNetwork Store(IReadOnlyDictionary<string, Tensor> baseCodes, IGemmBackend? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(baseCodes);
        foreach (string key in baseCodes.Keys)
        {
            Config.IndexOf(key, nameof(baseCodes));
        }

        HarmonicModalityConfig[] stored = Config.Modalities.Where(m => baseCodes.ContainsKey(m.Name)).ToArray();
        if (stored.Length < 2)
        {
            throw new ArgumentException(
                $"baseCodes gives {(stored.Length == 0 ? "no modality" : $"only '{stored[0].Name}'")}; storing needs the codes of at least two of this model's modalities ({string.Join(", ", Config.Modalities.Select(m => m.Name))}).",
                nameof(baseCodes));
        }

        var slots = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (HarmonicModalityConfig modality in stored)
        {
            slots[modality.Name] = Encode(modality.Name, baseCodes[modality.Name]);
        }

        HarmonicCoupling[] couplings = Couplings.Where(c => slots.ContainsKey(c.First) && slots.ContainsKey(c.Second)).ToArray();
        return HarmonicNetwork.Create(stored.Select(m => m.ToModality()).ToArray(), slots, couplings, gemm);
    }

    /// <summary>
    /// Scales couplings down, in place, until every free set's ratio (see <see cref="CouplingRatio"/>) is
    /// at most <paramref name="limit"/> &lt; 1, so the energy stays bounded below with a margin. A set over
    /// the limit scales only the couplings inside it (U and V each by the square root). Training calls
    /// this before every step and at the end. Returns the ratio afterwards.
    /// </summary>
    public double EnforceBound(double limit = 0.5)
    {
        if (!(limit > 0 && limit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The coupling limit must lie in (0, 1): at 1 the energy is unbounded below; got {limit}.");
        }

        // Aim a hair under the limit so that rounding the scaled factors to float cannot end above it.
        double[] factors = CouplingBound.ScaleFactors(Lambdas(), Norms(), limit * (1 - 1e-6));
        for (int c = 0; c < factors.Length; c++)
        {
            if (factors[c] < 1)
            {
                float root = (float)Math.Sqrt(factors[c]);
                Scale(_couplings[c].U.Value.Span, root);
                Scale(_couplings[c].V.Value.Span, root);
            }
        }

        return CouplingRatio;
    }

    /// <summary>Not used: adapt codes with <see cref="Encode"/>, train with <see cref="HarmonicTraining"/>.</summary>
    public override Variable<float> Forward(Variable<float> x) =>
        throw new NotSupportedException("A harmonic model has one adapter per modality: call Encode(modality, codes), or Store.");

    /// <summary>Saves the weights with the configuration (and <paramref name="metadata"/>) in the file.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        ModelWeights.SaveModel(path, this, ConfigKey, Config, metadata);

    /// <summary>Loads a model saved by <see cref="Save"/>; any other file is refused naming it.</summary>
    public static HarmonicModel Load(string path)
    {
        var (arrays, metadata) = ModelWeights.Read(path);
        return Load(path, arrays, metadata);
    }

    /// <summary>Builds a model from the arrays and metadata of a weight file already read; <paramref name="path"/> names their source in errors.</summary>
    internal static HarmonicModel Load(string path, IReadOnlyDictionary<string, NdArray<float>> arrays, IReadOnlyDictionary<string, string> metadata)
    {
        ModelFile<HarmonicModelConfig> file = ModelWeights.ReadModel<HarmonicModelConfig>(
            path, arrays, metadata, ConfigKey, "an Engram harmonic model (make one with `engram train harmonic`)", c => c.Validate());
        var model = new HarmonicModel(file.Config, new Rng(0));
        model.LoadStateDict(file.Parameters, path);
        model.WeightsHash = file.WeightsHash;
        if (file.Metadata.TryGetValue(BaseEncodersKey, out string? json))
        {
            try
            {
                model.BaseEncoders = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new InvalidDataException($"{path}: the '{BaseEncodersKey}' metadata is not a JSON object of modality → SHA-256 ({e.Message}).", e);
            }
        }

        return model;
    }

    /// <summary>A one-line description of the architecture.</summary>
    public static string Describe(HarmonicModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string adapters = string.Join(", ", config.Modalities.Select(m => m.Hidden > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.BaseDimension} → {m.Hidden} → {m.Dimension}")
            : string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.BaseDimension} → {m.Dimension}")));
        return string.Create(CultureInfo.InvariantCulture, $"adapters {adapters}; rank-{config.Rank} couplings {string.Join(", ", config.Couplings)}");
    }

    internal static string AdapterName(string modality) => $"adapter_{modality}";

    internal static string CouplingName(CouplingPair pair) => $"coupling_{pair.First}_{pair.Second}";

    /// <summary>The graph over this model's own (float) parameters.</summary>
    internal HarmonicGraph<float> Graph() =>
        new(Config, NamedParameters().ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal));

    /// <summary>Checks base codes [N, BaseDimension] (finite) and copies them into an array for the graph.</summary>
    internal static NdArray<float> BaseCodes(HarmonicModalityConfig modality, Tensor? codes, string field)
    {
        if (codes is null || codes.Rank != 2 || codes.Shape[1] != modality.BaseDimension || codes.Shape[0] == 0)
        {
            throw new ArgumentException(
                $"The '{modality.Name}' base codes must be N×{modality.BaseDimension} (one row per item, N ≥ 1); got {codes?.ToString() ?? "null"}.", field);
        }

        ReadOnlySpan<float> values = codes.Span;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"The '{modality.Name}' base codes have a non-finite value at row {i / modality.BaseDimension}, component {i % modality.BaseDimension} ({values[i]}).", field);
            }
        }

        return NdArray<float>.FromArray(values.ToArray(), codes.Shape[0], modality.BaseDimension);
    }

    private double[] Lambdas() => Config.Modalities.Select(m => m.Lambda).ToArray();

    private List<(int First, int Second, double Norm)> Norms() => Config.Couplings.Select((pair, c) => (
        Config.IndexOf(pair.First),
        Config.IndexOf(pair.Second),
        CouplingBound.SpectralNorm(_couplings[c].U.Value.Span, _couplings[c].V.Value.Span, _couplings[c].U.Value.Dim(0), _couplings[c].V.Value.Dim(0), Config.Rank))).ToList();

    private static Tensor ToTensor(NdArray<float> value) => Tensor.FromArray((float[])value.Data.Clone(), value.ShapeArray);

    private static void Scale(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>φ_m: layer norm (no affine), an optional GELU layer, a linear map, unit length.</summary>
    private sealed class ModalityAdapter : Module
    {
        private readonly Linear? _hidden;
        private readonly Linear _output;

        public ModalityAdapter(HarmonicModalityConfig config, Rng random)
        {
            _hidden = config.Hidden > 0 ? AddModule("hidden", new Linear(config.BaseDimension, config.Hidden, random)) : null;
            _output = AddModule("output", new Linear(config.Hidden > 0 ? config.Hidden : config.BaseDimension, config.Dimension, random));
        }

        public override Variable<float> Forward(Variable<float> x) =>
            HarmonicGraph<float>.Adapt(x, _hidden?.Weight, _hidden?.Bias, _output.Weight, _output.Bias!);
    }

    /// <summary>The factors of one coupling, A = U Vᵀ.</summary>
    private sealed class LowRankCoupling : Module
    {
        public LowRankCoupling(NdArray<float> u, NdArray<float> v)
        {
            U = AddParameter("u", u);
            V = AddParameter("v", v);
        }

        public Variable<float> U { get; }

        public Variable<float> V { get; }

        public override Variable<float> Forward(Variable<float> x) =>
            throw new NotSupportedException("A coupling enters the energy as −x_firstᵀ U Vᵀ x_second; it has no forward pass of its own.");
    }
}
