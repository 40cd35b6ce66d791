using Engram.Engines;
using Engram.Memory;
using Engram.Nn.Layers;

namespace Engram.Hen;

/// <summary>
/// The Hopfield Encoding Network as an engine (<see cref="IMemoryEngine"/>): one modern Hopfield energy over the
/// concatenated, scaled codes of every slot. A cue starts the state in its slots (the others at zero, unobserved); the
/// state settles to a read-out Ξᵀp of whole stored items, so every slot is recalled and all share one set of weights.
/// </summary>
public sealed class HenEngine : IMemoryEngine
{
    private readonly RecallOptions _options;
    private readonly Modality[] _modalities;
    private readonly Tensor?[] _patterns;

    /// <summary>An engine over <paramref name="network"/>'s stored codes, recalling with <paramref name="options"/> unless told otherwise.</summary>
    public HenEngine(HopfieldEncodingNetwork network, RecallOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Network = network;
        _options = options;
        _modalities = network.Layout.Slots.Select(s => new Modality(s.Name)).ToArray();
        _patterns = new Tensor?[_modalities.Length];
    }

    /// <summary>What makes a Hopfield Encoding Network engine: the default for a memory without a trained model.</summary>
    public static IEngineKind Kind { get; } = new HenKind();

    /// <summary>The network: slots, scales and stored patterns.</summary>
    public HopfieldEncodingNetwork Network { get; }

    /// <inheritdoc />
    public string Name => HenKind.EngineName;

    /// <inheritdoc />
    public IReadOnlyList<Modality> Modalities => _modalities;

    /// <inheritdoc />
    public int Count => Network.Count;

    /// <inheritdoc />
    public RecallSettings Resolve(RecallSettings? settings)
    {
        settings ??= new RecallSettings();
        settings.Validate();
        if (settings.Harmonic?.Any == true)
        {
            throw new ArgumentException("This memory recalls with the Hopfield Encoding Network, which has no harmonic settings (such as where free modalities start): leave them out.");
        }

        var resolved = new RecallSettings
        {
            Steps = settings.Steps ?? _options.MaxSteps,
            Tolerance = settings.Tolerance ?? _options.Tolerance,
            Hopfield = new HopfieldSettings
            {
                Beta = settings.Hopfield?.Beta ?? _options.Beta,
                Similarity = settings.Hopfield?.Similarity ?? _options.Similarity,
                CueMode = settings.Hopfield?.CueMode ?? DefaultCueMode,
            },
        };
        OptionsOf(resolved).Validate();
        return resolved;
    }

    /// <summary>
    /// How a cue is compared unless told otherwise: MaskedFree, over the slots (and, for a partly hidden image, the code
    /// components) the cue gives, with nothing clamped, so the state settles on stored items. A cue is an estimate (an
    /// occluded image's code, another wording of a caption, another voice), so holding it fixed would keep the state off
    /// every stored item; the slots it lacks never take part, so zeros there cannot favour faint or quiet items.
    /// </summary>
    public const CueMode DefaultCueMode = CueMode.MaskedFree;

    /// <inheritdoc />
    public IReadOnlyList<SettledState> Settle(CueBatch cues, RecallSettings settings, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        RecallOptions options = OptionsOf(settings);
        var codes = cues.Codes.ToDictionary(p => SlotOf(p.Key), p => p.Value, StringComparer.Ordinal);
        var masks = cues.Masks.ToDictionary(p => SlotOf(p.Key), p => p.Value, StringComparer.Ordinal);
        HenRecall recall = Network.Recall(codes, cues.Targets, options, masks, progress, cancellationToken);
        Tensor states = Tensor.FromArray(recall.Results.SelectMany(r => r.State).ToArray(), recall.Results.Count, Network.Layout.Length);
        Tensor weights = Association(states, options);
        bool clamps = options.CueMode is CueMode.Clamped or CueMode.Masked;
        Modality[] clamped = clamps ? _modalities.Where(cues.Codes.ContainsKey).ToArray() : [];
        var settled = new SettledState[recall.Results.Count];
        for (int i = 0; i < settled.Length; i++)
        {
            RecallResult r = recall.Results[i];
            float[] p = weights.Row(i).ToArray();
            settled[i] = new SettledState
            {
                States = Split(r.State),
                Recalled = _modalities,
                Clamped = clamped,
                Weights = _modalities.ToDictionary(m => m, _ => p),
                ModalitySteps = _modalities.ToDictionary(m => m, _ => r.Steps),
                Steps = r.Steps,
                Converged = r.Converged,
                Energies = r.Energies,
                Target = cues.Targets?[i],
            };
        }

        return settled;
    }

    /// <inheritdoc />
    public float[] Weights(Modality modality, IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings)
    {
        SlotOf(modality);
        return Association(Tensor.FromArray(Join(state), 1, Network.Layout.Length), OptionsOf(settings)).Row(0).ToArray();
    }

    /// <inheritdoc />
    public Tensor Patterns(Modality modality)
    {
        Slot slot = Network.Layout[SlotOf(modality)];
        if (_patterns[slot.Index] is { } cached)
        {
            return cached;
        }

        var rows = new Tensor(Count, slot.Length);
        for (int n = 0; n < Count; n++)
        {
            Network.Memory.Bank[n].Slice(slot.Offset, slot.Length).CopyTo(rows.Row(n));
        }

        return _patterns[slot.Index] = rows;
    }

    /// <inheritdoc />
    public IReadOnlyList<EnergyTerm> Energy(IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings)
    {
        float[] v = Join(state);
        RecallOptions options = OptionsOf(settings) with { CueMode = CueMode.Full };
        double total = Network.Memory.WithOptions(options).Energy(v);
        if (options.Similarity != Similarity.Dot)
        {
            return [new EnergyTerm("hopfield", _modalities, total)];
        }

        // E = (−β⁻¹ log Σ exp(β ξ·v) + β⁻¹ log N) + (½‖v‖² + ½M²): the association term and the state's norm.
        double maxNorm = Network.Memory.Bank.MaxNorm;
        double norm = 0.5 * (System.Numerics.Tensors.TensorPrimitives.Dot(v, v) + (maxNorm * maxNorm));
        return [new EnergyTerm("hopfield", _modalities, total - norm), new EnergyTerm("state norm", _modalities, norm)];
    }

    // The network's options for resolved settings.
    private RecallOptions OptionsOf(RecallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ApplyTo(_options, DefaultCueMode);
    }

    // The weights at full states: every slot compared (the state holds every slot once it has moved).
    private Tensor Association(Tensor states, RecallOptions options) => Network.Memory.WithOptions(options with { CueMode = CueMode.Full }).Association(states);

    private string SlotOf(Modality modality) =>
        Network.Layout.Contains(modality.Name)
            ? modality.Name
            : throw new ArgumentException($"This memory has no {modality} slot (it has {string.Join(", ", _modalities)}).", nameof(modality));

    private Dictionary<Modality, float[]> Split(float[] state) =>
        Network.Layout.Slots.ToDictionary(s => new Modality(s.Name), s => state.AsSpan(s.Offset, s.Length).ToArray());

    private float[] Join(IReadOnlyDictionary<Modality, float[]> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var v = new float[Network.Layout.Length];
        foreach (Slot slot in Network.Layout.Slots)
        {
            if (!state.TryGetValue(new Modality(slot.Name), out float[]? values) || values.Length != slot.Length)
            {
                throw new ArgumentException($"The state must give the {slot.Name} slot's {slot.Length} components.", nameof(state));
            }

            values.CopyTo(v, slot.Offset);
        }

        return v;
    }

    private sealed class HenKind : IEngineKind
    {
        public const string EngineName = "hen";

        public string Name => EngineName;

        public string Summary => "Hopfield Encoding Network: one modern Hopfield energy over every slot's codes";

        public RecallOptions DefaultOptions => new() { Similarity = Similarity.L2, Beta = 1000f, MaxSteps = 10 };

        public bool IsDefaultFor(Module? model) => true;

        public IMemoryEngine Create(EngineInputs inputs)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            return inputs.Model is null
                ? new HenEngine(inputs.Codes, inputs.Options)
                : throw new ArgumentException("The Hopfield Encoding Network takes no trained model: leave the harmonic model out, or build with the harmonic engine.");
        }
    }
}
