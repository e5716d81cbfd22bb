namespace MathNas.Cli.Tests;

public class SpacesCommandTests
{
    [Fact]
    public void ShowsAUserSpaceAsJson()
    {
        var r = CliRunner.Run("spaces", "--show", CliRunner.RepoFile("examples", "tiny-space.yml"), "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("tiny", r.Json.GetProperty("name").GetString());
        Assert.Equal(3, r.Json.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public void UnknownOptionIsOneLineExitTwo()
    {
        var r = CliRunner.Run("spaces", "--bogus");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", r.Err);
    }

    [Fact]
    public void MissingSpaceFileIsOneLineExitTwo()
    {
        var r = CliRunner.Run("spaces", "--show", "does-not-exist.yml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }
}
