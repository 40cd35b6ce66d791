using System.Globalization;
using System.Numerics.Tensors;
using Engram.Tensors;

namespace Engram.Harmonic;

/// <summary>
/// A Cross-Modal Harmonic Network: one energy over several modality spaces,
/// <code>
/// E(x) = Σ_m [ ½ λ_m ‖x_m‖² − β_m⁻¹ log Σₙ exp(β_m ξₙ^m·x_m) ]  −  Σ_{couplings m–k} x_mᵀ U_mk V_mkᵀ x_k
/// </code>
/// with stored slots Ξ_m (row n: item n's code in modality m, unit length) and low-rank couplings
/// A_mk = U_mk V_mkᵀ. A cue clamps some modalities; the free ones descend E block by block, each pulled
/// by the couplings towards what the cue implies and snapped by its own attractor onto a stored item.
/// The couplings are checked at construction to keep E bounded below (see <see cref="CouplingRatio"/>).
/// Thread-safe: calls share nothing mutable.
/// </summary>
public sealed partial class HarmonicNetwork
{
    private readonly Space[] _spaces;
    private readonly Link[] _links;
    private readonly IGemmBackend _gemm;

    private HarmonicNetwork(Space[] spaces, Link[] links, int count, double ratio, IGemmBackend gemm)
    {
        _spaces = spaces;
        _links = links;
        Count = count;
        CouplingRatio = ratio;
        _gemm = gemm;
    }

    /// <summary>The modality spaces, in order.</summary>
    public IReadOnlyList<HarmonicModality> Modalities => _spaces.Select(s => s.Modality).ToArray();

    /// <summary>N, the number of stored items.</summary>
    public int Count { get; }

    /// <summary>
    /// The largest spectral radius of <c>‖A_mk‖₂/√(λ_mλ_k)</c> over the free sets a recall can have
    /// (every modality but one). Below 1 the energy is bounded below whichever modalities are cued;
    /// construction refuses couplings that reach 1.
    /// </summary>
    public double CouplingRatio { get; }

    /// <summary>The couplings (copies of their factors).</summary>
    public IReadOnlyList<HarmonicCoupling> Couplings => _links.Select(l => new HarmonicCoupling(
        _spaces[l.First].Modality.Name, _spaces[l.Second].Modality.Name,
        Tensor.FromArray((float[])l.U.Clone(), _spaces[l.First].Dimension, l.Rank),
        Tensor.FromArray((float[])l.V.Clone(), _spaces[l.Second].Dimension, l.Rank))).ToArray();

    /// <summary>The GEMM backend in use.</summary>
    public IGemmBackend Backend => _gemm;

    /// <summary>
    /// Builds a network. <paramref name="slots"/> gives every modality's stored codes, N × d_m with the
    /// same N (row n is item n); each row is scaled to unit length. <paramref name="couplings"/> joins
    /// pairs of modalities (at most one per pair). Refused when shapes disagree, a value is not finite,
    /// a slot is zero, or the couplings would leave the energy unbounded below.
    /// </summary>
    public static HarmonicNetwork Create(
        IReadOnlyList<HarmonicModality> modalities,
        IReadOnlyDictionary<string, Tensor> slots,
        IReadOnlyList<HarmonicCoupling>? couplings = null,
        IGemmBackend? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(modalities);
        ArgumentNullException.ThrowIfNull(slots);
        couplings ??= [];
        if (modalities.Count < 2)
        {
            throw new ArgumentException($"A harmonic network joins at least two modalities; got {modalities.Count}.", nameof(modalities));
        }

        var names = new List<string>();
        foreach (HarmonicModality modality in modalities)
        {
            ArgumentNullException.ThrowIfNull(modality, nameof(modalities));
            modality.Validate();
            if (names.Contains(modality.Name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Modality '{modality.Name}' appears twice; modality names must be unique.", nameof(modalities));
            }

            names.Add(modality.Name);
        }

        string list = string.Join(", ", names);
        foreach (string key in slots.Keys)
        {
            if (!names.Contains(key, StringComparer.Ordinal))
            {
                throw new ArgumentException($"slots has '{key}', which is not a modality of this network ({list}).", nameof(slots));
            }
        }

        int count = -1;
        var spaces = new Space[modalities.Count];
        for (int m = 0; m < modalities.Count; m++)
        {
            HarmonicModality modality = modalities[m];
            if (!slots.TryGetValue(modality.Name, out Tensor? tensor) || tensor is null)
            {
                throw new ArgumentException($"slots has no '{modality.Name}' codes; every modality ({list}) needs its stored slots.", nameof(slots));
            }

            if (tensor.Rank != 2 || tensor.Shape[1] != modality.Dimension || (count >= 0 && tensor.Shape[0] != count))
            {
                string rows = count >= 0 ? count.ToString(CultureInfo.InvariantCulture) : "N";
                throw new ArgumentException(
                    $"slots['{modality.Name}'] must be {rows}×{modality.Dimension} (one row per item, d_{modality.Name} = {modality.Dimension}); got {tensor}.", nameof(slots));
            }

            count = tensor.Shape[0];
            if (count == 0)
            {
                throw new ArgumentException($"slots['{modality.Name}'] holds no items ({tensor}); store at least one.", nameof(slots));
            }

            spaces[m] = new Space(modality, Normalized(tensor, modality.Name, nameof(slots)));
        }

        var links = new Link[couplings.Count];
        var pairs = new List<(int, int, double)>();
        for (int c = 0; c < couplings.Count; c++)
        {
            HarmonicCoupling coupling = couplings[c] ?? throw new ArgumentNullException(nameof(couplings));
            int first = names.IndexOf(coupling.First), second = names.IndexOf(coupling.Second);
            if (first < 0 || second < 0)
            {
                throw new ArgumentException(
                    $"Coupling {c} joins '{coupling.First}' and '{coupling.Second}', but '{(first < 0 ? coupling.First : coupling.Second)}' is not a modality of this network ({list}).",
                    nameof(couplings));
            }

            if (first == second)
            {
                throw new ArgumentException($"Coupling {c} joins '{coupling.First}' to itself; a coupling joins two different modalities.", nameof(couplings));
            }

            if (links.Take(c).Any(l => (l.First == first && l.Second == second) || (l.First == second && l.Second == first)))
            {
                throw new ArgumentException($"Coupling {c} joins {coupling.First}–{coupling.Second}, which another coupling already joins; give one per pair.", nameof(couplings));
            }

            int df = spaces[first].Dimension, ds = spaces[second].Dimension;
            if (coupling.U is null || coupling.V is null || coupling.U.Rank != 2 || coupling.V.Rank != 2 ||
                coupling.U.Shape[0] != df || coupling.V.Shape[0] != ds || coupling.U.Shape[1] != coupling.V.Shape[1] || coupling.U.Shape[1] < 1)
            {
                throw new ArgumentException(
                    $"Coupling {coupling.First}–{coupling.Second} needs U of shape {df}×r and V of shape {ds}×r (the same r ≥ 1); got U {coupling.U?.ToString() ?? "null"} and V {coupling.V?.ToString() ?? "null"}.",
                    nameof(couplings));
            }

            CheckFinite(coupling.U, $"Coupling {coupling.First}–{coupling.Second} U", nameof(couplings));
            CheckFinite(coupling.V, $"Coupling {coupling.First}–{coupling.Second} V", nameof(couplings));
            int r = coupling.U.Shape[1];
            links[c] = new Link(first, second, r, coupling.U.Span.ToArray(), coupling.V.Span.ToArray());
            pairs.Add((first, second, coupling.SpectralNorm()));
        }

        double[] lambdas = modalities.Select(m => m.Lambda).ToArray();
        double[] ratios = CouplingBound.FreeSetRatios(lambdas, pairs);
        int worst = Array.IndexOf(ratios, ratios.Max());
        if (ratios[worst] >= 1)
        {
            string norms = string.Join(", ", pairs.Select(p => string.Create(CultureInfo.InvariantCulture, $"‖A_{names[p.Item1]},{names[p.Item2]}‖₂ = {p.Item3:G4}")));
            string free = string.Join(", ", names.Where((_, i) => i != worst));
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"The couplings leave the energy unbounded below when {free} are free together: the spectral radius of ‖A_mk‖₂/√(λ_m λ_k) over them is {ratios[worst]:G4} ≥ 1 ({norms}; λ = {string.Join(", ", lambdas.Select(l => l.ToString("G4", CultureInfo.InvariantCulture)))}). ") +
                "Scale the couplings down (HarmonicModel.EnforceBound does) or raise λ.",
                nameof(couplings));
        }

        return new HarmonicNetwork(spaces, links, count, ratios.Max(), gemm ?? Gemm.Default);
    }

    /// <summary>The stored slots of <paramref name="modality"/> (a copy, unit rows).</summary>
    public Tensor Slots(string modality)
    {
        Space space = _spaces[IndexOf(modality, nameof(modality))];
        return Tensor.FromArray((float[])space.Slots.Clone(), Count, space.Dimension);
    }

    /// <summary>softmax(β_m ξₙ·x) over the stored items: the weights of modality <paramref name="modality"/>'s attractor at state <paramref name="state"/>.</summary>
    public float[] Weights(string modality, ReadOnlySpan<float> state)
    {
        Space space = _spaces[IndexOf(modality, nameof(modality))];
        if (state.Length != space.Dimension)
        {
            throw new ArgumentException($"The '{modality}' state has {state.Length} components but d_{modality} is {space.Dimension}.", nameof(state));
        }

        var p = new float[Count];
        float beta = (float)space.Modality.Beta;
        for (int n = 0; n < Count; n++)
        {
            p[n] = beta * TensorPrimitives.Dot(space.Row(n), state);
        }

        // Shifted by the largest score: exp(β·1) overflows float from β ≈ 89.
        TensorPrimitives.Subtract(p, TensorPrimitives.Max(p), p);
        TensorPrimitives.Exp(p, p);
        TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
        return p;
    }

    /// <summary>
    /// The read-out Σₙ pₙ zₙ of modality <paramref name="modality"/>'s attractor at each of <paramref name="states"/>
    /// (p: <see cref="Weights"/>), carried into another code space by <paramref name="codes"/> (row n: item n's code there,
    /// e.g. the image codec's code, which the codec can then decode). One row per state.
    /// </summary>
    public Tensor ReadOut(string modality, IReadOnlyList<float[]> states, Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Rank != 2 || codes.Shape[0] != Count)
        {
            throw new ArgumentException($"codes must hold one row per stored item ({Count}); got {codes}.", nameof(codes));
        }

        IndexOf(modality, nameof(modality));
        var readOut = new Tensor(states.Count, codes.Shape[1]);
        Parallel.For(0, states.Count, q =>
        {
            float[] p = Weights(modality, states[q]);
            Span<float> row = readOut.Row(q);
            for (int n = 0; n < p.Length; n++)
            {
                if (p[n] > 1e-7f)
                {
                    TensorPrimitives.MultiplyAdd(codes.Row(n), p[n], row, row);
                }
            }
        });
        return readOut;
    }

    /// <summary>E(x) for a state that gives every modality (by name).</summary>
    public double Energy(IReadOnlyDictionary<string, float[]> state) => EnergyOf(ToDouble(state, nameof(state)));

    /// <summary>∇E(x) by modality: <c>∇_m E = λ_m x_m − Ξ_mᵀ softmax(β_m Ξ_m x_m) − Σ_k A_mk x_k</c>.</summary>
    public IReadOnlyDictionary<string, float[]> EnergyGradient(IReadOnlyDictionary<string, float[]> state)
    {
        double[][] gradient = GradientOf(ToDouble(state, nameof(state)));
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int m = 0; m < _spaces.Length; m++)
        {
            result[_spaces[m].Modality.Name] = gradient[m].Select(g => (float)g).ToArray();
        }

        return result;
    }

    /// <summary>
    /// Recalls every item from its cue in each modality of <paramref name="cues"/> alone (row i of
    /// cues[m] is the cue of item <paramref name="targets"/>[i], or of item i when no targets are given)
    /// and scores every other modality: accuracy, coherence, metastable fraction and sweeps for every
    /// ordered cue → target pair.
    /// </summary>
    public IReadOnlyList<PairAccuracy> Evaluate(
        IReadOnlyDictionary<string, Tensor> cues, HarmonicRecallOptions? options = null, IReadOnlyList<int>? targets = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cues);
        var accuracies = new List<PairAccuracy>();
        foreach (Space cue in _spaces.Where(s => cues.ContainsKey(s.Modality.Name)))
        {
            string name = cue.Modality.Name;
            Tensor rows = cues[name];
            IReadOnlyList<int> items = targets ?? (rows is not null && rows.Rank == 2 && rows.Shape[0] == Count
                ? Enumerable.Range(0, Count).ToArray()
                : throw new ArgumentException($"cues['{name}'] has {rows} rows, not one per stored item ({Count}); pass targets to say which item each row cues.", nameof(cues)));
            progress?.Report($"recalling {items.Count:N0} items from {name}");
            var one = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [name] = rows! };
            IReadOnlyList<HarmonicResult> results = Recall(one, options, items, cancellationToken: cancellationToken);
            foreach (ModalityRecall first in results[0].Free)
            {
                int m = IndexOf(first.Modality, nameof(cues));
                double retrieved = 0, coherence = 0, metastable = 0, sweeps = 0;
                for (int i = 0; i < results.Count; i++)
                {
                    ModalityRecall r = results[i][first.Modality];
                    retrieved += r.Retrieved == true ? 1 : 0;
                    metastable += r.Metastable ? 1 : 0;
                    sweeps += results[i].Sweeps;
                    coherence += Cosine(results[i].States[first.Modality], _spaces[m].Row(items[i]));
                }

                int n = results.Count;
                accuracies.Add(new PairAccuracy(name, first.Modality, n, retrieved / n, coherence / n, metastable / n, sweeps / n));
            }
        }

        if (accuracies.Count == 0)
        {
            throw new ArgumentException($"cues names none of this network's modalities ({string.Join(", ", _spaces.Select(s => s.Modality.Name))}).", nameof(cues));
        }

        return accuracies;
    }

    /// <summary>
    /// E(x) term by term for a state that gives every modality (by name): each modality's Hopfield term
    /// <c>½λ_m‖x_m‖² − β_m⁻¹ log Σₙ exp(β_m ξₙ·x_m)</c>, then each coupling's <c>−(U x_m)·(V x_k)</c>; they sum to <see cref="Energy"/>.
    /// </summary>
    public IReadOnlyList<(string Term, IReadOnlyList<string> Modalities, double Value)> EnergyTerms(IReadOnlyDictionary<string, float[]> state) =>
        TermsOf(ToDouble(state, nameof(state)));

    /// <summary>E(x) in double for a state given per modality index.</summary>
    internal double EnergyOf(double[][] x) => TermsOf(x).Sum(t => t.Value);

    private List<(string Term, IReadOnlyList<string> Modalities, double Value)> TermsOf(double[][] x)
    {
        var terms = new List<(string, IReadOnlyList<string>, double)>(_spaces.Length + _links.Length);
        for (int m = 0; m < _spaces.Length; m++)
        {
            Space space = _spaces[m];
            double[] scores = space.Scores(x[m]);
            double beta = space.Modality.Beta, max = double.NegativeInfinity, sum = 0;
            foreach (double s in scores)
            {
                max = Math.Max(max, beta * s);
            }

            foreach (double s in scores)
            {
                sum += Math.Exp((beta * s) - max);
            }

            terms.Add(($"hopfield {space.Modality.Name}", [space.Modality.Name], (0.5 * space.Modality.Lambda * Dot(x[m], x[m])) - ((max + Math.Log(sum)) / beta)));
        }

        foreach (Link link in _links)
        {
            double[] uf = link.ProjectU(x[link.First], _spaces[link.First].Dimension);
            double[] vs = link.ProjectV(x[link.Second], _spaces[link.Second].Dimension);
            string first = _spaces[link.First].Modality.Name, second = _spaces[link.Second].Modality.Name;
            terms.Add(($"coupling {first}–{second}", [first, second], -Dot(uf, vs)));
        }

        return terms;
    }

    /// <summary>∇E in double for a state given per modality index.</summary>
    internal double[][] GradientOf(double[][] x)
    {
        var gradient = new double[_spaces.Length][];
        for (int m = 0; m < _spaces.Length; m++)
        {
            Space space = _spaces[m];
            int d = space.Dimension;
            double[] scores = space.Scores(x[m]);
            double beta = space.Modality.Beta, max = scores.Max() * beta, sum = 0;
            var p = new double[Count];
            for (int n = 0; n < Count; n++)
            {
                p[n] = Math.Exp((beta * scores[n]) - max);
                sum += p[n];
            }

            var g = new double[d];
            for (int j = 0; j < d; j++)
            {
                g[j] = space.Modality.Lambda * x[m][j];
            }

            for (int n = 0; n < Count; n++)
            {
                double weight = p[n] / sum;
                ReadOnlySpan<float> xi = space.Row(n);
                for (int j = 0; j < d; j++)
                {
                    g[j] -= weight * xi[j];
                }
            }

            gradient[m] = g;
        }

        foreach (Link link in _links)
        {
            // −∂/∂x_f of x_fᵀ U Vᵀ x_s is −U (Vᵀ x_s); −∂/∂x_s is −V (Uᵀ x_f).
            double[] vs = link.ProjectV(x[link.Second], _spaces[link.Second].Dimension);
            double[] uf = link.ProjectU(x[link.First], _spaces[link.First].Dimension);
            link.SubtractU(vs, gradient[link.First]);
            link.SubtractV(uf, gradient[link.Second]);
        }

        return gradient;
    }

    private int IndexOf(string modality, string field)
    {
        for (int m = 0; m < _spaces.Length; m++)
        {
            if (string.Equals(_spaces[m].Modality.Name, modality, StringComparison.Ordinal))
            {
                return m;
            }
        }

        throw new ArgumentException(
            $"'{modality}' is not a modality of this network ({string.Join(", ", _spaces.Select(s => s.Modality.Name))}).", field);
    }

    private double[][] ToDouble(IReadOnlyDictionary<string, float[]> state, string field)
    {
        ArgumentNullException.ThrowIfNull(state, field);
        foreach (string key in state.Keys)
        {
            IndexOf(key, field);
        }

        var x = new double[_spaces.Length][];
        for (int m = 0; m < _spaces.Length; m++)
        {
            Space space = _spaces[m];
            if (!state.TryGetValue(space.Modality.Name, out float[]? values) || values is null)
            {
                throw new ArgumentException($"{field} has no '{space.Modality.Name}' state; the energy needs every modality's.", field);
            }

            if (values.Length != space.Dimension)
            {
                throw new ArgumentException(
                    $"{field}['{space.Modality.Name}'] has {values.Length} components but d_{space.Modality.Name} is {space.Dimension}.", field);
            }

            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw new ArgumentException($"{field}['{space.Modality.Name}'] has a non-finite component {bad} ({values[bad]}).", field);
            }

            x[m] = values.Select(v => (double)v).ToArray();
        }

        return x;
    }

    private static float[] Normalized(Tensor tensor, string name, string field)
    {
        int rows = tensor.Shape[0], d = tensor.Shape[1];
        var data = new float[rows * d];
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> row = tensor.Row(n);
            for (int j = 0; j < d; j++)
            {
                if (!float.IsFinite(row[j]))
                {
                    throw new ArgumentException($"slots['{name}'] row {n} has a non-finite component {j} ({row[j]}); stored codes must be finite.", field);
                }
            }

            double norm = Math.Sqrt(Dot(row, row));
            if (norm == 0)
            {
                throw new ArgumentException($"slots['{name}'] row {n} is zero; a stored code needs a direction (slots are scaled to unit length).", field);
            }

            Span<float> destination = data.AsSpan(n * d, d);
            for (int j = 0; j < d; j++)
            {
                destination[j] = (float)(row[j] / norm);
            }
        }

        return data;
    }

    private static void CheckFinite(Tensor tensor, string what, string field)
    {
        ReadOnlySpan<float> values = tensor.Span;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{what} has a non-finite element {i} ({values[i]}).", field);
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double norms = Math.Sqrt(Dot(a, a) * Dot(b, b));
        return norms > 0 ? Dot(a, b) / norms : 0;
    }

    /// <summary>A modality's settings and unit slots (N × d, row-major).</summary>
    private sealed class Space(HarmonicModality modality, float[] slots)
    {
        public HarmonicModality Modality { get; } = modality;

        public float[] Slots { get; } = slots;

        public int Dimension => Modality.Dimension;

        public ReadOnlySpan<float> Row(int n) => Slots.AsSpan(n * Dimension, Dimension);

        /// <summary>ξₙ·x for every n, in double.</summary>
        public double[] Scores(double[] x)
        {
            int count = Slots.Length / Dimension;
            var scores = new double[count];
            for (int n = 0; n < count; n++)
            {
                ReadOnlySpan<float> xi = Row(n);
                double sum = 0;
                for (int j = 0; j < xi.Length; j++)
                {
                    sum += xi[j] * x[j];
                }

                scores[n] = sum;
            }

            return scores;
        }
    }

    /// <summary>A coupling between spaces First and Second: A = U Vᵀ, U (d_First × r) and V (d_Second × r) row-major.</summary>
    private sealed class Link(int first, int second, int rank, float[] u, float[] v)
    {
        public int First { get; } = first;

        public int Second { get; } = second;

        public int Rank { get; } = rank;

        public float[] U { get; } = u;

        public float[] V { get; } = v;

        /// <summary>Uᵀx for x in the first space.</summary>
        public double[] ProjectU(double[] x, int d) => Project(U, x, d);

        /// <summary>Vᵀx for x in the second space.</summary>
        public double[] ProjectV(double[] x, int d) => Project(V, x, d);

        /// <summary>g −= U y.</summary>
        public void SubtractU(double[] y, double[] g) => Subtract(U, y, g);

        /// <summary>g −= V y.</summary>
        public void SubtractV(double[] y, double[] g) => Subtract(V, y, g);

        private double[] Project(float[] factor, double[] x, int d)
        {
            var result = new double[Rank];
            for (int j = 0; j < d; j++)
            {
                for (int k = 0; k < Rank; k++)
                {
                    result[k] += factor[(j * Rank) + k] * x[j];
                }
            }

            return result;
        }

        private void Subtract(float[] factor, double[] y, double[] g)
        {
            for (int j = 0; j < g.Length; j++)
            {
                double sum = 0;
                for (int k = 0; k < Rank; k++)
                {
                    sum += factor[(j * Rank) + k] * y[k];
                }

                g[j] -= sum;
            }
        }
    }
}
