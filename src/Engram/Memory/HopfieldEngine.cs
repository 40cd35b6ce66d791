using Engram.Engines;
using Engram.Hen;
using Engram.Nn.Layers;

namespace Engram.Memory;

/// <summary>
/// The plain modern Hopfield memory (Ramsauer et al., 2020) as an engine (<see cref="IMemoryEngine"/>): one modality's
/// stored codes as the patterns Ξ, the cue as the first state, the update v ← Ξᵀ softmax(β sim(Ξ, v)). It stores a memory of
/// one slot (a folder of images, Fashion-MNIST without captions); a cue may hide part of it, compared on what it shows.
/// </summary>
public sealed class HopfieldEngine : IMemoryEngine
{
    private readonly HopfieldMemory _memory;
    private readonly Modality _modality;

    private HopfieldEngine(HopfieldMemory memory, Modality modality)
    {
        _memory = memory;
        _modality = modality;
    }

    /// <summary>What makes a plain Hopfield engine; a memory gets it only when asked for (<c>engram build --engine hopfield</c>).</summary>
    public static IEngineKind Kind { get; } = new HopfieldKind();

    /// <inheritdoc />
    public string Name => HopfieldKind.EngineName;

    /// <inheritdoc />
    public IReadOnlyList<Modality> Modalities => [_modality];

    /// <inheritdoc />
    public int Count => _memory.Bank.Count;

    /// <inheritdoc />
    public RecallSettings Resolve(RecallSettings? settings)
    {
        settings ??= new RecallSettings();
        settings.Validate();
        if (settings.Harmonic?.Any == true)
        {
            throw new ArgumentException("This memory recalls with a plain modern Hopfield network, which has no harmonic settings: leave them out.");
        }

        RecallOptions options = OptionsOf(settings);
        options.Validate();
        return new RecallSettings
        {
            Steps = options.MaxSteps,
            Tolerance = options.Tolerance,
            Hopfield = new HopfieldSettings { Beta = options.Beta, Similarity = options.Similarity, CueMode = options.CueMode },
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<SettledState> Settle(CueBatch cues, RecallSettings settings, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        if (!cues.Codes.TryGetValue(_modality, out Tensor? codes) || cues.Codes.Count != 1)
        {
            throw new ArgumentException($"This memory holds only {_modality}: cue it with {_modality} alone.", nameof(cues));
        }

        RecallOptions options = OptionsOf(settings);
        // A cue without a mask shows every component (the masked cue modes need to be told so).
        Tensor mask = cues.Masks.GetValueOrDefault(_modality) ?? Tensor.FromArray(Enumerable.Repeat(1f, _memory.Bank.Dimension).ToArray(), 1, _memory.Bank.Dimension);
        IReadOnlyList<RecallResult> results = _memory.WithOptions(options).Recall(codes, mask, cues.Targets, progress, cancellationToken);
        Modality[] clamped = options.CueMode is CueMode.Clamped or CueMode.Masked ? [_modality] : [];
        return results.Select((r, i) => new SettledState
        {
            States = new Dictionary<Modality, float[]> { [_modality] = r.State },
            Recalled = [_modality],
            Clamped = clamped,
            Weights = new Dictionary<Modality, float[]> { [_modality] = WeightsAt(r.State, options) },
            ModalitySteps = new Dictionary<Modality, int> { [_modality] = r.Steps },
            Steps = r.Steps,
            Converged = r.Converged,
            Energies = r.Energies,
            Target = cues.Targets?[i],
        }).ToArray();
    }

    /// <inheritdoc />
    public float[] Weights(Modality modality, IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings) =>
        WeightsAt(StateOf(modality, state), OptionsOf(settings));

    /// <inheritdoc />
    public Tensor Patterns(Modality modality)
    {
        Check(modality);
        return _memory.Bank.Patterns;
    }

    /// <inheritdoc />
    public IReadOnlyList<EnergyTerm> Energy(IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings) =>
        [new EnergyTerm("hopfield", [_modality], _memory.WithOptions(OptionsOf(settings) with { CueMode = CueMode.Full }).Energy(StateOf(_modality, state)))];

    private float[] WeightsAt(float[] state, RecallOptions options) =>
        _memory.WithOptions(options with { CueMode = CueMode.Full }).Association(Tensor.FromArray(state, 1, state.Length)).Row(0).ToArray();

    private RecallOptions OptionsOf(RecallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ApplyTo(_memory.Options, CueMode.MaskedFree);
    }

    private float[] StateOf(Modality modality, IReadOnlyDictionary<Modality, float[]> state)
    {
        Check(modality);
        ArgumentNullException.ThrowIfNull(state);
        return state.TryGetValue(modality, out float[]? v) && v.Length == _memory.Bank.Dimension
            ? v
            : throw new ArgumentException($"The state must give the {modality}'s {_memory.Bank.Dimension} components.", nameof(state));
    }

    private void Check(Modality modality)
    {
        if (modality != _modality)
        {
            throw new ArgumentException($"This memory holds only {_modality}, not {modality}.", nameof(modality));
        }
    }

    private sealed class HopfieldKind : IEngineKind
    {
        public const string EngineName = "hopfield";

        public string Name => EngineName;

        public string Summary => "a plain modern Hopfield network over a memory of one modality";

        public RecallOptions DefaultOptions => new() { Similarity = Similarity.L2, Beta = 1000f, MaxSteps = 10 };

        // Never the default: a memory gets it when it asks.
        public bool IsDefaultFor(Module? model) => false;

        public IMemoryEngine Create(EngineInputs inputs)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            IReadOnlyList<Slot> slots = inputs.Codes.Layout.Slots;
            if (slots.Count != 1 || inputs.Model is not null)
            {
                throw new ArgumentException(
                    $"A plain Hopfield memory stores one modality, and this one has {string.Join(", ", slots.Select(s => s.Name))}{(inputs.Model is null ? "" : " and a trained model")}: " +
                    "build it with one encoder (for example --text-encoder none), or with the hen engine.");
            }

            return new HopfieldEngine(new HopfieldMemory(inputs.Codes.Memory.Bank, inputs.Options), new Modality(slots[0].Name));
        }
    }
}
