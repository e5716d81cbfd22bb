using MathNas.Data;
using MathNas.Tables;

namespace MathNas.Cli.Tests;

public class LatencyModelCommandTests
{
    private static string? HatData()
    {
        var d = DataLocator.Find();
        var p = d is null ? null : Path.Combine(d, "hat-latency");
        return p is not null && Directory.Exists(p) ? p : null;
    }

    [SkippableFact]
    public void Writes_tables_for_two_devices_a_plot_and_json()
    {
        var data = HatData();
        Skip.If(data is null, "shared data (hat-latency) not found; test skipped");
        var dir = Path.Combine(Path.GetTempPath(), "mathnas-latcli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var tables = Path.Combine(dir, "st.json");
            var png = Path.Combine(dir, "xeon.png");
            var r = CliRunner.Run("latency-model", "--data", data!, "--device", "xeon", "--seed", "3", "--out", tables, "--plot", png, "--json");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(400, r.Json.GetProperty("test_rows").GetInt32());
            Assert.Equal(2, r.Json.GetProperty("models").GetArrayLength());
            Assert.True(r.Json.GetProperty("models")[1].GetProperty("test").GetProperty("spearman").GetDouble() > 0.9);
            Assert.True(new FileInfo(png).Length > 10_000);
            var r2 = CliRunner.Run("latency-model", "--data", data!, "--device", "titanxp", "--model", "block", "--out", tables);
            Assert.Equal(0, r2.ExitCode);
            Assert.Contains("Spearman", r2.Out);
            var set = TableSet.Load(tables);
            Assert.Equal("supertransformer", set.Space);
            Assert.Equal(new[] { "titanxp", "xeon" }, set.Devices("latency"));
            set.CheckAgainst(MathNas.Spaces.SpaceRegistry.Resolve("supertransformer"));
            Assert.Equal("regression:block", set["latency:titanxp"].Provenance.Estimator);
            Assert.Equal("ms", set["latency:xeon"].Unit);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Unknown_device_or_folder_is_one_line_exit_two()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mathnas-latcli-empty-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var r = CliRunner.Run("latency-model", "--data", dir, "--device", "tpu");
            Assert.Equal(2, r.ExitCode);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.Contains("no HAT latency dataset for device 'tpu'", r.Err);
            var r2 = CliRunner.Run("latency-model", "--data", Path.Combine(dir, "nope"), "--device", "xeon");
            Assert.Equal(2, r2.ExitCode);
            Assert.Contains("does not exist", r2.Err);
            var r3 = CliRunner.Run("latency-model", "--data", dir, "--device", "xeon", "--model", "mlp");
            Assert.Equal(2, r3.ExitCode);
            Assert.Contains("unknown --model 'mlp'", r3.Err);
        }
        finally { Directory.Delete(dir, true); }
    }
}
