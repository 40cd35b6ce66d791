using System.Numerics.Tensors;
using Engram.Tensors;

namespace Engram.Memory;

/// <summary>
/// One pass of a block of q states over every stored pattern, one block of patterns at a time, so
/// that the q×N association matrix is never held whole (the online softmax of flash attention).
/// Per state it yields the running maximum and sums of the β-scaled scores (hence the log-sum-exp,
/// the top weight and the effective number of memories), optionally the read-out <c>Xᵀp</c>, the
/// top-k pairs and the nearest stored pattern.
/// </summary>
internal sealed class AssociationPass
{
    private const int ParallelRowThreshold = 1 << 15;

    private readonly MemoryBank _bank;
    private readonly Similarity _similarity;
    private readonly float _beta;
    private readonly int _patternBlock;
    private readonly IGemmBackend _gemm;

    public AssociationPass(MemoryBank bank, Similarity similarity, float beta, int patternBlock, IGemmBackend gemm)
    {
        _bank = bank;
        _similarity = similarity;
        _beta = beta;
        _patternBlock = Math.Min(patternBlock, bank.Count);
        _gemm = gemm;
    }

    /// <summary>Whether the similarity needs per-pattern norms over the observed components.</summary>
    public bool NeedsMaskedNorms(bool masked) => masked && _similarity != Similarity.Dot;

    /// <summary>
    /// Runs the pass over the first <see cref="Workspace.Rows"/> rows of <paramref name="w"/>.
    /// <paramref name="topK"/> = 0 keeps every weight.
    /// </summary>
    public void Run(Workspace w, bool readout, bool nearest, int topK)
    {
        int q = w.Rows, k = _bank.Dimension, n = _bank.Count;
        w.Prepare(_patternBlock, topK, readout, nearest, NeedsMaskedNorms(w.HasMask));
        for (int i = 0; i < q; i++)
        {
            w.SimSquaredNorm[i] = MemoryBank.SumOfSquaresDouble(w.Sim.AsSpan(i * k, k));
        }

        for (int n0 = 0; n0 < n; n0 += _patternBlock)
        {
            int nb = Math.Min(_patternBlock, n - n0);
            ReadOnlySpan<float> xb = ScoreBlock(w, n0, nb);
            if (nearest)
            {
                // Nearest search uses the full state; reuse G when the similarity sees the full state too.
                if (w.FullDiffers)
                {
                    _gemm.Sgemm(false, true, q, nb, k, 1f, w.Full.AsSpan(0, q * k), k, xb, k, 0f, w.FullScores.AsSpan(0, q * nb), nb);
                }

                UpdateNearest(w, w.FullDiffers ? w.FullScores : w.Scores, n0, nb);
            }

            ForEachRow(q, nb, i => AccumulateRow(w, i, n0, nb, readout && topK == 0, topK));
            if (readout && topK == 0)
            {
                // Readout += exp(z − max) · X_block: the unnormalised second product of the step.
                _gemm.Sgemm(false, false, q, k, nb, 1f, w.Scores.AsSpan(0, q * nb), nb, xb, k, 1f, w.Readout.AsSpan(0, q * k), k);
            }
        }

        FinishRows(w, readout, topK);
    }

    /// <summary>Writes the softmax weights of one block of patterns for rows already passed over.</summary>
    public void WriteAssociation(Workspace w, int n0, int nb, int topK, Span<float> destination, int ldd)
    {
        ScoreBlock(w, n0, nb);
        for (int i = 0; i < w.Rows; i++)
        {
            Span<float> z = w.Scores.AsSpan(i * nb, nb);
            ScaledScores(w, i, n0, nb, z);
            Span<float> row = destination.Slice(i * ldd, nb);
            if (topK == 0)
            {
                TensorPrimitives.Subtract(z, (float)w.Max[i], row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Multiply(row, (float)(1.0 / w.Sum[i]), row);
                continue;
            }

            row.Clear();
            for (int j = 0; j < w.TopCount[i]; j++)
            {
                int index = w.TopIndices[(i * topK) + j] - n0;
                if ((uint)index < (uint)nb)
                {
                    row[index] = w.TopWeights[(i * topK) + j];
                }
            }
        }
    }

    /// <summary>
    /// G = Sim · X_blockᵀ into <see cref="Workspace.Scores"/>: the dot products of every state with
    /// every pattern of the block; and, for a masked L2 or cosine similarity, Σ_k m_k ξ_nk² for every
    /// (state, pattern) into <see cref="Workspace.MaskedNorms"/>. Returns the block of patterns.
    /// </summary>
    private ReadOnlySpan<float> ScoreBlock(Workspace w, int n0, int nb)
    {
        int q = w.Rows, k = _bank.Dimension;
        ReadOnlySpan<float> xb = _bank.Patterns.Span.Slice(n0 * k, nb * k);
        _gemm.Sgemm(false, true, q, nb, k, 1f, w.Sim.AsSpan(0, q * k), k, xb, k, 0f, w.Scores.AsSpan(0, q * nb), nb);
        if (NeedsMaskedNorms(w.HasMask))
        {
            TensorPrimitives.Multiply(xb, xb, w.SquaredBlock.AsSpan(0, nb * k));
            _gemm.Sgemm(false, true, q, nb, k, 1f, w.Mask.AsSpan(0, q * k), k,
                w.SquaredBlock.AsSpan(0, nb * k), k, 0f, w.MaskedNorms.AsSpan(0, q * nb), nb);
        }

        return xb;
    }

    private static void ForEachRow(int rows, int columns, Action<int> body)
    {
        if ((long)rows * columns >= ParallelRowThreshold && rows > 1)
        {
            Parallel.For(0, rows, body);
        }
        else
        {
            for (int i = 0; i < rows; i++)
            {
                body(i);
            }
        }
    }

    private void UpdateNearest(Workspace w, float[] dots, int n0, int nb)
    {
        ReadOnlySpan<float> norms = _bank.SquaredNorms.Slice(n0, nb);
        for (int i = 0; i < w.Rows; i++)
        {
            // argminₙ ‖v − ξₙ‖² = argmaxₙ (2ξₙ·v − ‖ξₙ‖²); ties go to the lower index.
            ReadOnlySpan<float> d = dots.AsSpan(i * nb, nb);
            float best = w.NearestScore[i];
            int bestIndex = w.NearestIndex[i];
            for (int j = 0; j < nb; j++)
            {
                float s = (2f * d[j]) - norms[j];
                if (s > best)
                {
                    best = s;
                    bestIndex = n0 + j;
                }
            }

            w.NearestScore[i] = best;
            w.NearestIndex[i] = bestIndex;
        }
    }

    /// <summary>Turns row i of the raw dot products into β-scaled similarities, in place.</summary>
    private void ScaledScores(Workspace w, int i, int n0, int nb, Span<float> z)
    {
        switch (_similarity)
        {
            case Similarity.Dot:
                TensorPrimitives.Multiply(z, _beta, z);
                break;
            case Similarity.L2:
            {
                // −‖ξ − v‖² = 2ξ·v − ‖ξ‖² − ‖v‖², each over the observed components when masked.
                ReadOnlySpan<float> norms = w.HasMask && w.MaskedNorms.Length > 0
                    ? w.MaskedNorms.AsSpan(i * nb, nb)
                    : _bank.SquaredNorms.Slice(n0, nb);
                float vv = (float)w.SimSquaredNorm[i];
                for (int j = 0; j < z.Length; j++)
                {
                    z[j] = _beta * ((2f * z[j]) - norms[j] - vv);
                }

                break;
            }

            case Similarity.Cosine:
            {
                ReadOnlySpan<float> norms = w.HasMask && w.MaskedNorms.Length > 0
                    ? w.MaskedNorms.AsSpan(i * nb, nb)
                    : _bank.SquaredNorms.Slice(n0, nb);
                double vn = Math.Sqrt(w.SimSquaredNorm[i]);
                for (int j = 0; j < z.Length; j++)
                {
                    double denominator = vn * Math.Sqrt(norms[j]);
                    z[j] = denominator > 0 ? (float)(_beta * z[j] / denominator) : 0f;
                }

                break;
            }

            default:
                throw new InvalidOperationException($"Unknown similarity {_similarity}.");
        }
    }

    private void AccumulateRow(Workspace w, int i, int n0, int nb, bool readout, int topK)
    {
        Span<float> z = w.Scores.AsSpan(i * nb, nb);
        ScaledScores(w, i, n0, nb, z);
        if (topK > 0)
        {
            ref TopKHeap heap = ref w.Heaps[i];
            for (int j = 0; j < nb; j++)
            {
                if (z[j] >= heap.MinScore)
                {
                    heap.Offer(z[j], n0 + j);
                }
            }
        }

        float blockMax = TensorPrimitives.Max(z);
        if (blockMax > w.Max[i])
        {
            // A new maximum: rescale what was summed so far to it.
            double factor = Math.Exp(w.Max[i] - blockMax);
            w.Sum[i] *= factor;
            w.SumSquares[i] *= factor * factor;
            if (readout)
            {
                TensorPrimitives.Multiply(w.Readout.AsSpan(i * _bank.Dimension, _bank.Dimension), (float)factor,
                    w.Readout.AsSpan(i * _bank.Dimension, _bank.Dimension));
            }

            w.Max[i] = blockMax;
        }

        TensorPrimitives.Subtract(z, (float)w.Max[i], z);
        TensorPrimitives.Exp(z, z);
        w.Sum[i] += TensorPrimitives.Sum(z);
        w.SumSquares[i] += TensorPrimitives.SumOfSquares(z);
    }

    private void FinishRows(Workspace w, bool readout, int topK)
    {
        int k = _bank.Dimension;
        for (int i = 0; i < w.Rows; i++)
        {
            if (topK == 0)
            {
                // The maximum's weight is exp(0)/Σ; 1/Σp² = Σ²/Σexp(2(z − max)).
                w.TopWeight[i] = 1.0 / w.Sum[i];
                w.Effective[i] = w.Sum[i] * w.Sum[i] / w.SumSquares[i];
                if (readout)
                {
                    TensorPrimitives.Multiply(w.Readout.AsSpan(i * k, k), (float)(1.0 / w.Sum[i]), w.Readout.AsSpan(i * k, k));
                }

                continue;
            }

            // Top-k separation: softmax over the kept scores only, then Xᵀp over those patterns.
            ref TopKHeap heap = ref w.Heaps[i];
            int count = heap.Count;
            Span<int> indices = w.TopIndices.AsSpan(i * topK, count);
            Span<float> weights = w.TopWeights.AsSpan(i * topK, count);
            heap.WriteSortedDescending(indices, weights);
            w.TopCount[i] = count;
            Kernels.Softmax(weights, weights);
            w.TopWeight[i] = weights[0];
            w.Effective[i] = 1.0 / TensorPrimitives.SumOfSquares(weights);
            if (readout)
            {
                Span<float> r = w.Readout.AsSpan(i * k, k);
                r.Clear();
                for (int j = 0; j < count; j++)
                {
                    TensorPrimitives.MultiplyAdd(_bank[indices[j]], weights[j], r, r);
                }
            }
        }
    }

    /// <summary>Scratch space for a block of at most <see cref="Capacity"/> states; reused across steps.</summary>
    internal sealed class Workspace
    {
        private readonly int _dimension;
        private float[] _scores = [];
        private float[] _maskedNorms = [];
        private float[] _squaredBlock = [];
        private float[] _fullScores = [];
        private float[] _readout = [];

        public Workspace(int capacity, int dimension)
        {
            Capacity = capacity;
            _dimension = dimension;
            Sim = new float[capacity * dimension];
            Max = new double[capacity];
            Sum = new double[capacity];
            SumSquares = new double[capacity];
            SimSquaredNorm = new double[capacity];
            TopWeight = new double[capacity];
            Effective = new double[capacity];
            NearestIndex = new int[capacity];
            NearestScore = new float[capacity];
        }

        public int Capacity { get; }

        /// <summary>The number of states in use (the first rows of each buffer).</summary>
        public int Rows { get; set; }

        /// <summary>q×K: the states as the similarity sees them (masked in cue mode Masked).</summary>
        public float[] Sim { get; }

        /// <summary>q×K observation masks, when the similarity is masked; empty otherwise.</summary>
        public float[] Mask { get; private set; } = [];

        public bool HasMask { get; private set; }

        /// <summary>q×K full states for nearest search, when they differ from <see cref="Sim"/>.</summary>
        public float[] Full { get; private set; } = [];

        public bool FullDiffers { get; private set; }

        public float[] Scores { get; private set; } = [];

        public float[] FullScores { get; private set; } = [];

        public float[] MaskedNorms { get; private set; } = [];

        public float[] SquaredBlock { get; private set; } = [];

        public float[] Readout { get; private set; } = [];

        public double[] Max { get; }

        public double[] Sum { get; }

        public double[] SumSquares { get; }

        public double[] SimSquaredNorm { get; }

        public double[] TopWeight { get; }

        public double[] Effective { get; }

        public int[] NearestIndex { get; }

        public float[] NearestScore { get; }

        public TopKHeap[] Heaps { get; private set; } = [];

        public int[] TopIndices { get; private set; } = [];

        public float[] TopWeights { get; private set; } = [];

        public int[] TopCount { get; private set; } = [];

        /// <summary>Turns the masked similarity on (masks are then read from <see cref="Mask"/>) or off.</summary>
        public void UseMask(bool masked)
        {
            HasMask = masked;
            if (masked && Mask.Length == 0)
            {
                Mask = new float[Capacity * _dimension];
            }
        }

        /// <summary>Turns a separate full state for nearest search on or off.</summary>
        public void UseFull(bool differs)
        {
            FullDiffers = differs;
            if (differs && Full.Length == 0)
            {
                Full = new float[Capacity * _dimension];
            }
        }

        public void Prepare(int patternBlock, int topK, bool readout, bool nearest, bool maskedNorms)
        {
            int q = Rows;
            Grow(ref _scores, Capacity * patternBlock);
            Scores = _scores;
            if (maskedNorms)
            {
                Grow(ref _maskedNorms, Capacity * patternBlock);
                Grow(ref _squaredBlock, patternBlock * _dimension);
                MaskedNorms = _maskedNorms;
                SquaredBlock = _squaredBlock;
            }
            else
            {
                MaskedNorms = [];
            }

            if (nearest && FullDiffers)
            {
                Grow(ref _fullScores, Capacity * patternBlock);
                FullScores = _fullScores;
            }

            if (readout)
            {
                Grow(ref _readout, Capacity * _dimension);
                Readout = _readout;
                Readout.AsSpan(0, q * _dimension).Clear();
            }

            if (topK > 0)
            {
                if (Heaps.Length != Capacity || TopIndices.Length != Capacity * topK)
                {
                    Heaps = new TopKHeap[Capacity];
                    for (int i = 0; i < Capacity; i++)
                    {
                        Heaps[i] = new TopKHeap(topK);
                    }

                    TopIndices = new int[Capacity * topK];
                    TopWeights = new float[Capacity * topK];
                    TopCount = new int[Capacity];
                }

                for (int i = 0; i < q; i++)
                {
                    Heaps[i].Clear();
                }
            }

            System.Array.Fill(Max, double.NegativeInfinity, 0, q);
            System.Array.Clear(Sum, 0, q);
            System.Array.Clear(SumSquares, 0, q);
            System.Array.Fill(NearestScore, float.NegativeInfinity, 0, q);
            System.Array.Fill(NearestIndex, 0, 0, q);
        }

        private static void Grow(ref float[] buffer, int length)
        {
            if (buffer.Length < length)
            {
                buffer = new float[length];
            }
        }
    }
}
