using MathNas.Data;

namespace MathNas.Cli.Tests;

/// <summary>Issue 10, defect 10: outputs are validated before anything is written, never leave a temporary file behind
/// on an error, and concurrent runs writing one target do not collide.</summary>
public sealed class AtomicOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mathnas-atomic-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string[] Leftovers() => Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories);

    [Fact]
    public void Search_out_to_a_folder_is_a_one_line_error_and_leaves_no_temporary()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var r = CliRunner.Run("search", "--space", "ofa-mini", "--max", "latency:cpu=1.0", "--out", folder);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is a folder", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Empty(Leftovers());
        Assert.False(File.Exists(folder + ".tmp"));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [SkippableFact]
    public void Latency_model_with_a_bad_out_keeps_the_old_plot()
    {
        var d = DataLocator.Find();
        var hat = d is null ? null : Path.Combine(d, "hat-latency");
        Skip.If(hat is null || !Directory.Exists(hat), "shared data (hat-latency) not found; test skipped");
        var keep = Path.Combine(_dir, "keep.png");
        File.WriteAllBytes(keep, [1, 2, 3]);
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{ not a tables file");
        var r = CliRunner.Run("latency-model", "--data", hat!, "--device", "xeon", "--plot", keep, "--out", bad);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(keep));
        Assert.Equal("{ not a tables file", File.ReadAllText(bad));
        Assert.Empty(Leftovers());
    }

    /// <summary>Concurrent processes writing one target (issue 10: 2 of 96 concurrent `estimate --out same.json` failed
    /// with "file not found: ...tmp", all runs shared PATH.tmp): all succeed and the file is one run's whole output.</summary>
    [Fact]
    public void Concurrent_processes_writing_one_target_all_succeed()
    {
        var target = Path.Combine(_dir, "same.yml");
        var archs = Enumerable.Range(0, 12).Select(i => string.Join(",", Enumerable.Range(0, 6).Select(k => (i + k) % 5))).ToArray();
        var children = archs.Select(a => ChildCli.Start("config", "--space", "nasbench201", "--arch", a, "--out", target)).ToList();
        try
        {
            foreach (var c in children)
            {
                var r = c.Wait(600);
                Assert.True(r.ExitCode == 0, r.Err);
            }
        }
        finally { foreach (var c in children) c.Dispose(); }
        var text = File.ReadAllText(target);
        // one run's whole output: its header line, and one arch line after the two header lines
        Assert.Contains(archs, a => text.StartsWith($"# space: nasbench201; code: {a}\n", StringComparison.Ordinal));
        Assert.Equal(3, text.TrimEnd('\n').Split('\n').Length);
        Assert.Empty(Leftovers());
        Assert.Single(Directory.GetFiles(_dir));
    }
}
