using System.Text.Json;
using MathNas.Tables;
using MathNas.Torch.Training;

namespace MathNas.Cli.Tests;

/// <summary>
/// Issue 10, defect 3: the same seeded job in two separate processes gives the same bytes, and a run killed (kill -9)
/// after an epoch and started again ends with the same bytes as an unbroken one. The job is the pipeline's tiny preset cut
/// down further (300 training images, 3 epochs, 3 validation networks, no stand-alone networks), so it takes seconds.
/// </summary>
public sealed class SeededRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mathnas-seeded-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static void RequireFashionMnist() =>
        Skip.IfNot(Directory.Exists(Environment.GetEnvironmentVariable("MATHNAS_FASHION_MNIST") ?? "/usr/share/datasets/fashion-mnist"),
            "Fashion-MNIST is not installed (scripts/install.sh installs dataset-fashion-mnist); test skipped");

    internal static string[] TinyJob(string outDir, int seed = 3) =>
    [
        "pipeline", "--preset", "tiny", "--space", "nb201-mini", "--out", outDir, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--train-images", "300", "--epochs", "3", "--validation", "3", "--standalone", "0", "--repeats", "3", "--rounds", "1", "--warmup", "0", "--json",
    ];

    private static string Checkpoint(string outDir) => Path.Combine(outDir, "nb201-mini", "supernet", SupernetTrainer.CheckpointFile);

    /// <summary>A checkpoint split into its state (without the per-epoch seconds, a timing) and the bytes of weights
    /// and optimizer state that follow it (format: magic, version, state JSON, weights, momentum buffers).</summary>
    internal static (string State, byte[] Tensors) ReadCheckpoint(string path)
    {
        using var f = File.OpenRead(path);
        using var r = new BinaryReader(f);
        Assert.Equal("mathnas-training-checkpoint", r.ReadString());
        Assert.Equal(1, r.ReadInt32());
        var state = JsonSerializer.Deserialize<TrainState>(r.ReadString())!;
        var rest = r.ReadBytes((int)(f.Length - f.Position));
        var curve = state.Curve.Select(c => c with { Seconds = 0 }).ToList();
        return (JsonSerializer.Serialize(state with { Curve = curve }), rest);
    }

    /// <summary>The accuracy table of a run (shared-weight accuracy: a function of the trained weights alone).</summary>
    private static string AccuracyTable(string outDir)
    {
        var t = TableSet.Load(Path.Combine(outDir, "nb201-mini", "nb201-mini.tables.json"))["accuracy"];
        return JsonSerializer.Serialize(new { t.BaseValue, t.Deltas });
    }

    [SkippableFact]
    public void The_same_seeded_job_gives_the_same_bytes_in_two_processes_and_after_a_kill_and_resume()
    {
        RequireFashionMnist();
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        var ra = ChildCli.Run(600, TinyJob(a));
        Assert.True(ra.ExitCode == 0, ra.Err);
        var rb = ChildCli.Run(600, TinyJob(b));
        Assert.True(rb.ExitCode == 0, rb.Err);
        var (stateA, tensorsA) = ReadCheckpoint(Checkpoint(a));
        var (stateB, tensorsB) = ReadCheckpoint(Checkpoint(b));
        Assert.Equal(stateA, stateB);
        Assert.True(tensorsA.AsSpan().SequenceEqual(tensorsB), "weights or optimizer state differ between two processes with one seed");
        Assert.Equal(AccuracyTable(a), AccuracyTable(b));
        Assert.Contains("\"Completed\":3", stateA);

        // kill -9 as soon as the first epoch is checkpointed, then run again on the same folder
        var c = Path.Combine(_dir, "c");
        using (var child = ChildCli.Start(TinyJob(c)))
        {
            while (!File.Exists(Checkpoint(c)) && !child.HasExited && child.Seconds < 600) Thread.Sleep(5);
            child.Kill();
        }
        var (killedState, _) = ReadCheckpoint(Checkpoint(c));
        Assert.DoesNotContain("\"Completed\":3", killedState); // killed inside training, not after it
        var rc = ChildCli.Run(600, TinyJob(c));
        Assert.True(rc.ExitCode == 0, rc.Err);
        var (stateC, tensorsC) = ReadCheckpoint(Checkpoint(c));
        Assert.Equal(stateA, stateC);
        Assert.True(tensorsA.AsSpan().SequenceEqual(tensorsC), "a killed and resumed run ends with other weights than an unbroken one");
        Assert.Equal(AccuracyTable(a), AccuracyTable(c));
    }
}
