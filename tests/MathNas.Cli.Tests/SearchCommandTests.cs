using System.Text.Json;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Cli.Tests;

public class SearchCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-search-" + Guid.NewGuid().ToString("N"));
    private readonly string _space = CliRunner.RepoFile("examples", "tiny-space.yml");
    private readonly string _tables;
    private readonly SearchSpace _s;
    private readonly TableSet _t;

    public SearchCommandTests()
    {
        Directory.CreateDirectory(_dir);
        _s = SpaceFile.Load(_space);
        // Hand-written tables (METHOD.md signs: delta = M(base) - M(block); base = conv3x3 at every node).
        _t = new TableSet { Space = "tiny" };
        _t.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = [[3, 0, -1], [4, 0, -1.5], [5, 0, -2]], ReferenceFlops = 40 });
        _t.Add(new BlockTable { Metric = "latency:dev", Unit = "ms", BaseValue = 10, Deltas = [[2, 0, -3], [2, 0, -3], [2, 0, -3]] });
        _tables = Path.Combine(_dir, "t.json");
        _t.Save(_tables);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    // The brute-force references below use the linear model; the CLI's default is flops-scaled when the table has F_ref.
    private CliRunner.Result Search(params string[] extra) =>
        CliRunner.Run(["search", "--space", _space, "--tables", _tables, .. extra.Contains("--accuracy-model") ? extra : [.. extra, "--accuracy-model", "linear"]]);

    /// <summary>Brute force over the space with the tables: best linear accuracy with latency &lt;= max.</summary>
    private (int[] Code, double Acc) Brute(double maxLatency)
    {
        var best = _s.Enumerate().Where(a => _t["latency:dev"].PredictAdditive(a) <= maxLatency + 1e-9)
            .OrderByDescending(a => _t["accuracy"].PredictAdditive(a)).ThenBy(a => a.ToString(), StringComparer.Ordinal).First();
        return (best.ToArray(), _t["accuracy"].PredictAdditive(best));
    }

    [Fact]
    public void JsonHasTheDocumentedShapeAndTheOptimum()
    {
        var r = Search("--max", "latency:dev=12", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = r.Json;
        var (code, acc) = Brute(12);
        Assert.Equal(code, j.GetProperty("code").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal("optimal", j.GetProperty("status").GetString());
        Assert.Equal(0, j.GetProperty("gap").GetDouble());
        Assert.True(j.GetProperty("solve_ms").GetDouble() >= 0);
        Assert.Equal(0, j.GetProperty("evaluations").GetInt32());
        Assert.Equal(acc, j.GetProperty("predicted").GetProperty("accuracy").GetDouble(), 9);
        Assert.True(j.GetProperty("predicted").GetProperty("latency:dev").GetDouble() <= 12 + 1e-9);
        Assert.True(j.GetProperty("predicted").TryGetProperty("flops", out _));
        Assert.Equal(_s.Describe(new Architecture(code)), j.GetProperty("architecture").GetString());
        Assert.Single(j.GetProperty("solutions").EnumerateArray());
    }

    [Fact]
    public void TopKReturnsDistinctNetworksBestFirst()
    {
        var r = Search("--max", "latency:dev=12", "--top", "4", "--json");
        Assert.Equal(0, r.ExitCode);
        var sols = r.Json.GetProperty("solutions").EnumerateArray().ToList();
        Assert.Equal(4, sols.Count);
        var accs = sols.Select(s => s.GetProperty("objective").GetDouble()).ToList();
        Assert.Equal(accs.OrderByDescending(x => x), accs);
        Assert.Equal(4, sols.Select(s => string.Join(",", s.GetProperty("code").EnumerateArray().Select(e => e.GetInt32()))).Distinct().Count());
        var expected = _s.Enumerate().Where(a => _t["latency:dev"].PredictAdditive(a) <= 12 + 1e-9)
            .Select(a => _t["accuracy"].PredictAdditive(a)).OrderByDescending(x => x).Take(4).ToList();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], accs[i], 9);
    }

    [Fact]
    public void InfeasibleBudgetExitsTwoWithJsonAndOneLine()
    {
        var least = _s.Enumerate().Min(a => _t["latency:dev"].PredictAdditive(a));
        var r = Search("--max", "latency:dev=3", "--json");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("infeasible", r.Json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, r.Json.GetProperty("code").ValueKind);
        var row = r.Json.GetProperty("infeasible_budgets")[0];
        Assert.Equal("latency:dev", row.GetProperty("metric").GetString());
        Assert.Equal(least, row.GetProperty("least_value").GetDouble(), 9);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("latency:dev", r.Err);
        Assert.Contains("4", r.Err);

        var plain = Search("--max", "latency:dev=3");
        Assert.Equal(2, plain.ExitCode);
        Assert.Equal("", plain.Out.Trim());
        Assert.StartsWith("error: infeasible", plain.Err);
    }

    [Fact]
    public void OutWritesYamlAndIsNotClobberedOnError()
    {
        var path = Path.Combine(_dir, "arch.yml");
        var r = Search("--max", "latency:dev=12", "--out", path);
        Assert.Equal(0, r.ExitCode);
        var yaml = File.ReadAllText(path);
        var doc = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(yaml);
        Assert.Equal("tiny", doc["space"]);
        Assert.Equal(string.Join(",", Brute(12).Code), string.Join(",", ((List<object>)doc["code"]).Select(o => o.ToString())));
        Assert.True(((Dictionary<object, object>)doc["predicted"]).ContainsKey("accuracy"));
        var bad = Search("--max", "latency:dev=1", "--out", path);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal(yaml, File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void RepeatReportsTheMedianOfThatManySolves_AndRejectsZero()
    {
        var r = Search("--max", "latency:dev=12", "--repeat", "7", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(7, r.Json.GetProperty("repeats").GetInt32());
        Assert.True(r.Json.GetProperty("solve_ms_median").GetDouble() > 0);
        var bad = Search("--max", "latency:dev=12", "--repeat", "0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--repeat", bad.Err);
    }

    [Fact]
    public void BothSolversAndBothModelsAgree()
    {
        foreach (var model in new[] { "linear", "flops-scaled" })
        {
            var a = Search("--max", "latency:dev=11", "--max", "flops=60", "--accuracy-model", model, "--json");
            var b = Search("--max", "latency:dev=11", "--max", "flops=60", "--accuracy-model", model, "--solver", "ortools", "--json");
            Assert.Equal(0, a.ExitCode);
            Assert.Equal(0, b.ExitCode);
            Assert.Equal(a.Json.GetProperty("objective").GetDouble(), b.Json.GetProperty("objective").GetDouble(), 6);
            Assert.Equal("ortools", b.Json.GetProperty("solver").GetString());
            Assert.True(a.Json.GetProperty("predicted").GetProperty("flops").GetDouble() <= 60);
        }
    }

    [Theory]
    [InlineData("--max", "latency:dev")]
    [InlineData("--max", "energy:dev=3")]
    [InlineData("--solver", "gurobi")]
    [InlineData("--accuracy-model", "cubic")]
    [InlineData("--top", "0")]
    [InlineData("--verify", "no-such-evaluator")]
    [InlineData("--time-limit", "-1")]
    public void BadInputIsOneLineExitTwo(string opt, string value)
    {
        var r = Search(opt, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    private sealed class PessimisticEvaluator(TableSet t) : IEvaluator
    {
        public string Name => "pessimistic-test";
        public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { ["latency:dev"] = "ms" };
        // True latency is 25% above the table's prediction.
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a) => new Dictionary<string, double> { ["latency:dev"] = 1.25 * t["latency:dev"].PredictAdditive(a) };
    }

    [Fact]
    public void VerifyRunsTheClosedLoop()
    {
        EvaluatorRegistry.Register(new EvaluatorRegistry.Entry("pessimistic-test", "test only", s => s.Name == "tiny", (_, _) => new PessimisticEvaluator(_t)));
        var r = Search("--max", "latency:dev=12", "--verify", "pessimistic-test", "--verify-mode", "cut", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = r.Json;
        Assert.True(j.GetProperty("verified").GetBoolean());
        int rounds = j.GetProperty("rounds").GetInt32();
        Assert.True(rounds > 1);
        Assert.Equal(rounds, j.GetProperty("evaluations").GetInt32());
        Assert.True(j.GetProperty("measured").GetProperty("latency:dev").GetDouble() <= 12 + 1e-9);
        // Exactly the best predicted network whose true latency fits.
        var best = _s.Enumerate().Where(a => 1.25 * _t["latency:dev"].PredictAdditive(a) <= 12 + 1e-9).Max(a => _t["accuracy"].PredictAdditive(a));
        Assert.Equal(best, j.GetProperty("objective").GetDouble(), 9);
    }

    [Fact]
    public void ParetoJsonAndPlot()
    {
        var png = Path.Combine(_dir, "front.png");
        var r = CliRunner.Run("pareto", "--space", _space, "--tables", _tables, "--along", "latency:dev", "--plot", png, "--json");
        Assert.Equal(0, r.ExitCode);
        var pts = r.Json.GetProperty("points").EnumerateArray().ToList();
        // The exact front by brute force: networks not dominated in (latency, accuracy).
        var all = _s.Enumerate().Select(a => (L: _t["latency:dev"].PredictAdditive(a), A: _t["accuracy"].PredictAdditive(a))).ToList();
        var front = all.Where(x => !all.Any(y => y.L <= x.L && y.A >= x.A && (y.L < x.L || y.A > x.A))).Select(x => x.L).Distinct().Order().ToList();
        Assert.Equal(front, pts.Select(p => p.GetProperty("cost").GetDouble()).ToList());
        var accs = pts.Select(p => p.GetProperty("accuracy").GetDouble()).ToList();
        Assert.Equal(accs.Order(), accs);
        var head = File.ReadAllBytes(png).Take(4).ToArray();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, head);

        var n = CliRunner.Run("pareto", "--space", _space, "--tables", _tables, "--along", "latency:dev", "--points", "5", "--json");
        Assert.Equal(0, n.ExitCode);
        Assert.Equal(5, n.Json.GetProperty("points").GetArrayLength());
        Assert.Equal("optimal", n.Json.GetProperty("status").GetString());
    }

    [Fact]
    public void SearchesABuiltInSpaceExactly()
    {
        // NAS-Bench-201 with tables synthesised from its block FLOPs (not measurements): the answer must be
        // the brute-force optimum over all 15,625 networks, described in the space's own notation.
        var s = SpaceRegistry.Resolve("nasbench201");
        var t = MathNas.Search.SyntheticSpaces.Tables(s, 5, "dev");
        var path = Path.Combine(_dir, "nb201.json");
        t.Save(path);
        var lat = t["latency:dev"];
        var all = s.Enumerate().Select(a => (A: a, L: lat.PredictAdditive(a), Acc: t["accuracy"].PredictAdditive(a))).ToList();
        double max = all.Select(x => x.L).Order().ElementAt(all.Count / 3);
        var best = all.Where(x => x.L <= max + 1e-9).MaxBy(x => x.Acc);
        var r = CliRunner.Run("search", "--space", "nasbench201", "--tables", path, "--max", "latency:dev=" + max.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--accuracy-model", "linear", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(best.Acc, r.Json.GetProperty("objective").GetDouble(), 9);
        Assert.Equal(s.Describe(best.A), r.Json.GetProperty("architecture").GetString());
    }

    [Fact]
    public void BenchJsonHasOneEntryPerInstance()
    {
        var r = CliRunner.Run("bench", "--quick", "--only", "5x5", "--json");
        Assert.Equal(0, r.ExitCode);
        var e = Assert.Single(r.Json.GetProperty("instances").EnumerateArray());
        Assert.Contains("5x5", e.GetProperty("name").GetString());
        Assert.True(e.GetProperty("median_ms").GetDouble() > 0);
        Assert.True(e.GetProperty("baseline_median_ms").GetDouble() > 0);
        Assert.Equal("optimal", e.GetProperty("status").GetString());
        Assert.True(e.GetProperty("agree").GetBoolean());
        // Every solver of the instance, measured in the same interleaved rounds, with its spread.
        var solvers = e.GetProperty("solvers").EnumerateArray().ToList();
        Assert.Equal(["bnb", "ortools (SCIP)", "brute force"], solvers.Select(x => x.GetProperty("name").GetString()));
        Assert.Single(solvers.Select(x => x.GetProperty("rounds").GetInt32()).Distinct());
        foreach (var x in solvers)
        {
            Assert.True(x.GetProperty("min_ms").GetDouble() <= x.GetProperty("median_ms").GetDouble());
            Assert.True(x.GetProperty("median_ms").GetDouble() <= x.GetProperty("max_ms").GetDouble());
            Assert.True(x.GetProperty("q1_ms").GetDouble() <= x.GetProperty("q3_ms").GetDouble());
        }
        Assert.Equal(JsonValueKind.Null, solvers[0].GetProperty("agree").ValueKind);
        Assert.All(solvers.Skip(1), x => Assert.True(x.GetProperty("agree").GetBoolean()));
        if (File.Exists("/proc/loadavg"))
        {
            Assert.Equal(3, r.Json.GetProperty("load_average_start").GetArrayLength());
            Assert.Equal(3, e.GetProperty("load_average_before").GetArrayLength());
        }
    }

    [Fact]
    public void BenchJsonComparesTheFrontWithNemhauserUllmann()
    {
        var r = CliRunner.Run("bench", "--quick", "--only", "supervit-sized whole", "--no-baseline", "--json");
        Assert.Equal(0, r.ExitCode);
        var e = Assert.Single(r.Json.GetProperty("instances").EnumerateArray());
        Assert.Equal("front", e.GetProperty("kind").GetString());
        Assert.Equal("nemhauser-ullmann (sort)", e.GetProperty("baseline").GetString());
        var names = e.GetProperty("solvers").EnumerateArray().Select(x => x.GetProperty("name").GetString()).ToList();
        Assert.Equal(["mathnas (merge)", "bnb solves", "nemhauser-ullmann (sort)"], names);
        Assert.True(e.GetProperty("agree").GetBoolean());
    }

    [Fact]
    public void ParetoMethodIsChosenAndReported()
    {
        // NAS-Bench-201 (no consistency constraints) with tables synthesised from its block FLOPs, linear model.
        var path = Path.Combine(_dir, "nb201-front.json");
        MathNas.Search.SyntheticSpaces.Tables(SpaceRegistry.Resolve("nasbench201"), 9, "dev").Save(path);
        JsonElement Front(params string[] extra) =>
            CliRunner.Run(["pareto", "--space", "nasbench201", "--tables", path, "--along", "latency:dev", "--accuracy-model", "linear", "--json", .. extra]).Json;
        var auto = Front();
        var merge = Front("--method", "merge");
        var solves = Front("--method", "solves");
        Assert.Equal("merge", auto.GetProperty("method").GetString());
        Assert.Equal("merge", merge.GetProperty("method").GetString());
        Assert.Equal("solves", solves.GetProperty("method").GetString());
        Assert.True(solves.GetProperty("solves").GetInt32() > 1);
        Assert.Equal(0, merge.GetProperty("solves").GetInt32());
        static List<double> Costs(JsonElement j) => j.GetProperty("points").EnumerateArray().Select(x => Math.Round(x.GetProperty("cost").GetDouble(), 9)).ToList();
        Assert.Equal(Costs(solves), Costs(merge));
        Assert.True(merge.GetProperty("complete").GetBoolean());
        Assert.Equal("optimal", merge.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("--method", "fastest")]
    [InlineData("--method", "merge")] // the default model here is flops-scaled: the merge does not apply
    public void ParetoBadMethodIsOneLineExitTwo(string opt, string value)
    {
        var r = CliRunner.Run("pareto", "--space", _space, "--tables", _tables, "--along", "latency:dev", opt, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", r.Err);
    }

    [Fact]
    public void BenchJsonReportsTheSingleSampleEstimatorsEvaluationsAgainstThePapersCount()
    {
        var r = CliRunner.Run("bench", "--quick", "--only", "nasbench201", "--no-baseline", "--json");
        Assert.Equal(0, r.ExitCode);
        var rows = r.Json.GetProperty("estimator_evaluations").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, e => Assert.Contains("nasbench201", e.GetProperty("space").GetString()));
        var e = Assert.Single(rows, x => x.GetProperty("space").GetString() == "nasbench201");
        var s = SpaceRegistry.Resolve("nasbench201");
        int paper = 1 + s.Nodes.Sum(n => n.Count - 1);
        Assert.Equal(paper, e.GetProperty("paper").GetInt32());
        Assert.Equal(paper + 1, e.GetProperty("bound").GetInt32());
        // Independent count: N^avg and its single-node switches are 1 + sum(n_i - 1) distinct networks (no constraints
        // here); the base network adds one more unless it differs from N^avg in at most one node.
        var avg = SingleSampleEstimator.AverageFlopsNetwork(s);
        int differ = Enumerable.Range(0, s.NodeCount).Count(i => avg[i] != s.Nodes[i].BaseIndex);
        Assert.Equal(paper + (differ <= 1 ? 0 : 1), e.GetProperty("evaluations").GetInt32());
        Assert.Equal(JsonValueKind.Array, r.Json.GetProperty("instances").ValueKind);
    }

    [Fact]
    public void DefaultAccuracyModelIsFlopsScaledWhenTheTableHasReferenceFlops()
    {
        Assert.NotNull(_t["accuracy"].ReferenceFlops);
        const bool hasRef = true;
        var r = CliRunner.Run("search", "--space", _space, "--tables", _tables, "--max", "latency:dev=12", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(hasRef ? "flops-scaled" : "linear", r.Json.GetProperty("accuracy_model").GetString());
        var explicitLinear = Search("--max", "latency:dev=12", "--json");
        Assert.Equal("linear", explicitLinear.Json.GetProperty("accuracy_model").GetString());
    }

    [Fact]
    public void TheTablesPreferredAccuracyModelWinsOverTheFlopsRule()
    {
        var t = new TableSet { Space = "tiny" };
        foreach (var table in _t.Tables.Values) t.Add(table);
        var acc = _t["accuracy"];
        t.Add(new BlockTable { Metric = acc.Metric, Unit = acc.Unit, BaseValue = acc.BaseValue, Deltas = acc.Deltas, ReferenceFlops = acc.ReferenceFlops, PreferredAccuracyModel = "linear" });
        var path = Path.Combine(_dir, "preferred.json");
        t.Save(path);
        var r = CliRunner.Run("search", "--space", _space, "--tables", path, "--max", "latency:dev=12", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("linear", r.Json.GetProperty("accuracy_model").GetString());
        var forced = CliRunner.Run("search", "--space", _space, "--tables", path, "--max", "latency:dev=12", "--accuracy-model", "flops-scaled", "--json");
        Assert.Equal("flops-scaled", forced.Json.GetProperty("accuracy_model").GetString());
    }
}
