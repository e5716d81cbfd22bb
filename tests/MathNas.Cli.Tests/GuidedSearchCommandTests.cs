using System.Text.Json;

namespace MathNas.Cli.Tests;

public class GuidedSearchCommandTests
{
    private readonly string _space = CliRunner.RepoFile("examples", "tiny-space.yml");

    private CliRunner.Result Guided(params string[] extra) =>
        CliRunner.Run(["search", "--space", _space, "--evaluator", "synthetic-pairwise:seed=3", "--evaluations", "20", .. extra]);

    [Fact]
    public void AnswersWithAMeasuredNetworkWithinTheBudgetAndShowsMeasuredBesidePredicted()
    {
        var r = Guided("--max", "latency:synthetic=1e9", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = r.Json;
        Assert.Equal("measured_within_budgets", j.GetProperty("status").GetString());
        Assert.True(j.GetProperty("evaluations").GetInt32() <= 20);
        var b = j.GetProperty("budgets")[0];
        Assert.Equal("latency:synthetic", b.GetProperty("metric").GetString());
        Assert.True(b.GetProperty("measured").GetDouble() <= b.GetProperty("max").GetDouble());
        Assert.Equal(JsonValueKind.Number, b.GetProperty("predicted").ValueKind);
        Assert.True(j.GetProperty("measured").TryGetProperty("accuracy", out _));
        Assert.True(j.GetProperty("predicted").TryGetProperty("accuracy", out _));
        // The same seed gives the same answer (solve times aside).
        var again = Guided("--max", "latency:synthetic=1e9", "--json").Json;
        foreach (var key in new[] { "code", "measured", "predicted", "budgets", "evaluations" })
            Assert.Equal(j.GetProperty(key).GetRawText(), again.GetProperty(key).GetRawText());
        var table = Guided("--max", "latency:synthetic=1e9");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("measured", table.Out);
        Assert.Contains("predicted", table.Out);
    }

    [Fact]
    public void ABudgetNoMeasuredNetworkMeetsIsAnErrorNotAnAnswer()
    {
        var r = Guided("--max", "latency:synthetic=0");
        Assert.Equal(2, r.ExitCode);
        // Progress lines, then one error line.
        var last = r.Err.Trim().Split('\n')[^1];
        Assert.StartsWith("error:", last);
        Assert.Contains("meets the budgets", last);
        Assert.Single(r.Err.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--tables", "x.json", "belongs to the table search")]
    [InlineData("--top", "2", "belongs to the table search")]
    [InlineData("--max", "latency:elsewhere=3", "does not measure budget metric")]
    public void TableOptionsAndUnknownMetricsAreRefused(string option, string value, string message)
    {
        var r = Guided(option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
    }

    [Fact]
    public void EvaluationsNeedAnEvaluatorAndTheEvaluatorNeedsEvaluations()
    {
        var a = CliRunner.Run("search", "--space", _space, "--evaluations", "20");
        Assert.Equal(2, a.ExitCode);
        Assert.Contains("--evaluator", a.Err);
        var b = CliRunner.Run("search", "--space", _space, "--evaluator", "synthetic-pairwise");
        Assert.Equal(2, b.ExitCode);
        Assert.Contains("--evaluations", b.Err);
        var c = CliRunner.Run("search", "--space", _space, "--evaluator", "synthetic-pairwise", "--evaluations", "5");
        Assert.Equal(2, c.ExitCode);
        Assert.Contains("at least 10", c.Err);
    }

    [Fact]
    public void AuditTakesAnySpaceWithAnEvaluatorAndItsExactTruth()
    {
        var r = CliRunner.Run("audit", "--space", _space, "--evaluator", "synthetic-pairwise:seed=1", "--cost", "latency:synthetic",
            "-e", "guided:15", "--truth-sample", "20", "--baseline-seeds", "1", "--json");
        Assert.Equal(0, r.ExitCode);
        var j = r.Json;
        Assert.StartsWith("exact", j.GetProperty("truth").GetString());
        var audit = j.GetProperty("audit");
        Assert.Equal(15, audit.GetProperty("evaluations").GetInt32());
        Assert.Equal(0, audit.GetProperty("total_violations").GetInt32());
        Assert.All(audit.GetProperty("rows").EnumerateArray(), row => Assert.True(row.GetProperty("regret").GetDouble() >= -1e-9));
        var bad = CliRunner.Run("audit", "--space", _space, "--evaluator", "synthetic-pairwise", "-e", "guided:15");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--cost", bad.Err);
    }
}
