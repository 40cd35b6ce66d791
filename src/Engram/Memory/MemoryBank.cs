using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Engram.Tensors;

namespace Engram.Memory;

/// <summary>
/// N stored patterns ξₙ of dimension K, the rows of <c>X ∈ R^{N×K}</c>, with what recall needs
/// precomputed: squared norms, the largest norm M, and which rows are byte-identical duplicates.
/// Immutable once built; the patterns are copied in.
/// </summary>
public sealed class MemoryBank
{
    private readonly Tensor _patterns;
    private readonly float[] _squaredNorms;
    private readonly int[] _canonical;

    private MemoryBank(Tensor patterns)
    {
        _patterns = patterns;
        Count = patterns.Shape[0];
        Dimension = patterns.Shape[1];
        _squaredNorms = new float[Count];
        double maxNorm = 0;
        for (int n = 0; n < Count; n++)
        {
            ReadOnlySpan<float> row = patterns.Row(n);
            double sq = SumOfSquaresDouble(row);
            _squaredNorms[n] = (float)sq;
            maxNorm = Math.Max(maxNorm, Math.Sqrt(sq));
        }

        MaxNorm = maxNorm;
        _canonical = FindDuplicates(patterns);
    }

    /// <summary>N, the number of stored patterns.</summary>
    public int Count { get; }

    /// <summary>K, the dimension of every pattern and state.</summary>
    public int Dimension { get; }

    /// <summary>M = maxₙ ‖ξₙ‖.</summary>
    public double MaxNorm { get; }

    /// <summary>The stored patterns as an N×K tensor. Do not modify it.</summary>
    public Tensor Patterns => _patterns;

    /// <summary>‖ξₙ‖² for every stored pattern.</summary>
    public ReadOnlySpan<float> SquaredNorms => _squaredNorms;

    /// <summary>Pattern n.</summary>
    public ReadOnlySpan<float> this[int n] => _patterns.Row(n);

    /// <summary>
    /// Stores a copy of the rows of <paramref name="patterns"/> (N×K). Throws when the bank would be
    /// empty or a pattern holds a NaN or an infinity.
    /// </summary>
    public static MemoryBank FromPatterns(Tensor patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Rank != 2)
        {
            throw new ArgumentException($"Stored patterns must be an N×K matrix; got {patterns}.", nameof(patterns));
        }

        if (patterns.Shape[0] == 0 || patterns.Shape[1] == 0)
        {
            throw new ArgumentException(
                $"A memory bank needs at least one pattern of at least one component; got {patterns.Shape[0]}×{patterns.Shape[1]}.",
                nameof(patterns));
        }

        for (int n = 0; n < patterns.Shape[0]; n++)
        {
            ReadOnlySpan<float> row = patterns.Row(n);
            int bad = IndexOfNonFinite(row);
            if (bad >= 0)
            {
                throw new ArgumentException(
                    $"Stored pattern {n} has a non-finite component {bad} ({row[bad]}); patterns must be finite.",
                    nameof(patterns));
            }
        }

        return new MemoryBank(patterns.Clone());
    }

    /// <summary>Stores a copy of the given rows, which must all have the same length.</summary>
    public static MemoryBank FromPatterns(IReadOnlyList<float[]> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0)
        {
            throw new ArgumentException("A memory bank needs at least one pattern; the list is empty.", nameof(patterns));
        }

        int k = patterns[0].Length;
        var x = new Tensor(patterns.Count, k);
        for (int n = 0; n < patterns.Count; n++)
        {
            if (patterns[n].Length != k)
            {
                throw new ArgumentException(
                    $"Stored pattern {n} has {patterns[n].Length} components but pattern 0 has {k}; all must have the same dimension.",
                    nameof(patterns));
            }

            patterns[n].CopyTo(x.Row(n));
        }

        return FromPatterns(x);
    }

    /// <summary>
    /// The first pattern byte-identical to pattern <paramref name="n"/> (itself when it has no earlier twin).
    /// Recall counts a byte-identical duplicate of the cue's item as that item.
    /// </summary>
    public int CanonicalIndex(int n) => _canonical[n];

    /// <summary>Whether patterns <paramref name="a"/> and <paramref name="b"/> are byte-identical.</summary>
    public bool AreIdentical(int a, int b) => _canonical[a] == _canonical[b];

    internal static double SumOfSquaresDouble(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float f in x)
        {
            s += (double)f * f;
        }

        return s;
    }

    internal static int IndexOfNonFinite(ReadOnlySpan<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static int[] FindDuplicates(Tensor patterns)
    {
        int count = patterns.Shape[0];
        var canonical = new int[count];
        var firstByHash = new Dictionary<int, List<int>>();
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(patterns.Row(n));
            var hash = new HashCode();
            hash.AddBytes(bytes);
            int h = hash.ToHashCode();
            canonical[n] = n;
            if (!firstByHash.TryGetValue(h, out List<int>? candidates))
            {
                firstByHash[h] = [n];
                continue;
            }

            foreach (int c in candidates)
            {
                if (bytes.SequenceEqual(MemoryMarshal.AsBytes(patterns.Row(c))))
                {
                    canonical[n] = c;
                    break;
                }
            }

            if (canonical[n] == n)
            {
                candidates.Add(n);
            }
        }

        return canonical;
    }
}
