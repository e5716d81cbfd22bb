using MathNas.Spaces;

namespace MathNas.Estimation;

/// <summary>
/// Something that measures networks: a benchmark table, a latency measurement on this machine,
/// a supernet's shared-weight accuracy, an external worker process. Returns a value per metric it supports.
/// </summary>
/// <remarks>
/// Two ways in: <see cref="Evaluate"/> measures one network and blocks; <see cref="EvaluateAsync"/> is the batched,
/// asynchronous contract (many networks per call, progress per finished network, cancellation) that parallel,
/// remote and clustered evaluators implement. Each adapts to the other: the default <see cref="EvaluateAsync"/>
/// evaluates the networks one after the other through <see cref="Evaluate"/>, and <see cref="BatchEvaluator"/>
/// implements <see cref="Evaluate"/> as a batch of one.
/// </remarks>
public interface IEvaluator
{
    string Name { get; }
    /// <summary>Metric names this evaluator returns ("accuracy", "latency:DEV", ...), with units.</summary>
    IReadOnlyDictionary<string, string> Metrics { get; }
    IReadOnlyDictionary<string, double> Evaluate(Architecture architecture);

    /// <summary>
    /// Evaluates every network of <paramref name="networks"/>; the results come back in the same order. Each finished
    /// network is reported to <paramref name="progress"/> synchronously (never two reports at once), as soon as it is
    /// measured and before this call completes, so a caller can record it even if a later network fails. A failure
    /// of any network fails the call (after the networks in flight have finished and been reported).
    /// </summary>
    Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> EvaluateAsync(
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
        => Evaluators.SequentialAsync(this, networks, progress, cancellationToken);
}

/// <summary>One finished network of a batch: how many are done of how many, the network, its values and (where known) the seconds it took.</summary>
public readonly record struct EvaluationProgress(int Done, int Total, Architecture Network, IReadOnlyDictionary<string, double> Values, double Seconds = double.NaN);

/// <summary>
/// Base class for evaluators whose natural form is the batch (worker pools, remote services): implement
/// <see cref="EvaluateAsync"/>; <see cref="Evaluate"/> is a batch of one.
/// </summary>
public abstract class BatchEvaluator : IEvaluator
{
    public abstract string Name { get; }
    public abstract IReadOnlyDictionary<string, string> Metrics { get; }

    public abstract Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> EvaluateAsync(
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default);

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture) =>
        Evaluators.Run(EvaluateAsync([architecture]))[0];
}

/// <summary>Helpers shared by the evaluators.</summary>
public static class Evaluators
{
    /// <summary>The sequential adapter: evaluates one network after the other through <see cref="IEvaluator.Evaluate"/>.</summary>
    public static Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> SequentialAsync(IEvaluator evaluator,
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        var results = new IReadOnlyDictionary<string, double>[networks.Count];
        for (int i = 0; i < networks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            results[i] = evaluator.Evaluate(networks[i]);
            progress?.Report(new EvaluationProgress(i + 1, networks.Count, networks[i], results[i], System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds));
        }
        return Task.FromResult<IReadOnlyList<IReadOnlyDictionary<string, double>>>(results);
    }

    /// <summary>Waits for a task from synchronous code, unwrapping the exception (a MathNasException stays one).</summary>
    public static T Run<T>(Task<T> task)
    {
        try { return task.GetAwaiter().GetResult(); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1) { throw e.InnerExceptions[0]; }
    }

    /// <summary>
    /// Checks one evaluation against the metrics and units the evaluator declares: every wanted metric present and
    /// finite. Throws a <see cref="MathNasException"/> naming the evaluator, the network and the metric.
    /// </summary>
    public static void CheckValues(string evaluator, SearchSpace? space, Architecture network, IReadOnlyDictionary<string, double> values, IEnumerable<string> wanted)
    {
        foreach (var m in wanted)
        {
            var where = space is null ? network.ToString() : $"{network} ({space.Describe(network)})";
            if (!values.TryGetValue(m, out var v))
                throw new MathNasException($"evaluator '{evaluator}' returned no '{m}' for network {where}");
            if (!double.IsFinite(v))
                throw new MathNasException($"evaluator '{evaluator}' returned a non-finite '{m}' ({v}) for network {where}");
        }
    }
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

    /// <summary>
    /// Batched: the networks not yet cached (each once, in first-seen order) go to the inner evaluator in one batched
    /// call; every result is cached as it is reported, so a failure later in the batch keeps the finished ones.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, double>>> EvaluateAsync(
        IReadOnlyList<Architecture> networks, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var missing = new List<Architecture>();
        var seen = new HashSet<Architecture>();
        lock (_lock)
        {
            foreach (var a in networks)
                if (!_cache.ContainsKey(a) && seen.Add(a)) missing.Add(a);
        }
        int cachedCount = networks.Count - missing.Count, done = 0;
        if (missing.Count > 0)
        {
            var sink = new ProgressSink(r =>
            {
                lock (_lock) _cache.TryAdd(r.Network, r.Values);
                done++;
                progress?.Report(r with { Done = cachedCount + done, Total = networks.Count });
            });
            var results = await _inner.EvaluateAsync(missing, sink, cancellationToken).ConfigureAwait(false);
            lock (_lock)
                for (int i = 0; i < missing.Count; i++) _cache.TryAdd(missing[i], results[i]);
        }
        lock (_lock) return networks.Select(a => _cache[a]).ToList();
    }

    public double Evaluate(Architecture a, string metric)
    {
        var r = Evaluate(a);
        return r.TryGetValue(metric, out var v) ? v
            : throw new MathNasException($"evaluator '{Name}' does not measure '{metric}' (it measures: {string.Join(", ", Metrics.Keys)})");
    }

    public void Reset() { lock (_lock) _cache.Clear(); }

    private sealed class ProgressSink(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        private readonly object _lock = new();
        public void Report(EvaluationProgress value) { lock (_lock) report(value); }
    }
}
