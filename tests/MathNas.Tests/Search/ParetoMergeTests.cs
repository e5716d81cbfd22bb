using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using Xunit.Abstractions;

namespace MathNas.Tests.Search;

/// <summary>
/// The Nemhauser-Ullmann merge of <see cref="ParetoFront"/>: point for point against enumeration on small spaces and
/// against one exact solve per point on every built-in space; the fallback to the solves where it does not apply.
/// </summary>
public class ParetoMergeTests(ITestOutputHelper output)
{
    private static readonly BranchAndBoundSolver Bnb = new();

    /// <summary>The non-dominated (cost, objective) pairs of every network, cost ascending, rounded to 6 digits.</summary>
    private static List<(double, double)> Enumerated(SearchProblem p, ResourceRow along)
    {
        var all = p.EnumerateAll().Where(c => p.IsFeasible(c)).Select(c => (Cost: along.Value(c), Obj: p.Objective(c))).ToList();
        return all.Where(x => !all.Any(y => y.Cost <= x.Cost + 1e-9 && y.Obj >= x.Obj - 1e-12 && (y.Cost < x.Cost - 1e-9 || y.Obj > x.Obj + 1e-12)))
            .Select(x => (Math.Round(x.Cost, 6), Math.Round(x.Obj, 6))).Distinct().OrderBy(x => x.Item1).ToList();
    }

    private static List<(double, double)> Rounded(ParetoResult r) => r.Points.Select(x => (Math.Round(x.Cost, 6), Math.Round(x.Objective, 6))).ToList();

    private static void AssertPointsAreTheirNetworks(SearchProblem p, ResourceRow along, ParetoResult r)
    {
        foreach (var pt in r.Points)
        {
            Assert.Equal(along.Value(pt.Code), pt.Cost, 12);
            Assert.Equal(p.Objective(pt.Code), pt.Objective, 12);
            Assert.Equal(SolveStatus.Optimal, pt.Status);
        }
        for (int k = 1; k < r.Points.Count; k++)
        {
            Assert.True(r.Points[k].Cost > r.Points[k - 1].Cost);
            Assert.True(r.Points[k].Objective > r.Points[k - 1].Objective);
        }
    }

    [Fact]
    public void MergeEqualsEnumerationOnSmallSpaces()
    {
        int merged = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            // Costs and values with ties on some seeds (integers), a second row that every network meets on others.
            var p = RandomProblems.Make(5000 + seed, m: 2 + seed % 4, maxN: 6, budgets: 1 + seed % 2, consistency: false, ratio: false, ties: seed % 3 == 0, tightness: 1);
            var along = p.Rows[0].WithCapacity(double.PositiveInfinity);
            var rows = p.Rows.Skip(1).Select(r => r.WithCapacity(r.Coef.Sum(x => x.Max()))).ToList(); // met by every network
            var q = p.With(rows: rows);
            Assert.True(ParetoFront.CanMerge(q, along), ParetoFront.WhyNoMerge(q, along));
            var front = Enumerated(q, along);
            var m = ParetoFront.Exact(Bnb, q, along, method: ParetoMethod.Merge);
            Assert.Equal("merge", m.Method);
            Assert.True(m.Complete && m.AllOptimal);
            Assert.Equal(0, m.Solves);
            Assert.Equal(front, Rounded(m));
            AssertPointsAreTheirNetworks(q, along, m);
            Assert.Equal(front[0].Item1, m.LeastCost!.Value, 6);
            // The default picks the merge here.
            Assert.Equal("merge", ParetoFront.Exact(Bnb, q, along).Method);
            merged++;
        }
        Assert.Equal(40, merged);
    }

    [Fact]
    public void MergeEqualsTheSolvesWithABudgetOnTheSameMetric()
    {
        // A budget on the metric the front runs along is dropped first (as by the solves), so the merge applies.
        for (int seed = 0; seed < 10; seed++)
        {
            var p = RandomProblems.Make(5100 + seed, m: 5, maxN: 6, budgets: 1, consistency: false, ratio: false);
            var along = p.Rows[0];
            Assert.True(ParetoFront.CanMerge(p, along));
            var m = ParetoFront.Exact(Bnb, p, along);
            var s = ParetoFront.Exact(Bnb, p, along, method: ParetoMethod.Solves);
            Assert.Equal("merge", m.Method);
            Assert.Equal("solves", s.Method);
            Assert.Equal(Rounded(s), Rounded(m));
            Assert.Equal(Enumerated(p.With(rows: []), along.WithCapacity(double.PositiveInfinity)), Rounded(m));
        }
    }

    [Fact]
    public void BudgetsFromTheMergeAreTheBestWithinEachBudget()
    {
        for (int seed = 0; seed < 12; seed++)
        {
            var p = RandomProblems.Make(5200 + seed, m: 4, maxN: 5, budgets: 1, consistency: false, ratio: false);
            var along = p.Rows[0].WithCapacity(double.PositiveInfinity);
            var q = p.With(rows: []);
            var feas = q.EnumerateAll().Select(c => (Cost: along.Value(c), Obj: q.Objective(c))).ToList();
            var m = ParetoFront.AtBudgets(Bnb, q, along, 9);
            var s = ParetoFront.AtBudgets(Bnb, q, along, 9, method: ParetoMethod.Solves);
            Assert.Equal("merge", m.Method);
            Assert.Equal(9, m.Points.Count);
            Assert.True(m.AllOptimal);
            Assert.Equal(feas.Min(x => x.Cost), m.LeastCost!.Value, 9);
            // The top budget is the least cost of an optimal network.
            double best = feas.Max(x => x.Obj);
            Assert.Equal(feas.Where(x => x.Obj >= best - 1e-12).Min(x => x.Cost), m.Points[^1].Budget, 9);
            foreach (var pt in m.Points)
            {
                Assert.Equal(feas.Where(x => x.Cost <= pt.Budget + 1e-9).Max(x => x.Obj), pt.Objective, 9);
                Assert.True(pt.Cost <= pt.Budget + 1e-9);
            }
            // No ties in these tables: the same budgets and answers as the solves.
            Assert.Equal(s.Points.Select(x => Math.Round(x.Budget, 6)), m.Points.Select(x => Math.Round(x.Budget, 6)));
            Assert.Equal(s.Points.Select(x => Math.Round(x.Objective, 9)), m.Points.Select(x => Math.Round(x.Objective, 9)));
        }
    }

    [Fact]
    public void MergeWithConsistencyConstraintsEqualsEnumeration()
    {
        int withBinding = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            // Constraints with negative coefficients and implications between random nodes (some can bind, some cannot).
            var p = RandomProblems.Make(5500 + seed, m: 3 + seed % 4, maxN: 5, budgets: 1, consistency: true, ratio: false, ties: seed % 5 == 0, tightness: 1);
            var along = p.Rows[0];
            Assert.True(ParetoFront.CanMerge(p, along), ParetoFront.WhyNoMerge(p, along));
            var q = p.With(rows: p.Rows.Skip(1).ToList());
            if (q.Rows.Any(r => r.Coef.Sum(c => c.Max()) > r.Capacity)) withBinding++;
            var front = q.EnumerateAll().Any(c => q.IsFeasible(c)) ? Enumerated(q, along.WithCapacity(double.PositiveInfinity)) : [];
            var m = ParetoFront.Exact(Bnb, p, along);
            Assert.Equal("merge", m.Method);
            Assert.True(m.Complete);
            Assert.Equal(front, Rounded(m));
            AssertPointsAreTheirNetworks(p, along, m);
            Assert.All(m.Points, x => Assert.True(q.IsFeasible(x.Code)));
            if (front.Count > 0) Assert.Equal(Rounded(ParetoFront.Exact(Bnb, p, along, method: ParetoMethod.Solves)), Rounded(m));
        }
        Assert.True(withBinding >= 30, $"{withBinding} problems with a binding constraint");
    }

    [Fact]
    public void RatioObjectiveOtherBudgetsAndExclusionsFallBackToTheSolves()
    {
        var ratio = RandomProblems.Make(5300, m: 4, maxN: 5, budgets: 1, consistency: false, ratio: true);
        var two = RandomProblems.Make(5302, m: 4, maxN: 5, budgets: 2, consistency: false, ratio: false, tightness: 0.3);
        var excl = two.With(rows: [two.Rows[0]], excluded: [new int[4]]);
        foreach (var (p, what) in new[] { (ratio, "FLOPs-scaled"), (two, "budget 'b1'"), (excl, "excludes") })
        {
            var along = p.Rows[0];
            var why = ParetoFront.WhyNoMerge(p, along);
            Assert.NotNull(why);
            Assert.Contains(what, why);
            var r = ParetoFront.Exact(Bnb, p, along);
            Assert.Equal("solves", r.Method);
            Assert.True(r.AllOptimal);
            Assert.Equal(Enumerated(p.With(rows: p.Rows.Skip(1).ToList()), along.WithCapacity(double.PositiveInfinity)), Rounded(r));
            var e = Assert.Throws<MathNasException>(() => ParetoFront.Exact(Bnb, p, along, method: ParetoMethod.Merge));
            Assert.Contains(what, e.Message);
        }
    }

    [Fact]
    public void MergeEqualsTheSolvesOnEveryBuiltInSpace()
    {
        int compared = 0;
        foreach (var (name, _) in SpaceRegistry.List())
        {
            SearchSpace s;
            try { s = SpaceRegistry.Resolve(name); }
            catch (Exception e) when (e is MathNasException or IOException) { output.WriteLine($"{name}: skipped ({e.Message})"); continue; }
            var t = SyntheticSpaces.Tables(s, 71, "dev");
            var p = SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, []);
            var along = SearchProblemBuilder.MetricRow(s, t, "latency:dev");
            // Every built-in space merges: consistency constraints (depth rules) are carried as state.
            Assert.True(ParetoFront.CanMerge(p, along), ParetoFront.WhyNoMerge(p, along));
            var auto = ParetoFront.Exact(Bnb, p, along);
            // On the large stage view and the layer view (over 1,000 points) the solves of the whole front would take
            // minutes on a busy machine: their 60 most accurate points there.
            int top = s.Nodes.Sum(n => n.Count) > 2000 || auto.Points.Count > 600 ? 60 : 100_000;
            var solves = ParetoFront.Exact(Bnb, p, along, maxPoints: top, method: ParetoMethod.Solves);
            output.WriteLine($"{name}: {auto.Method}, {auto.Points.Count} points in {auto.Ms:F2} ms; solves {solves.Points.Count} points in {solves.Ms:F1} ms");
            Assert.Equal("merge", auto.Method);
            Assert.True(auto.AllOptimal);
            var a = Rounded(auto);
            var b = Rounded(solves);
            if (solves.Complete) Assert.Equal(b, a);
            else Assert.Equal(b, a.Skip(a.Count - b.Count).ToList());
            AssertPointsAreTheirNetworks(p, along, auto);
            foreach (var pt in auto.Points) Assert.True(s.IsValid(new Architecture(pt.Code)));
            compared++;
        }
        Assert.True(compared >= 5, $"{compared} spaces compared");
    }

    [Fact]
    public void MergeStopsAtTheDeadlineAndKeepsTheMostAccuratePointsAtThePointLimit()
    {
        var p = RandomProblems.Make(5400, m: 8, maxN: 9, budgets: 1, consistency: false, ratio: false);
        var along = p.Rows[0].WithCapacity(double.PositiveInfinity);
        var q = p.With(rows: []);
        var whole = ParetoFront.Exact(Bnb, q, along);
        Assert.True(whole.Points.Count > 10);
        var cut = ParetoFront.Exact(Bnb, q, along, maxPoints: 10);
        Assert.False(cut.Complete);
        Assert.False(cut.AllOptimal);
        Assert.Null(cut.LeastCost);
        Assert.Equal(Rounded(whole).Skip(whole.Points.Count - 10), Rounded(cut));
        var late = ParetoFront.Exact(Bnb, q, along, timeLimitSeconds: 0);
        Assert.False(late.Complete);
        Assert.Empty(late.Points);
        var lateBudgets = ParetoFront.AtBudgets(Bnb, q, along, 5, timeLimitSeconds: 0);
        Assert.False(lateBudgets.Complete);
        Assert.False(lateBudgets.AllOptimal);
    }
}
