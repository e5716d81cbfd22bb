using MathNas.Spaces;

namespace MathNas.Estimation;

/// <summary>
/// Something that measures networks: a benchmark table, a latency measurement on this machine,
/// a supernet's shared-weight accuracy. Returns a value per metric it supports.
/// </summary>
public interface IEvaluator
{
    string Name { get; }
    /// <summary>Metric names this evaluator returns ("accuracy", "latency:DEV", ...), with units.</summary>
    IReadOnlyDictionary<string, string> Metrics { get; }
    IReadOnlyDictionary<string, double> Evaluate(Architecture architecture);
}

/// <summary>Wraps an evaluator so that no network is evaluated twice, and counts distinct evaluations.</summary>
public sealed class CachingEvaluator : IEvaluator
{
    private readonly IEvaluator _inner;
    private readonly Dictionary<Architecture, IReadOnlyDictionary<string, double>> _cache = new();
    private readonly object _lock = new();

    public CachingEvaluator(IEvaluator inner) => _inner = inner is CachingEvaluator c ? c._inner : inner;

    public string Name => _inner.Name;
    public IReadOnlyDictionary<string, string> Metrics => _inner.Metrics;
    public IEvaluator Inner => _inner;

    /// <summary>Distinct networks evaluated so far.</summary>
    public int Evaluations { get { lock (_lock) return _cache.Count; } }

    public IReadOnlyCollection<Architecture> Evaluated { get { lock (_lock) return _cache.Keys.ToList(); } }

    public bool IsCached(Architecture a) { lock (_lock) return _cache.ContainsKey(a); }

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(architecture, out var v)) return v;
        }
        var r = _inner.Evaluate(architecture);
        lock (_lock)
        {
            _cache.TryAdd(architecture, r);
            return _cache[architecture];
        }
    }

    public double Evaluate(Architecture a, string metric)
    {
        var r = Evaluate(a);
        return r.TryGetValue(metric, out var v) ? v
            : throw new MathNasException($"evaluator '{Name}' does not measure '{metric}' (it measures: {string.Join(", ", Metrics.Keys)})");
    }

    public void Reset() { lock (_lock) _cache.Clear(); }
}
