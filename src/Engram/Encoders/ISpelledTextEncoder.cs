namespace Engram.Encoders;

/// <summary>
/// A text encoder that reads a caption through features of its spelling (character n-grams and words) before it learns
/// anything: those features say how much of a caption's spelling any stored caption shares. A learned code puts every
/// string near some caption (unrelated captions of the n-gram encoder still have cosine 0.4), so a caption of made-up
/// words is judged novel in this space, where sharing nothing is visible.
/// </summary>
public interface ISpelledTextEncoder : ITextEncoder
{
    /// <summary>The spelling features [N, length] of <paramref name="captions"/>, one unit row per caption (zero for an empty one).</summary>
    Tensor Spelling(IReadOnlyList<string> captions);
}
