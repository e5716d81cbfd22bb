using System.Globalization;
using MathNas.Estimation;

namespace MathNas.Search;

public enum ClosedLoopMode
{
    /// <summary>Exclude a network that breaks a budget (no-good cut).</summary>
    Cut,
    /// <summary>Tighten each broken budget by the measured prediction error of the chosen network.</summary>
    Tighten,
    /// <summary>Both.</summary>
    Both,
}

/// <summary>One round of the closed loop: the network chosen, what was measured, which budgets it broke, what was done.</summary>
public sealed record ClosedLoopRound(int Round, int[] Code, double PredictedObjective, IReadOnlyDictionary<string, double> Predicted,
    IReadOnlyDictionary<string, double> Measured, IReadOnlyList<string> Broken, string Action);

public sealed class ClosedLoopResult
{
    /// <summary>The last solve (its best network is the answer when <see cref="Verified"/>).</summary>
    public required SearchResult Final { get; init; }
    /// <summary>True when the answer was measured and meets every budget the evaluator measures.</summary>
    public required bool Verified { get; init; }
    public required int Rounds { get; init; }
    /// <summary>Distinct networks the evaluator measured.</summary>
    public required int Evaluations { get; init; }
    public required IReadOnlyList<ClosedLoopRound> History { get; init; }
    /// <summary>Budget rows as finally used (tightened capacities), for reporting.</summary>
    public required IReadOnlyList<ResourceRow> FinalRows { get; init; }
    public double SolveMs { get; init; }
}

/// <summary>
/// Closed-loop search (issue 2, item 7): solve, measure the chosen network with a real evaluator, and when it
/// breaks a budget (true value &gt; max under <see cref="Feasibility.IsMet"/>), exclude it and/or tighten that budget by
/// the measured error, then re-solve, until the chosen network truly meets every measured budget or the round limit
/// is reached.
/// </summary>
/// <remarks>
/// A budget is never tightened below (a) the least value the tables predict for any network still allowed (the
/// other rows and the cuts so far): tightening further would leave no network at all, which says nothing about the
/// measurements; nor below (b) the prediction of a network that was measured within this budget (it must stay
/// allowed); a latency, energy, FLOPs or params budget is never tightened below zero. When the measured error asks
/// for more, the budget stops at that floor, and a network that still breaks it is cut instead (also in
/// <see cref="ClosedLoopMode.Tighten"/> mode), so every round makes progress. After a cut the floor is recomputed
/// (the least value among the networks left), so tightening and cutting together never empty the search for no reason.
/// </remarks>
public static class ClosedLoopSearch
{
    public static ClosedLoopResult Run(ISearchSolver solver, SearchProblem problem, CachingEvaluator evaluator,
        int maxRounds = 10, ClosedLoopMode mode = ClosedLoopMode.Both, SolveOptions? options = null)
    {
        if (maxRounds < 1) throw new MathNasException("the closed loop needs at least 1 round");
        var o = (options ?? new SolveOptions()) with { TopK = 1 };
        var measured = problem.Rows.Where(r => r.Kind == RowKind.Budget && evaluator.Metrics.ContainsKey(r.Name)).Select(r => r.Name).ToHashSet();
        var originalMax = problem.Rows.Where(r => r.Kind == RowKind.Budget).ToDictionary(r => r.Name, r => r.Max);
        var rows = problem.Rows.ToList();
        var excluded = problem.Excluded.ToList();
        var history = new List<ClosedLoopRound>();
        // The bound each tightened budget asks for (metric value): the original max minus the largest measured error.
        var wanted = new Dictionary<int, double>();
        SearchResult last = null!;
        double ms = 0;
        for (int round = 1; round <= maxRounds; round++)
        {
            var p = problem.With(rows: rows, excluded: excluded);
            last = solver.Solve(p, o);
            ms += last.SolveMs;
            if (last.Best is null)
                return new ClosedLoopResult { Final = last, Verified = false, Rounds = round, Evaluations = evaluator.Evaluations, History = history, FinalRows = rows, SolveMs = ms };
            var code = last.Best.Code;
            var truth = evaluator.Evaluate(new Spaces.Architecture(code));
            var predicted = new Dictionary<string, double>();
            var broken = new List<string>();
            for (int k = 0; k < rows.Count; k++)
            {
                var row = rows[k];
                if (row.Kind != RowKind.Budget || !measured.Contains(row.Name)) continue;
                double pred = row.Value(code);
                predicted[row.Name] = pred;
                if (!truth.TryGetValue(row.Name, out var t)) continue;
                double max = originalMax[row.Name];
                if (Feasibility.IsMet(t, max)) continue;
                broken.Add(row.Name);
                double err = t - pred;
                if ((mode == ClosedLoopMode.Tighten || mode == ClosedLoopMode.Both) && err > 0)
                    wanted[k] = Math.Min(wanted.TryGetValue(k, out var w) ? w : max, max - err);
            }
            if (broken.Count == 0)
            {
                history.Add(new ClosedLoopRound(round, code, last.Best.Objective, predicted, truth, broken, "accept"));
                return new ClosedLoopResult { Final = last, Verified = true, Rounds = round, Evaluations = evaluator.Evaluations, History = history, FinalRows = rows, SolveMs = ms };
            }
            var record = new ClosedLoopRound(round, code, last.Best.Objective, predicted, truth, broken, "");
            history.Add(record);
            bool exclude = mode == ClosedLoopMode.Cut || mode == ClosedLoopMode.Both;
            if (exclude) excluded.Add(code);
            var next = Bounds(solver, problem, rows, excluded, wanted, history, originalMax);
            // Tightening alone must make progress (the chosen network no longer allowed); else cut it as well.
            if (!exclude && next.All(r => r.IsSatisfied(code)))
            {
                exclude = true;
                excluded.Add(code);
                next = Bounds(solver, problem, rows, excluded, wanted, history, originalMax);
            }
            var actions = new List<string>();
            if (exclude) actions.Add("exclude");
            foreach (var (k, want) in wanted.OrderBy(kv => kv.Key))
            {
                if (Feasibility.IsMet(next[k].Max, rows[k].Max) && Feasibility.IsMet(rows[k].Max, next[k].Max)) continue;
                actions.Add($"{(next[k].Max < rows[k].Max ? "tighten" : "set")} {rows[k].Name} to {G(next[k].Max)}"
                    + (next[k].Max > want ? $" (the measured error asks for {G(want)}; no network left is predicted that low)" : ""));
            }
            rows = next;
            history[^1] = record with { Action = string.Join(", ", actions) };
        }
        return new ClosedLoopResult { Final = last, Verified = false, Rounds = maxRounds, Evaluations = evaluator.Evaluations, History = history, FinalRows = rows, SolveMs = ms };
    }

    /// <summary>
    /// The rows of the next round: each tightened budget at the bound it asks for, but never below its floor
    /// (<see cref="TighteningFloor"/>, under the current cuts) and never above the original budget.
    /// </summary>
    private static List<ResourceRow> Bounds(ISearchSolver solver, SearchProblem problem, List<ResourceRow> rows, List<int[]> excluded,
        Dictionary<int, double> wanted, List<ClosedLoopRound> history, Dictionary<string, double> originalMax)
    {
        var next = rows.ToList();
        foreach (var (k, want) in wanted)
        {
            double max = originalMax[rows[k].Name];
            double floor = TighteningFloor(solver, problem, next, excluded, k, history, max);
            // A metric that cannot be negative is never searched with a negative bound (a negative budget is refused too).
            if (BelowZero.CannotBeNegative(rows[k].Name)) floor = Math.Max(floor, 0);
            double bound = Math.Min(max, Math.Max(want, floor));
            next[k] = rows[k].WithCapacity(bound - rows[k].Offset);
        }
        return next;
    }

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// The lowest bound (metric value) row <paramref name="k"/> may be tightened to: the least value the tables
    /// predict for any network meeting the other rows and not excluded, and at least the prediction of every network
    /// measured within <paramref name="max"/>.
    /// </summary>
    private static double TighteningFloor(ISearchSolver solver, SearchProblem problem, List<ResourceRow> rows, List<int[]> excluded, int k,
        List<ClosedLoopRound> history, double max)
    {
        var row = rows[k];
        var others = problem.With(rows: rows.Where((_, q) => q != k).ToList(), excluded: excluded);
        var least = solver.Solve(others.WithLinearObjective(0, ResourceRow.Negate(row.Coef)), new SolveOptions { Diagnose = false });
        double floor = least.Best is null ? double.NegativeInfinity : row.Value(least.Best.Code);
        foreach (var h in history)
            if (h.Measured.TryGetValue(row.Name, out var v) && Feasibility.IsMet(v, max))
                floor = Math.Max(floor, row.Value(h.Code));
        return floor;
    }

    public static ClosedLoopMode ParseMode(string s) => s.Trim().ToLowerInvariant() switch
    {
        "cut" => ClosedLoopMode.Cut,
        "tighten" => ClosedLoopMode.Tighten,
        "both" => ClosedLoopMode.Both,
        _ => throw new MathNasException($"unknown closed-loop mode '{s}': use cut, tighten or both"),
    };
}
