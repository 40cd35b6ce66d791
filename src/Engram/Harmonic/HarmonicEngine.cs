using System.Globalization;
using Engram.Engines;
using Engram.Hen;
using Engram.Memory;
using Engram.Nn.Layers;

namespace Engram.Harmonic;

/// <summary>
/// The Cross-Modal Harmonic Network as an engine (<see cref="IMemoryEngine"/>): every slot's stored codes, adapted by a
/// trained <see cref="HarmonicModel"/> into its modality space, with the model's couplings. A cue clamps the cued
/// modalities (their adapted codes); the free ones descend the energy and are the ones recalled. The model fixes each
/// modality's β and compares by cosine, so only the steps (sweeps), the tolerance and where free modalities start can change.
/// </summary>
public sealed class HarmonicEngine : IMemoryEngine
{
    private readonly RecallOptions _options;
    private readonly Modality[] _modalities;
    private readonly Dictionary<Modality, Tensor> _patterns = [];
    private readonly Lock _cache = new();

    private HarmonicEngine(HarmonicModel model, HarmonicNetwork network, RecallOptions options)
    {
        Model = model;
        Network = network;
        _options = options;
        _modalities = network.Modalities.Select(m => new Modality(m.Name)).ToArray();
    }

    /// <summary>What makes a harmonic engine: the default for a memory whose encoders bring a harmonic model.</summary>
    public static IEngineKind Kind { get; } = new HarmonicKind();

    /// <summary>The trained model: adapters and couplings.</summary>
    public HarmonicModel Model { get; }

    /// <summary>The network over the memory's adapted codes.</summary>
    public HarmonicNetwork Network { get; }

    /// <inheritdoc />
    public string Name => HarmonicKind.EngineName;

    /// <inheritdoc />
    public IReadOnlyList<Modality> Modalities => _modalities;

    /// <inheritdoc />
    public int Count => Network.Count;

    /// <inheritdoc />
    public RecallSettings Resolve(RecallSettings? settings)
    {
        settings ??= new RecallSettings();
        settings.Validate();
        if (settings.Hopfield?.CueMode is not null)
        {
            throw new ArgumentException(
                "A harmonic memory has no cue modes: the cued modalities are clamped and the others descend the energy. Leave the cue mode out.");
        }

        if (settings.Hopfield?.Any == true)
        {
            throw new ArgumentException(
                $"A harmonic memory's β are its model's ({string.Join(", ", Network.Modalities.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.Beta:G4}")))}) " +
                "and it compares states by cosine: only the number of steps (sweeps) can be changed.");
        }

        var resolved = new RecallSettings
        {
            Steps = settings.Steps ?? _options.MaxSteps,
            Tolerance = settings.Tolerance ?? new HarmonicRecallOptions().Tolerance,
            Harmonic = new HarmonicRecallSettings { Start = settings.Harmonic?.Start ?? new HarmonicRecallOptions().Start },
        };
        Dynamics(resolved).Validate();
        return resolved;
    }

    /// <inheritdoc />
    public IReadOnlyList<SettledState> Settle(CueBatch cues, RecallSettings settings, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        if (cues.Codes.Count >= _modalities.Length && _modalities.All(cues.Codes.ContainsKey))
        {
            throw new ArgumentException(
                $"The cue gives every modality of this harmonic memory ({string.Join(", ", cues.Codes.Keys)}), so nothing is left to complete: leave at least one out.");
        }

        var adapted = cues.Codes.ToDictionary(p => NameOf(p.Key), p => Model.Encode(p.Key.Name, p.Value), StringComparer.Ordinal);
        IReadOnlyList<HarmonicResult> results = Network.Recall(adapted, Dynamics(settings), cues.Targets, progress, cancellationToken);
        Modality[] clamped = _modalities.Where(cues.Codes.ContainsKey).ToArray();
        return results.Select((result, i) =>
        {
            var states = result.States.ToDictionary(p => new Modality(p.Key), p => p.Value);
            Modality[] recalled = result.Free.Select(f => new Modality(f.Modality)).ToArray();
            return new SettledState
            {
                States = states,
                Recalled = recalled,
                Clamped = clamped,
                Weights = recalled.ToDictionary(m => m, m => Network.Weights(m.Name, states[m])),
                ModalitySteps = result.Free.ToDictionary(f => new Modality(f.Modality), f => f.Steps),
                Steps = result.Sweeps,
                Converged = result.Converged,
                Energies = result.Energies,
                Target = cues.Targets?[i],
            };
        }).ToArray();
    }

    /// <inheritdoc />
    public float[] Weights(Modality modality, IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Network.Weights(NameOf(modality), state.TryGetValue(modality, out float[]? x) ? x : throw new ArgumentException($"The state gives no {modality}.", nameof(state)));
    }

    /// <inheritdoc />
    public Tensor Patterns(Modality modality)
    {
        string name = NameOf(modality);
        lock (_cache)
        {
            if (!_patterns.TryGetValue(modality, out Tensor? slots))
            {
                _patterns[modality] = slots = Network.Slots(name);
            }

            return slots;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<EnergyTerm> Energy(IReadOnlyDictionary<Modality, float[]> state, RecallSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Network.EnergyTerms(state.ToDictionary(p => p.Key.Name, p => p.Value, StringComparer.Ordinal))
            .Select(t => new EnergyTerm(t.Term, t.Modalities.Select(m => new Modality(m)).ToArray(), t.Value))
            .ToArray();
    }

    private HarmonicRecallOptions Dynamics(RecallSettings settings) => new()
    {
        MaxSweeps = settings.Steps ?? _options.MaxSteps,
        Tolerance = settings.Tolerance ?? new HarmonicRecallOptions().Tolerance,
        Start = settings.Harmonic?.Start ?? new HarmonicRecallOptions().Start,
    };

    private string NameOf(Modality modality) =>
        _modalities.Contains(modality)
            ? modality.Name
            : throw new ArgumentException($"This memory has no {modality} modality (it has {string.Join(", ", _modalities)}).", nameof(modality));

    private static string Short(string hashOrKind) => hashOrKind.Length == 64 ? hashOrKind[..12] + "…" : hashOrKind;

    private sealed class HarmonicKind : IEngineKind
    {
        public const string EngineName = "harmonic";

        public string Name => EngineName;

        public string Summary => "Cross-Modal Harmonic Network: a trained model's modality spaces and couplings; a cue clamps its modalities and the others descend the energy";

        public RecallOptions DefaultOptions => HenEngine.Kind.DefaultOptions with { MaxSteps = new HarmonicRecallOptions().MaxSweeps };

        public bool IsDefaultFor(Module? model) => model is HarmonicModel;

        // Every slot is a modality of the model, with codes of the model's base length, made by the encoder the model was trained on.
        public IMemoryEngine Create(EngineInputs inputs)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            if (inputs.Model is not HarmonicModel model)
            {
                throw new ArgumentException("A harmonic memory needs a harmonic model (`engram build --harmonic MODEL`; train one with `engram train harmonic`).");
            }

            string modalities = string.Join(", ", model.Config.Modalities.Select(m => $"{m.Name} ({m.BaseDimension})"));
            var codes = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (Slot slot in inputs.Codes.Layout.Slots)
            {
                HarmonicModalityConfig? modality = model.Config.Modalities.FirstOrDefault(m => m.Name == slot.Name);
                if (modality is null)
                {
                    throw new ArgumentException(
                        $"The harmonic model has no '{slot.Name}' modality (it has {modalities}), so it cannot store this memory's {slot.Name} slot: leave that slot out, or train a model with it (`engram train harmonic`).");
                }

                if (modality.BaseDimension != slot.Length)
                {
                    throw new ArgumentException(
                        $"The harmonic model's '{slot.Name}' adapter reads codes of {modality.BaseDimension} components, but this memory's {slot.Name} codes have {slot.Length}: " +
                        "the model was trained on another encoder's codes. Build with the encoders the model was trained on.");
                }

                string made = inputs.Encoders.TryGetValue(new Modality(slot.Name), out string? id) ? id : "";
                if (model.BaseEncoders is { } trained && trained.TryGetValue(slot.Name, out string? expected) && !string.Equals(expected, made, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"The harmonic model was trained on {slot.Name} codes from the encoder {Short(expected)}, but this memory's {slot.Name} encoder is {Short(made)}: " +
                        "its codes would be foreign to the adapter. Build with the encoders the model was trained on.");
                }

                codes[slot.Name] = inputs.Codes.StoredCodes(slot.Name);
            }

            if (codes.Count < 2)
            {
                throw new ArgumentException($"A harmonic memory joins at least two slots, and this one has only {string.Join(", ", codes.Keys)}: add an encoder for another modality.");
            }

            return new HarmonicEngine(model, model.Store(codes), inputs.Options);
        }
    }
}
