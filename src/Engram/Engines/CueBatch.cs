using Engram.Tensors;

namespace Engram.Engines;

/// <summary>
/// Q cues for an engine: for each cued modality, the encoders' codes [Q, length] (row i is cue i), and optionally which
/// of a code's components are observed ([1, length] shared by every cue or [Q, length]; 1 = observed, default all), for
/// example the code mask of a half-hidden image. <see cref="Targets"/>, when given, are the items the cues should recall.
/// </summary>
public sealed record CueBatch
{
    /// <summary>A batch of cues; refused when it cues nothing, the rows disagree or a mask is for a modality not cued.</summary>
    public CueBatch(IReadOnlyDictionary<Modality, Tensor> codes, IReadOnlyDictionary<Modality, Tensor>? masks = null, IReadOnlyList<int>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count == 0)
        {
            throw new ArgumentException("A cue needs at least one modality.", nameof(codes));
        }

        int q = -1;
        foreach (var (modality, tensor) in codes)
        {
            if (tensor is null || tensor.Rank != 2 || (q >= 0 && tensor.RowCount != q))
            {
                throw new ArgumentException($"The {modality} cue must be [Q, length] with the same Q as the others; got {tensor?.ToString() ?? "none"}.", nameof(codes));
            }

            q = tensor.RowCount;
        }

        masks ??= new Dictionary<Modality, Tensor>();
        if (masks.Keys.FirstOrDefault(m => !codes.ContainsKey(m)) is { Name.Length: > 0 } stray)
        {
            throw new ArgumentException($"A mask is given for {stray}, which the cue does not give.", nameof(masks));
        }

        if (targets is not null && targets.Count != q)
        {
            throw new ArgumentException($"{targets.Count} targets for {q} cues; give one target per cue.", nameof(targets));
        }

        Codes = codes;
        Masks = masks;
        Targets = targets;
        Count = q;
    }

    /// <summary>The cued modalities' codes, [Q, length] each.</summary>
    public IReadOnlyDictionary<Modality, Tensor> Codes { get; }

    /// <summary>Observation masks of some cued modalities.</summary>
    public IReadOnlyDictionary<Modality, Tensor> Masks { get; }

    /// <summary>The item each cue should recall, when known (fills <see cref="Attractor.Retrieved"/>).</summary>
    public IReadOnlyList<int>? Targets { get; }

    /// <summary>Q, the number of cues.</summary>
    public int Count { get; }
}
