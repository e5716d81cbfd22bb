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
/// breaks a budget (true value &gt; max), exclude it and/or tighten that budget by the measured error, then re-solve,
/// until the chosen network truly meets every measured budget or the round limit is reached.
/// </summary>
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
            var actions = new List<string>();
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
                {
                    rows[k] = row.WithCapacity(Math.Min(row.Capacity, max - err - row.Offset));
                    actions.Add($"tighten {row.Name} to {rows[k].Max.ToString("G6", CultureInfo.InvariantCulture)}");
                }
            }
            if (broken.Count == 0)
            {
                history.Add(new ClosedLoopRound(round, code, last.Best.Objective, predicted, truth, broken, "accept"));
                return new ClosedLoopResult { Final = last, Verified = true, Rounds = round, Evaluations = evaluator.Evaluations, History = history, FinalRows = rows, SolveMs = ms };
            }
            if (mode == ClosedLoopMode.Cut || mode == ClosedLoopMode.Both || actions.Count == 0)
            {
                excluded.Add(code);
                actions.Insert(0, "exclude");
            }
            history.Add(new ClosedLoopRound(round, code, last.Best.Objective, predicted, truth, broken, string.Join(", ", actions)));
        }
        return new ClosedLoopResult { Final = last, Verified = false, Rounds = maxRounds, Evaluations = evaluator.Evaluations, History = history, FinalRows = rows, SolveMs = ms };
    }

    public static ClosedLoopMode ParseMode(string s) => s.Trim().ToLowerInvariant() switch
    {
        "cut" => ClosedLoopMode.Cut,
        "tighten" => ClosedLoopMode.Tighten,
        "both" => ClosedLoopMode.Both,
        _ => throw new MathNasException($"unknown closed-loop mode '{s}': use cut, tighten or both"),
    };
}
