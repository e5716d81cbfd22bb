using MathNas.Audit;
using MathNas.Baselines;
using MathNas.Estimation;
using MathNas.Tables;

namespace MathNas.Tests.Audit;

public class BaselineTests
{
    private static readonly GroundTruth Truth = SyntheticTruth.Make(seed: 7, pairwise: 2);
    private static double[] BudgetsOf(GroundTruth t) => Budgets.Percentiles(t.Metric(SyntheticTruth.Cost), Budgets.NinePercentiles);

    [Theory]
    [InlineData(1)]
    [InlineData(26)]
    [InlineData(200)]
    public void RandomSearchSpendsExactlyItsEvaluations(int n)
    {
        var ev = new CachingEvaluator(Truth.AsEvaluator());
        var r = RandomSearch.Run(Truth.Space, ev, n, MetricNames.Accuracy, SyntheticTruth.Cost, BudgetsOf(Truth), seed: 3);
        Assert.Equal(n, ev.Evaluations);
        Assert.Equal(n, r.Evaluations);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(26)]
    [InlineData(200)]
    [InlineData(301)]
    public void EvolutionSpendsExactlyItsEvaluations(int n)
    {
        var ev = new CachingEvaluator(Truth.AsEvaluator());
        var r = RegularisedEvolution.Run(Truth.Space, ev, n, MetricNames.Accuracy, SyntheticTruth.Cost, BudgetsOf(Truth), seed: 3);
        Assert.Equal(n, ev.Evaluations);
        Assert.Equal(n, r.Evaluations);
    }

    [Fact]
    public void BaselinesStopWhenTheSpaceIsExhausted()
    {
        var small = SyntheticTruth.Make(nodes: 2, blocks: 3);
        var budgets = BudgetsOf(small);
        var ev = new CachingEvaluator(small.AsEvaluator());
        Assert.Equal(9, RandomSearch.Run(small.Space, ev, 50, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, 1).Evaluations);
        var ev2 = new CachingEvaluator(small.AsEvaluator());
        Assert.Equal(9, RegularisedEvolution.Run(small.Space, ev2, 50, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, 1).Evaluations);
        // With every network evaluated, both find the true best under every budget.
        var h = new AuditHarness(small, SyntheticTruth.Cost);
        var rs = RandomSearch.Run(small.Space, new CachingEvaluator(small.AsEvaluator()), 50, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, 1);
        Assert.All(h.Score(budgets, rs.Chosen), r => Assert.Equal(0, r.Regret, 12));
    }

    [Fact]
    public void BaselinesAreDeterministicPerSeed()
    {
        var budgets = BudgetsOf(Truth);
        string Run(Func<CachingEvaluator, BaselineResult> f)
        {
            var ev = new CachingEvaluator(Truth.AsEvaluator());
            var r = f(ev);
            return string.Join(";", r.Chosen.Select(a => a?.ToString() ?? "-")) + "|" + string.Join(";", ev.Evaluated.Select(a => a.ToString()).Order());
        }
        foreach (var run in new Func<int, Func<CachingEvaluator, BaselineResult>>[]
                 {
                     s => ev => RandomSearch.Run(Truth.Space, ev, 40, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, s),
                     s => ev => RegularisedEvolution.Run(Truth.Space, ev, 40, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, s),
                 })
        {
            Assert.Equal(Run(run(5)), Run(run(5)));
            Assert.NotEqual(Run(run(5)), Run(run(6)));
        }
    }

    [Fact]
    public void BaselineAnswersAlwaysMeetTheirBudgetAndAreTheBestEvaluated()
    {
        var budgets = BudgetsOf(Truth);
        var ev = new CachingEvaluator(Truth.AsEvaluator());
        var r = RegularisedEvolution.Run(Truth.Space, ev, 60, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, 2);
        for (int b = 0; b < budgets.Length; b++)
        {
            var feasible = ev.Evaluated.Where(a => Truth.Value(SyntheticTruth.Cost, a) <= budgets[b]).ToList();
            if (feasible.Count == 0) { Assert.Null(r.Chosen[b]); continue; }
            Assert.NotNull(r.Chosen[b]);
            Assert.True(Truth.Value(SyntheticTruth.Cost, r.Chosen[b]!) <= budgets[b]);
            Assert.Equal(feasible.Max(a => Truth.Value(MetricNames.Accuracy, a)), Truth.Value(MetricNames.Accuracy, r.Chosen[b]!));
        }
    }

    [Fact]
    public void EvolutionBeatsRandomSearchOnAverageWithEnoughEvaluations()
    {
        // Not a tautology: on a smooth synthetic landscape, local mutation should find better networks than blind sampling.
        var t = SyntheticTruth.Make(seed: 11, nodes: 7, blocks: 4);
        var budgets = BudgetsOf(t);
        var h = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 7 };
        var rnd = h.RunBaseline("random", 270, budgets, 0, (e, s) => RandomSearch.Run(t.Space, e, 270, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, s));
        var evo = h.RunBaseline("evolution", 270, budgets, 0, (e, s) => RegularisedEvolution.Run(t.Space, e, 270, MetricNames.Accuracy, SyntheticTruth.Cost, budgets, s));
        Assert.True(evo.MeanRegret < rnd.MeanRegret, $"evolution {evo.MeanRegret} vs random {rnd.MeanRegret}");
    }
}
