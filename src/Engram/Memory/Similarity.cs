namespace Engram.Memory;

/// <summary>How a state is compared with a stored pattern.</summary>
public enum Similarity
{
    /// <summary><c>ξ·v</c>, the classic modern Hopfield network.</summary>
    Dot,

    /// <summary>Negative squared Euclidean distance <c>−‖ξ − v‖²</c>.</summary>
    L2,

    /// <summary><c>ξ·v / (‖ξ‖‖v‖)</c>; zero when either vector is zero.</summary>
    Cosine,
}
