using MathNas.Tables;

namespace MathNas.Cli.Tests;

public class ReferenceCommandTests
{
    private static void RequireData() =>
        Skip.If(MathNas.Reference.ReferenceData.FindRoot() is null, "shared data (mathnas-reference) not found; test skipped");

    [SkippableFact]
    public void ParityCheck_AllVectorsWithinTolerance_Json()
    {
        RequireData();
        foreach (var src in new[] { "pt", "csv" })
        {
            var r = CliRunner.Run("reference", "--json", "--source", src);
            Assert.Equal(0, r.ExitCode);
            Assert.True(r.Json.GetProperty("ok").GetBoolean());
            Assert.True(r.Json.GetProperty("rows").GetInt32() >= 27);
            Assert.True(r.Json.GetProperty("max_abs_diff_cost").GetDouble() <= 1e-9);
        }
    }

    [SkippableFact]
    public void Export_WritesATableSetTheSpaceAccepts()
    {
        RequireData();
        var path = Path.Combine(Path.GetTempPath(), $"ref-{Guid.NewGuid():N}.json");
        var r = CliRunner.Run("reference", "export", "--space", "mobilenetv3-blocks-gpu", "--device", "tx2gpu", "--out", path, "--json");
        Assert.Equal(0, r.ExitCode);
        var set = TableSet.Load(path);
        File.Delete(path);
        set.CheckAgainst(MathNas.Spaces.SpaceRegistry.Resolve("mobilenetv3-blocks-gpu"));
        Assert.True(set.Has("latency:tx2gpu"));
    }

    [SkippableFact]
    public void Predict_ReadmeExample_ParityAndCorrected()
    {
        RequireData();
        var r = CliRunner.Run("reference", "predict", "--space", "supervit", "--code", "1 6 7 22 21 59 23 6 0", "--mode", "parity", "--json");
        Assert.Equal(0, r.ExitCode);
        var parityFlops = r.Json.GetProperty("cost").GetDouble();
        var c = CliRunner.Run("reference", "predict", "--space", "supervit", "--code", "1 6 7 22 21 59 23 6 0", "--json");
        Assert.Equal("corrected", c.Json.GetProperty("mode").GetString());
        Assert.True(c.Json.GetProperty("cost").GetDouble() > parityFlops);
    }

    [SkippableFact]
    public void Defects_ListsFiveDefects()
    {
        RequireData();
        var r = CliRunner.Run("reference", "defects", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(5, r.Json.GetProperty("defects").GetArrayLength());
        Assert.True(r.Json.GetProperty("comparison").GetArrayLength() > 10);
    }

    [SkippableTheory]
    [InlineData("reference", "export", "--space", "darts", "--out", "/tmp/never.json")]
    [InlineData("reference", "predict", "--space", "mobilenetv3", "--device", "tx2gpu", "--code", "0 0 9 0 0")]
    [InlineData("reference", "predict", "--space", "mobilenetv3", "--device", "pixel", "--code", "0 0 0 0 0")]
    [InlineData("reference", "predict", "--space", "supervit", "--code", "0 0 x")]
    [InlineData("reference", "--source", "hdf5")]
    public void BadInput_IsOneLineExitTwo(params string[] args)
    {
        RequireData();
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error:", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void SpacesListing_IncludesTheMobileNetV3Views()
    {
        var r = CliRunner.Run("spaces", "--json");
        Assert.Equal(0, r.ExitCode);
        var names = r.Json.GetProperty("spaces").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("mobilenetv3", names);
        Assert.Contains("mobilenetv3-stage", names);
        Assert.Contains("mobilenetv3-blocks-cpu", names);
    }
}
