using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// What the estimators share: evaluation through the cache with a record of the distinct networks used, progress,
/// metric values as arrays (in <see cref="Metrics"/> order), and assembling the <see cref="TableSet"/>.
/// </summary>
internal sealed class EstimationRun
{
    private readonly CachingEvaluator _evaluator;
    private readonly IProgress<ProgressInfo>? _progress;
    private readonly Dictionary<Architecture, double[]> _used = new();
    private readonly HashSet<Architecture> _prefetched = new();
    private readonly string _stage;
    private long _total;
    private int _reported = -1;

    public EstimationRun(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress, string stage, long expectedEvaluations)
    {
        Space = space;
        _evaluator = evaluator;
        _progress = progress;
        _stage = stage;
        _total = expectedEvaluations;
        Metrics = evaluator.Metrics.Keys.ToArray();
        if (Metrics.Length == 0) throw new MathNasException($"evaluator '{evaluator.Name}' measures no metric");
        foreach (var m in Metrics) MetricNames.Normalize(m);
        _progress?.Report(new ProgressInfo(_stage, 0, _total));
    }

    public SearchSpace Space { get; }
    public string[] Metrics { get; }

    /// <summary>Distinct networks this run has used.</summary>
    public int Evaluations => _used.Count;

    public void SetExpected(long total) => _total = total;

    /// <summary>
    /// Evaluates the networks an estimator is about to use in one batched call of the evaluator (parallel and remote
    /// evaluators measure them together); <see cref="Values"/> then reads them from the cache. The networks must be
    /// valid; each is checked before anything is measured.
    /// </summary>
    public void Prefetch(IEnumerable<Architecture> networks)
    {
        var list = new List<Architecture>();
        var seen = new HashSet<Architecture>();
        foreach (var a in networks)
        {
            if (_used.ContainsKey(a) || _prefetched.Contains(a) || !seen.Add(a)) continue;
            Space.Validate(a);
            list.Add(a);
        }
        if (list.Count == 0) return;
        int before = _prefetched.Count + _used.Count;
        var sink = new PrefetchProgress(this, before);
        var results = Evaluators.Run(_evaluator.EvaluateAsync(list, sink));
        for (int i = 0; i < list.Count; i++)
        {
            Evaluators.CheckValues(_evaluator.Name, Space, list[i], results[i], Metrics);
            _prefetched.Add(list[i]);
        }
    }

    private sealed class PrefetchProgress(EstimationRun run, int before) : IProgress<EvaluationProgress>
    {
        private int _last = -1;
        public void Report(EvaluationProgress value)
        {
            if (run._progress is null) return;
            int done = before + value.Done;
            if (value.Done == value.Total || done - _last >= 64 || _last < 0)
            {
                run._progress.Report(new ProgressInfo(run._stage, done, Math.Max(run._total, done)));
                _last = done;
                run._reported = done;
            }
        }
    }

    /// <summary>Metric values of a network, in <see cref="Metrics"/> order (evaluated at most once).</summary>
    public double[] Values(Architecture a)
    {
        if (_used.TryGetValue(a, out var v)) return v;
        Space.Validate(a);
        bool fetched = _prefetched.Remove(a);
        var r = _evaluator.Evaluate(a);
        v = new double[Metrics.Length];
        for (int k = 0; k < Metrics.Length; k++)
        {
            if (!r.TryGetValue(Metrics[k], out var x))
                throw new MathNasException($"evaluator '{_evaluator.Name}' returned no '{Metrics[k]}' for network {a}");
            if (!double.IsFinite(x))
                throw new MathNasException($"evaluator '{_evaluator.Name}' returned a non-finite '{Metrics[k]}' for network {a}");
            v[k] = x;
        }
        _used[a] = v;
        if (!fetched && _progress is not null && (_used.Count % 64 == 0 || _used.Count == _total))
        {
            _progress.Report(new ProgressInfo(_stage, _used.Count, Math.Max(_total, _used.Count)));
            _reported = _used.Count;
        }
        return v;
    }

    /// <summary>The base network when it is valid (the one <see cref="BaseValues"/> evaluates), else none.</summary>
    public IEnumerable<Architecture> BaseNetworks() =>
        Space.IsValid(Space.BaseArchitecture) ? [Space.BaseArchitecture] : [];

    public void Done()
    {
        if (_reported != _used.Count) _progress?.Report(new ProgressInfo(_stage, _used.Count, _used.Count));
    }

    /// <summary>Mean FLOPs of the given networks.</summary>
    public double MeanFlops(IEnumerable<Architecture> networks)
    {
        double s = 0;
        int n = 0;
        foreach (var a in networks) { s += Space.Flops(a); n++; }
        return n == 0 ? double.NaN : s / n;
    }

    /// <summary>New delta arrays [metric][node][block], all zero.</summary>
    public double[][][] NewDeltas() =>
        Metrics.Select(_ => Space.Nodes.Select(n => new double[n.Count]).ToArray()).ToArray();

    /// <summary>
    /// The base value of every metric: M(Ñ) when the base network is valid (one evaluation); otherwise (a consistency
    /// constraint excludes Ñ) the value that makes the additive model unbiased on the networks already used:
    /// mean over them of M(N) + Σ_i δ_{i,J_i}.
    /// </summary>
    public (double[] Values, string Note) BaseValues(double[][][] deltas)
    {
        var baseNet = Space.BaseArchitecture;
        if (Space.IsValid(baseNet)) return (Values(baseNet), "base value measured on the base network");
        var used = _used.ToList();
        if (used.Count == 0) throw new MathNasException("no network evaluated: cannot fix the base value");
        var b = new double[Metrics.Length];
        for (int k = 0; k < Metrics.Length; k++)
        {
            double s = 0;
            foreach (var (a, v) in used)
            {
                double d = 0;
                for (int i = 0; i < a.Count; i++) d += deltas[k][i][a[i]];
                s += v[k] + d;
            }
            b[k] = s / used.Count;
        }
        return (b, "the base network breaks a consistency constraint: base value fitted as mean(M(N) + sum of deltas) over the evaluated networks");
    }

    public TableSet Build(string estimator, double[] baseValues, double[][][] deltas, double referenceFlops, string referenceNetwork, string notes)
    {
        var set = new TableSet { Space = Space.Name };
        var date = DateTimeOffset.UtcNow;
        for (int k = 0; k < Metrics.Length; k++)
        {
            var unit = _evaluator.Metrics.TryGetValue(Metrics[k], out var u) ? u : "";
            set.Add(new BlockTable
            {
                Metric = Metrics[k],
                Unit = unit,
                BaseValue = baseValues[k],
                Deltas = deltas[k],
                ReferenceFlops = double.IsFinite(referenceFlops) && referenceFlops > 0 ? referenceFlops : null,
                Provenance = new Provenance
                {
                    Estimator = estimator,
                    Evaluator = _evaluator.Name,
                    ReferenceNetwork = referenceNetwork,
                    Evaluations = Evaluations,
                    Date = date,
                    Notes = notes,
                },
            });
        }
        return set;
    }
}

/// <summary>Search helpers for spaces with consistency constraints.</summary>
internal static class Neighbourhood
{
    /// <summary>
    /// The valid network nearest to <paramref name="centre"/> (fewest changed nodes, then closest block FLOPs) that
    /// meets the space's consistency constraints with node <paramref name="keep"/> set to EVERY block in
    /// <paramref name="keepBlocks"/> (keep = -1: no node held). Exact: the choice is an integer program over the
    /// other nodes (one constraint row per space constraint and held block), solved by the project's branch and bound.
    /// Null when no such network exists.
    /// </summary>
    public static Architecture? ClosestExact(SearchSpace space, Architecture centre, int keep, IReadOnlyList<int> keepBlocks)
    {
        int m = space.NodeCount;
        var counts = new int[m];
        var value = new double[m][];
        double spread = 1;
        for (int k = 0; k < m; k++)
            foreach (var b in space.Nodes[k].Blocks) spread = Math.Max(spread, Math.Abs(b.Flops - space.Nodes[k].Blocks[centre[k]].Flops));
        double eps = 0.5 / (m + 1) / spread;   // the FLOPs tie-break never outweighs one changed node
        for (int k = 0; k < m; k++)
        {
            counts[k] = k == keep ? 1 : space.Nodes[k].Count;
            value[k] = new double[counts[k]];
            if (k == keep) continue;
            var fc = space.Nodes[k].Blocks[centre[k]].Flops;
            for (int l = 0; l < counts[k]; l++)
                value[k][l] = (l == centre[k] ? 1 : 0) - eps * Math.Abs(space.Nodes[k].Blocks[l].Flops - fc);
        }
        var rows = new List<Search.ResourceRow>();
        var held = keep < 0 ? [-1] : keepBlocks;
        foreach (var c in space.Constraints)
        {
            foreach (var v in held)
            {
                var coef = counts.Select(n => new double[n]).ToArray();
                double rhs = c.Rhs;
                foreach (var t in c.Terms)
                {
                    if (t.Node == keep) { if (t.Block == v) rhs -= t.Coefficient; }
                    else coef[t.Node][t.Block] += t.Coefficient;
                }
                rows.Add(new Search.ResourceRow($"{c.Name}@{v}", Search.RowKind.Consistency, coef, rhs));
            }
        }
        var problem = new Search.SearchProblem(counts, 0, value, rows);
        var result = new Search.BranchAndBoundSolver().Solve(problem);
        if (result.Best is not { } best) return null;
        var code = best.Code.ToArray();
        if (keep >= 0) code[keep] = centre[keep];
        return new Architecture(code);
    }
}
