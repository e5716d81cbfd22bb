using MathNas.Spaces;

namespace MathNas.Estimation.Store;

/// <summary>
/// A decorator that puts an evaluation store in front of any evaluator: a network whose every metric is stored is
/// not measured again; every measured network is written to the store (one transaction) as soon as the inner
/// evaluator reports it, before it is used. A run killed at any point and started again re-uses every finished
/// evaluation. The same decorator serves the estimators, the searches and any later distributed evaluator.
/// </summary>
public sealed class StoredEvaluator : BatchEvaluator
{
    private readonly IEvaluator? _inner;
    private readonly IReadOnlyDictionary<string, string> _metrics;
    private readonly SearchSpace _space;
    private int _reused, _measured;

    /// <summary>Measures with <paramref name="inner"/> what the store does not hold.</summary>
    public StoredEvaluator(IEvaluator inner, IEvaluationStore store, EvaluationKey key, SearchSpace space)
    {
        _inner = inner is CachingEvaluator c ? c.Inner : inner;
        Store = store;
        Key = key;
        _space = space;
        _metrics = _inner.Metrics;
        var stored = store.MetricsOf(key);
        foreach (var (m, u) in _metrics)
            if (stored.TryGetValue(m, out var su) && su != u)
                throw new MathNasException($"the evaluation store {store.Location} holds '{m}' of evaluator '{key.Evaluator}' in '{su}', but the evaluator now measures it in '{u}'; use another --store");
    }

    /// <summary>Measures nothing: every network must be in the store (estimate --from-store).</summary>
    private StoredEvaluator(IEvaluationStore store, EvaluationKey key, SearchSpace space, IReadOnlyDictionary<string, string> metrics)
    {
        Store = store;
        Key = key;
        _space = space;
        _metrics = metrics;
    }

    /// <summary>An evaluator that only reads the store: networks it does not hold fail with a message naming them.</summary>
    public static StoredEvaluator StoreOnly(IEvaluationStore store, EvaluationKey key, SearchSpace space, string displayName)
    {
        var metrics = store.MetricsOf(key);
        if (metrics.Count == 0)
            throw new MathNasException($"the evaluation store {store.Location} holds no evaluation of space '{space.Name}' by evaluator '{displayName}'");
        return new StoredEvaluator(store, key, space, metrics) { _displayName = displayName };
    }

    private string? _displayName;
    public IEvaluationStore Store { get; }
    public EvaluationKey Key { get; }
    public override string Name => _inner?.Name ?? _displayName ?? Key.Evaluator;
    public override IReadOnlyDictionary<string, string> Metrics => _metrics;
    /// <summary>Networks answered from the store.</summary>
    public int Reused => _reused;
    /// <summary>Networks measured by the inner evaluator (and stored).</summary>
    public int Measured => _measured;

    public override async Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> EvaluateAsync(
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new IReadOnlyDictionary<string, double>[networks.Count];
        var missing = new List<int>();
        int done = 0;
        for (int i = 0; i < networks.Count; i++)
        {
            var stored = Store.Find(Key, networks[i]);
            if (stored is not null && _metrics.Keys.All(stored.ContainsKey))
            {
                results[i] = _metrics.Keys.ToDictionary(m => m, m => stored[m].Value);
                Interlocked.Increment(ref _reused);
                progress?.Report(new EvaluationProgress(++done, networks.Count, networks[i], results[i]));
            }
            else missing.Add(i);
        }
        if (missing.Count == 0) return results;
        if (_inner is null)
        {
            var a = networks[missing[0]];
            throw new MathNasException($"the evaluation store {Store.Location} has no evaluation of network {a} ({_space.Describe(a)}) by '{Name}'" +
                (missing.Count > 1 ? $" (nor of {missing.Count - 1} more network(s))" : "") + "; --from-store measures nothing: run without it to measure them");
        }
        var positions = new Dictionary<Architecture, List<int>>();
        foreach (var i in missing)
        {
            if (!positions.TryGetValue(networks[i], out var l)) positions[networks[i]] = l = new List<int>();
            l.Add(i);
        }
        var distinct = positions.Keys.ToList();
        var sink = new Sink(r =>
        {
            Evaluators.CheckValues(_inner.Name, _space, r.Network, r.Values, _metrics.Keys);
            var kept = Store.Put(Key, r.Network, r.Values, _metrics, double.IsFinite(r.Seconds) ? r.Seconds : null);
            Interlocked.Increment(ref _measured);
            foreach (var i in positions[r.Network]) results[i] = kept;
            progress?.Report(new EvaluationProgress(++done, networks.Count, r.Network, kept, r.Seconds));
        });
        var measured = await _inner.EvaluateAsync(distinct, sink, cancellationToken).ConfigureAwait(false);
        // An inner evaluator that did not report a network (it should): store it now.
        for (int k = 0; k < distinct.Count; k++)
        {
            var first = positions[distinct[k]][0];
            if (results[first] is not null) continue;
            Evaluators.CheckValues(_inner.Name, _space, distinct[k], measured[k], _metrics.Keys);
            var kept = Store.Put(Key, distinct[k], measured[k], _metrics, null);
            Interlocked.Increment(ref _measured);
            foreach (var i in positions[distinct[k]]) results[i] = kept;
        }
        return results;
    }

    private sealed class Sink(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        private readonly object _lock = new();
        public void Report(EvaluationProgress value) { lock (_lock) report(value); }
    }
}
