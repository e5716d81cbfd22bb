using System.Globalization;
using MathNas.Data;

namespace MathNas.Cli.Tests;

public class PredictParityTests
{
    /// <summary>`predict --parity reference` reproduces every row of reference_predictions.csv to 1e-9.</summary>
    [SkippableFact]
    public void ParityModeReproducesThePublishedVectors()
    {
        var dir = DataLocator.Find();
        var csv = dir is null ? null : Path.Combine(dir, "mathnas-reference", "reference_predictions.csv");
        Skip.If(csv is null || !File.Exists(csv), "shared data not found (mathnas-reference/reference_predictions.csv); test skipped");
        var lines = File.ReadAllLines(csv!).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var f = line.Split(',');
            // the config field may be quoted and hold commas: read the fixed fields from both ends
            int n = f.Length;
            string space = f[0], device = f[n - 5], code = f[n - 4].Replace(' ', ',');
            double acc = double.Parse(f[n - 3], CultureInfo.InvariantCulture), cost = double.Parse(f[n - 1], CultureInfo.InvariantCulture);
            var r = CliRunner.Run("predict", "--space", space, "--parity", "reference", "--device", device, "--arch", code, "--json");
            Assert.True(r.ExitCode == 0, $"{line}: {r.Err}");
            var pred = r.Json.GetProperty("predicted");
            Assert.True(Math.Abs(pred.GetProperty("accuracy").GetDouble() - acc) <= 1e-9, line);
            Assert.True(Math.Abs(pred.GetProperty("cost").GetDouble() - cost) <= 1e-9, line);
        }
    }

    [Fact]
    public void UnknownParityModeIsRejected()
    {
        var r = CliRunner.Run("predict", "--space", "nasbench201", "--parity", "paper", "--arch", "3,3,3,3,3,3");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("parity", r.Err);
    }
}
