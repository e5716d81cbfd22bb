using System.Globalization;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Cli.Tests;

/// <summary>
/// Issue 10 defect 2 through the tool: a block marked unavailable (latency 1e9) or a block of 1e308 FLOPs must not
/// loosen a budget in `search` (either solver) or drop points of `pareto`.
/// </summary>
public class BudgetRuleCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mathnas-budgetrule-" + Guid.NewGuid().ToString("N"));
    private readonly string _space = CliRunner.RepoFile("examples", "tiny-space.yml");
    private readonly string _tables;
    private readonly SearchSpace _s;
    private readonly TableSet _t;

    public BudgetRuleCommandTests()
    {
        Directory.CreateDirectory(_dir);
        _s = SpaceFile.Load(_space);
        // delta = M(base) - M(block), base conv3x3: skip -2 ms, conv5x5 +3 ms; stage3's conv5x5 is unavailable (1e9 ms).
        _t = new TableSet { Space = "tiny" };
        _t.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = [[3, 0, -1], [4, 0, -1.5], [5, 0, -2]] });
        _t.Add(new BlockTable { Metric = "latency:dev", Unit = "ms", BaseValue = 10, Deltas = [[2, 0, -3], [2, 0, -3], [2, 0, -1e9]] });
        _tables = Path.Combine(_dir, "t.json");
        _t.Save(_tables);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static bool Meets(double value, double max) => value <= max + 1e-9 * Math.Max(1, Math.Abs(max));

    [Theory]
    [InlineData("bnb")]
    [InlineData("ortools")]
    public void Search_with_an_unavailable_block_stays_within_the_budget(string solver)
    {
        var r = CliRunner.Run("search", "--space", _space, "--tables", _tables, "--max", "latency:dev=12.5", "--accuracy-model", "linear", "--solver", solver, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var lat = r.Json.GetProperty("predicted").GetProperty("latency:dev").GetDouble();
        Assert.True(Meets(lat, 12.5), $"{solver} returned a network predicted at {lat} ms for a 12.5 ms budget");
        var best = _s.Enumerate().Where(a => Meets(_t["latency:dev"].PredictAdditive(a), 12.5)).Max(a => _t["accuracy"].PredictAdditive(a));
        Assert.Equal(best, r.Json.GetProperty("objective").GetDouble(), 9);
        Assert.Equal("optimal", r.Json.GetProperty("status").GetString());
    }

    [Fact]
    public void Pareto_with_an_unavailable_block_keeps_every_front_point()
    {
        var r = CliRunner.Run("pareto", "--space", _space, "--tables", _tables, "--along", "latency:dev", "--accuracy-model", "linear", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var all = _s.Enumerate().Select(a => (Cost: _t["latency:dev"].PredictAdditive(a), Obj: _t["accuracy"].PredictAdditive(a))).ToList();
        var front = all.Where(x => !all.Any(y => y.Cost <= x.Cost && y.Obj >= x.Obj && (y.Cost < x.Cost || y.Obj > x.Obj)))
            .Select(x => (Math.Round(x.Cost, 6), Math.Round(x.Obj, 6))).Distinct().OrderBy(x => x.Item1).ToList();
        var got = r.Json.GetProperty("points").EnumerateArray()
            .Select(p => (Math.Round(p.GetProperty("cost").GetDouble(), 6), Math.Round(p.GetProperty("accuracy").GetDouble(), 6))).ToList();
        Assert.Equal(front, got);
        Assert.Equal("optimal", r.Json.GetProperty("status").GetString());
    }

    [Fact]
    public void A_block_of_1e308_flops_does_not_loosen_a_flops_budget()
    {
        var yml = File.ReadAllText(_space).Replace("- {name: conv5x5, flops: 26.1, params: 0.41}", "- {name: conv5x5, flops: 1.0e308, params: 0.41}");
        Assert.Contains("1.0e308", yml);
        var space = Path.Combine(_dir, "huge.yml");
        File.WriteAllText(space, yml);
        var s = SpaceFile.Load(space);
        var t = new TableSet { Space = "tiny" };
        t.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = [[3, 0, -1], [4, 0, -1.5], [5, 0, -2]] });
        var tables = Path.Combine(_dir, "t2.json");
        t.Save(tables);
        foreach (var solver in new[] { "bnb", "ortools" })
        {
            var r = CliRunner.Run("search", "--space", space, "--tables", tables, "--max", "flops=50", "--accuracy-model", "linear", "--solver", solver, "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            var flops = r.Json.GetProperty("predicted").GetProperty("flops").GetDouble();
            Assert.True(Meets(flops, 50), $"{solver}: {flops.ToString(CultureInfo.InvariantCulture)} MFLOPs for a 50 MFLOPs budget");
            var best = s.Enumerate().Where(a => Meets(s.Flops(a), 50)).Max(a => t["accuracy"].PredictAdditive(a));
            Assert.Equal(best, r.Json.GetProperty("objective").GetDouble(), 9);
        }
    }
}
