namespace Engram.Tensors;

public static partial class Kernels
{
    /// <summary>
    /// Writes the indices of the <paramref name="k"/> largest values of <paramref name="x"/> into
    /// <paramref name="indices"/>, largest first; ties go to the lower index. Returns how many were
    /// written: <c>min(k, x.Length)</c>.
    /// </summary>
    public static int TopK(ReadOnlySpan<float> x, int k, Span<int> indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int count = Math.Min(k, x.Length);
        CheckDestination(count, indices.Length, nameof(indices));
        if (count == 0)
        {
            return 0;
        }

        var heap = new TopKHeap(count);
        for (int i = 0; i < x.Length; i++)
        {
            heap.Offer(x[i], i);
        }

        heap.WriteSortedDescending(indices, default);
        return count;
    }
}

/// <summary>
/// A fixed-capacity min-heap that keeps the k largest (score, index) pairs offered to it.
/// Used by top-k separation, where scores arrive one block of stored patterns at a time.
/// </summary>
internal struct TopKHeap
{
    private readonly float[] _scores;
    private readonly int[] _indices;
    private int _count;

    public TopKHeap(int capacity)
    {
        _scores = new float[capacity];
        _indices = new int[capacity];
        _count = 0;
    }

    public readonly int Count => _count;

    public readonly float MinScore => _count < _scores.Length ? float.NegativeInfinity : _scores[0];

    public void Clear() => _count = 0;

    /// <summary>Offers a pair; keeps it if it beats the smallest kept pair (ties: lower index wins).</summary>
    public void Offer(float score, int index)
    {
        if (_count < _scores.Length)
        {
            int i = _count++;
            _scores[i] = score;
            _indices[i] = index;
            SiftUp(i);
        }
        else if (Less(_scores[0], _indices[0], score, index))
        {
            _scores[0] = score;
            _indices[0] = index;
            SiftDown(0);
        }
    }

    /// <summary>Writes the kept pairs, largest score first.</summary>
    public readonly void WriteSortedDescending(Span<int> indices, Span<float> scores)
    {
        var order = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            order[i] = i;
        }

        float[] s = _scores;
        int[] ix = _indices;
        System.Array.Sort(order, (a, b) => Less(s[a], ix[a], s[b], ix[b]) ? 1 : Less(s[b], ix[b], s[a], ix[a]) ? -1 : 0);
        for (int i = 0; i < _count; i++)
        {
            indices[i] = _indices[order[i]];
            if (!scores.IsEmpty)
            {
                scores[i] = _scores[order[i]];
            }
        }
    }

    // (score a, index a) ranks below (score b, index b): smaller score, or equal score and larger index.
    private static bool Less(float sa, int ia, float sb, int ib) => sa < sb || (sa == sb && ia > ib);

    private readonly void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Less(_scores[i], _indices[i], _scores[parent], _indices[parent]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private readonly void SiftDown(int i)
    {
        while (true)
        {
            int left = (2 * i) + 1, right = left + 1, smallest = i;
            if (left < _count && Less(_scores[left], _indices[left], _scores[smallest], _indices[smallest]))
            {
                smallest = left;
            }

            if (right < _count && Less(_scores[right], _indices[right], _scores[smallest], _indices[smallest]))
            {
                smallest = right;
            }

            if (smallest == i)
            {
                return;
            }

            Swap(i, smallest);
            i = smallest;
        }
    }

    private readonly void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_indices[a], _indices[b]) = (_indices[b], _indices[a]);
    }
}
