using Microsoft.ML.OnnxRuntime;

namespace Engram.Encoders.Onnx;

/// <summary>
/// How ONNX Runtime runs an encoder's graphs. Every session runs its nodes one after another
/// (<see cref="ExecutionMode.ORT_SEQUENTIAL"/>, one inter-op thread) on the CPU, with <see cref="Threads"/> intra-op
/// threads set explicitly rather than left to ONNX Runtime's guess, so that a code does not depend on how the work
/// was scheduled. (The CPU kernels split work across threads by rows and columns, never along a sum, and the tests check
/// that one thread and two give bit-identical codes.)
/// </summary>
public sealed record OnnxRuntimeSettings
{
    /// <summary>Intra-op threads of each session: the threads one operator (a matrix product, a convolution) is split over. Default: every processor.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Whether idle intra-op threads spin waiting for the next operator (ONNX Runtime's default) rather than sleep. Off by
    /// default: between encodes the CPU is Engram's (decoding images, recalling), and spinning threads would take it.
    /// </summary>
    public bool SpinWait { get; init; }

    /// <summary>Checks that <see cref="Threads"/> is positive.</summary>
    public void Validate() => ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Threads, nameof(Threads));

    /// <summary>ONNX Runtime's session options for these settings (the caller disposes them).</summary>
    internal SessionOptions CreateSessionOptions()
    {
        Validate();
        var options = new SessionOptions
        {
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = Threads,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", SpinWait ? "1" : "0");
        return options;
    }
}
