using MathNas.Audit;
using MathNas.Improved;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Strategies;
using MathNas.Tables;

namespace MathNas.Tests.Audit;

public class AuditHarnessTests
{
    [Fact]
    public void PercentilesInterpolateBetweenOrderStatistics()
    {
        double[] v = [5, 1, 4, 2, 3];
        Assert.Equal(1, Budgets.Percentile(v, 0));
        Assert.Equal(5, Budgets.Percentile(v, 100));
        Assert.Equal(3, Budgets.Percentile(v, 50));
        Assert.Equal(1.4, Budgets.Percentile(v, 10), 12);   // rank 0.4 between 1 and 2
        Assert.Equal(4.6, Budgets.Percentile(v, 90), 12);
        var nine = Budgets.Percentiles(Enumerable.Range(0, 101).Select(i => (double)i).ToArray(), Budgets.NinePercentiles);
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90], nine);
        Assert.Throws<MathNasException>(() => Budgets.Percentile(v, 101));
        Assert.Throws<MathNasException>(() => Budgets.Percentile([], 50));
    }

    [Fact]
    public void MedianOfEvenAndOddSets()
    {
        Assert.Equal(2, Budgets.Median([3, 1, 2]));
        Assert.Equal(2.5, Budgets.Median([4, 1, 3, 2]));
        Assert.True(double.IsNaN(Budgets.Median([])));
    }

    [Fact]
    public void HarnessBudgetsAreTheNinePercentilesOfTrueCost()
    {
        var t = SyntheticTruth.Make();
        var h = new AuditHarness(t, SyntheticTruth.Cost);
        var b = h.BudgetValues();
        Assert.Equal(9, b.Length);
        var sorted = t.Metric(SyntheticTruth.Cost).Order().ToArray();
        for (int k = 0; k < 9; k++)
        {
            // About (10k+10)% of the networks meet the budget.
            double share = sorted.Count(v => v <= b[k]) / (double)sorted.Length;
            Assert.InRange(share, (k + 1) * 0.1 - 0.01, (k + 1) * 0.1 + 0.01);
        }
    }

    [Fact]
    public void ViolationsAndRegretAreScoredAgainstBruteForce()
    {
        var t = SyntheticTruth.Make(seed: 4);
        var h = new AuditHarness(t, SyntheticTruth.Cost);
        var budgets = h.BudgetValues();
        var rng = new Random(9);
        var chosen = budgets.Select(_ => (Architecture?)t.Networks[rng.Next(t.Count)]).ToList();
        chosen[3] = null;
        var rows = h.Score(budgets, chosen);
        var acc = t.Metric(MetricNames.Accuracy);
        var cost = t.Metric(SyntheticTruth.Cost);
        int violations = 0;
        for (int b = 0; b < budgets.Length; b++)
        {
            double best = Enumerable.Range(0, t.Count).Where(k => cost[k] <= budgets[b]).Max(k => acc[k]);
            Assert.Equal(best, rows[b].BestAccuracy);
            if (chosen[b] is null)
            {
                Assert.False(rows[b].Answered);
                Assert.False(rows[b].Violation);
                double worst = Enumerable.Range(0, t.Count).Where(k => cost[k] <= budgets[b]).Min(k => acc[k]);
                Assert.Equal(best - worst, rows[b].Regret, 12);
                continue;
            }
            int i = t.IndexOf(chosen[b]!);
            bool broke = cost[i] > budgets[b];
            if (broke) violations++;
            Assert.Equal(broke, rows[b].Violation);
            Assert.Equal(best - acc[i], rows[b].Regret, 12);
        }
        Assert.True(violations > 0, "the random picks should break some budgets");
        var report = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 1 }.Run(new FixedAnswer(chosen));
        Assert.Equal(violations, report.Method.Violations);
        Assert.Equal(0, report.Method.Evaluations);
    }

    private sealed class FixedAnswer(IReadOnlyList<Architecture?> chosen) : ISearchStrategy
    {
        public string Name => "fixed";
        public StrategyResult Run(StrategyTask task) => StrategyResult.Of(chosen);
    }

    [Theory]
    [InlineData("single")]
    [InlineData("full")]
    [InlineData("regression:60")]
    public void RegretIsZeroWhenTheTablesAreTrue(string estimator)
    {
        // Additive ground truth: every estimator recovers the true tables, so exact search finds the true best.
        var t = SyntheticTruth.Make(seed: 2);
        var report = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 2 }.Run(new PaperMethod(estimator));
        Assert.All(report.Method.Rows, r => Assert.Equal(0, r.Regret, 9));
        Assert.Equal(0, report.Method.Violations);
        Assert.Equal(0, report.Method.MedianRegret, 9);
        Assert.Equal(1, report.Method.AccuracySpearman!.Value, 9);
        Assert.Equal(report.Method.Evaluations, report.Random.Evaluations);
        Assert.Equal(report.Method.Evaluations, report.Evolution.Evaluations);
        if (estimator == "single") Assert.Equal(2 + t.Space.Nodes.Sum(n => n.Count - 1), report.Method.Evaluations);
    }

    [Fact]
    public void OpenLoopBreaksBudgetsThatTheClosedLoopKeeps()
    {
        // Latency with strong positive pairwise terms: the single-sample additive table under-predicts most networks.
        var t = SyntheticTruth.Make(seed: 5, latencyPairwise: 1.5);
        var open = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 1 }.Run(new PaperMethod("single"));
        var closed = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 1 }.Run(new PaperMethod("single", AccuracyModel.Linear, closedLoop: true));
        Assert.True(open.Method.Violations > 0);
        Assert.Equal(0, closed.Method.Violations);
        Assert.True(closed.Method.Evaluations > open.Method.Evaluations);
    }

    [Fact]
    public void GuidedSearchSpendsItsEvaluationsAndNeverBreaksABudget()
    {
        var t = SyntheticTruth.Make(seed: 8, pairwise: 1, latencyPairwise: 0.5, nodes: 6, blocks: 4);
        var report = new AuditHarness(t, SyntheticTruth.Cost) { BaselineSeeds = 3 }.Run(new GuidedSearch(new GuidedOptions { Evaluations = 120 }), seed: 1);
        Assert.Equal(120, report.Method.Evaluations);
        Assert.Equal(0, report.Method.Violations);
        Assert.All(report.Method.Rows, r => Assert.True(r.Answered));
        Assert.True(report.Method.MedianRegret <= report.Random.MedianRegret,
            $"guided {report.Method.MedianRegret} vs random {report.Random.MedianRegret}");
    }

    [Theory]
    [InlineData("single", AccuracyModel.Linear)]
    [InlineData("single", AccuracyModel.FlopsScaled)]
    [InlineData("regression:80", AccuracyModel.Linear)]
    public void SolverAnswersMatchEnumerationOfThePredictedModel(string estimator, AccuracyModel model)
    {
        // Imperfect tables (pairwise ground truth): the solver's optimum of the predicted problem must equal the
        // best predicted network found by enumerating the whole space.
        var t = SyntheticTruth.Make(seed: 6, pairwise: 2, latencyPairwise: 0.7);
        var h = new AuditHarness(t, SyntheticTruth.Cost);
        var budgets = h.BudgetValues();
        var task = new StrategyTask
        {
            Space = t.Space, Evaluator = new MathNas.Estimation.CachingEvaluator(t.AsEvaluator()),
            BudgetSets = budgets.Select(b => (IReadOnlyList<MathNas.Search.Budget>)[new MathNas.Search.Budget(SyntheticTruth.Cost, b)]).ToList(),
        };
        var answer = new PaperMethod(estimator, model).Run(task);
        var po = t.Networks.Select(a => answer.Predict!(a, MetricNames.Accuracy)).ToArray();
        var pc = t.Networks.Select(a => answer.Predict!(a, SyntheticTruth.Cost)).ToArray();
        for (int b = 0; b < budgets.Length; b++)
        {
            var chosen = answer.Answers[b].Network;
            int k = EnumerationSearch.ArgMax(po, pc, budgets[b]);
            if (k < 0) { Assert.Null(chosen); continue; }
            Assert.NotNull(chosen);
            int c = t.IndexOf(chosen!);
            Assert.True(pc[c] <= budgets[b] + 1e-9);
            Assert.Equal(po[k], po[c], 9);
        }
    }

    [Fact]
    public void EnumerationArgMaxMatchesBruteForce()
    {
        var rng = new Random(3);
        var obj = Enumerable.Range(0, 500).Select(_ => rng.NextDouble()).ToArray();
        var cost = Enumerable.Range(0, 500).Select(_ => rng.NextDouble()).ToArray();
        foreach (var b in new[] { -1, 0.05, 0.3, 0.9, 2 })
        {
            var feasible = Enumerable.Range(0, 500).Where(k => cost[k] <= b && k % 7 != 0).ToList();
            int k = EnumerationSearch.ArgMax(obj, cost, b, i => i % 7 != 0);
            if (feasible.Count == 0) Assert.Equal(-1, k);
            else Assert.Equal(feasible.MaxBy(i => obj[i]), k);
        }
    }
}
