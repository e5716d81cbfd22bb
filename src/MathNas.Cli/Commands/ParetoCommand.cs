using System.CommandLine;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas pareto`: the exact accuracy-vs-cost front along one metric.</summary>
internal sealed class ParetoCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var tables = CliEnv.TablesOption();
        var model = CliEnv.AccuracyModelOption();
        var along = new Option<string>("--along") { Description = "the metric to vary: latency:DEV, energy:DEV, cost:NAME, flops or params", Required = true };
        var points = new Option<int?>("--points") { Description = "number of budgets, evenly spaced from the least reachable cost to the cost of the unconstrained optimum; omit for the whole exact front" };
        var max = SearchCommand.MaxOption();
        var solverOpt = SearchCommand.SolverOption();
        var timeLimit = SearchCommand.TimeLimitOption();
        var method = new Option<string>("--method")
        {
            Description = "auto (the Nemhauser-Ullmann merge where it applies: linear accuracy model, no other binding constraint; else solves), merge, or solves (one exact solve per point)",
            DefaultValueFactory = _ => "auto",
        };
        var plot = new Option<string?>("--plot") { Description = "write the front as a PNG plot" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("pareto", "exact Pareto front of predicted accuracy against one budget metric")
            { space, tables, model, along, points, max, solverOpt, timeLimit, method, plot, json };
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            var ts = env.ResolveTables(p.GetValue(tables), sp);
            var am = CliEnv.ResolveAccuracyModel(p.GetValue(model), ts);
            var metric = MetricNames.Normalize(p.GetValue(along)!);
            var budgets = Budget.ParseAll(p.GetValue(max) ?? []);
            if (budgets.FirstOrDefault(b => b.Metric == metric) is { } onAlong)
                throw new MathNasException($"--max {onAlong} bounds the metric the front is drawn along ({metric}); the front already spans every budget of it: drop that --max");
            var n = p.GetValue(points);
            var how = p.GetValue(method) switch
            {
                "auto" => ParetoMethod.Auto,
                "merge" => ParetoMethod.Merge,
                "solves" => ParetoMethod.Solves,
                var other => throw new MathNasException($"--method '{other}': use auto, merge or solves"),
            };
            if (n is { } nv && nv < 1) throw new MathNasException("--points must be at least 1");
            var solver = SearchSolvers.Create(p.GetValue(solverOpt)!);
            var predictor = new Predictor(sp, ts, am);
            var problem = SearchProblemBuilder.Build(predictor, budgets);
            var row = SearchProblemBuilder.MetricRow(sp, ts, metric);
            var tl = p.GetValue(timeLimit);
            var front = n is { } count ? ParetoFront.AtBudgets(solver, problem, row, count, tl, how) : ParetoFront.Exact(solver, problem, row, timeLimitSeconds: tl, method: how);
            if (front.Points.Count == 0 && !front.Complete)
                throw new MathNasException($"the time limit of {tl} s ran out before any point of the front was proven");
            if (front.Points.Count == 0)
            {
                var why = solver.Solve(problem);
                throw new MathNasException($"no network meets the other constraints: {why.Infeasibility?.Message ?? why.Status.Name()}");
            }
            var unit = CliEnv.UnitOf(metric, ts, sp);
            if (p.GetValue(plot) is { } png)
            {
                var xs = front.Points.Select(q => q.Cost).ToArray();
                var ys = front.Points.Select(q => q.Objective).ToArray();
                // The best accuracy under a budget is a step function of the budget.
                var sx = new List<double>();
                var sy = new List<double>();
                for (int i = 0; i < xs.Length; i++)
                {
                    if (i > 0) { sx.Add(xs[i]); sy.Add(ys[i - 1]); }
                    sx.Add(xs[i]);
                    sy.Add(ys[i]);
                }
                Plots.Save(png, $"{sp.Name}: predicted accuracy vs {metric} ({(n is null ? "exact front" : $"{n} budgets")}, {am.Name()})",
                    $"{metric}{(unit.Length > 0 ? $" ({unit})" : "")}", "predicted accuracy",
                    [new Plots.Series("best predicted accuracy within the budget", sx.ToArray(), sy.ToArray(), Lines: true, Markers: false),
                     new Plots.Series(n is null ? "Pareto-optimal networks" : "optimal network at each budget", xs, ys, Lines: false, Markers: true, MarkerSize: 6)]);
            }
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    space = sp.Name,
                    along = metric,
                    unit,
                    accuracy_model = am.Name(),
                    solver = solver.Name,
                    mode = n is null ? "exact" : "budgets",
                    method = front.Method,
                    complete = front.Complete,
                    status = front.AllOptimal ? "optimal" : "feasible",
                    solves = front.Solves,
                    solve_ms = front.Ms,
                    least_cost = front.LeastCost,
                    points = front.Points.Select(q => new
                    {
                        budget = q.Budget, cost = q.Cost, accuracy = q.Objective, status = q.Status.Name(),
                        below_zero = BelowZero.IsFlagged(metric, q.Cost),
                        code = q.Code, architecture = sp.Describe(new Architecture(q.Code)),
                    }).ToList(),
                });
                return 0;
            }
            env.Console.WriteLine($"{sp.Name}: {front.Points.Count} points along {metric} ({(front.AllOptimal ? "all proven optimal" : front.Complete ? "some not proven" : "stopped before the whole front")}, {(front.Method == "merge" ? "Nemhauser-Ullmann merge" : $"{front.Solves} solves")}, {CliEnv.Num(front.Ms, 2)} ms)");
            var t = new Table().AddColumns("budget", metric, "predicted accuracy", "code", "status");
            foreach (var q in front.Points)
                t.AddRow(CliEnv.Num(q.Budget), CliEnv.NumOf(metric, q.Cost), CliEnv.Num(q.Objective), string.Join(",", q.Code), q.Status.Name());
            env.Console.Write(t);
            int negative = front.Points.Count(q => BelowZero.IsFlagged(metric, q.Cost));
            if (negative > 0)
                env.Console.WriteLine($"warning: {negative} point(s) are predicted below zero along {metric}, which it cannot be; the additive table does not hold there");
            return 0;
        });
        return cmd;
    }
}
