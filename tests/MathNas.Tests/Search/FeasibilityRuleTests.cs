using MathNas.Search;

namespace MathNas.Tests.Search;

/// <summary>
/// Issue 10 defect 2 / issue 9 item 5: one feasibility rule, relative to the budget. One huge coefficient in a row
/// (a block marked unavailable with latency 1e9, a block of 1e308 FLOPs) must not loosen the budget.
/// </summary>
public class FeasibilityRuleTests
{
    private static readonly BranchAndBoundSolver Bnb = new();
    private static readonly OrToolsSolver OrTools = new();

    /// <summary>The rule written out independently of the library: value &lt;= max + 1e-9 x max(1, |max|).</summary>
    private static bool Meets(double value, double max) => value <= max + 1e-9 * Math.Max(1, Math.Abs(max));

    private static bool StrictlyFeasible(SearchProblem p, int[] code) =>
        !p.IsExcluded(code) && p.Rows.All(r => double.IsPositiveInfinity(r.Capacity) || Meets(r.Value(code), r.Max));

    private static List<(int[] Code, double Obj)> StrictBrute(SearchProblem p) =>
        p.EnumerateAll().Where(c => StrictlyFeasible(p, c)).Select(c => (c, p.Objective(c)))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.c, Comparer<int[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();

    [Fact]
    public void The_rule_is_relative_to_the_bound_only()
    {
        Assert.True(Feasibility.IsMet(12.5, 12.5));
        Assert.True(Feasibility.IsMet(12.5 + 1e-8, 12.5)); // within 1e-9 x 12.5
        Assert.False(Feasibility.IsMet(12.5 + 2e-8, 12.5));
        Assert.False(Feasibility.IsMet(13, 12.5));
        Assert.True(Feasibility.IsMet(1e-10, 0)); // at least 1e-9 in the metric's unit
        Assert.False(Feasibility.IsMet(2e-9, 0));
        Assert.False(Feasibility.IsMet(double.NaN, 1));
        Assert.False(Feasibility.IsMet(1, double.NaN));
        Assert.True(Feasibility.IsMet(1e308, double.PositiveInfinity));
        Assert.False(Feasibility.IsMet(double.PositiveInfinity, 1e308));
        Assert.False(Feasibility.IsMet(5, Feasibility.StrictlyBelow(5)));
        Assert.True(Feasibility.IsMet(5 - 3 * Feasibility.ToleranceOf(5), Feasibility.StrictlyBelow(5)));
        Assert.True(new Budget("latency:dev", 12.5).IsMet(12.5));
        Assert.False(new Budget("latency:dev", 12.5).IsMet(13));
        // A row's tolerance no longer grows with its largest coefficient.
        var row = new ResourceRow("latency:dev", RowKind.Budget, [[0, 1e9], [0, 3]], 2.5, 10);
        Assert.Equal(Feasibility.ToleranceOf(12.5), row.Tolerance);
        Assert.False(row.IsSatisfied([0, 1])); // 13 > 12.5
    }

    /// <summary>The issue's case: a tiny space, base latency 10 ms, one block unavailable (latency 1e9), budget 12.5 ms.</summary>
    private static SearchProblem UnavailableBlockProblem(double huge)
    {
        // Per node: skip / conv3x3 (base) / conv5x5. Latency contributions -2 / 0 / +3 ms (node 3's conv5x5: huge);
        // accuracy contributions -3 / 0 / +1, -4 / 0 / +1.5, -5 / 0 / +2.
        double[][] lat = [[-2, 0, 3], [-2, 0, 3], [-2, 0, huge]];
        double[][] acc = [[-3, 0, 1], [-4, 0, 1.5], [-5, 0, 2]];
        var row = new ResourceRow("latency:dev", RowKind.Budget, lat, 12.5 - 10, 10);
        return new SearchProblem([3, 3, 3], 80, acc, [row]);
    }

    [Theory]
    [InlineData(1e9)]
    [InlineData(1e300)]
    [InlineData(1.0e308)]
    public void A_block_marked_unavailable_does_not_loosen_the_budget(double huge)
    {
        var p = UnavailableBlockProblem(huge);
        var brute = StrictBrute(p);
        foreach (ISearchSolver solver in new ISearchSolver[] { Bnb, OrTools })
        {
            var r = solver.Solve(p, new SolveOptions { TopK = 3 });
            Assert.Equal(SolveStatus.Optimal, r.Status);
            Assert.Equal(3, r.Solutions.Count);
            for (int t = 0; t < 3; t++)
            {
                Assert.True(Meets(p.Rows[0].Value(r.Solutions[t].Code), 12.5), $"{solver.Name}: {string.Join(",", r.Solutions[t].Code)} is predicted {p.Rows[0].Value(r.Solutions[t].Code)} ms > 12.5 ms");
                Assert.Equal(brute[t].Obj, r.Solutions[t].Objective, 9);
            }
        }
        // 13 ms (conv5x5 at node 1, accuracy 81) must not be the answer; the strict optimum is all conv3x3 (10 ms, 80).
        Assert.Equal(new[] { 1, 1, 1 }, Bnb.Solve(p).Best!.Code);
    }

    [Fact]
    public void Infeasible_is_proven_even_with_a_huge_coefficient()
    {
        // Least latency 10 - 6 = 4 ms; a 3.5 ms budget cannot be met, whatever the 1e9 coefficient does to the scale.
        var p = UnavailableBlockProblem(1e9);
        var q = p.With(rows: [p.Rows[0].WithCapacity(3.5 - 10)]);
        var r = Bnb.Solve(q);
        Assert.Equal(SolveStatus.Infeasible, r.Status);
        Assert.Equal(SolveStatus.Infeasible, OrTools.Solve(q).Status);
        Assert.Contains(r.Infeasibility!.Rows, x => x.LeastValue is { } lv && Math.Abs(lv - 4) < 1e-9);
    }

    /// <summary>A random problem with one coefficient of one budget row replaced by <paramref name="huge"/>.</summary>
    private static SearchProblem WithHugeCoefficient(SearchProblem p, int seed, double huge)
    {
        var rng = new Random(seed);
        var rows = p.Rows.ToList();
        int q = rows.FindIndex(r => r.Kind == RowKind.Budget);
        var coef = rows[q].Coef.Select(r => (double[])r.Clone()).ToArray();
        int i = rng.Next(coef.Length);
        // Keep at least one other block at the node, so the node can avoid the huge one.
        if (coef[i].Length == 1) return p;
        coef[i][rng.Next(coef[i].Length)] = huge;
        rows[q] = new ResourceRow(rows[q].Name, rows[q].Kind, coef, rows[q].Capacity, rows[q].Offset);
        return p.With(rows: rows);
    }

    [Theory]
    [InlineData(1e9)]
    [InlineData(1e15)]
    [InlineData(1e300)]
    public void Random_problems_with_one_huge_coefficient_match_strict_brute_force_and_OrTools(double huge)
    {
        int compared = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var p0 = RandomProblems.Make(7000 + seed, m: 2 + seed % 4, maxN: 5, budgets: 1 + seed % 2, consistency: seed % 3 == 0, ratio: seed % 4 == 3, tightness: 0.6);
            var p = WithHugeCoefficient(p0, seed, huge);
            if (ReferenceEquals(p, p0)) continue;
            var brute = StrictBrute(p);
            var a = Bnb.Solve(p, new SolveOptions { TopK = 3 });
            var b = OrTools.Solve(p, new SolveOptions { TopK = 3 });
            if (brute.Count == 0)
            {
                Assert.Equal(SolveStatus.Infeasible, a.Status);
                Assert.Equal(SolveStatus.Infeasible, b.Status);
                continue;
            }
            Assert.Equal(SolveStatus.Optimal, a.Status);
            Assert.Equal(Math.Min(3, brute.Count), a.Solutions.Count);
            Assert.Equal(a.Solutions.Count, b.Solutions.Count);
            for (int t = 0; t < a.Solutions.Count; t++)
            {
                Assert.True(StrictlyFeasible(p, a.Solutions[t].Code), $"seed {seed}: bnb answer {string.Join(",", a.Solutions[t].Code)} breaks a budget");
                Assert.True(StrictlyFeasible(p, b.Solutions[t].Code), $"seed {seed}: OR-Tools answer breaks a budget");
                Assert.Equal(brute[t].Obj, a.Solutions[t].Objective, 9);
                Assert.Equal(brute[t].Obj, b.Solutions[t].Objective, 6);
            }
            compared++;
        }
        Assert.True(compared >= 20, $"only {compared} problems compared");
    }

    [Theory]
    [InlineData(1e9)]
    [InlineData(1e300)]
    public void Pareto_front_keeps_every_point_with_a_huge_coefficient(double huge)
    {
        // Cost row: latency of the unavailable-block problem; ten distinct cost levels make a front of several points.
        var p = UnavailableBlockProblem(huge);
        var along = p.Rows[0].WithCapacity(double.PositiveInfinity);
        var free = p.With(rows: []);
        var feas = free.EnumerateAll().Select(c => (Cost: along.Value(c), Obj: free.Objective(c))).ToList();
        var front = feas.Where(x => !feas.Any(y => y.Cost <= x.Cost && y.Obj >= x.Obj && (y.Cost < x.Cost || y.Obj > x.Obj)))
            .Select(x => (x.Cost, Math.Round(x.Obj, 9))).Distinct().OrderBy(x => x.Cost).ToList();
        Assert.True(front.Count >= 6, $"the brute-force front has only {front.Count} points");
        foreach (ISearchSolver solver in new ISearchSolver[] { Bnb, OrTools })
        {
            var exact = ParetoFront.Exact(solver, free, along);
            Assert.True(exact.AllOptimal);
            Assert.Equal(front, exact.Points.Select(x => (x.Cost, Math.Round(x.Objective, 9))).ToList());
        }
        // At budgets between the least and the (huge) unconstrained cost: each point within its budget and optimal.
        var nb = ParetoFront.AtBudgets(Bnb, free, along, 10);
        foreach (var pt in nb.Points)
        {
            Assert.True(Meets(pt.Cost, pt.Budget), $"point of cost {pt.Cost} above its budget {pt.Budget}");
            Assert.Equal(feas.Where(x => Meets(x.Cost, pt.Budget)).Max(x => x.Obj), pt.Objective, 9);
        }
    }
}
