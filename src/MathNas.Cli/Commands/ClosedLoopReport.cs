using System.Globalization;
using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// How `search --verify` reports its closed loop: measured values beside predicted ones for the answer and every
/// round, the budgets as given and as searched (tightened), and, when no measured network met every budget, a
/// one-line account of what was measured (exit code <see cref="ExitCodes.Unverified"/>).
/// </summary>
internal static class ClosedLoopReport
{
    private static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The measured value of <paramref name="metric"/> for <paramref name="code"/> (null when that network was not measured or the evaluator does not measure the metric).</summary>
    public static double? MeasuredOf(ClosedLoopResult loop, int[]? code, string metric)
    {
        if (code is null) return null;
        foreach (var h in loop.History)
            if (h.Code.AsSpan().SequenceEqual(code) && h.Measured.TryGetValue(metric, out var v)) return v;
        return null;
    }

    /// <summary>The least measured value of <paramref name="metric"/> over the rounds, and its network.</summary>
    public static (double Value, int[] Code)? LeastMeasured(ClosedLoopResult loop, string metric)
    {
        (double, int[])? best = null;
        foreach (var h in loop.History)
            if (h.Measured.TryGetValue(metric, out var v) && (best is null || v < best.Value.Item1)) best = (v, h.Code);
        return best;
    }

    /// <summary>The one line that says why the loop ended unverified and what was measured.</summary>
    public static string Unverified(ClosedLoopResult loop, SearchProblem problem)
    {
        var measuredBudgets = problem.Rows.Where(r => r.Kind == RowKind.Budget && loop.History.Any(h => h.Measured.ContainsKey(r.Name))).ToList();
        var why = loop.Final.Best is null
            ? $"after {loop.Rounds} round(s) no network is left that the tables predict within the budgets ({loop.History.Count(h => h.Action.StartsWith("exclude", StringComparison.Ordinal))} measured network(s) excluded)"
            : $"the round limit ({loop.Rounds}) was reached";
        var parts = measuredBudgets.Select(r =>
        {
            var least = LeastMeasured(loop, r.Name);
            return least is { } l
                ? $"{r.Name} <= {G(r.Max)}: least measured {G(l.Value)} ({string.Join(",", l.Code)}, predicted {G(r.Value(l.Code))})"
                : $"{r.Name} <= {G(r.Max)}: not measured";
        });
        return $"closed loop NOT verified: {why}; {loop.Evaluations} network(s) measured, none meets every budget: {string.Join("; ", parts)}";
    }

    /// <summary>Renders the closed loop's result as tables: the answer (predicted and measured), the rounds, the budgets.</summary>
    public static void Render(CliEnv env, SearchSpace space, SearchProblem problem, ClosedLoopResult loop, CachingEvaluator evaluator,
        Predictor predictor, string solver, string accuracyModel)
    {
        var result = loop.Final;
        var budgets = problem.Rows.Where(r => r.Kind == RowKind.Budget).ToList();
        // Metrics shown measured: the budgets the evaluator measures, and accuracy when it measures that too.
        var measuredMetrics = budgets.Select(r => r.Name).Where(evaluator.Metrics.ContainsKey).ToList();
        bool accMeasured = evaluator.Metrics.ContainsKey(MetricNames.Accuracy);
        var status = loop.Verified ? "verified" : "NOT verified";
        env.Console.WriteLine($"{space.Name}: closed loop with '{evaluator.Name}': {status} after {loop.Rounds} round(s), {loop.Evaluations} evaluation(s)");
        var lastSolve = result.Status == SolveStatus.Optimal ? "proven optimal on the tables" : result.Status == SolveStatus.Infeasible ? "infeasible on the tables" : result.Status.Name();
        env.Console.WriteLine($"last solve: {lastSolve} ({solver}, {accuracyModel} accuracy, {CliEnv.Num(loop.SolveMs, 3)} ms in all)");

        if (result.Best is { } best)
        {
            var a = new Architecture(best.Code);
            var predicted = predictor.PredictAll(a);
            var t = new Table().AddColumns("", "code", "architecture", "predicted accuracy");
            if (accMeasured) t.AddColumn("measured accuracy");
            foreach (var m in budgets) { t.AddColumn(Markup.Escape($"{m.Name} predicted")); if (measuredMetrics.Contains(m.Name)) t.AddColumn(Markup.Escape($"{m.Name} measured")); }
            var cells = new List<string> { loop.Verified ? "answer" : "last measured", string.Join(",", best.Code), Markup.Escape(space.Describe(a)), CliEnv.Num(best.Objective) };
            if (accMeasured) cells.Add(Opt(MeasuredOf(loop, best.Code, MetricNames.Accuracy)));
            foreach (var m in budgets)
            {
                cells.Add(CliEnv.NumOf(m.Name, predicted.TryGetValue(m.Name, out var pv) ? pv : m.Value(best.Code)));
                if (measuredMetrics.Contains(m.Name)) cells.Add(Opt(MeasuredOf(loop, best.Code, m.Name)));
            }
            t.AddRow(cells.ToArray());
            env.Console.Write(t);
            if (CliEnv.BelowZeroWarning(predicted) is { } warn) env.Console.WriteLine(warn);
        }

        if (loop.History.Count > 0)
        {
            var h = new Table().AddColumns("round", "code", "predicted accuracy");
            if (accMeasured) h.AddColumn("measured accuracy");
            foreach (var m in measuredMetrics) { h.AddColumn(Markup.Escape($"{m} predicted")); h.AddColumn(Markup.Escape($"{m} measured")); }
            h.AddColumns("broken", "action");
            foreach (var r in loop.History)
            {
                var cells = new List<string> { r.Round.ToString(CultureInfo.InvariantCulture), string.Join(",", r.Code), CliEnv.Num(r.PredictedObjective) };
                if (accMeasured) cells.Add(Opt(r.Measured.TryGetValue(MetricNames.Accuracy, out var ma) ? ma : null));
                foreach (var m in measuredMetrics)
                {
                    cells.Add(r.Predicted.TryGetValue(m, out var pv) ? CliEnv.NumOf(m, pv) : "-");
                    cells.Add(Opt(r.Measured.TryGetValue(m, out var mv) ? mv : null));
                }
                cells.Add(Markup.Escape(r.Broken.Count == 0 ? "-" : string.Join(", ", r.Broken)));
                cells.Add(Markup.Escape(r.Action));
                h.AddRow(cells.ToArray());
            }
            env.Console.Write(h);
        }

        foreach (var r in budgets)
        {
            var searched = loop.FinalRows.First(f => f.Kind == RowKind.Budget && f.Name == r.Name).Max;
            var line = $"budget {r.Name} <= {CliEnv.Num(r.Max)}";
            if (result.Best is { } b)
            {
                line += $": predicted {CliEnv.NumOf(r.Name, r.Value(b.Code))}";
                if (MeasuredOf(loop, b.Code, r.Name) is { } mv) line += $", measured {CliEnv.Num(mv)}";
            }
            if (!Feasibility.IsMet(r.Max, searched)) line += $" (searched with <= {CliEnv.Num(searched)} after tightening by the measured error)";
            env.Console.WriteLine(line);
        }
    }

    private static string Opt(double? v) => v is { } x ? CliEnv.Num(x) : "-";
}
