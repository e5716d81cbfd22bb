using MathNas.Dynamic;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Dynamic;

public class ParetoBlockSelectionTests
{
    [Fact]
    public void NonDominated_matches_the_definition_on_a_hand_example()
    {
        // block: (acc loss, latency saving)
        double[] acc = [0, 1, 2, 1, 3, 2];
        double[] lat = [0, 2, 1, 2, 5, 3];
        // 2 is dominated by 1 (less loss, more saving); 3 duplicates 1 (kept: lower index 1); 0,1,4,5 on the front
        Assert.Equal([0, 1, 4, 5], ParetoBlockSelection.NonDominated(acc, lat));
    }

    [Fact]
    public void Spread_keeps_both_extremes_and_k_blocks()
    {
        double[] acc = [0, 1, 2, 3, 4, 5, 6, 7];
        double[] lat = [0, 1, 2, 3, 4, 5, 6, 7]; // all on the front
        var kept = ParetoBlockSelection.SelectNode(acc, lat, 3);
        Assert.Equal(3, kept.Length);
        Assert.Contains(0, kept); // slowest, most accurate
        Assert.Contains(7, kept); // fastest
        Assert.Contains(kept[1], new[] { 3, 4 }); // the one nearest the middle of the latency range
        Assert.Equal([0, 7], ParetoBlockSelection.SelectNode(acc, lat, 2));
        Assert.Equal([7], ParetoBlockSelection.SelectNode(acc, lat, 1));
        Assert.Throws<MathNasException>(() => ParetoBlockSelection.SelectNode(acc, lat, 0));
    }

    /// <summary>
    /// With K at least the front size, the best network over the kept blocks equals the best over all blocks for every
    /// latency budget (checked by brute force over all networks); with a smaller K, a budget that some network meets is
    /// still met (the fastest block of every node is kept).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Pruning_keeps_the_optimum_against_brute_force(int seed)
    {
        int[] counts = [5, 6, 4, 7];
        var (acc, lat) = DynamicFixtures.RandomTables(counts, seed);
        var all = DynamicFixtures.All(counts);
        var front = ParetoBlockSelection.Select(acc, lat, maxPerNode: 100);
        Assert.True(front.Zip(counts).Any(x => x.First.Length < x.Second), "the random tables should have some dominated block");
        var small = ParetoBlockSelection.Select(acc, lat, maxPerNode: 2);
        var (lo, hi) = lat.Range();
        for (int b = 0; b <= 20; b++)
        {
            double target = lo + (hi - lo) * b / 20.0;
            var full = RuntimeSolvers.BruteForce(new RuntimeProblem(acc, lat, all, 1, target));
            var pruned = RuntimeSolvers.BruteForce(new RuntimeProblem(acc, lat, front, 1, target));
            Assert.Equal(full is null, pruned is null);
            if (full is not null)
                Assert.Equal(acc.PredictAdditive(full), acc.PredictAdditive(pruned!), 9);
            var k2 = RuntimeSolvers.BruteForce(new RuntimeProblem(acc, lat, small, 1, target));
            Assert.Equal(full is null, k2 is null);
            if (k2 is not null) Assert.True(lat.PredictAdditive(k2) <= target + 1e-9);
        }
    }

    [Fact]
    public void Select_rejects_tables_of_different_shape()
    {
        var a = new BlockTable { Metric = "accuracy", BaseValue = 1, Deltas = [[0, 1]] };
        var l = new BlockTable { Metric = "latency:x", BaseValue = 1, Deltas = [[0, 1, 2]] };
        Assert.Throws<MathNasException>(() => ParetoBlockSelection.Select(a, l));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Both_exact_solvers_equal_brute_force(int seed)
    {
        int[] counts = [4, 5, 3, 5, 4];
        var (acc, lat) = DynamicFixtures.RandomTables(counts, seed);
        var all = DynamicFixtures.All(counts);
        var (lo, hi) = lat.Range();
        foreach (var scale in new[] { 0.7, 1.0, 1.6 })
        {
            for (int b = -2; b <= 22; b++)
            {
                double target = scale * (lo + (hi - lo) * b / 20.0);
                var p = new RuntimeProblem(acc, lat, all, scale, target, b % 3 == 0 ? scale * (lo + (hi - lo) * (b - 6) / 20.0) : null);
                var bf = RuntimeSolvers.BruteForce(p);
                var bb = RuntimeSolvers.BranchAndBound(p);
                var project = RuntimeSearch.Solve(p);
                Assert.Equal(bf is null, bb is null);
                Assert.Equal(bf is null, project is null);
                if (bf is null) continue;
                Assert.Equal(acc.PredictAdditive(bf), acc.PredictAdditive(bb!), 9);
                Assert.Equal(acc.PredictAdditive(bf), acc.PredictAdditive(project!), 9);
                foreach (var x in new[] { bb!, project! })
                {
                    Assert.True(p.PredictLatency(x) <= target + 1e-9);
                    if (p.LowerTarget is { } l) Assert.True(p.PredictLatency(x) > l);
                }
            }
        }
    }
}
