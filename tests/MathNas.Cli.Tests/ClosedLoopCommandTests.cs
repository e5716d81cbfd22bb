using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Cli.Tests;

/// <summary>
/// Issue 10 defect 6: `search --verify` shows measured values beside predicted ones, never tightens a budget below
/// what a network can reach, and exits 3 (not 0, not the user-error 2) with an account of what was measured when it
/// ends unverified. Issue 9 / defect 7: the whole request is validated before anything is measured.
/// </summary>
public class ClosedLoopCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-closedloop-" + Guid.NewGuid().ToString("N"));
    private readonly string _space = CliRunner.RepoFile("examples", "tiny-space.yml");
    private readonly string _tables;
    private static readonly BlockTable Latency = new() { Metric = "latency:dev", Unit = "ms", BaseValue = 10, Deltas = [[2, 0, -3], [2, 0, -3], [2, 0, -3]] };
    private static readonly BlockTable Accuracy = new() { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = [[3, 0, -1], [4, 0, -1.5], [5, 0, -2]] };
    private static int _evaluations;

    /// <summary>A deterministic "measurement": the table's prediction times a factor plus an offset (option factor=, offset=).</summary>
    private sealed class Skewed(double factor, double offset) : IEvaluator
    {
        public string Name => "skewed-latency-test";
        public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { ["latency:dev"] = "ms" };
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a)
        {
            Interlocked.Increment(ref _evaluations);
            return new Dictionary<string, double> { ["latency:dev"] = Latency.PredictAdditive(a) * factor + offset };
        }
    }

    static ClosedLoopCommandTests()
    {
        EvaluatorRegistry.Register(new EvaluatorRegistry.Entry("skewed-latency-test", "test: table latency x factor + offset",
            s => s.Name == "tiny",
            (s, o) => new Skewed(double.Parse(o.GetValueOrDefault("factor", "1"), System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(o.GetValueOrDefault("offset", "0"), System.Globalization.CultureInfo.InvariantCulture)),
            ["factor", "offset"]));
    }

    public ClosedLoopCommandTests()
    {
        Directory.CreateDirectory(_dir);
        var t = new TableSet { Space = "tiny" };
        t.Add(Accuracy);
        t.Add(Latency);
        _tables = Path.Combine(_dir, "t.json");
        t.Save(_tables);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private CliRunner.Result Search(params string[] extra) =>
        CliRunner.Run(["search", "--space", _space, "--tables", _tables, "--accuracy-model", "linear", .. extra]);

    [Fact]
    public void A_verified_loop_shows_measured_beside_predicted_and_exits_0()
    {
        var r = Search("--max", "latency:dev=12", "--verify", "skewed-latency-test:offset=0.5");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("verified after", r.Out);
        Assert.DoesNotContain("NOT verified", r.Out);
        Assert.Contains("latency:dev measured", r.Out);
        Assert.Contains("latency:dev predicted", r.Out);
        Assert.Matches(@"budget latency:dev <= 12: predicted [0-9.]+, measured [0-9.]+", r.Out);
        var j = Search("--max", "latency:dev=12", "--verify", "skewed-latency-test:offset=0.5", "--json");
        Assert.Equal(0, j.ExitCode);
        var b = j.Json.GetProperty("budgets")[0];
        Assert.True(j.Json.GetProperty("verified").GetBoolean());
        Assert.Equal(b.GetProperty("value").GetDouble() + 0.5, b.GetProperty("measured").GetDouble(), 9);
        Assert.True(b.GetProperty("measured").GetDouble() <= 12 + 1e-9);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("tighten")]
    [InlineData("both")]
    public void An_unverified_loop_exits_3_and_says_what_was_measured(string mode)
    {
        // Every network is measured at 10x its prediction (at least 40 ms): no network meets 12 ms.
        _evaluations = 0;
        var r = Search("--max", "latency:dev=12", "--verify", "skewed-latency-test:factor=10", "--verify-mode", mode, "--rounds", "4");
        Assert.Equal(3, r.ExitCode);
        var err = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(err);
        Assert.Contains("NOT verified", err[0]);
        Assert.Contains("least measured", err[0]);
        Assert.DoesNotContain("proven optimal", r.Out.Split('\n')[0]);
        Assert.Contains("NOT verified", r.Out);
        Assert.Contains("latency:dev measured", r.Out);
        // A budget is never tightened below the least latency any network reaches (4 ms), so never below zero either.
        Assert.DoesNotContain("at most -", r.Err);
        var j = Search("--max", "latency:dev=12", "--verify", "skewed-latency-test:factor=10", "--verify-mode", mode, "--rounds", "4", "--json");
        Assert.Equal(3, j.ExitCode);
        Assert.False(j.Json.GetProperty("verified").GetBoolean());
        var b = j.Json.GetProperty("budgets")[0];
        Assert.True(b.GetProperty("searched_max").GetDouble() >= 4 - 1e-9, $"tightened to {b.GetProperty("searched_max").GetDouble()}");
        Assert.True(b.GetProperty("least_measured").GetDouble() >= 40 - 1e-9);
        foreach (var h in j.Json.GetProperty("history").EnumerateArray())
            Assert.Equal(10 * h.GetProperty("predicted").GetProperty("latency:dev").GetDouble(), h.GetProperty("measured").GetProperty("latency:dev").GetDouble(), 9);
    }

    [Fact]
    public void Tightening_stops_at_the_least_reachable_value_and_the_loop_keeps_cutting()
    {
        // Measured = predicted + 9 ms: only networks predicted at most 3 ms would meet 12 ms, and the least is 4 ms.
        // The measured error asks for a budget of 3 ms; the loop stops at 4 ms and cuts, it does not end "infeasible".
        var j = Search("--max", "latency:dev=12", "--verify", "skewed-latency-test:offset=9", "--verify-mode", "tighten", "--rounds", "3", "--json");
        Assert.True(j.ExitCode == 3, j.Err);
        var least = SpaceFile.Load(_space).Enumerate().Min(a => Latency.PredictAdditive(a));
        Assert.Equal(4, least, 9);
        var hist = j.Json.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(3, hist.Count);
        // Round 1: the most accurate network (10 ms); the budget stops at 4 ms. Round 2: the 4 ms network, which the
        // tightened budget cannot exclude, so it is cut, and the bound rises to the least network left (6 ms). Round 3: 6 ms.
        Assert.Equal([10.0, 4.0, 6.0], hist.Select(h => h.GetProperty("predicted").GetProperty("latency:dev").GetDouble()).ToArray());
        Assert.Contains("tighten latency:dev to 4 (the measured error asks for 3", hist[0].GetProperty("action").GetString());
        Assert.StartsWith("exclude", hist[1].GetProperty("action").GetString());
        Assert.True(j.Json.GetProperty("budgets")[0].GetProperty("searched_max").GetDouble() >= least);
    }

    [Theory]
    [InlineData("--verify", "skewed-latency-test:foo=1", "has no option 'foo'")]
    [InlineData("--verify", "skewed-latency-test,--repeat=3", "--repeat and --verify cannot be combined")]
    [InlineData("--rounds", "0", "--rounds must be at least 1")]
    [InlineData("--verify-mode", "sideways", "unknown closed-loop mode")]
    [InlineData("--top", "2", "cannot be combined")]
    public void The_whole_request_is_checked_before_anything_is_measured(string option, string value, string message)
    {
        _evaluations = 0;
        string[] args = option == "--verify"
            ? value.Contains(",--repeat=") ? ["--verify", value.Split(',')[0], "--repeat", "3"] : ["--verify", value]
            : ["--verify", "skewed-latency-test", option, value];
        var r = Search(["--max", "latency:dev=12", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.Equal(0, _evaluations);
    }

    [Fact]
    public void Verify_with_an_evaluator_that_measures_no_budget_is_refused()
    {
        _evaluations = 0;
        var r = Search("--max", "flops=60", "--verify", "skewed-latency-test");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing to verify", r.Err);
        Assert.Equal(0, _evaluations);
    }
}
