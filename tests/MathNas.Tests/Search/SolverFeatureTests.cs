using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;

namespace MathNas.Tests.Search;

public class SolverFeatureTests
{
    private static readonly BranchAndBoundSolver Bnb = new();

    [Fact]
    public void AgreesWithOrToolsOnMediumProblems()
    {
        var ort = new OrToolsSolver();
        for (int seed = 0; seed < 6; seed++)
        {
            var p = RandomProblems.Make(900 + seed, m: 14, maxN: 9, budgets: 1 + seed % 3, consistency: seed % 2 == 1, ratio: seed % 3 == 2, tightness: 0.5);
            var a = Bnb.Solve(p, new SolveOptions { TopK = 3 });
            var b = ort.Solve(p, new SolveOptions { TopK = 3 });
            Assert.Equal(b.Status, a.Status);
            Assert.Equal(b.Solutions.Count, a.Solutions.Count);
            for (int t = 0; t < a.Solutions.Count; t++)
            {
                Assert.Equal(b.Solutions[t].Objective, a.Solutions[t].Objective, 6);
                Assert.True(p.IsFeasible(b.Solutions[t].Code));
            }
        }
    }

    [Fact]
    public void OrToolsMatchesBruteForceOnSmallProblems()
    {
        var ort = new OrToolsSolver();
        for (int seed = 0; seed < 8; seed++)
        {
            var p = RandomProblems.Make(1300 + seed, m: 4, maxN: 5, budgets: seed % 3, consistency: seed % 2 == 0, ratio: seed % 4 == 1, tightness: seed == 3 ? 0.01 : 0.6);
            var brute = RandomProblems.Brute(p);
            var r = ort.Solve(p, new SolveOptions { TopK = 2 });
            if (brute.Count == 0) { Assert.Equal(SolveStatus.Infeasible, r.Status); continue; }
            Assert.Equal(SolveStatus.Optimal, r.Status);
            for (int t = 0; t < r.Solutions.Count; t++) Assert.Equal(brute[t].Obj, r.Solutions[t].Objective, 6);
        }
    }

    [Fact]
    public void DinkelbachMatchesBruteForceOfTheRatio()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            var p = RandomProblems.Make(2000 + seed, m: 3 + seed % 4, maxN: 6, budgets: seed % 3, consistency: seed % 5 == 0, ratio: true);
            var brute = RandomProblems.Brute(p);
            var r = Bnb.Solve(p);
            if (brute.Count == 0) { Assert.Equal(SolveStatus.Infeasible, r.Status); continue; }
            Assert.Equal(SolveStatus.Optimal, r.Status);
            Assert.Equal(brute[0].Obj, r.Best!.Objective, 9);
            Assert.True(r.Iterations >= 2); // at least one improving step and the proof step
            // The ratio objective is not the linear one: the answers differ on some instances (checked below in aggregate).
        }
    }

    [Fact]
    public void RatioAndLinearObjectivesCanChooseDifferentNetworks()
    {
        int differ = 0;
        for (int seed = 0; seed < 30; seed++)
        {
            var p = RandomProblems.Make(2100 + seed, m: 5, maxN: 6, budgets: 1, consistency: false, ratio: true);
            var lin = p.WithLinearObjective(p.Constant, p.Value);
            var a = Bnb.Solve(p);
            var b = Bnb.Solve(lin);
            if (a.Best is not null && b.Best is not null && !a.Best.Code.SequenceEqual(b.Best.Code)) differ++;
        }
        Assert.True(differ > 0, "the FLOPs-scaled objective should not be a disguised linear one");
    }

    [Fact]
    public void InfeasibleBudgetNamesTheBudgetAndTheLeastValue()
    {
        var p = RandomProblems.Make(3000, m: 5, maxN: 4, budgets: 2, consistency: false, ratio: false);
        var row = p.Rows[1];
        double least = p.EnumerateAll().Min(c => row.Value(c));
        var q = p.With(rows: [p.Rows[0].WithCapacity(double.PositiveInfinity), row.WithCapacity(least - row.Offset - 0.5)]);
        var r = Bnb.Solve(q);
        Assert.Equal(SolveStatus.Infeasible, r.Status);
        var why = Assert.Single(r.Infeasibility!.Rows);
        Assert.Equal(row.Name, why.Row);
        Assert.Equal(least, why.LeastValue!.Value, 9);
        Assert.Contains(row.Name, r.Infeasibility.Message);
    }

    [Fact]
    public void JointlyInfeasibleBudgetsAreReportedUnderTheOthers()
    {
        // Two budgets each feasible alone but not together: rows pull in opposite directions.
        var counts = new[] { 2, 2 };
        double[][] a = [[0, 1], [0, 1]];
        double[][] b = [[1, 0], [1, 0]];
        var p = new SearchProblem(counts, 0, [[0, 1], [0, 1]],
            [new ResourceRow("cost:a", RowKind.Budget, a, 0.5), new ResourceRow("cost:b", RowKind.Budget, b, 0.5)]);
        var r = Bnb.Solve(p);
        Assert.Equal(SolveStatus.Infeasible, r.Status);
        Assert.Contains("together", r.Infeasibility!.Message);
        Assert.Equal(2, r.Infeasibility.Rows[0].LeastValue!.Value, 9); // a <= 0.5 forces both nodes to block 0
    }

    [Fact]
    public void TimeLimitGivesAValidGap()
    {
        var s = SyntheticSpaces.Space("big", Enumerable.Repeat(40, 150).ToArray(), 5);
        var t = SyntheticSpaces.Tables(s, 6, "a", "b");
        var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear,
            [SyntheticSpaces.BudgetAt(s, t, "latency:a", 0.45), SyntheticSpaces.BudgetAt(s, t, "latency:b", 0.55)]);
        var full = Bnb.Solve(p);
        Assert.Equal(SolveStatus.Optimal, full.Status);
        var cut = Bnb.Solve(p, new SolveOptions { TimeLimitSeconds = 0 });
        Assert.Contains(cut.Status, new[] { SolveStatus.Feasible, SolveStatus.Optimal, SolveStatus.Unknown });
        Assert.True(cut.UpperBound >= full.Best!.Objective - 1e-9, "the proven bound must not be below the optimum");
        if (cut.Best is not null) Assert.True(cut.Best.Objective <= full.Best.Objective + 1e-9);
        // A node limit stops the proof deterministically: a feasible network and an honest bound.
        foreach (var model in new[] { AccuracyModel.Linear, AccuracyModel.FlopsScaled })
        {
            var q = SearchProblemBuilder.Build(s, t, model,
                [SyntheticSpaces.BudgetAt(s, t, "latency:a", 0.45), SyntheticSpaces.BudgetAt(s, t, "latency:b", 0.55)]);
            var opt = Bnb.Solve(q);
            Assert.Equal(SolveStatus.Optimal, opt.Status);
            var lim = Bnb.Solve(q, new SolveOptions { NodeLimit = 300 });
            Assert.Equal(SolveStatus.Feasible, lim.Status);
            Assert.True(q.IsFeasible(lim.Best!.Code));
            Assert.True(lim.UpperBound >= opt.Best!.Objective - 1e-9, $"{model}: bound {lim.UpperBound} below optimum {opt.Best.Objective}");
            Assert.True(lim.Best.Objective <= opt.Best.Objective + 1e-9);
            Assert.True(lim.Gap >= opt.Best.Objective - lim.Best.Objective - 1e-9);
        }
    }

    [Fact]
    public void DominancePruningKeepsTopKExact()
    {
        // Block 1 of node 0 dominates block 0 (better value, cheaper); top-2 needs the dominated block.
        var p = new SearchProblem([2, 1], 0, [[1, 2], [0]], [new ResourceRow("cost:a", RowKind.Budget, [[2, 1], [0]], 5)]);
        var r = Bnb.Solve(p, new SolveOptions { TopK = 2 });
        Assert.Equal(2, r.Solutions.Count);
        Assert.Equal([1, 0], r.Solutions[0].Code);
        Assert.Equal([0, 0], r.Solutions[1].Code);
    }

    [Fact]
    public void TiesAreBrokenByTheSmallerCode()
    {
        var p = new SearchProblem([3, 3], 0, [[1, 1, 1], [2, 2, 0]], []);
        var r = Bnb.Solve(p, new SolveOptions { TopK = 4 });
        Assert.Equal(new[] { "0,0", "0,1", "1,0", "1,1" }, r.Solutions.Select(s => string.Join(",", s.Code)));
    }

    [Fact]
    public void ParetoFrontMatchesBruteForce()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            bool ratio = seed % 2 == 1;
            var p = RandomProblems.Make(4000 + seed, m: 4, maxN: 5, budgets: 2, consistency: seed % 3 == 0, ratio, tightness: 1);
            var along = p.Rows[0].WithCapacity(double.PositiveInfinity);
            var others = p.With(rows: p.Rows.Skip(1).ToList());
            var feas = others.EnumerateAll().Where(c => others.IsFeasible(c)).Select(c => (Cost: along.Value(c), Obj: others.Objective(c))).ToList();
            if (feas.Count == 0) continue;
            // Brute-force front: points not dominated (cheaper-or-equal and at least as accurate, one strictly).
            var front = feas.Where(x => !feas.Any(y => y.Cost <= x.Cost + 1e-9 && y.Obj >= x.Obj - 1e-12 && (y.Cost < x.Cost - 1e-9 || y.Obj > x.Obj + 1e-12)))
                .Select(x => (Math.Round(x.Cost, 6), Math.Round(x.Obj, 6))).Distinct().OrderBy(x => x.Item1).ToList();
            var exact = ParetoFront.Exact(Bnb, others, along);
            Assert.True(exact.AllOptimal);
            Assert.Equal(front, exact.Points.Select(x => (Math.Round(x.Cost, 6), Math.Round(x.Objective, 6))).ToList());
            // N budgets: each point is the best objective within its budget.
            var nb = ParetoFront.AtBudgets(Bnb, others, along, 7);
            Assert.Equal(7, nb.Points.Count);
            foreach (var pt in nb.Points)
            {
                var best = feas.Where(x => x.Cost <= pt.Budget + 1e-9).Max(x => x.Obj);
                Assert.Equal(best, pt.Objective, 9);
                Assert.True(pt.Cost <= pt.Budget + 1e-9);
            }
            Assert.Equal(feas.Min(x => x.Cost), nb.LeastCost!.Value, 9);
        }
    }

    private sealed class FakeEvaluator(Func<Architecture, double> latency) : IEvaluator
    {
        public string Name => "fake";
        public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { ["latency:dev"] = "ms" };
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a) => new Dictionary<string, double> { ["latency:dev"] = latency(a) };
    }

    [Theory]
    [InlineData(ClosedLoopMode.Cut)]
    [InlineData(ClosedLoopMode.Tighten)]
    [InlineData(ClosedLoopMode.Both)]
    public void ClosedLoopEndsWithANetworkThatTrulyMeetsTheBudget(ClosedLoopMode mode)
    {
        var s = SyntheticSpaces.Space("cl", [4, 4, 4, 4], 9);
        var t = SyntheticSpaces.Tables(s, 10, "dev");
        var b = SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.5);
        var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, [b]);
        var row = p.Rows[0];
        // The "true" latency is 15% above the table's prediction, plus a code-dependent wobble.
        double True(Architecture a) => row.Value(a.ToArray()) * 1.15 + 0.01 * a[0];
        var eval = new CachingEvaluator(new FakeEvaluator(True));
        var r = ClosedLoopSearch.Run(Bnb, p, eval, maxRounds: 50, mode);
        Assert.True(r.Verified);
        Assert.True(r.Rounds > 1, "the tables are optimistic, so the first choice must break the budget");
        Assert.True(True(new Architecture(r.Final.Best!.Code)) <= b.Max + 1e-9);
        Assert.Equal(r.Rounds, r.History.Count);
        Assert.Equal(r.Rounds, eval.Evaluations);
        // The accepted network is the best (by prediction) among those that truly meet the budget, when only cuts are used.
        if (mode == ClosedLoopMode.Cut)
        {
            var best = p.EnumerateAll().Where(c => p.IsFeasible(c) && True(new Architecture(c)) <= b.Max).Max(c => p.Objective(c));
            Assert.Equal(best, r.Final.Best.Objective, 9);
        }
    }

    [Fact]
    public void ClosedLoopStopsAtTheRoundLimit()
    {
        var s = SyntheticSpaces.Space("cl2", [4, 4, 4], 19);
        var t = SyntheticSpaces.Tables(s, 20, "dev");
        var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, [SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.6)]);
        var eval = new CachingEvaluator(new FakeEvaluator(_ => 1e9)); // nothing ever meets the budget
        var r = ClosedLoopSearch.Run(Bnb, p, eval, maxRounds: 3, ClosedLoopMode.Cut);
        Assert.False(r.Verified);
        Assert.Equal(3, r.Rounds);
        Assert.Equal(3, eval.Evaluations);
    }
}
