using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Tests.Search;

public class BuilderTests
{
    private static (SearchSpace, TableSet) Tiny()
    {
        var s = SpaceFile.Load(Path.Combine(MathNas.Data.DataLocator.RepositoryRoot()!, "examples", "tiny-space.yml"));
        return (s, SyntheticSpaces.Tables(s, 3, "dev", "other"));
    }

    [Fact]
    public void RowsReproduceThePredictorExactly()
    {
        var (s, t) = Tiny();
        var pred = new Predictor(s, t, AccuracyModel.Linear);
        var p = SearchProblemBuilder.Build(pred, [new Budget("latency:dev", 1e9), new Budget("latency:other", 1e9), new Budget("flops", 1e9), new Budget("params", 1e9)]);
        foreach (var a in s.Enumerate())
        {
            var c = a.ToArray();
            Assert.Equal(pred.Predict("accuracy", a), p.Objective(c), 9);
            foreach (var r in p.Rows.Where(r => r.Kind == RowKind.Budget)) Assert.Equal(pred.Predict(r.Name, a), r.Value(c), 9);
        }
        var fs = SearchProblemBuilder.Build(new Predictor(s, t, AccuracyModel.FlopsScaled), []);
        var predF = new Predictor(s, t, AccuracyModel.FlopsScaled);
        foreach (var a in s.Enumerate()) Assert.Equal(predF.Predict("accuracy", a), fs.Objective(a.ToArray()), 9);
    }

    [Fact]
    public void ConsistencyConstraintsBecomeRows()
    {
        var (s, t) = Tiny();
        var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, []);
        var row = Assert.Single(p.Rows);
        Assert.Equal(RowKind.Consistency, row.Kind);
        foreach (var c in p.EnumerateAll()) Assert.Equal(s.IsValid(new Architecture(c)), p.IsFeasible(c));
        // The solver never returns a network that breaks them.
        var r = new BranchAndBoundSolver().Solve(p, new SolveOptions { TopK = 27 });
        Assert.Equal(s.Enumerate().Count(), r.Solutions.Count);
        Assert.All(r.Solutions, x => Assert.True(s.IsValid(new Architecture(x.Code))));
    }

    [Theory]
    [InlineData("latency:dev=12.5", "latency:dev", 12.5)]
    [InlineData("flops = 300", "flops", 300)]
    [InlineData("cost:money=1e3", "cost:money", 1000)]
    public void ParsesBudgets(string text, string metric, double max)
    {
        var b = Budget.Parse(text);
        Assert.Equal(metric, b.Metric);
        Assert.Equal(max, b.Max);
    }

    [Theory]
    [InlineData("latency:dev")]
    [InlineData("speed=3")]
    [InlineData("accuracy=3")]
    [InlineData("flops=abc")]
    [InlineData("flops=NaN")]
    public void RejectsBadBudgets(string text) => Assert.Throws<MathNasException>(() => Budget.Parse(text));

    [Fact]
    public void UnknownBudgetTableIsAClearError()
    {
        var (s, t) = Tiny();
        var e = Assert.Throws<MathNasException>(() => SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, [new Budget("energy:dev", 1)]));
        Assert.Contains("energy:dev", e.Message);
    }
}
