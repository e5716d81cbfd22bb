using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Cli.Tests;

/// <summary>Issue 10 defect 5 through the tool: negative budgets refused, predictions below zero flagged in table and JSON.</summary>
public class BelowZeroCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-belowzero-" + Guid.NewGuid().ToString("N"));
    private readonly string _space = CliRunner.RepoFile("examples", "tiny-space.yml");
    private readonly string _tables;

    public BelowZeroCommandTests()
    {
        Directory.CreateDirectory(_dir);
        // Base 2 ms; a skip saves 3 ms: one skip already predicts -1 ms.
        var t = new TableSet { Space = "tiny" };
        t.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = [[-3, 0, -1], [-4, 0, -1.5], [-5, 0, -2]] });
        t.Add(new BlockTable { Metric = "latency:dev", Unit = "ms", BaseValue = 2, Deltas = [[3, 0, -3], [3, 0, -3], [3, 0, -3]] });
        _tables = Path.Combine(_dir, "t.json");
        t.Save(_tables);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private CliRunner.Result Run(string command, params string[] extra) =>
        CliRunner.Run([command, "--space", _space, "--tables", _tables, "--accuracy-model", "linear", .. extra]);

    [Fact]
    public void A_negative_latency_budget_is_refused()
    {
        var r = Run("search", "--max", "latency:dev=-3");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot be negative", r.Err);
        Assert.Equal(2, Run("pareto", "--along", "flops", "--max", "latency:dev=-1").ExitCode);
    }

    [Fact]
    public void Predict_flags_a_prediction_below_zero_in_the_table_and_the_json()
    {
        var r = Run("predict", "--arch", "0,1,1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("-1 (below 0!)", r.Out);
        Assert.Contains("warning: the tables predict latency:dev = -1", r.Out);
        var j = Run("predict", "--arch", "0,1,1", "--json").Json;
        Assert.Equal("latency:dev", Assert.Single(j.GetProperty("below_zero").EnumerateArray().Select(e => e.GetString() ?? "")));
        var ok = Run("predict", "--arch", "1,1,1", "--json").Json;
        Assert.Equal(0, ok.GetProperty("below_zero").GetArrayLength());
    }

    [Fact]
    public void Search_flags_an_answer_predicted_below_zero()
    {
        // Skips are more accurate here, so the optimum under 1 ms is predicted below zero.
        var r = Run("search", "--max", "latency:dev=1", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(r.Json.GetProperty("predicted").GetProperty("latency:dev").GetDouble() < 0);
        Assert.Contains("latency:dev", r.Json.GetProperty("below_zero").EnumerateArray().Select(e => e.GetString()));
        var text = Run("search", "--max", "latency:dev=1");
        Assert.Contains("(below 0!)", text.Out);
        Assert.Contains("warning:", text.Out);
    }

    [Fact]
    public void Pareto_budgets_start_at_zero_and_points_below_zero_are_flagged()
    {
        var r = Run("pareto", "--along", "latency:dev", "--points", "4", "--json");
        Assert.Equal(0, r.ExitCode);
        var pts = r.Json.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(0, pts[0].GetProperty("budget").GetDouble());
        Assert.All(pts, p => Assert.True(p.GetProperty("budget").GetDouble() >= 0));
        Assert.All(pts, p => Assert.Equal(p.GetProperty("cost").GetDouble() < -1e-9, p.GetProperty("below_zero").GetBoolean()));
        Assert.Contains(pts, p => p.GetProperty("below_zero").GetBoolean());
        Assert.True(r.Json.GetProperty("least_cost").GetDouble() < 0);
        var exact = Run("pareto", "--along", "latency:dev");
        Assert.Contains("(below 0!)", exact.Out);
    }
}
