namespace Engram.Encoders;

/// <summary>A text encoder: captions in, one code row per caption out.</summary>
public interface ITextEncoder
{
    /// <summary>"pixelized", "ngram", "minilm" or "onnx".</summary>
    string Name { get; }

    /// <summary>The length of one code.</summary>
    int CodeLength { get; }

    /// <summary>Codes [N, CodeLength] for N captions.</summary>
    Tensor Encode(IReadOnlyList<string> captions);
}
