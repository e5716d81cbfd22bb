using System.Globalization;
using System.Text;
using System.Text.Json;
using MathNas.Spaces.NasBench201;

namespace MathNas.Cli.Tests;

/// <summary>A well-formed synthetic NB201 benchmark folder (made-up values, not the real data).</summary>
public sealed class SyntheticBenchmarkDir : IDisposable
{
    public SyntheticBenchmarkDir()
    {
        Dir = Path.Combine(Path.GetTempPath(), "mathnas-cli-nb201-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        var acc = new StringBuilder("arch_index,arch_str,op_code,cifar10_test_acc\n");
        var lat = new StringBuilder("arch_index,op_code,fpga,eyeriss,pixel3,raspi4,titanxp_1,gold_6226,samsung_a50,2080ti_1\n");
        double[] opAcc = [-15, -2, -1, 0, -1.5];
        double[] opLat = [0, 0.1, 0.5, 2, 0.2];
        for (int i = 0; i < NasBench201Space.NetworkCount; i++)
        {
            var a = NasBench201Space.FromOrdinal(i);
            double ac = 92 + a.Select((op, e) => opAcc[op] * (1 + 0.05 * e)).Sum() + (a[0] == 3 && a[4] == 3 ? 1 : 0);
            ac = Math.Max(10, ac);
            var code = NasBench201Space.ToOpCode(a);
            acc.Append(CultureInfo.InvariantCulture, $"{i},{NasBench201Space.ToArchString(a)},{code},{ac.ToString("R", CultureInfo.InvariantCulture)}\n");
            lat.Append(CultureInfo.InvariantCulture, $"{i},{code}");
            for (int d = 0; d < 8; d++)
            {
                double l = 1 + d + a.Sum(op => opLat[op]) * (1 + 0.1 * d) + (d == 3 && a[1] == 2 ? 0.4 : 0);
                lat.Append(',').Append(l.ToString("R", CultureInfo.InvariantCulture));
            }
            lat.Append('\n');
        }
        File.WriteAllText(Path.Combine(Dir, "nb201_cifar10_test_acc_200ep.csv"), acc.ToString());
        File.WriteAllText(Path.Combine(Dir, "nb201_latency.csv"), lat.ToString());
    }

    public string Dir { get; }

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

public class NasBench201CommandsTests : IClassFixture<SyntheticBenchmarkDir>
{
    private readonly SyntheticBenchmarkDir _b;
    public NasBench201CommandsTests(SyntheticBenchmarkDir b) => _b = b;

    private string Estimate(string estimator, string name)
    {
        var path = Path.Combine(_b.Dir, name);
        if (!System.IO.File.Exists(path))
        {
            var r = CliRunner.Run("estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--benchmark", _b.Dir,
                "--estimator", estimator, "--seed", "3", "--out", path, "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            var j = r.Json;
            Assert.Equal(estimator, j.GetProperty("estimator").GetString());
            Assert.Equal(9, j.GetProperty("tables").GetArrayLength());
        }
        return path;
    }

    [Fact]
    public void EstimateSingleWritesTablesWithProvenance()
    {
        var path = Path.Combine(_b.Dir, "single-check.json");
        var r = CliRunner.Run("estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--benchmark", _b.Dir,
            "--estimator", "single", "--out", path, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(26, r.Json.GetProperty("evaluations").GetInt32());
        Assert.Equal("2,2,2,2,2,2", r.Json.GetProperty("reference_network").GetString());
        var tables = MathNas.Tables.TableSet.Load(path);
        Assert.Equal("nasbench201", tables.Space);
        Assert.Equal(26, tables["latency:fpga"].Provenance.Evaluations);
        Assert.Equal("nasbench201-benchmark", tables["accuracy"].Provenance.Evaluator);
        Assert.Equal("%", tables["accuracy"].Unit);
        Assert.NotNull(tables["accuracy"].ReferenceFlops);
    }

    [Fact]
    public void ValidateGivesSpearmanAndKendallJson()
    {
        var full = Estimate("full", "full.json");
        var r = CliRunner.Run("validate", "--space", "nasbench201", "--tables", full, "--benchmark", _b.Dir, "--metric", "latency:raspi4", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var j = r.Json;
        Assert.Equal("latency:raspi4", j.GetProperty("metric").GetString());
        Assert.Equal(15625, j.GetProperty("n").GetInt32());
        Assert.Equal(15625, j.GetProperty("evaluations").GetInt32());
        Assert.InRange(j.GetProperty("spearman").GetDouble(), 0.95, 1.0);
        Assert.InRange(j.GetProperty("kendall").GetDouble(), 0.8, 1.0);
        // The fpga latency of the synthetic data is exactly additive: full tables rank it perfectly up to rounding
        // among the many networks with tied true latency.
        r = CliRunner.Run("validate", "--space", "nasbench201", "--tables", full, "--benchmark", _b.Dir, "--metric", "latency:fpga", "--json");
        Assert.InRange(r.Json.GetProperty("spearman").GetDouble(), 0.999, 1.0);
    }

    [Fact]
    public void ValidateBothAccuracyModelsAndPlot()
    {
        var sampled = Estimate("sampled:5", "sampled5.json");
        var png = Path.Combine(_b.Dir, "scatter.png");
        foreach (var model in new[] { "linear", "flops-scaled" })
        {
            var r = CliRunner.Run("validate", "--space", "nasbench201", "--tables", sampled, "--benchmark", _b.Dir, "--metric", "accuracy",
                "--accuracy-model", model, "--plot", png, "--json");
            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Equal(model, r.Json.GetProperty("accuracy_model").GetString());
            Assert.InRange(r.Json.GetProperty("spearman").GetDouble(), -1, 1);
        }
        var bytes = System.IO.File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(0x89, bytes[0]);
        Assert.Equal((byte)'P', bytes[1]);
        // Table output (no --json) works too.
        var t = CliRunner.Run("validate", "--space", "nasbench201", "--tables", sampled, "--benchmark", _b.Dir, "--metric", "accuracy");
        Assert.Equal(0, t.ExitCode);
        Assert.Contains("Spearman", t.Out);
    }

    [Fact]
    public void PredictTakesArchStringsAndCodes()
    {
        var reg = Estimate("regression:500", "reg.json");
        var arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
        var r1 = CliRunner.Run("predict", "--space", "nasbench201", "--tables", reg, "--arch", arch, "--json");
        var r2 = CliRunner.Run("predict", "--space", "nasbench201", "--tables", reg, "--arch", "3,3,4,1,3,1", "--json");
        Assert.True(r1.ExitCode == 0, r1.Err);
        Assert.Equal(0, r2.ExitCode);
        Assert.Equal(arch, r1.Json.GetProperty("architecture").GetString());
        Assert.Equal([3, 3, 4, 1, 3, 1], r1.Json.GetProperty("code").EnumerateArray().Select(e => e.GetInt32()));
        var p1 = r1.Json.GetProperty("predicted");
        var p2 = r2.Json.GetProperty("predicted");
        foreach (var m in new[] { "accuracy", "latency:fpga", "flops", "params" })
            Assert.Equal(p1.GetProperty(m).GetDouble(), p2.GetProperty(m).GetDouble());
        Assert.Equal(NasBench201Space.Instance.Flops(new MathNas.Spaces.Architecture(3, 3, 4, 1, 3, 1)), p1.GetProperty("flops").GetDouble(), 9);
        var t = CliRunner.Run("predict", "--space", "nasbench201", "--tables", reg, "--arch", "334131", "--accuracy-model", "flops-scaled");
        Assert.Equal(0, t.ExitCode);
        Assert.Contains("latency:fpga", t.Out);
    }

    [Fact]
    public void ErrorsAreOneLineExitTwo()
    {
        var single = Estimate("single", "single.json");
        var cases = new[]
        {
            new[] { "estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--estimator", "sampled:0", "--out", Path.Combine(_b.Dir, "x.json") },
            new[] { "estimate", "--space", "nasbench201", "--evaluator", "nope", "--out", Path.Combine(_b.Dir, "x.json") },
            new[] { "estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--benchmark", "/nonexistent/dir", "--out", Path.Combine(_b.Dir, "x.json") },
            new[] { "predict", "--space", "nasbench201", "--tables", single, "--arch", "|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|" },
            new[] { "predict", "--space", "nasbench201", "--tables", Path.Combine(_b.Dir, "missing.json"), "--arch", "3,3,3,3,3,3" },
            new[] { "validate", "--space", "nasbench201", "--tables", single, "--benchmark", _b.Dir, "--metric", "latency:tpu" },
            new[] { "validate", "--space", "nasbench201", "--tables", single, "--benchmark", _b.Dir, "--metric", "speed" },
            new[] { "validate", "--space", "nasbench201", "--tables", single, "--benchmark", _b.Dir, "--metric", "accuracy", "--accuracy-model", "cubic" },
            new[] { "validate", "--space", CliRunner.RepoFile("examples", "tiny-space.yml"), "--tables", single, "--metric", "accuracy" },
            new[] { "validate", "--space", "nasbench201", "--tables", single, "--benchmark", "/nonexistent/dir", "--metric", "accuracy" },
        };
        foreach (var args in cases)
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 2, $"{string.Join(' ', args)} -> {r.ExitCode}: {r.Err}");
            Assert.StartsWith("error:", r.Err);
            Assert.Single(r.Err.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", r.Err);
        }
    }

    [Fact]
    public void EstimateNeverClobbersAnExistingFileOnError()
    {
        var path = Path.Combine(_b.Dir, "keep.json");
        System.IO.File.WriteAllText(path, "precious");
        var r = CliRunner.Run("estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--benchmark", Path.Combine(_b.Dir, "missing"),
            "--estimator", "single", "--out", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("precious", System.IO.File.ReadAllText(path));
        r = CliRunner.Run("estimate", "--space", "nasbench201", "--evaluator", "nasbench201-benchmark", "--benchmark", _b.Dir,
            "--estimator", "regression:0", "--out", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("precious", System.IO.File.ReadAllText(path));
    }

    [Fact]
    public void JsonIsOneObject()
    {
        var single = Estimate("single", "single.json");
        var r = CliRunner.Run("validate", "--space", "nasbench201", "--tables", single, "--benchmark", _b.Dir, "--metric", "accuracy", "--json");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        foreach (var k in new[] { "metric", "n", "spearman", "kendall", "evaluations" }) Assert.True(doc.RootElement.TryGetProperty(k, out _), k);
    }
}
