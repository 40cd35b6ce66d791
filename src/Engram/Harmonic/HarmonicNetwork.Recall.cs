using Engram.Memory;
using Engram.Tensors;

namespace Engram.Harmonic;

public sealed partial class HarmonicNetwork
{
    /// <summary>Recalls from one cue: the cued modalities' states by name; every other modality is free.</summary>
    public HarmonicResult Recall(IReadOnlyDictionary<string, float[]> cue, HarmonicRecallOptions? options = null, int? target = null)
    {
        ArgumentNullException.ThrowIfNull(cue);
        var cues = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, values) in cue)
        {
            ArgumentNullException.ThrowIfNull(values, nameof(cue));
            cues[name] = Tensor.FromArray((float[])values.Clone(), 1, values.Length);
        }

        return Recall(cues, options, target is int t ? [t] : null)[0];
    }

    /// <summary>
    /// Recalls from Q cues at once. <paramref name="cues"/> holds, for each cued modality, a Q × d_m
    /// tensor; those modalities stay clamped and every other one is free. Free modalities are swept in
    /// breadth-first order from the cued ones over the couplings (so a sweep carries the cue through a
    /// chain image → text → audio), each block taking the fixed-point or gradient step of
    /// <paramref name="options"/>; a cue stops after T sweeps or once no free block moves by more than ε
    /// of its length. <paramref name="targets"/>, when given, are the items the cues should recall and
    /// fill <see cref="ModalityRecall.Retrieved"/>; <paramref name="progress"/> hears the cues finished.
    /// </summary>
    public IReadOnlyList<HarmonicResult> Recall(
        IReadOnlyDictionary<string, Tensor> cues,
        HarmonicRecallOptions? options = null,
        IReadOnlyList<int>? targets = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        options ??= new HarmonicRecallOptions();
        options.Validate();
        string list = string.Join(", ", _spaces.Select(s => s.Modality.Name));
        if (cues.Count == 0)
        {
            throw new ArgumentException($"cues is empty: cue at least one modality ({list}).", nameof(cues));
        }

        var clamped = new Tensor?[_spaces.Length];
        int q = -1;
        foreach (var (name, tensor) in cues)
        {
            int m = IndexOf(name, nameof(cues));
            int d = _spaces[m].Dimension;
            if (tensor is null || tensor.Rank != 2 || tensor.Shape[1] != d || (q >= 0 && tensor.Shape[0] != q))
            {
                string rows = q >= 0 ? q.ToString(System.Globalization.CultureInfo.InvariantCulture) : "Q";
                throw new ArgumentException(
                    $"cues['{name}'] must be a {rows}×{d} matrix (one row per cue, d_{name} = {d}); got {tensor?.ToString() ?? "null"}.", nameof(cues));
            }

            q = tensor.Shape[0];
            for (int i = 0; i < q; i++)
            {
                ReadOnlySpan<float> row = tensor.Row(i);
                for (int j = 0; j < d; j++)
                {
                    if (!float.IsFinite(row[j]))
                    {
                        throw new ArgumentException($"cues['{name}'] row {i} has a non-finite component {j} ({row[j]}); cues must be finite.", nameof(cues));
                    }
                }
            }

            clamped[m] = tensor;
        }

        if (clamped.All(c => c is not null))
        {
            throw new ArgumentException($"Every modality ({list}) is cued, so nothing is left to recall; leave at least one out.", nameof(cues));
        }

        foreach (string name in options.StepSizes?.Keys ?? [])
        {
            IndexOf(name, nameof(options));
        }

        for (int m = 0; m < _spaces.Length; m++)
        {
            double eta = options.StepSizeOf(_spaces[m].Modality.Name), lambda = _spaces[m].Modality.Lambda;
            if (options.UpdateRule == UpdateRule.Gradient && clamped[m] is null && eta * lambda >= 2)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(options), eta,
                    $"The gradient step η = {eta} for '{_spaces[m].Modality.Name}' is too large for λ = {lambda}: the energy falls only while η·λ < 2 (η = 1/λ is the fixed-point step).");
            }
        }

        if (targets is not null)
        {
            if (targets.Count != q)
            {
                throw new ArgumentException($"targets holds {targets.Count} entries for {q} cues; give one target per cue.", nameof(targets));
            }

            for (int i = 0; i < q; i++)
            {
                if ((uint)targets[i] >= (uint)Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(targets), targets[i], $"Target {i} is {targets[i]}, outside the {Count} stored items.");
                }
            }
        }

        int[] order = SweepOrder(clamped);
        var results = new HarmonicResult[q];
        for (int q0 = 0; q0 < q; q0 += options.QueryBlockSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(options.QueryBlockSize, q - q0);
            new Sweeper(this, clamped, order, options, q0, rows).Run(targets, results, cancellationToken);
            progress?.Report(q0 + rows);
        }

        return results;
    }

    /// <summary>The free modalities, breadth first from the cued ones over the couplings; unreachable ones last.</summary>
    private int[] SweepOrder(Tensor?[] clamped)
    {
        var visited = clamped.Select(c => c is not null).ToArray();
        var queue = new Queue<int>(Enumerable.Range(0, _spaces.Length).Where(m => visited[m]));
        var order = new List<int>();
        while (queue.Count > 0)
        {
            int u = queue.Dequeue();
            for (int m = 0; m < _spaces.Length; m++)
            {
                if (!visited[m] && _links.Any(l => (l.First == u && l.Second == m) || (l.First == m && l.Second == u)))
                {
                    visited[m] = true;
                    order.Add(m);
                    queue.Enqueue(m);
                }
            }
        }

        order.AddRange(Enumerable.Range(0, _spaces.Length).Where(m => !visited[m]));
        return [.. order];
    }

    /// <summary>
    /// The dynamics for one block of cues. Each modality keeps its states (rows × d) and scores ξₙ·x
    /// (rows × N) for the rows still running; finished rows leave and the arrays are compacted. The
    /// scores of block m at the end of a sweep are both the energy's and the next sweep's softmax input.
    /// </summary>
    private sealed class Sweeper
    {
        private readonly HarmonicNetwork _net;
        private readonly HarmonicRecallOptions _options;
        private readonly bool[] _isClamped;
        private readonly int[] _order;
        private readonly int _q0;
        private readonly float[][] _x, _scores;
        private readonly float[] _field, _next, _weights, _readout, _projectionA, _projectionB;
        private readonly List<double>[] _energies;
        private readonly int[][] _lastMoved;
        private int[] _ids;

        public Sweeper(HarmonicNetwork net, Tensor?[] clamped, int[] order, HarmonicRecallOptions options, int q0, int rows)
        {
            _net = net;
            _options = options;
            _order = order;
            _q0 = q0;
            int modalities = net._spaces.Length, n = net.Count;
            int widest = net._spaces.Max(s => s.Dimension), rank = net._links.Length == 0 ? 1 : net._links.Max(l => l.Rank);
            _isClamped = clamped.Select(c => c is not null).ToArray();
            _x = new float[modalities][];
            _scores = new float[modalities][];
            _lastMoved = new int[modalities][];
            for (int m = 0; m < modalities; m++)
            {
                int d = net._spaces[m].Dimension;
                _x[m] = new float[rows * d];
                _scores[m] = new float[rows * n];
                _lastMoved[m] = new int[rows];
                if (clamped[m] is { } cue)
                {
                    cue.Rows(q0, rows).Span.CopyTo(_x[m]);
                }
            }

            _field = new float[rows * widest];
            _next = new float[rows * widest];
            _readout = new float[rows * widest];
            _weights = new float[rows * n];
            _projectionA = new float[rows * rank];
            _projectionB = new float[rows * rank];
            _energies = Enumerable.Range(0, rows).Select(_ => new List<double>(Math.Min(options.MaxSweeps, 64) + 1) /* T is a bound: most cues settle long before it */).ToArray();
            _ids = Enumerable.Range(0, rows).ToArray();
        }

        private int Active => _ids.Length;

        public void Run(IReadOnlyList<int>? targets, HarmonicResult[] results, CancellationToken cancellationToken)
        {
            for (int m = 0; m < _x.Length; m++)
            {
                Scores(m);
            }

            if (_options.Start == FreeStart.Coupling)
            {
                // x_m = Σ_k A_mk x_k / λ_m, then one fixed-point step from there, in sweep order: each block
                // starts from what the blocks before it (already on their attractors) imply.
                var ignored = new bool[Active];
                foreach (int m in _order)
                {
                    int d = _net._spaces[m].Dimension;
                    Field(m);
                    Span<float> x = _x[m].AsSpan(0, Active * d);
                    float inverse = (float)(1 / _net._spaces[m].Modality.Lambda);
                    for (int i = 0; i < x.Length; i++)
                    {
                        x[i] = _field[i] * inverse;
                    }

                    if (_options.Normalize)
                    {
                        NormalizeRows(x, d);
                    }

                    Scores(m);
                    Step(m, 0, ignored, UpdateRule.FixedPoint);
                }
            }

            RecordEnergies();
            for (int t = 1; t <= _options.MaxSweeps; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var settled = Enumerable.Repeat(true, Active).ToArray();
                foreach (int m in _order)
                {
                    Step(m, t, settled, _options.UpdateRule);
                }

                RecordEnergies();
                bool last = t == _options.MaxSweeps;
                var finished = Enumerable.Range(0, Active).Where(a => last || (_options.Tolerance > 0 && settled[a])).ToArray();
                foreach (int a in finished)
                {
                    results[_q0 + _ids[a]] = Finish(a, t, converged: _options.Tolerance > 0 && settled[a], targets);
                }

                if (finished.Length > 0)
                {
                    Compact(finished);
                }

                if (Active == 0)
                {
                    return;
                }
            }
        }

        /// <summary>One block update of free modality m for every running row.</summary>
        private void Step(int m, int sweep, bool[] settled, UpdateRule rule)
        {
            Space space = _net._spaces[m];
            int d = space.Dimension, n = _net.Count, rows = Active;
            float beta = (float)space.Modality.Beta, lambda = (float)space.Modality.Lambda;

            // p = softmax(β Ξ x) per row, then the read-out Ξᵀp and the coupling field Σ_k A_mk x_k.
            for (int a = 0; a < rows; a++)
            {
                Kernels.Softmax(_scores[m].AsSpan(a * n, n), _weights.AsSpan(a * n, n), beta);
            }

            _net._gemm.Sgemm(false, false, rows, d, n, 1f, _weights, n, space.Slots, d, 0f, _readout, d);
            Field(m);
            float eta = (float)_options.StepSizeOf(space.Modality.Name);
            for (int a = 0; a < rows; a++)
            {
                Span<float> x = _x[m].AsSpan(a * d, d), next = _next.AsSpan(a * d, d);
                ReadOnlySpan<float> readout = _readout.AsSpan(a * d, d), field = _field.AsSpan(a * d, d);
                for (int j = 0; j < d; j++)
                {
                    // Fixed point: (Ξᵀp + field)/λ. Gradient: x − η(λx − Ξᵀp − field).
                    next[j] = rule == UpdateRule.FixedPoint
                        ? (readout[j] + field[j]) / lambda
                        : x[j] - (eta * ((lambda * x[j]) - readout[j] - field[j]));
                }

                if (_options.Normalize)
                {
                    NormalizeRows(next, d);
                }

                double change = 0, size = 0;
                for (int j = 0; j < d; j++)
                {
                    double delta = (double)next[j] - x[j];
                    change += delta * delta;
                    size += (double)x[j] * x[j];
                }

                if (Math.Sqrt(change) > _options.Tolerance * Math.Sqrt(size))
                {
                    settled[a] = false;
                    _lastMoved[m][_ids[a]] = sweep;
                }

                next.CopyTo(x);
            }

            Scores(m);
        }

        /// <summary>_field (rows × d_m) = Σ over couplings touching m of A_mk x_k: (x_s V) Uᵀ or (x_f U) Vᵀ.</summary>
        private void Field(int m)
        {
            int d = _net._spaces[m].Dimension, rows = Active;
            _field.AsSpan(0, rows * d).Clear();
            if (rows == 0)
            {
                return;
            }

            foreach (Link link in _net._links)
            {
                if (link.First != m && link.Second != m)
                {
                    continue;
                }

                bool first = link.First == m;
                int other = first ? link.Second : link.First, dOther = _net._spaces[other].Dimension, r = link.Rank;
                float[] into = first ? link.V : link.U, outOf = first ? link.U : link.V;
                _net._gemm.Sgemm(false, false, rows, r, dOther, 1f, _x[other], dOther, into, r, 0f, _projectionA, r);
                _net._gemm.Sgemm(false, true, rows, d, r, 1f, _projectionA, r, outOf, r, 1f, _field, d);
            }
        }

        private void Scores(int m)
        {
            Space space = _net._spaces[m];
            if (Active > 0)
            {
                _net._gemm.Sgemm(false, true, Active, _net.Count, space.Dimension, 1f, _x[m], space.Dimension, space.Slots, space.Dimension, 0f, _scores[m], _net.Count);
            }
        }

        private void RecordEnergies()
        {
            int n = _net.Count, rows = Active;
            var energy = new double[rows];
            for (int m = 0; m < _x.Length; m++)
            {
                Space space = _net._spaces[m];
                int d = space.Dimension;
                double lambda = space.Modality.Lambda, beta = space.Modality.Beta;
                for (int a = 0; a < rows; a++)
                {
                    ReadOnlySpan<float> x = _x[m].AsSpan(a * d, d);
                    double squared = 0;
                    foreach (float v in x)
                    {
                        squared += (double)v * v;
                    }

                    energy[a] += (0.5 * lambda * squared) - (Kernels.LogSumExp(_scores[m].AsSpan(a * n, n), (float)beta) / beta);
                }
            }

            foreach (Link link in _net._links)
            {
                int df = _net._spaces[link.First].Dimension, ds = _net._spaces[link.Second].Dimension, r = link.Rank;
                _net._gemm.Sgemm(false, false, rows, r, df, 1f, _x[link.First], df, link.U, r, 0f, _projectionA, r);
                _net._gemm.Sgemm(false, false, rows, r, ds, 1f, _x[link.Second], ds, link.V, r, 0f, _projectionB, r);
                for (int a = 0; a < rows; a++)
                {
                    double coupling = 0;
                    for (int k = 0; k < r; k++)
                    {
                        coupling += (double)_projectionA[(a * r) + k] * _projectionB[(a * r) + k];
                    }

                    energy[a] -= coupling;
                }
            }

            for (int a = 0; a < rows; a++)
            {
                _energies[_ids[a]].Add(energy[a]);
            }
        }

        private HarmonicResult Finish(int a, int sweeps, bool converged, IReadOnlyList<int>? targets)
        {
            int n = _net.Count, id = _ids[a];
            var states = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (int m = 0; m < _x.Length; m++)
            {
                int d = _net._spaces[m].Dimension;
                states[_net._spaces[m].Modality.Name] = _x[m].AsSpan(a * d, d).ToArray();
            }

            var free = new List<ModalityRecall>(_order.Length);
            var weights = new float[n];
            foreach (int m in _order)
            {
                Space space = _net._spaces[m];
                int d = space.Dimension;
                ReadOnlySpan<float> scores = _scores[m].AsSpan(a * n, n);
                Kernels.Softmax(scores, weights, (float)space.Modality.Beta);

                // Slots are unit length, so the largest score is the largest cosine.
                int nearest = 0;
                double top = 0, squares = 0;
                for (int i = 0; i < n; i++)
                {
                    nearest = scores[i] > scores[nearest] ? i : nearest;
                    top = Math.Max(top, weights[i]);
                    squares += (double)weights[i] * weights[i];
                }

                var readout = new double[d];
                for (int i = 0; i < n; i++)
                {
                    if (weights[i] != 0)
                    {
                        ReadOnlySpan<float> xi = space.Row(i);
                        for (int j = 0; j < d; j++)
                        {
                            readout[j] += weights[i] * xi[j];
                        }
                    }
                }

                ReadOnlySpan<float> slot = space.Row(nearest);
                double distance = 0, slotNorm = 0;
                for (int j = 0; j < d; j++)
                {
                    distance += (readout[j] - slot[j]) * (readout[j] - slot[j]);
                    slotNorm += (double)slot[j] * slot[j];
                }

                float[] state = states[space.Modality.Name];
                double norm = Math.Sqrt(Dot(state, state));
                int? target = targets?[_q0 + id];
                free.Add(new ModalityRecall
                {
                    Modality = space.Modality.Name,
                    Nearest = nearest,
                    Cosine = norm > 0 ? scores[nearest] / norm : 0,
                    TopWeight = top,
                    EffectiveMemories = 1 / squares,
                    Metastable = Math.Sqrt(distance) > 0.01 * Math.Sqrt(slotNorm),
                    Retrieved = target is int t ? nearest == t || space.Row(nearest).SequenceEqual(space.Row(t)) : null,
                    Steps = _lastMoved[m][id],
                });
            }

            return new HarmonicResult
            {
                States = states,
                Free = free,
                Sweeps = sweeps,
                Converged = converged,
                Energies = [.. _energies[id]],
            };
        }

        /// <summary>Drops the finished rows from every per-row array, keeping the others in order.</summary>
        private void Compact(int[] finished)
        {
            var keep = Enumerable.Range(0, Active).Except(finished).ToArray();
            for (int m = 0; m < _x.Length; m++)
            {
                CompactRows(_x[m], _net._spaces[m].Dimension, keep);
                CompactRows(_scores[m], _net.Count, keep);
            }

            _ids = keep.Select(a => _ids[a]).ToArray();
        }

        private static void CompactRows(float[] data, int width, int[] keep)
        {
            for (int k = 0; k < keep.Length; k++)
            {
                if (keep[k] != k)
                {
                    data.AsSpan(keep[k] * width, width).CopyTo(data.AsSpan(k * width, width));
                }
            }
        }

        private static void NormalizeRows(Span<float> rows, int width)
        {
            for (int start = 0; start < rows.Length; start += width)
            {
                Span<float> row = rows.Slice(start, width);
                double norm = Math.Sqrt(Dot(row, row));
                if (norm > 0)
                {
                    for (int j = 0; j < width; j++)
                    {
                        row[j] = (float)(row[j] / norm);
                    }
                }
            }
        }
    }
}
