using System.Diagnostics;

namespace MathNas.Search;

/// <summary>One point of a front: the best network whose cost along the varied metric is at most Budget.</summary>
public sealed record ParetoPoint(double Budget, int[] Code, double Cost, double Objective, SolveStatus Status);

public sealed class ParetoResult
{
    public required string Along { get; init; }
    /// <summary>Points by ascending cost.</summary>
    public required IReadOnlyList<ParetoPoint> Points { get; init; }
    public bool AllOptimal => Points.All(p => p.Status == SolveStatus.Optimal);
    /// <summary>Solver calls made (budgets answered by reusing an earlier optimum need none).</summary>
    public int Solves { get; init; }
    public double Ms { get; init; }
    /// <summary>Least value of the metric any network reaches under the other constraints (null when infeasible).</summary>
    public double? LeastCost { get; init; }
}

/// <summary>
/// Exact accuracy-vs-cost fronts along one metric: the whole front (every non-dominated (cost, accuracy) pair,
/// by repeatedly solving with the cost bounded strictly below the last point), or the optimum at N budgets
/// spread between the least reachable cost and the cost of the unconstrained optimum (descending, reusing the
/// previous optimum while it still fits — the feasible set only shrinks — and seeding each solve with it).
/// </summary>
public static class ParetoFront
{
    /// <summary>The problem without any budget on <paramref name="along"/>'s metric.</summary>
    private static SearchProblem Strip(SearchProblem p, ResourceRow along) =>
        p.With(rows: p.Rows.Where(r => !(r.Kind == RowKind.Budget && r.Name == along.Name)).ToList());

    private static SearchProblem WithCap(SearchProblem p, ResourceRow along, double max) =>
        p.With(rows: p.Rows.Append(new ResourceRow(along.Name, RowKind.Budget, along.Coef, max - along.Offset, along.Offset)).ToList());

    /// <summary>Least value of a metric row over the feasible networks (null when none).</summary>
    public static double? LeastValue(ISearchSolver solver, SearchProblem p, ResourceRow row, double? timeLimit = null)
    {
        var r = solver.Solve(p.WithLinearObjective(0, ResourceRow.Negate(row.Coef)), new SolveOptions { Diagnose = false, TimeLimitSeconds = timeLimit });
        return r.Best is null ? null : row.Value(r.Best.Code);
    }

    public static ParetoResult AtBudgets(ISearchSolver solver, SearchProblem problem, ResourceRow along, int points, double? timeLimitSeconds = null)
    {
        if (points < 1) throw new MathNasException("a Pareto front needs at least 1 point");
        var t0 = Stopwatch.GetTimestamp();
        var deadline = SearchSolverBase.DeadlineFrom(timeLimitSeconds);
        double? Left() => SearchSolverBase.SecondsLeft(deadline);
        var p = Strip(problem, along);
        var top = solver.Solve(p, new SolveOptions { Diagnose = false, TimeLimitSeconds = Left() });
        int solves = 1;
        var least = LeastValue(solver, p, along, Left());
        solves++;
        if (top.Best is null || least is null)
            return new ParetoResult { Along = along.Name, Points = [], Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds };
        double hi = along.Value(top.Best.Code), lo = least.Value;
        // A metric that cannot be negative: budgets start at the least feasible non-negative value, not at a negative prediction.
        // (When even the unconstrained optimum is predicted below zero, every budget from 0 up gives it: all budgets are 0.)
        if (BelowZero.CannotBeNegative(along.Name) && lo < 0) { lo = 0; hi = Math.Max(hi, 0); }
        var list = new List<ParetoPoint>();
        var found = new List<int[]> { top.Best.Code };
        ParetoPoint last = new(hi, top.Best.Code, along.Value(top.Best.Code), top.Best.Objective, top.Status);
        for (int t = points - 1; t >= 0; t--)
        {
            double b = points == 1 ? hi : lo + (hi - lo) * t / (points - 1);
            if (Feasibility.IsMet(last.Cost, b))
            {
                list.Add(last with { Budget = b });
                continue;
            }
            var r = solver.Solve(WithCap(p, along, b), new SolveOptions { Diagnose = false, Hints = found, TimeLimitSeconds = Left() });
            solves++;
            if (r.Best is null)
            {
                // Only possible at the bottom through rounding of the least cost; keep the least-cost point.
                continue;
            }
            found.Add(r.Best.Code);
            last = new ParetoPoint(b, r.Best.Code, along.Value(r.Best.Code), r.Best.Objective, r.Status);
            list.Add(last);
        }
        list.Reverse();
        return new ParetoResult { Along = along.Name, Points = list, Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LeastCost = least.Value };
    }

    /// <summary>The whole exact front: every (cost, objective) pair not dominated by another network.</summary>
    public static ParetoResult Exact(ISearchSolver solver, SearchProblem problem, ResourceRow along, int maxPoints = 100_000, double? timeLimitSeconds = null)
    {
        var t0 = Stopwatch.GetTimestamp();
        var deadline = SearchSolverBase.DeadlineFrom(timeLimitSeconds);
        double? Left() => SearchSolverBase.SecondsLeft(deadline);
        var p = Strip(problem, along);
        var pts = new List<ParetoPoint>();
        double cap = double.PositiveInfinity;
        int solves = 0;
        while (pts.Count < maxPoints)
        {
            var q = double.IsPositiveInfinity(cap) ? p : WithCap(p, along, cap);
            var r = solver.Solve(q, new SolveOptions { Diagnose = false, TimeLimitSeconds = Left() });
            solves++;
            if (r.Best is null) break;
            double cost = along.Value(r.Best.Code);
            var pt = new ParetoPoint(cost, r.Best.Code, cost, r.Best.Objective, r.Status);
            // The previous point is dominated when this cheaper one is as accurate.
            if (pts.Count > 0 && pts[^1].Objective <= pt.Objective + 1e-12 * Math.Max(1, Math.Abs(pt.Objective))) pts.RemoveAt(pts.Count - 1);
            pts.Add(pt);
            if (r.Status != SolveStatus.Optimal) break;
            // Strictly cheaper than this point under the one feasibility rule (the step is relative to the cost, never to the
            // row's coefficients), and clear of the rounding of Offset + sum.
            cap = Math.Min(Feasibility.StrictlyBelow(cost), cost - 4 * Math.Abs(Math.BitIncrement(Math.Abs(along.Offset)) - Math.Abs(along.Offset)));
        }
        pts.Reverse();
        return new ParetoResult { Along = along.Name, Points = pts, Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LeastCost = pts.Count > 0 ? pts[0].Cost : null };
    }
}
