using MathNas.Estimation;
using MathNas.Spaces;

namespace MathNas.Audit;

/// <summary>
/// Every network of a (small) space with its true metrics, e.g. NAS-Bench-201's 15,625 networks:
/// what audits compare against (true best network under a true budget, percentiles of true latency).
/// </summary>
public sealed class GroundTruth
{
    private readonly Dictionary<Architecture, int> _index;
    private readonly Dictionary<string, double[]> _metrics;

    public GroundTruth(SearchSpace space, IReadOnlyList<Architecture> networks, IReadOnlyDictionary<string, double[]> metrics, string name = "ground-truth")
    {
        if (networks.Count == 0) throw new MathNasException("ground truth holds no networks");
        Space = space;
        Name = name;
        Networks = networks;
        _index = new Dictionary<Architecture, int>(networks.Count);
        for (int k = 0; k < networks.Count; k++)
        {
            space.Validate(networks[k]);
            if (!_index.TryAdd(networks[k], k)) throw new MathNasException($"ground truth lists network {networks[k]} twice");
        }
        _metrics = new Dictionary<string, double[]>();
        foreach (var (m, v) in metrics)
        {
            if (v.Length != networks.Count) throw new MathNasException($"ground truth metric '{m}' has {v.Length} values for {networks.Count} networks");
            for (int k = 0; k < v.Length; k++)
                if (!double.IsFinite(v[k])) throw new MathNasException($"ground truth metric '{m}' of network {networks[k]} is not a finite number");
            _metrics[m] = v;
        }
    }

    public string Name { get; }
    public SearchSpace Space { get; }
    public IReadOnlyList<Architecture> Networks { get; }
    public int Count => Networks.Count;
    public IEnumerable<string> MetricNames => _metrics.Keys.Order();

    public bool Has(string metric) => _metrics.ContainsKey(metric);

    /// <summary>The true values of a metric, indexed like <see cref="Networks"/>.</summary>
    public double[] Metric(string metric) =>
        _metrics.TryGetValue(metric, out var v) ? v
        : throw new MathNasException($"ground truth '{Name}' has no metric '{metric}' (it has: {string.Join(", ", MetricNames)})");

    public int IndexOf(Architecture a) =>
        _index.TryGetValue(a, out var k) ? k : throw new MathNasException($"network {a} is not in ground truth '{Name}'");

    public bool Contains(Architecture a) => _index.ContainsKey(a);

    public double Value(string metric, Architecture a) => Metric(metric)[IndexOf(a)];

    /// <summary>The network with the highest <paramref name="objective"/> whose <paramref name="cost"/> is at most <paramref name="budget"/>; -1 when none.</summary>
    public int BestUnder(string objective, string cost, double budget) => EnumerationSearch.ArgMax(Metric(objective), Metric(cost), budget);

    /// <summary>The lowest <paramref name="objective"/> among networks whose cost is at most the budget (NaN when none).</summary>
    public double WorstUnder(string objective, string cost, double budget)
    {
        var o = Metric(objective);
        var c = Metric(cost);
        double w = double.NaN;
        for (int k = 0; k < o.Length; k++)
            if (Improved.PairwiseSolver.Meets(c[k], budget) && (double.IsNaN(w) || o[k] < w)) w = o[k];
        return w;
    }

    /// <summary>An evaluator that looks networks up in this ground truth (wrap it in a <see cref="CachingEvaluator"/> to count evaluations).</summary>
    public IEvaluator AsEvaluator(IReadOnlyDictionary<string, string>? units = null) => new GroundTruthEvaluator(this, units);

    /// <summary>The NAS-Bench-201 ground truth: accuracy and latency:DEV for every device, indexed like NB201.</summary>
    public static GroundTruth FromNasBench201(Data.NasBench201Benchmark benchmark)
    {
        var metrics = benchmark.Metrics.ToDictionary(m => m, m => benchmark.Values(m).ToArray());
        return new GroundTruth(Spaces.NasBench201.NasBench201Space.Instance, benchmark.Codes, metrics, Estimation.NasBench201BenchmarkEvaluator.EvaluatorName);
    }

    /// <summary>Loads the NAS-Bench-201 ground truth from a folder (null: the shared data folder).</summary>
    public static GroundTruth LoadNasBench201(string? dir = null) => FromNasBench201(Data.NasBench201Benchmark.Load(dir));

    /// <summary>Evaluates every network of the space with <paramref name="evaluator"/> (for benchmark-table evaluators).</summary>
    public static GroundTruth FromEvaluator(SearchSpace space, IEvaluator evaluator, IReadOnlyList<string> metrics)
    {
        var nets = space.Enumerate().ToList();
        var values = metrics.ToDictionary(m => m, _ => new double[nets.Count]);
        for (int k = 0; k < nets.Count; k++)
        {
            var r = evaluator.Evaluate(nets[k]);
            foreach (var m in metrics)
            {
                if (!r.TryGetValue(m, out var v))
                    throw new MathNasException($"evaluator '{evaluator.Name}' does not measure '{m}' (it measures: {string.Join(", ", evaluator.Metrics.Keys)})");
                values[m][k] = v;
            }
        }
        return new GroundTruth(space, nets, values, evaluator.Name);
    }

    private sealed class GroundTruthEvaluator(GroundTruth gt, IReadOnlyDictionary<string, string>? units) : IEvaluator
    {
        public string Name => gt.Name;
        public IReadOnlyDictionary<string, string> Metrics { get; } =
            gt.MetricNames.ToDictionary(m => m, m => units is not null && units.TryGetValue(m, out var u) ? u : "");

        public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
        {
            int k = gt.IndexOf(architecture);
            return gt._metrics.ToDictionary(kv => kv.Key, kv => kv.Value[k]);
        }
    }
}
