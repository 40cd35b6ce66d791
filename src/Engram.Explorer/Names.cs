using Engram.Memory;

namespace Engram.Explorer;

/// <summary>Similarities and cue modes as the API (and the command line) spell them.</summary>
internal static class Names
{
    public static string Of(Similarity similarity) => similarity switch
    {
        Similarity.Dot => "dot",
        Similarity.L2 => "l2",
        Similarity.Cosine => "cosine",
        _ => similarity.ToString().ToLowerInvariant(),
    };

    public static string Of(CueMode mode) => mode switch
    {
        CueMode.Full => "full",
        CueMode.Clamped => "clamped",
        CueMode.Masked => "masked",
        CueMode.MaskedFree => "masked-free",
        _ => mode.ToString().ToLowerInvariant(),
    };

    public static Similarity ParseSimilarity(string name) => name.Trim().ToLowerInvariant() switch
    {
        "dot" => Similarity.Dot,
        "l2" => Similarity.L2,
        "cosine" => Similarity.Cosine,
        _ => throw ApiException.BadRequest($"Unknown similarity '{name}'; use dot, l2 or cosine."),
    };

    public static CueMode ParseCueMode(string name) => name.Trim().ToLowerInvariant() switch
    {
        "full" => CueMode.Full,
        "clamped" => CueMode.Clamped,
        "masked" => CueMode.Masked,
        "masked-free" => CueMode.MaskedFree,
        _ => throw ApiException.BadRequest($"Unknown cue mode '{name}'; use full, clamped, masked or masked-free."),
    };
}
