using MathNas.Tables;
using MathNas.Torch.Nn;

namespace MathNas.Cli.Tests;

public class RunCommandTests
{
    /// <summary>An accuracy table for ofa-mini made up for the test (accuracy loss proportional to the FLOPs a block
    /// saves), with a latency table whose predictions are valid for every network (0.3 ms plus 1 ms times the share of
    /// the FLOPs range a network spans), not one measured under whatever load the machine has.</summary>
    private static string TablesFile(string dir, bool withLatency = false) => TablesFileAt(Path.Combine(dir, "ofa-mini.tables.json"), withLatency);

    internal static string TablesFileAt(string path, bool withLatency = true)
    {
        var space = OfaMiniSpace.Create();
        var set = new TableSet { Space = space.Name };
        set.Add(new BlockTable
        {
            Metric = MetricNames.Accuracy, Unit = "%", BaseValue = 80,
            Deltas = space.Nodes.Select(n => n.Blocks.Select(b => (n.Blocks[n.BaseIndex].Flops - b.Flops) * 0.5).ToArray()).ToArray(),
        });
        if (withLatency)
        {
            // deltas are what a block saves against the node's base block (prediction = base value - sum of deltas)
            var raw = space.Nodes.Select(n => n.Blocks.Select(b => n.Blocks[n.BaseIndex].Flops - b.Flops).ToArray()).ToArray();
            double scale = 1.0 / raw.Sum(d => d.Max() - d.Min());
            set.Add(new BlockTable
            {
                Metric = "latency:cpu", Unit = "ms", BaseValue = 0.3 + scale * raw.Sum(d => d.Max()),
                Deltas = raw.Select(d => d.Select(v => v * scale).ToArray()).ToArray(),
            });
        }
        set.Save(path);
        return path;
    }

    [Fact]
    public void Run_drives_a_live_network_and_reports_json_and_a_timeline()
    {
        var dir = Directory.CreateTempSubdirectory("mathnas-run-").FullName;
        try
        {
            var tables = TablesFile(dir, withLatency: true);
            var png = Path.Combine(dir, "timeline.png");
            var r = CliRunner.Run("run", "--space", "ofa-mini", "--tables", tables,
                "--band", "0.5:3", "--load-profile", "0:1s,1:1s", "--max-blocks", "3", "--compare-repeats", "5", "--plot", png, "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            var j = r.Json;
            Assert.Equal("ofa-mini", j.GetProperty("space").GetString());
            Assert.True(j.GetProperty("runs").GetInt32() > 10);
            // Timings are reported, not asserted (load-dependent; `mathnas bench` measures them).
            foreach (var k in new[] { "rebuild_median_ms", "compare_switch_median_ms", "resolve_bench_median_ms" })
                Assert.True(j.GetProperty(k).GetDouble() >= 0, k);
            Assert.Equal(2, j.GetProperty("steps").GetArrayLength());
            Assert.True(j.GetProperty("load_stopped").GetBoolean());
            Assert.All(j.GetProperty("loaded_blocks").EnumerateArray(), b => Assert.InRange(b.GetArrayLength(), 1, 3));
            Assert.True(new FileInfo(png).Length > 10_000);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// --measure-latency --save-latency: the table measured now is saved with the given tables. Whether it is valid depends
    /// on the machine's load (a busy core can make Algorithm 1 predict a negative latency for the fastest network), so
    /// the run either goes on (exit 0) or refuses that table with a one-line error; the saved file is there either way.
    /// </summary>
    [Fact]
    public void Run_measures_and_saves_a_latency_table()
    {
        var dir = Directory.CreateTempSubdirectory("mathnas-run-").FullName;
        try
        {
            var saved = Path.Combine(dir, "measured.json");
            var r = CliRunner.Run("run", "--space", "ofa-mini", "--tables", TablesFile(dir), "--measure-latency", "--save-latency", saved,
                "--band", "0.5:3", "--duration", "0.3", "--max-blocks", "2", "--compare-repeats", "3", "--json");
            Assert.True(r.ExitCode == 0 || (r.ExitCode == 2 && r.Err.Contains("predicts") && r.Err.Trim().Split('\n').Length == 1), r.Err);
            var set = TableSet.Load(saved);
            Assert.True(set.Has("latency:cpu") && set.Has("accuracy"));
            Assert.Equal("ms", set["latency:cpu"].Unit);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("--band", "3:1")]
    [InlineData("--band", "x")]
    [InlineData("--load-profile", "2:zz")]
    [InlineData("--max-blocks", "0")]
    [InlineData("--solver", "magic")]
    public void Bad_options_are_one_line_errors(string option, string value)
    {
        var dir = Directory.CreateTempSubdirectory("mathnas-run-").FullName;
        try
        {
            var tables = TablesFile(dir, withLatency: true);
            var args = new List<string> { "run", "--space", "ofa-mini", "--tables", tables, "--band", "1:2", "--duration", "0.2" };
            int at = args.IndexOf(option);
            if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
            var r = CliRunner.Run(args.ToArray());
            Assert.Equal(2, r.ExitCode);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.StartsWith("error:", r.Err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_space_without_torch_networks_or_without_a_latency_table_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("mathnas-run-").FullName;
        try
        {
            var tables = TablesFile(dir);
            var r = CliRunner.Run("run", "--space", "ofa-mini", "--tables", tables, "--band", "1:2");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("--measure-latency", r.Err);
            var r2 = CliRunner.Run("run", "--space", "nasbench201", "--tables", tables, "--band", "1:2");
            Assert.Equal(2, r2.ExitCode);
            Assert.Contains("TorchSharp", r2.Err);
        }
        finally { Directory.Delete(dir, true); }
    }
}
