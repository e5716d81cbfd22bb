using MathNas.Tables;

namespace MathNas.Cli.Tests;

/// <summary>The real pipeline in its tiny configuration, then export and evaluate of its chosen network.</summary>
public sealed class TorchCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static void RequireFashionMnist() =>
        Skip.IfNot(Directory.Exists(Environment.GetEnvironmentVariable("MATHNAS_FASHION_MNIST") ?? "/usr/share/datasets/fashion-mnist"),
            "Fashion-MNIST is not installed (scripts/install.sh installs dataset-fashion-mnist); test skipped");

    [SkippableTheory]
    [InlineData("nb201-mini", "3,3,3,3,3,3", "median")]
    [InlineData("ofa-mini", "26,0,13", "min")]
    public void TinyPipelineThenExportThenEvaluate(string space, string arch, string statistic)
    {
        RequireFashionMnist();
        var r = CliRunner.Run("pipeline", "--preset", "tiny", "--space", space, "--out", _dir, "--tables-dir", Path.Combine(_dir, "tables"),
            "--latency-statistic", statistic, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var rep = r.Json.GetProperty("reports")[0];
        Assert.Equal(space, rep.GetProperty("space").GetString());
        foreach (var k in new[] { "latency_spearman", "latency_mape_pct", "accuracy_spearman", "latency_table_seconds", "latency_repeat_median_deviation_pct" })
            Assert.True(double.IsFinite(rep.GetProperty(k).GetDouble()), k);
        Assert.Equal(1, rep.GetProperty("curve").GetArrayLength());
        var tablesFile = Path.Combine(_dir, "tables", $"{space}.json");
        var tables = TableSet.Load(tablesFile);
        tables.CheckAgainst(MathNas.Spaces.SpaceRegistry.Resolve(space));
        Assert.True(tables.Has("latency:cpu") && tables.Has("accuracy"));
        Assert.Contains("seed 1", tables["latency:cpu"].Provenance.Notes);
        Assert.Contains(statistic == "min" ? "(fastest run;" : "(median;", tables["latency:cpu"].Provenance.Notes);
        Assert.Contains("mathnas pipeline", tables["accuracy"].Provenance.Notes);
        foreach (var png in new[] { "latency-pred-vs-measured.png", "accuracy-pred-vs-shared.png", "shared-vs-standalone.png", "train-curve.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(_dir, space, png));
            Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', png);
        }
        var chosen = rep.GetProperty("chosen");
        Assert.InRange(chosen.GetProperty("test_accuracy").GetDouble(), 0, 100);
        Assert.True(chosen.GetProperty("measured_latency_ms").GetDouble() > 0);

        var exp = Path.Combine(_dir, "export");
        var e = CliRunner.Run("export", "--space", space, "--supernet", Path.Combine(_dir, space, "supernet"), "--arch", arch, "--out", exp,
            "--tables", tablesFile, "--recal", "100", "--json");
        Assert.True(e.ExitCode == 0, e.Err);
        Assert.Equal(arch, e.Json.GetProperty("architecture").GetString());
        var v = CliRunner.Run("evaluate", "--model", exp, "--test-images", "200", "--repeats", "5", "--warmup", "1", "--json");
        Assert.True(v.ExitCode == 0, v.Err);
        Assert.InRange(v.Json.GetProperty("accuracy").GetProperty("measured").GetDouble(), 0, 100);
        var predicted = v.Json.GetProperty("latency").GetProperty("predicted_ms").GetDouble();
        Assert.Equal(tables["latency:cpu"].PredictAdditive(MathNas.Spaces.Architecture.Parse(arch)), predicted, 9);
        Assert.True(v.Json.GetProperty("latency").GetProperty("measured_median_ms").GetDouble() > 0);
    }

    [Fact]
    public void UserErrorsAreOneLineWithExitCodeTwo()
    {
        var cases = new[]
        {
            (new[] { "evaluate", "--model", Path.Combine(_dir, "absent") }, "not an exported network"),
            (new[] { "export", "--space", CliRunner.RepoFile("examples", "tiny-space.yml"), "--supernet", _dir, "--arch", "0,0,0", "--out", _dir }, "no TorchSharp networks"),
            (new[] { "export", "--space", "nb201-mini", "--supernet", _dir, "--arch", "3,3,3,3,3,3", "--out", _dir }, "no trained network"),
            (new[] { "export", "--space", "nb201-mini", "--supernet", _dir, "--arch", "3,3,3,3,3,9", "--out", _dir }, "node 5"),
            (new[] { "pipeline", "--preset", "huge" }, "unknown preset"),
            (new[] { "pipeline", "--latency-statistic", "mean" }, "mean"),
            (new[] { "pipeline", "--space", "tiny-space-not-there" }, "unknown space"),
        };
        foreach (var (args, text) in cases)
        {
            var r = CliRunner.Run(args);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(text, r.Err);
            Assert.Single(r.Err.Trim().Split('\n'));
        }
    }
}
