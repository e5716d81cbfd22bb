using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Search;

/// <summary>Issue 10 defect 5: predictions below zero of metrics that cannot be negative are counted, refused as budgets, flagged.</summary>
public class BelowZeroTests
{
    /// <summary>A latency table with base 3 ms whose deltas can take a network below zero.</summary>
    private static TableSet TablesFor(SearchSpace s, int seed)
    {
        var rng = new Random(seed);
        var t = new TableSet { Space = s.Name };
        t.Add(new BlockTable { Metric = "accuracy", Unit = "%", BaseValue = 80, Deltas = s.Nodes.Select(n => n.Blocks.Select((_, j) => j == n.BaseIndex ? 0 : rng.NextDouble() * 4 - 2).ToArray()).ToArray() });
        t.Add(new BlockTable { Metric = "latency:dev", Unit = "ms", BaseValue = 3, Deltas = s.Nodes.Select(n => n.Blocks.Select((_, j) => j == n.BaseIndex ? 0 : Math.Round(rng.NextDouble() * 2 - 0.5, 3)).ToArray()).ToArray() });
        return t;
    }

    private static (long Below, double Least) Brute(SearchSpace s, BlockTable t)
    {
        long below = 0;
        double least = double.PositiveInfinity;
        foreach (var a in s.Enumerate())
        {
            double v = t.PredictAdditive(a);
            if (v < -1e-9) below++; // below zero beyond rounding
            least = Math.Min(least, v);
        }
        return (below, least);
    }

    [Theory]
    [InlineData(new[] { 4, 4, 4 }, 1)]
    [InlineData(new[] { 5, 3, 6, 4 }, 2)]
    [InlineData(new[] { 7, 7, 7, 7, 7, 7, 7, 7 }, 3)] // 5.8 M combinations: counted over the nodes, not enumerated
    public void The_count_below_zero_and_the_least_value_are_exact(int[] counts, int seed)
    {
        var s = SyntheticSpaces.Space("bz", counts, seed);
        var t = TablesFor(s, seed);
        var (below, least) = Brute(s, t["latency:dev"]);
        Assert.True(below > 0, "the test table must predict some network below zero");
        var r = BelowZero.Analyse(s, t, "latency:dev");
        Assert.True(r.Exact);
        Assert.Equal(below, (long)r.Count);
        Assert.Equal(below, (long)r.CountUpperBound);
        Assert.Equal(least, r.Least, 9);
        Assert.Equal(least, t["latency:dev"].PredictAdditive(new Architecture(r.LeastCode!)), 9);
        Assert.Equal(s.Size > BelowZero.EnumerationLimit, !r.Method.StartsWith("enumeration", StringComparison.Ordinal));
    }

    [Fact]
    public void With_consistency_constraints_a_large_space_gets_a_labelled_bound()
    {
        var counts = new[] { 7, 7, 7, 7, 7, 7, 7, 7 };
        var c = new LinearConstraint("n0-skip-needs-n1-skip", [new ConstraintTerm(0, 0, 1), new ConstraintTerm(1, 0, -1)], 0);
        var s = SyntheticSpaces.Space("bzc", counts, 3, [c]);
        var t = TablesFor(s, 3);
        var (below, least) = Brute(s, t["latency:dev"]);
        var r = BelowZero.Analyse(s, t, "latency:dev");
        Assert.False(r.Exact);
        Assert.Contains("upper bound", r.Method);
        Assert.InRange(below, (long)r.Count, (long)r.CountUpperBound);
        Assert.Equal(least, r.Least, 9); // the least value respects the constraints
    }

    [Theory]
    [InlineData("latency:pixel3=-3")]
    [InlineData("energy:dev=-0.1")]
    [InlineData("flops=-1")]
    [InlineData("params=-2")]
    public void Negative_budgets_on_metrics_that_cannot_be_negative_are_refused(string text)
    {
        Assert.Contains("cannot be negative", Assert.Throws<MathNasException>(() => Budget.Parse(text)).Message);
    }

    [Fact]
    public void Other_budgets_may_be_negative_and_the_builder_refuses_a_negative_latency()
    {
        Assert.Equal(-3, Budget.Parse("cost:margin=-3").Max);
        var s = SyntheticSpaces.Space("bz", [3, 3], 1);
        var t = TablesFor(s, 1);
        Assert.Throws<MathNasException>(() => SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, [new Budget("latency:dev", -1)]));
        Assert.Equal(["latency:dev"], BelowZero.Flagged(new Dictionary<string, double> { ["latency:dev"] = -1, ["accuracy"] = -5, ["flops"] = 3 }));
    }

    [Fact]
    public void The_pareto_front_at_budgets_starts_at_the_least_non_negative_value()
    {
        var s = SyntheticSpaces.Space("bz", [4, 4, 4], 1);
        var t = TablesFor(s, 1);
        Assert.True(Brute(s, t["latency:dev"]).Least < 0);
        var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, []);
        var along = SearchProblemBuilder.MetricRow(s, t, "latency:dev");
        var front = ParetoFront.AtBudgets(new BranchAndBoundSolver(), p, along, 5);
        Assert.Equal(0, front.Points[0].Budget);
        Assert.All(front.Points, q => Assert.True(q.Budget >= 0));
        Assert.True(front.LeastCost < 0); // the least value itself is still reported as it is
    }
}
