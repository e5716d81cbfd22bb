using MathNas.Dynamic;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Dynamic;

/// <summary>
/// A runtime network whose measured latency is Factor * (the latency table's prediction of the running network), with an
/// injected factor standing for load; records every switch and rebuild.
/// </summary>
internal sealed class FakeRuntimeNetwork(BlockTable latency, Architecture start) : IRuntimeNetwork
{
    public Architecture Current { get; private set; } = start;
    public double Factor { get; set; } = 1;
    public List<IReadOnlyList<BlockChange>> Switches { get; } = [];
    public List<Architecture> Rebuilds { get; } = [];
    public int Runs { get; private set; }

    public double RunOnce()
    {
        Runs++;
        return Factor * latency.PredictAdditive(Current);
    }

    public void Switch(IReadOnlyList<BlockChange> changes)
    {
        Switches.Add(changes);
        Current = BlockChanges.Apply(Current, changes);
    }

    public void Rebuild(Architecture architecture)
    {
        Rebuilds.Add(architecture);
        // a rebuild does measurably more work than a switch in this fake: it touches every node
        Thread.SpinWait(20_000);
        Current = architecture;
    }
}

internal static class DynamicFixtures
{
    /// <summary>Random accuracy and latency tables for a space with the given block counts (latency base large enough to stay positive).</summary>
    public static (BlockTable Acc, BlockTable Lat) RandomTables(int[] counts, int seed)
    {
        var rng = new Random(seed);
        var acc = new double[counts.Length][];
        var lat = new double[counts.Length][];
        for (int i = 0; i < counts.Length; i++)
        {
            acc[i] = new double[counts[i]];
            lat[i] = new double[counts[i]];
            for (int j = 1; j < counts[i]; j++)
            {
                // bigger j: typically slower and more accurate, with noise so that some blocks are dominated
                acc[i][j] = -0.5 * j + rng.NextDouble() * 1.5;
                lat[i][j] = -0.8 * j + rng.NextDouble() * 1.2;
            }
        }
        return (new BlockTable { Metric = "accuracy", BaseValue = 70, Deltas = acc },
                new BlockTable { Metric = "latency:fake", BaseValue = 10, Deltas = lat });
    }

    public static int[][] All(int[] counts) => counts.Select(c => Enumerable.Range(0, c).ToArray()).ToArray();
}
