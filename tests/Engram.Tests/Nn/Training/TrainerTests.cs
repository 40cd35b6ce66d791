using Engram.Nn;
using Engram.Nn.Layers;
using Engram.Nn.Training;
using Engram.Tensors;

namespace Engram.Tests.Nn.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engram-trainer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string> ChangedSettings => new()
    {
        { "epochs", "epochs 2 → 3" },
        { "lr", "learning rate 0.01 → 0.005" },
        { "warmup", "warm-up steps 100 → 3" },
        { "decay", "weight decay 0.0001 → 0.01" },
        { "clip", "gradient clip 1 → 0.5" },
        { "seed", "seed 1 → 2" },
        { "batch", "batch size 8 → 4" },
        { "data", "data " },
        { "setting", "encoder linear → other" },
        { "model", "initial weights " },
        { "backend", "GEMM backend " },
    };

    [Theory]
    [MemberData(nameof(ChangedSettings))]
    public void Should_refuse_a_finished_runs_checkpoint_naming_each_setting_that_differs(string change, string named)
    {
        // Given a run that finished, with its checkpoint
        string checkpoint = Path.Combine(_folder, "run.checkpoint");
        var options = new TrainerOptions { Epochs = 2, BatchSize = 8, LearningRate = 0.01, CheckpointPath = checkpoint }.WithSetting("encoder", "linear");
        float[] data = Data(seed: 1);
        Train(options, data, modelSeed: 1);

        // When the same run starts again with one setting changed
        (TrainerOptions changed, float[] changedData, ulong modelSeed) = change switch
        {
            "epochs" => (options with { Epochs = 3 }, data, 1UL),
            "lr" => (options with { LearningRate = 0.005 }, data, 1UL),
            "warmup" => (options with { WarmupSteps = 3 }, data, 1UL),
            "decay" => (options with { WeightDecay = 0.01 }, data, 1UL),
            "clip" => (options with { ClipNorm = 0.5 }, data, 1UL),
            "seed" => (options with { Seed = 2 }, data, 1UL),
            "batch" => (options with { BatchSize = 4 }, data, 1UL),
            "data" => (options, Data(seed: 2), 1UL),
            "setting" => (options.WithSetting("encoder", "other"), data, 1UL),
            _ => (options, data, change == "model" ? 2UL : 1UL),
        };
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            using IDisposable? other = change == "backend" ? Gemm.Use(new NamedGemm("other", Gemm.Default)) : null;
            Train(changed, changedData, modelSeed);
        });

        // Then it is refused, naming the file, the setting with both values, and what to do
        Assert.Contains(checkpoint, e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("--fresh", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_resume_a_checkpoint_whose_settings_are_all_the_same_and_start_over_without_resume()
    {
        // Given a finished run
        string checkpoint = Path.Combine(_folder, "same.checkpoint");
        var options = new TrainerOptions { Epochs = 2, BatchSize = 8, CheckpointPath = checkpoint }.WithSetting("encoder", "linear");
        float[] data = Data(seed: 1);
        (string hash, _) = Train(options, data, modelSeed: 1);

        // When it runs again, and again with Resume off and another learning rate
        (string resumed, TrainingHistory again) = Train(options, data, modelSeed: 1);
        (_, TrainingHistory fresh) = Train(options with { Resume = false, LearningRate = 0.005 }, data, modelSeed: 1);

        // Then the first resumes at its end with its weights; the second trains from scratch
        Assert.Equal(2 * (32 / 8), again.ResumedAtStep);
        Assert.Equal(hash, resumed);
        Assert.Equal(0, fresh.ResumedAtStep);
    }

    [Fact]
    public void Should_say_how_to_select_the_checkpoints_gemm_backend_when_it_differs()
    {
        // Given a finished run on this process's backend
        string checkpoint = Path.Combine(_folder, "backend.checkpoint");
        var options = new TrainerOptions { Epochs = 1, BatchSize = 8, CheckpointPath = checkpoint };
        Train(options, Data(seed: 1), modelSeed: 1);

        // When it runs again on another backend
        using IDisposable other = Gemm.Use(new NamedGemm("other", Gemm.Default));
        var e = Assert.Throws<InvalidOperationException>(() => Train(options, Data(seed: 1), modelSeed: 1));

        // Then the message names both backends and the variable that selects the old one
        Assert.Contains($"GEMM backend {Gemm.DefaultChoice.Backend} → other, ENGRAM_GEMM={Gemm.DefaultChoice.Backend} selects the old one", e.Message, StringComparison.Ordinal);
    }

    private static float[] Data(int seed)
    {
        var random = new Rng((ulong)seed);
        return Enumerable.Range(0, 32 * 4).Select(_ => (float)random.NextNormal()).ToArray();
    }

    // A linear map trained to reproduce its input: small, and it depends on every setting.
    private static (string Hash, TrainingHistory History) Train(TrainerOptions options, float[] data, ulong modelSeed)
    {
        var model = new Linear(4, 4, new Rng(modelSeed));
        string fingerprint;
        using (var hash = new TrainingFingerprint())
        {
            fingerprint = hash.Add(data).Finish();
        }

        TrainingHistory history = Trainer.Run(model, 32, (indices, _) =>
        {
            var x = new NdArray<float>(indices.Length, 4);
            for (int i = 0; i < indices.Length; i++)
            {
                data.AsSpan(indices[i] * 4, 4).CopyTo(x.Data.AsSpan(i * 4, 4));
            }

            var input = new Variable<float>(x);
            return TrainingLoss.Of(Op.MseLoss(model.Forward(input), input));
        }, options.WithSetting("data", fingerprint));
        return (ModelWeights.ParameterHash(model), history);
    }

    /// <summary>Another backend by name, computing with <paramref name="inner"/>.</summary>
    private sealed class NamedGemm(string name, IGemmBackend inner) : IGemmBackend
    {
        public string Name => name;

        public void Sgemm(
            bool transposeA, bool transposeB, int m, int n, int k, float alpha,
            ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
            inner.Sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
