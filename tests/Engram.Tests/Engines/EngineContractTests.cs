using Engram.Engines;
using Engram.Harmonic;
using Engram.Hen;
using Engram.Memory;
using Engram.Nn;

namespace Engram.Tests.Engines;

public sealed class EngineContractTests
{
    private const int Items = 6;
    private const int Dimension = 64;

    // Six items with one-hot codes in two modalities: every stored pattern far from every other.
    private static Tensor OneHot(int offset)
    {
        var codes = new Tensor(Items, Dimension);
        for (int n = 0; n < Items; n++)
        {
            codes.Row(n)[(n * 7) + offset] = 1f;
        }

        return codes;
    }

    private static (HenEngine Hen, IMemoryEngine Harmonic) Engines()
    {
        HopfieldEncodingNetwork codes = HopfieldEncodingNetwork.Store([new SlotCodes("image", OneHot(0)), new SlotCodes("text", OneHot(3))], HenEngine.Kind.DefaultOptions);
        var hen = (HenEngine)HenEngine.Kind.Create(new EngineInputs(codes, HenEngine.Kind.DefaultOptions, null, new Dictionary<Modality, string>()));
        HarmonicModelConfig config = HarmonicModelConfig.Coupled(
        [
            new HarmonicModalityConfig { Name = "image", BaseDimension = Dimension, Dimension = Dimension, Beta = 400 },
            new HarmonicModalityConfig { Name = "text", BaseDimension = Dimension, Dimension = Dimension, Beta = 400 },
        ]);
        IMemoryEngine harmonic = HarmonicEngine.Kind.Create(new EngineInputs(codes, HarmonicEngine.Kind.DefaultOptions, new HarmonicModel(config, new Rng(7)), new Dictionary<Modality, string>()));
        return (hen, harmonic);
    }

    // Every modality of the engine at the given mixture of stored items (weights per item), in the engine's own space.
    private static Dictionary<Modality, float[]> Placed(IMemoryEngine engine, params (int Item, float Weight)[] mixture) =>
        engine.Modalities.ToDictionary(m => m, m =>
        {
            Tensor patterns = engine.Patterns(m);
            var state = new float[patterns.Shape[1]];
            foreach (var (item, weight) in mixture)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(patterns.Row(item), weight, state, state);
            }

            return state;
        });

    [Fact]
    public void The_hen_and_the_harmonic_engine_diagnose_a_state_on_a_stored_item_and_a_50_50_mixture_alike()
    {
        // Given the same six items stored in a Hopfield Encoding Network and in a harmonic network
        var (hen, harmonic) = Engines();

        foreach (Modality modality in new[] { Modality.Image, Modality.Text })
        {
            // When a state is placed exactly on item 2
            Attractor onHen = Recollection.Diagnose(hen, modality, Placed(hen, (2, 1f)));
            Attractor onHarmonic = Recollection.Diagnose(harmonic, modality, Placed(harmonic, (2, 1f)));

            // Then both name item 2, not a mixture, with all the weight on it
            Assert.Equal((2, false), (onHen.Nearest, onHen.Metastable));
            Assert.Equal((2, false), (onHarmonic.Nearest, onHarmonic.Metastable));
            Assert.Equal(1.0, onHen.TopWeight, 6);
            Assert.Equal(1.0, onHarmonic.TopWeight, 6);
            Assert.Equal(1.0, onHen.EffectiveMemories, 5);
            Assert.Equal(1.0, onHarmonic.EffectiveMemories, 5);

            // And when it is placed halfway between items 4 and 1
            Attractor mixedHen = Recollection.Diagnose(hen, modality, Placed(hen, (4, 0.5f), (1, 0.5f)));
            Attractor mixedHarmonic = Recollection.Diagnose(harmonic, modality, Placed(harmonic, (4, 0.5f), (1, 0.5f)));

            // Then both call it a mixture of two, and name the lower of the two tied items
            Assert.Equal((1, true), (mixedHen.Nearest, mixedHen.Metastable));
            Assert.Equal((1, true), (mixedHarmonic.Nearest, mixedHarmonic.Metastable));
            // (within 5e-5: with OpenBLAS as the GEMM, the two scores differ in their last bits, and β = 1000 magnifies that)
            Assert.Equal(0.5, mixedHen.TopWeight, 4);
            Assert.Equal(0.5, mixedHarmonic.TopWeight, 4);
            Assert.Equal(2.0, mixedHen.EffectiveMemories, 4);
            Assert.Equal(2.0, mixedHarmonic.EffectiveMemories, 4);
        }
    }

    [Fact]
    public void A_state_off_every_stored_item_by_two_percent_is_a_mixture_and_by_half_a_percent_is_not()
    {
        // The metastable threshold is on the read-out Ξᵀp: ‖Ξᵀp − ξ*‖ > 0.01‖ξ*‖, the same for every engine.
        var (hen, _) = Engines();
        Tensor patterns = hen.Patterns(Modality.Image);
        float[] Weights(float other) => Enumerable.Range(0, Items).Select(n => n == 3 ? 1 - other : n == 5 ? other : 0f).ToArray();
        float[] state = patterns.Row(3).ToArray();

        // ξ₃ and ξ₅ are orthogonal unit vectors, so moving weight w to ξ₅ puts the read-out √2·w away.
        Assert.True(Attractor.Of(Weights(0.02f), patterns, state).Metastable);
        Assert.False(Attractor.Of(Weights(0.005f), patterns, state).Metastable);
        Assert.Equal(3, Attractor.Of(Weights(0.02f), patterns, state).Nearest);
        Assert.True(Attractor.Of(Weights(0.02f), patterns, state, target: 3).Retrieved);
        Assert.False(Attractor.Of(Weights(0.02f), patterns, state, target: 5).Retrieved);
    }

    [Fact]
    public void Settling_a_cue_through_the_contract_recalls_its_item_with_either_engine()
    {
        var (hen, harmonic) = Engines();
        foreach (IMemoryEngine engine in new IMemoryEngine[] { hen, harmonic })
        {
            // Given the text codes of items 0…5 as six cues
            var cues = new CueBatch(new Dictionary<Modality, Tensor> { [Modality.Text] = OneHot(3) }, targets: Enumerable.Range(0, Items).ToArray());
            RecallSettings settings = engine.Resolve(null);

            // When they settle
            IReadOnlyList<SettledState> settled = engine.Settle(cues, settings);

            // Then the energy terms sum to the last energy, and (for the HEN, whose one state holds both slots; this harmonic
            // model is untrained, so its couplings carry no meaning) every cue recalls its own item in every recalled modality
            for (int i = 0; i < Items; i++)
            {
                Recollection recollection = Recollection.Of(engine, settled[i], settings);
                Assert.Equal(recollection.Energies[^1], recollection.EnergyTerms.Sum(t => t.Value), 4);
                Assert.Equal(settled[i].Recalled, recollection.Completions.Select(c => c.Modality));
                if (engine == hen)
                {
                    Assert.Equal(i, recollection.Item);
                    Assert.All(recollection.Completions, c => Assert.True(c.Attractor.Retrieved, $"{c.Modality} of cue {i}"));
                }
            }

            // And the harmonic engine holds the text cue and recalls the image; the HEN moves every slot
            Assert.Equal(engine == harmonic ? [Modality.Image] : [Modality.Image, Modality.Text], settled[0].Recalled);
            Assert.Equal(engine == harmonic ? [Modality.Text] : [], settled[0].Clamped);
        }
    }

    [Fact]
    public void Each_engine_refuses_the_settings_of_another_saying_why()
    {
        var (hen, harmonic) = Engines();
        Assert.Contains("no harmonic settings", Assert.Throws<ArgumentException>(() => hen.Resolve(new RecallSettings { Harmonic = new HarmonicRecallSettings { Start = FreeStart.Zero } })).Message, StringComparison.Ordinal);
        Assert.Contains("β are its model's", Assert.Throws<ArgumentException>(() => harmonic.Resolve(new RecallSettings { Hopfield = new HopfieldSettings { Beta = 5 } })).Message, StringComparison.Ordinal);
        Assert.Contains("no cue modes", Assert.Throws<ArgumentException>(() => harmonic.Resolve(new RecallSettings { Hopfield = new HopfieldSettings { CueMode = CueMode.Full } })).Message, StringComparison.Ordinal);
        Assert.Equal(1000f, hen.Resolve(null).Hopfield!.Beta);
        Assert.Null(harmonic.Resolve(null).Hopfield);
        Assert.Equal("There is no engine 'faiss'", Assert.Throws<ArgumentException>(() => EngineCatalog.Choose("faiss", null)).Message[..26]);
    }
}
