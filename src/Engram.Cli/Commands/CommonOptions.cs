using System.CommandLine;
using Engram.Memory;
using Engram.Tensors;

namespace Engram.Cli.Commands;

/// <summary>Options that several commands share, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>The name of the option <see cref="Json"/> makes, by which <see cref="EngramApp"/> finds it on any command.</summary>
    public const string JsonName = "--json";

    public static Option<string?> Json() => new(JsonName)
    {
        Description = "Also write the results as JSON to this file; '-' writes the JSON alone to standard output (tables and notes then go to standard error).",
        HelpName = "PATH",
    };

    public static Option<string> Backend() => new Option<string>("--backend")
    {
        Description = "GEMM backend: default (ENGRAM_GEMM, else the faster on this machine by a cached measurement; `engram bench gemm` says which), managed or openblas.",
        DefaultValueFactory = _ => "default",
    }.AcceptOnlyFromAmong("default", "managed", "openblas");

    public static IGemmBackend ResolveBackend(string name) => name == "default" ? Gemm.Default : Gemm.Get(name);

    public static Similarity ParseSimilarity(string name) => name switch
    {
        "dot" => Similarity.Dot,
        "l2" => Similarity.L2,
        "cosine" => Similarity.Cosine,
        _ => throw new ArgumentException($"Unknown similarity '{name}'; use dot, l2 or cosine."),
    };

    public static CueMode ParseCueMode(string name) => name switch
    {
        "full" => CueMode.Full,
        "clamped" => CueMode.Clamped,
        "masked" => CueMode.Masked,
        "masked-free" => CueMode.MaskedFree,
        _ => throw new ArgumentException($"Unknown cue mode '{name}'; use full, clamped, masked or masked-free."),
    };

    public static UpdateRule ParseUpdateRule(string name) => name switch
    {
        "fixed-point" => UpdateRule.FixedPoint,
        "gradient" => UpdateRule.Gradient,
        _ => throw new ArgumentException($"Unknown update rule '{name}'; use fixed-point or gradient."),
    };
}
