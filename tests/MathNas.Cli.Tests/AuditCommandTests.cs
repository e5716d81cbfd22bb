using System.Text.Json;
using MathNas.Data;

namespace MathNas.Cli.Tests;

public class AuditCommandTests : IClassFixture<SyntheticBenchmarkDir>
{
    private readonly SyntheticBenchmarkDir _b;
    public AuditCommandTests(SyntheticBenchmarkDir b) => _b = b;

    private static void AssertMethodShape(JsonElement m, int budgets)
    {
        Assert.True(m.GetProperty("median_regret").GetDouble() >= 0 || m.GetProperty("median_regret").ValueKind == JsonValueKind.Number);
        Assert.Equal(JsonValueKind.Number, m.GetProperty("violations").ValueKind);
        Assert.Equal(JsonValueKind.Number, m.GetProperty("evaluations").ValueKind);
        Assert.Equal(budgets, m.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public void JsonHasTheMethodAndBothBaselines()
    {
        var r = CliRunner.Run("audit", "--space", "nasbench201", "--benchmark", _b.Dir, "--device", "raspi4", "--estimator", "single",
            "--baseline-seeds", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var j = r.Json;
        Assert.Equal(26, j.GetProperty("evaluations").GetInt32());
        AssertMethodShape(j, 9);
        Assert.Equal(9, j.GetProperty("budgets").GetArrayLength());
        foreach (var b in new[] { "random", "evolution" })
        {
            AssertMethodShape(j.GetProperty(b), 9);
            Assert.Equal(26, j.GetProperty(b).GetProperty("evaluations").GetInt32());
            Assert.Equal(0, j.GetProperty(b).GetProperty("violations").GetDouble());
        }
        var budgets = j.GetProperty("budgets").EnumerateArray().Select(x => x.GetDouble()).ToList();
        Assert.Equal(budgets.Order(), budgets);
        foreach (var row in j.GetProperty("rows").EnumerateArray())
        {
            bool broke = row.GetProperty("latency").GetDouble() > row.GetProperty("budget").GetDouble();
            Assert.Equal(broke, row.GetProperty("violation").GetBoolean());
        }
    }

    [Fact]
    public void GuidedSearchUsesItsEvaluationsAndKeepsBudgets()
    {
        var r = CliRunner.Run("audit", "--space", "nasbench201", "--benchmark", _b.Dir, "--device", "fpga", "--estimator", "guided:60",
            "--baseline-seeds", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(60, r.Json.GetProperty("evaluations").GetInt32());
        Assert.Equal(0, r.Json.GetProperty("violations").GetDouble());
    }

    [Fact]
    public void TablePrintsBudgetsAndBaselines()
    {
        var r = CliRunner.Run("audit", "--space", "nasbench201", "--benchmark", _b.Dir, "--device", "fpga", "--estimator", "single",
            "--closed-loop", "--baseline-seeds", "1");
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("regret", r.Out);
        Assert.Contains("random", r.Out);
        Assert.Contains("evolution", r.Out);
    }

    [Theory]
    [InlineData("--device", "nosuchdevice", "no latency for device")]
    [InlineData("--estimator", "bogus", "unknown estimator")]
    [InlineData("--estimator", "guided:x", "positive count")]
    [InlineData("--space", "tiny.yml", "has no full benchmark")]
    [InlineData("--accuracy-model", "flops-scaled", "applies to the paper's tables")]
    [InlineData("--baseline-seeds", "0", "at least 1")]
    public void BadInputIsOneLineExitTwo(string option, string value, string message)
    {
        var args = new List<string> { "audit", "--space", "nasbench201", "--benchmark", _b.Dir, "--device", "fpga" };
        if (option == "--accuracy-model") args.AddRange(["--estimator", "guided:50"]);
        int i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value; else args.AddRange([option, value]);
        var r = CliRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void MissingBenchmarkFolderIsOneLineExitTwo()
    {
        var r = CliRunner.Run("audit", "--space", "nasbench201", "--benchmark", "/nonexistent/folder", "--device", "fpga");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", r.Err);
    }

    [SkippableFact]
    public void RealDataPaperMethodUses26EvaluationsAndWritesAPlot()
    {
        var data = DataLocator.Find();
        Skip.If(data is null || !Directory.Exists(Path.Combine(data, "nasbench201")), "shared data not found: set MATHNAS_DATA; test skipped");
        var png = Path.Combine(Path.GetTempPath(), $"mathnas-audit-{Guid.NewGuid():N}.png");
        try
        {
            var r = CliRunner.Run("audit", "--space", "nasbench201", "--device", "pixel3", "--estimator", "single", "--baseline-seeds", "2",
                "--plot", png, "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Equal(26, r.Json.GetProperty("evaluations").GetInt32());
            Assert.InRange(r.Json.GetProperty("accuracy_spearman").GetDouble(), -1, 1);
            Assert.True(new FileInfo(png).Length > 1000);
        }
        finally { File.Delete(png); }
    }
}
