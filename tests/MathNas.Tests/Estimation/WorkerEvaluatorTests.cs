using MathNas.Data;
using MathNas.Estimation;
using MathNas.Estimation.Store;
using MathNas.Estimation.Workers;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;
using MathNas.Validation;

namespace MathNas.Tests.Estimation;

/// <summary>The process: evaluator and its fault handling, with the Python workers of examples/ and tests/workers.</summary>
public class WorkerEvaluatorTests
{
    private static string Repo(params string[] parts) => Path.Combine([DataLocator.RepositoryRoot()!, .. parts]);
    private static string Fault(string mode, string? state = null) =>
        $"python3 \"{Repo("tests", "workers", "fault_worker.py")}\" {mode}" + (state is null ? "" : $" \"{state}\"");
    private static readonly string Template = $"python3 \"{Repo("examples", "workers", "template_worker.py")}\"";

    private static SearchSpace Space(int nodes = 4, int blocks = 3) => new("wtest",
        Enumerable.Range(0, nodes).Select(i => new Node($"n{i}", Enumerable.Range(0, blocks).Select(j => new Block($"b{j}", j + i, 0)).ToList())).ToList());

    /// <summary>The template worker's toy function, written again in C#.</summary>
    private static (double Acc, double Lat) Toy(Architecture a)
    {
        double acc = 70.0;
        for (int i = 0; i < a.Count; i++) acc += 1.5 * a[i] - 0.25 * a[i] * a[i] + 0.1 * i * a[i];
        for (int i = 0; i < a.Count - 1; i++) acc += 0.05 * a[i] * a[i + 1];
        double sum = 0;
        for (int i = 0; i < a.Count; i++) sum += 0.2 * (i + 1) * (a[i] + 1);
        return (acc, 1.0 + sum);
    }

    [Fact]
    public void TemplateWorker_AnswersTheToyFunction_InOrder_WithOneProgressReportPerNetwork()
    {
        var space = Space();
        using var ev = new ProcessEvaluator(Template, space, new ProcessEvaluatorOptions { Workers = 3 });
        Assert.Equal(3, ev.Copies);
        Assert.Equal(["accuracy", "latency:toy"], ev.Metrics.Keys.ToArray());
        Assert.Equal("ms", ev.Metrics["latency:toy"]);
        var nets = space.Enumerate().ToList();
        var reported = new List<Architecture>();
        var r = Evaluators.Run(ev.EvaluateAsync(nets, new SyncProgress(p => reported.Add(p.Network))));
        Assert.Equal(nets.Count, r.Count);
        for (int i = 0; i < nets.Count; i++)
        {
            var (acc, lat) = Toy(nets[i]);
            Assert.Equal(acc, r[i]["accuracy"], 9);
            Assert.Equal(lat, r[i]["latency:toy"], 9);
        }
        Assert.Equal(nets.ToHashSet(), reported.ToHashSet());
        Assert.Equal(nets.Count, reported.Count);
        // The sequential form gives the same values.
        Assert.Equal(r[5]["accuracy"], ev.Evaluate(nets[5])["accuracy"]);
    }

    [Fact]
    public void RegistryResolves_ProcessSpec_ForAnySpace()
    {
        var ev = EvaluatorRegistry.Resolve("process:" + Template, Space(), new EvaluatorSettings { Workers = 2 });
        try
        {
            Assert.IsType<ProcessEvaluator>(ev);
            Assert.Equal(2, ((ProcessEvaluator)ev).Copies);
            Assert.Equal("process:" + Template, ev.Name);
            var spec = EvaluatorRegistry.Parse("process: python3 w.py --a=1,b=2");
            Assert.Equal("process", spec.Name);
            Assert.Equal("python3 w.py --a=1,b=2", spec.CanonicalOptions);
            Assert.Equal("dir=/x,k=2", EvaluatorRegistry.Parse("nasbench201-benchmark:k=2,dir=/x").CanonicalOptions);
        }
        finally { (ev as IDisposable)?.Dispose(); }
    }

    [Fact]
    public void SerialWorker_RunsOneCopy_AndSaysSo()
    {
        var notes = new List<string>();
        using var ev = new ProcessEvaluator(Fault("serial"), Space(), new ProcessEvaluatorOptions { Workers = 4, Log = notes.Add });
        Assert.Equal(1, ev.Copies);
        Assert.Contains(notes, n => n.Contains("running 1 copy, not 4"));
    }

    [Fact]
    public void Timeout_FailsNamingTheNetwork_AndKeepsWhatWasMeasured()
    {
        var space = Space(2, 3);
        using var ev = new ProcessEvaluator(Fault("hang"), space, new ProcessEvaluatorOptions { Timeout = TimeSpan.FromSeconds(5) });
        var nets = new[] { new Architecture(0, 0), new Architecture(0, 1), new Architecture(1, 2) };
        var done = new List<Architecture>();
        var e = Assert.Throws<MathNasException>(() => Evaluators.Run(ev.EvaluateAsync(nets, new SyncProgress(p => done.Add(p.Network)))));
        Assert.Contains("network 1,2", e.Message);
        Assert.Contains("evaluation timeout of 5 s", e.Message);
        Assert.Equal([new Architecture(0, 0), new Architecture(0, 1)], done);
        // The stopped worker is started again for the next request.
        Assert.Equal(50.0, ev.Evaluate(new Architecture(0, 0))["accuracy"]);
    }

    [Theory]
    [InlineData("crash-once", "exited while evaluating")]
    [InlineData("nonjson-once", "wrote a line that is not JSON")]
    public void BrokenWorker_IsReportedWithItsStderr_AndRestarted(string mode, string what)
    {
        var state = Path.Combine(Path.GetTempPath(), $"mathnas-fault-{Guid.NewGuid():N}");
        try
        {
            var notes = new List<string>();
            using var ev = new ProcessEvaluator(Fault(mode, state), Space(2, 3), new ProcessEvaluatorOptions { Log = notes.Add });
            var r = ev.Evaluate(new Architecture(2, 1));
            Assert.Equal(53.0, r["accuracy"]);
            Assert.Equal(1, ev.RestartCount);
            var note = Assert.Single(notes);
            Assert.Contains(what, note);
            Assert.Contains("network 2,1", note);
            Assert.Contains("simulated failure on [2, 1]", note);
            Assert.Contains("restarting", note);
        }
        finally { File.Delete(state); }
    }

    [Fact]
    public void WorkerThatAlwaysDies_FailsAfterTheRestarts_WithItsStderr()
    {
        using var ev = new ProcessEvaluator(Fault("crash-always"), Space(2, 3), new ProcessEvaluatorOptions { Restarts = 2 });
        var e = Assert.Throws<MathNasException>(() => ev.Evaluate(new Architecture(0, 1)));
        Assert.Contains("exit code 4", e.Message);
        Assert.Contains("out of memory (simulated)", e.Message);
        Assert.Contains("gave up after 2 restart(s)", e.Message);
    }

    [Theory]
    [InlineData("nan", "not a finite number")]
    [InlineData("missing", "metric 'latency:toy' is missing")]
    [InlineData("wrong-unit", "is in 's', but its hello declared 'ms'")]
    [InlineData("error", "could not evaluate network 1,1 (n0=b1 n1=b1): CUDA out of memory (simulated)")]
    public void BadAnswers_AreRefused(string mode, string message)
    {
        using var ev = new ProcessEvaluator(Fault(mode), Space(2, 3));
        var e = Assert.Throws<MathNasException>(() => ev.Evaluate(new Architecture(1, 1)));
        Assert.Contains(message, e.Message);
        Assert.Contains("network 1,1", e.Message);
    }

    [Fact]
    public void OtherProtocolVersion_IsRefused()
    {
        var e = Assert.Throws<MathNasException>(() => new ProcessEvaluator(Fault("bad-protocol"), Space()));
        Assert.Contains("speaks protocol 2; this tool speaks protocol 1", e.Message);
        var e2 = Assert.Throws<MathNasException>(() => new ProcessEvaluator("echo hello; exit 1", Space()));
        Assert.Contains("did not start with a JSON hello", e2.Message);
        var e3 = Assert.Throws<MathNasException>(() => new ProcessEvaluator("echo oops >&2; exit 5", Space()));
        Assert.Contains("exited before its hello (exit code 5); stderr tail: oops", e3.Message);
    }

    [Fact]
    public void CachingEvaluator_Batch_EvaluatesEachMissingNetworkOnce()
    {
        var inner = new FuncEvaluator(a => a[0], a => a[1]);
        var cache = new CachingEvaluator(inner);
        cache.Evaluate(new Architecture(1, 1));
        var nets = new[] { new Architecture(1, 1), new Architecture(2, 0), new Architecture(2, 0), new Architecture(0, 2) };
        var r = Evaluators.Run(((IEvaluator)cache).EvaluateAsync(nets));
        Assert.Equal(3, inner.Calls);
        Assert.Equal([1.0, 2.0, 2.0, 0.0], r.Select(x => x["accuracy"]).ToArray());
    }

    [Fact]
    public void StoredEvaluator_WritesEachNetworkBeforeUse_KeepsThemWhenALaterOneFails_AndReusesThem()
    {
        var space = Space(2, 3);
        var store = new MemoryStore();
        var key = EvaluationKey.For(space, EvaluatorRegistry.Parse("func"), 7);
        int calls = 0;
        var failing = new FuncEvaluator(a => a[0] == 2 ? throw new MathNasException("broken on " + a) : 10 * a[0] + a[1], a => 1);
        var nets = new[] { new Architecture(0, 1), new Architecture(1, 1), new Architecture(2, 2) };
        var e = Assert.Throws<MathNasException>(() => Evaluators.Run(new StoredEvaluator(failing, store, key, space).EvaluateAsync(nets)));
        Assert.Contains("broken on 2,2", e.Message);
        Assert.Equal(2, store.Rows.Count / 2);
        var ok = new FuncEvaluator(a => { calls++; return 10 * a[0] + a[1]; }, a => 1);
        var stored = new StoredEvaluator(ok, store, key, space);
        var r = Evaluators.Run(stored.EvaluateAsync(nets));
        Assert.Equal(1, calls);
        Assert.Equal(2, stored.Reused);
        Assert.Equal(1, stored.Measured);
        Assert.Equal([1.0, 11.0, 22.0], r.Select(x => x["accuracy"]).ToArray());
        var only = StoredEvaluator.StoreOnly(store, key, space, "func");
        Assert.Equal(22.0, only.Evaluate(new Architecture(2, 2))["accuracy"]);
        var miss = Assert.Throws<MathNasException>(() => only.Evaluate(new Architecture(0, 0)));
        Assert.Contains("no evaluation of network 0,0", miss.Message);
        // A changed unit is refused.
        var other = new UnitEvaluator();
        Assert.Throws<MathNasException>(() => new StoredEvaluator(other, store, key, space));
    }

    [Fact]
    public void EstimatorsThroughAWorker_GiveTheTablesOfTheSameFunctionInProcess()
    {
        var space = Space(4, 3);
        using var worker = new ProcessEvaluator(Template, space, new ProcessEvaluatorOptions { Workers = 2 });
        var local = new FuncEvaluator(a => Toy(a).Acc, a => Toy(a).Lat);
        foreach (var est in new IBlockEstimator[] { new SingleSampleEstimator(), new SampledEstimator(4, 3), new RegressionEstimator(30, 2), new FullEstimator() })
        {
            var a = est.Estimate(space, new CachingEvaluator(worker));
            var b = est.Estimate(space, new CachingEvaluator(new RenamedEvaluator(local, worker.Metrics)));
            Assert.Equal(b.Tables.Keys.Order(), a.Tables.Keys.Order());
            Assert.Equal(b["latency:toy"].Deltas.SelectMany(x => x), a["latency:toy"].Deltas.SelectMany(x => x));
            Assert.Equal(b["accuracy"].Deltas.SelectMany(x => x), a["accuracy"].Deltas.SelectMany(x => x));
            Assert.Equal(b["accuracy"].BaseValue, a["accuracy"].BaseValue);
            Assert.Equal(b["accuracy"].Provenance.Evaluations, a["accuracy"].Provenance.Evaluations);
        }
    }

    [Fact]
    public void StratifiedSample_IsSeeded_Distinct_AndSpreadOverTheFlopsRange()
    {
        var space = Space(6, 5);
        var a = StratifiedSample.Draw(space, 50, 3);
        var b = StratifiedSample.Draw(space, 50, 3);
        var c = StratifiedSample.Draw(space, 50, 4);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(50, a.Distinct().Count());
        var f = a.Select(space.Flops).ToArray();
        Assert.True(f.SequenceEqual(f.Order()), "strata in FLOPs order");
        Assert.True(f[0] < f[^1]);
        Assert.Equal(9, StratifiedSample.Draw(Space(2, 3), 100, 0).Count);
    }

    [Fact]
    public void Messages_HaveTheFieldsTheSchemaRequires()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repo("docs", "worker-protocol.schema.json")));
        string[] Required(string def) => schema.RootElement.GetProperty("$defs").GetProperty(def).GetProperty("required").EnumerateArray().Select(x => x.GetString()!).ToArray();
        var space = NasBench201Space.Instance;
        using var request = System.Text.Json.JsonDocument.Parse(WorkerProtocol.Request(3, space, new Architecture(3, 3, 1, 0, 2, 4), ["accuracy"]));
        foreach (var f in Required("request")) Assert.True(request.RootElement.TryGetProperty(f, out _), f);
        Assert.Contains("arch: '|", request.RootElement.GetProperty("config").GetString());
        using var user = System.Text.Json.JsonDocument.Parse(WorkerProtocol.Request(4, Space(), new Architecture(0, 1, 2, 0), ["accuracy"]));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, user.RootElement.GetProperty("config").ValueKind);
        Assert.Equal(["b0", "b1", "b2", "b0"], user.RootElement.GetProperty("blocks").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal(["protocol", "metrics"], Required("hello"));
        Assert.Equal(1, schema.RootElement.GetProperty("$defs").GetProperty("hello").GetProperty("properties").GetProperty("protocol").GetProperty("const").GetInt32());
        Assert.Equal(WorkerProtocol.Version, 1);
    }

    private sealed class SyncProgress(Action<EvaluationProgress> a) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => a(value);
    }

    /// <summary>The FuncEvaluator's values under the worker's metric names (accuracy, latency:toy).</summary>
    private sealed class RenamedEvaluator(FuncEvaluator inner, IReadOnlyDictionary<string, string> metrics) : IEvaluator
    {
        public string Name => "func";
        public IReadOnlyDictionary<string, string> Metrics => metrics;
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a)
        {
            var v = inner.Evaluate(a);
            return new Dictionary<string, double> { ["accuracy"] = v["accuracy"], ["latency:toy"] = v["latency:dev"] };
        }
    }

    private sealed class UnitEvaluator : IEvaluator
    {
        public string Name => "func";
        public IReadOnlyDictionary<string, string> Metrics { get; } = new Dictionary<string, string> { ["accuracy"] = "fraction", ["latency:dev"] = "ms" };
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a) => throw new InvalidOperationException();
    }

    /// <summary>An in-memory store with the contract's semantics (first value stored wins).</summary>
    private sealed class MemoryStore : IEvaluationStore
    {
        public readonly List<EvaluationRecord> Rows = new();
        public string Location => "memory";
        private IEnumerable<EvaluationRecord> Of(EvaluationKey k) => Rows.Where(r => r.SpaceHash == k.SpaceHash && r.Evaluator == k.Evaluator && r.Options == k.Options);
        public IReadOnlyDictionary<string, (double Value, string Unit)>? Find(EvaluationKey key, Architecture network)
        {
            var rows = Of(key).Where(r => r.Code == network.ToString()).ToList();
            return rows.Count == 0 ? null : rows.ToDictionary(r => r.Metric, r => (r.Value, r.Unit));
        }
        public IReadOnlyDictionary<string, double> Put(EvaluationKey key, Architecture network, IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, string> units, double? seconds)
        {
            foreach (var (m, v) in values)
                if (Find(key, network)?.ContainsKey(m) != true)
                    Rows.Add(new EvaluationRecord(key.Space, key.SpaceHash, network.ToString(), key.Evaluator, key.Options, m, v, units[m], seconds, DateTimeOffset.UtcNow, key.Seed));
            var f = Find(key, network)!;
            return values.Keys.ToDictionary(m => m, m => f[m].Value);
        }
        public IReadOnlyDictionary<string, string> MetricsOf(EvaluationKey key) => Of(key).GroupBy(r => r.Metric).ToDictionary(g => g.Key, g => g.First().Unit);
        public IEnumerable<EvaluationRecord> Query(EvaluationFilter filter) => Rows;
        public void Dispose() { }
    }
}
