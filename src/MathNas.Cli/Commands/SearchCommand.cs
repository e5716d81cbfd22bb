using System.CommandLine;
using System.Globalization;
using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;
using Spectre.Console;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas search`: exact search for the most accurate network under budgets (Eq. 6).</summary>
internal sealed class SearchCommand : ICliCommand
{
    internal static Option<string[]> MaxOption() => new("--max")
    {
        Description = "budget METRIC=VALUE, repeatable: latency:DEV=V, energy:DEV=V, cost:NAME=V, flops=V, params=V",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    internal static Option<string> SolverOption() => new("--solver")
    {
        Description = "bnb (the project's branch and bound) or ortools (OR-Tools SCIP MILP, the reference)",
        DefaultValueFactory = _ => "bnb",
    };

    internal static Option<double?> TimeLimitOption() => new("--time-limit") { Description = "time limit in seconds; on expiry the best network found and its proven gap" };

    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var tables = CliEnv.TablesOption();
        var model = CliEnv.AccuracyModelOption();
        var max = MaxOption();
        var top = new Option<int>("--top") { Description = "return the K best distinct networks (exact)", DefaultValueFactory = _ => 1 };
        var verify = new Option<string?>("--verify") { Description = "closed loop: measure the chosen network with this evaluator and re-solve while it breaks a budget" };
        var rounds = new Option<int>("--rounds") { Description = "closed loop: most rounds", DefaultValueFactory = _ => 10 };
        var mode = new Option<string>("--verify-mode") { Description = "closed loop: cut (exclude the network), tighten (the budget by the measured error) or both", DefaultValueFactory = _ => "both" };
        var timeLimit = TimeLimitOption();
        var solverOpt = SolverOption();
        var outFile = new Option<string?>("--out") { Description = "write the chosen network's native config (OFA ks/e/d, NASViT, HAT *-subtransformer keys, NB201 arch) with space, code and predicted metrics as '#' comments; spaces without a native config: YAML {space, code, architecture, predicted}" };
        var format = CliEnv.ConfigFormatOption();
        var repeat = new Option<int>("--repeat") { Description = "solve N times in-process and report the median solve time (solve_ms_median)", DefaultValueFactory = _ => 1 };
        var json = CliEnv.JsonOption();
        var evaluatorOpt = GuidedSearchMode.EvaluatorOption();
        var evaluations = GuidedSearchMode.EvaluationsOption();
        var seed = GuidedSearchMode.SeedOption();
        var cmd = new Command("search", "find the most accurate network under budgets: by the guided search with an evaluator (--evaluator E --evaluations N: measured answers), or exactly over block tables (--tables T; the space's built-in tables by default, verified by measurement where the tool can measure their metric)")
            { space, tables, model, max, top, verify, rounds, mode, timeLimit, solverOpt, outFile, format, repeat, json, evaluatorOpt, evaluations, seed };
        var evalOptions = new EvaluatorOptions();
        evalOptions.AddTo(cmd);
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            if (p.GetValue(evaluations) is { } nEval)
            {
                var guidedBudgets = Budget.ParseAll(p.GetValue(max) ?? []);
                var twice = guidedBudgets.GroupBy(b => b.Metric).FirstOrDefault(g => g.Count() > 1);
                if (twice is not null) throw new MathNasException($"budget '{twice.Key}' is given twice");
                var evSpec = p.GetValue(evaluatorOpt) ?? throw new MathNasException("--evaluations needs --evaluator E (what measures the networks)");
                bool Given(Option o) => p.GetResult(o) is { Implicit: false };
                return GuidedSearchMode.Run(env, sp, evSpec, nEval, p.GetValue(seed), guidedBudgets,
                    [new("--tables", Given(tables)), new("--accuracy-model", Given(model)), new("--top", Given(top)), new("--verify", Given(verify)),
                     new("--rounds", Given(rounds)), new("--verify-mode", Given(mode)), new("--time-limit", Given(timeLimit)), new("--solver", Given(solverOpt)),
                     new("--repeat", Given(repeat))],
                    p.GetValue(outFile), p.GetValue(json));
            }
            if (p.GetValue(evaluatorOpt) is not null) throw new MathNasException("--evaluator starts the guided search and needs --evaluations N (or use --verify E to check a table search)");
            if (p.GetResult(seed) is { Implicit: false }) throw new MathNasException("--seed belongs to the guided search (--evaluator E --evaluations N)");
            var ts = env.ResolveTables(p.GetValue(tables), sp);
            var am = CliEnv.ResolveAccuracyModel(p.GetValue(model), ts);
            var budgets = Budget.ParseAll(p.GetValue(max) ?? []);
            var dupe = budgets.GroupBy(b => b.Metric).FirstOrDefault(g => g.Count() > 1);
            if (dupe is not null) throw new MathNasException($"budget '{dupe.Key}' is given twice");
            int k = p.GetValue(top);
            if (k < 1) throw new MathNasException("--top must be at least 1");
            var tl = p.GetValue(timeLimit);
            if (tl is { } tlv && !(tlv > 0)) throw new MathNasException("--time-limit must be a positive number of seconds");
            // The whole request is checked before anything is solved or measured.
            var verifySpec = p.GetValue(verify);
            int repeatCount = p.GetValue(repeat);
            if (repeatCount < 1) throw new MathNasException("--repeat must be at least 1");
            if (repeatCount > 1 && verifySpec is not null) throw new MathNasException("--repeat and --verify cannot be combined");
            if (verifySpec is not null && k > 1) throw new MathNasException("--verify and --top cannot be combined");
            int maxRounds = p.GetValue(rounds);
            if (maxRounds < 1) throw new MathNasException("--rounds must be at least 1");
            var loopMode = ClosedLoopSearch.ParseMode(p.GetValue(mode)!);
            var solver = SearchSolvers.Create(p.GetValue(solverOpt)!);
            var fmt = p.GetValue(format);
            if (fmt is not null)
            {
                if (p.GetValue(outFile) is null) throw new MathNasException("--format needs --out (it is the layout of the written config)");
                if (sp is not IConfigSpace fs) throw new MathNasException($"--format: space '{sp.Name}' has no native config format");
                fmt = NativeConfigs.CheckFormat(fs, fmt);
            }
            var predictor = new Predictor(sp, ts, am);
            var problem = SearchProblemBuilder.Build(predictor, budgets);
            var options = new SolveOptions { TopK = k, TimeLimitSeconds = tl };

            SearchResult result;
            ClosedLoopResult? loop = null;
            CachingEvaluator? evaluator = null;
            // The built-in tables are verified by default on the machine the command runs on, where the tool can measure
            // a budget's metric the way the tables were measured (README's first command: latency measured here).
            bool defaultVerify = false;
            if (verifySpec is null && p.GetValue(tables) is null && k == 1 && repeatCount == 1 && GuidedSearchMode.DefaultVerifier(sp, ts, budgets) is { } dv)
            {
                verifySpec = dv;
                defaultVerify = true;
            }
            if (verifySpec is not null)
            {
                using var handle = evalOptions.Open(p, env, verifySpec, sp);
                evaluator = new CachingEvaluator(handle.Evaluator);
                if (!problem.Rows.Any(r => r.Kind == RowKind.Budget && evaluator.Metrics.ContainsKey(r.Name)))
                    throw new MathNasException($"--verify {verifySpec} measures {string.Join(", ", evaluator.Metrics.Keys)}, none of the budgets ({string.Join(", ", budgets.Select(b => b.Metric))}); nothing to verify");
                loop = ClosedLoopSearch.Run(solver, problem, evaluator, maxRounds, loopMode, options);
                result = loop.Final;
            }
            else
            {
                result = solver.Solve(problem, options);
            }
            var (medianMs, repeats) = SearchTiming.Median(repeatCount, loop is not null, result, () => solver.Solve(problem, options));

            // Each solution's network and predicted metrics, once for both the JSON and the table.
            var solutions = result.Solutions.Select(s =>
            {
                var a = new Architecture(s.Code);
                return (Solution: s, Arch: a, Predicted: predictor.PredictAll(a));
            }).ToList();
            var best = result.Best;
            var arch = best is null ? null : new Architecture(best.Code);
            var predicted = arch is null ? null : predictor.PredictAll(arch);
            var jsonObj = new Dictionary<string, object?>
            {
                ["space"] = sp.Name,
                ["accuracy_model"] = am.Name(),
                ["solver"] = solver.Name,
                ["status"] = result.Status.Name(),
                ["code"] = best?.Code,
                ["architecture"] = arch is null ? null : sp.Describe(arch),
                ["predicted"] = predicted,
                ["below_zero"] = predicted is null ? null : BelowZero.Flagged(predicted),
                ["exact"] = arch is null ? null : CliEnv.ExactJson(sp, arch),
                ["objective"] = best?.Objective,
                ["gap"] = double.IsFinite(result.Gap) ? result.Gap : null,
                ["upper_bound"] = double.IsFinite(result.UpperBound) ? result.UpperBound : null,
                ["solve_ms"] = loop?.SolveMs ?? result.SolveMs,
                ["solve_ms_median"] = medianMs,
                ["repeats"] = repeats,
                ["evaluations"] = evaluator?.Evaluations ?? 0,
                ["budgets"] = problem.Rows.Where(r => r.Kind == RowKind.Budget).Select(r => new
                {
                    metric = r.Name, max = r.Max, value = best is null ? (double?)null : r.Value(best.Code),
                    measured = loop is null ? null : ClosedLoopReport.MeasuredOf(loop, best?.Code, r.Name),
                    searched_max = loop is null ? (double?)null : loop.FinalRows.First(f => f.Name == r.Name && f.Kind == RowKind.Budget).Max,
                    least_measured = loop is null ? null : ClosedLoopReport.LeastMeasured(loop, r.Name)?.Value,
                }).ToList(),
                ["solutions"] = solutions.Select(d => (object)new
                {
                    code = d.Solution.Code,
                    architecture = sp.Describe(d.Arch),
                    predicted = d.Predicted,
                    below_zero = BelowZero.Flagged(d.Predicted),
                    objective = d.Solution.Objective,
                }).ToList(),
            };
            if (loop is not null)
            {
                jsonObj["rounds"] = loop.Rounds;
                jsonObj["verified"] = loop.Verified;
                jsonObj["measured"] = loop.History.Count > 0 ? loop.History[^1].Measured : null;
                jsonObj["verifier"] = verifySpec;
                jsonObj["verified_by_default"] = defaultVerify;
                jsonObj["history"] = loop.History.Select(h => new { round = h.Round, code = h.Code, predicted = h.Predicted, measured = h.Measured, broken = h.Broken, action = h.Action }).ToList();
            }
            if (result.Infeasibility is { } why)
            {
                jsonObj["message"] = why.Message;
                jsonObj["infeasible_budgets"] = why.Rows.Select(r => new { metric = r.Row, max = r.Max, least_value = r.LeastValue, message = r.Message }).ToList();
            }

            if (loop is not null && loop.History.Count > 0 && !loop.Verified)
            {
                // The loop ran and measured networks, but none met every budget: a report, not a user error.
                if (p.GetValue(json)) env.WriteJson(jsonObj);
                else ClosedLoopReport.Render(env, sp, problem, loop, evaluator!, predictor, solver.Name, am.Name());
                env.Err.WriteLine($"error: {CliApp.OneLine(ClosedLoopReport.Unverified(loop, problem))}" +
                    (defaultVerify ? $" (the built-in tables were verified by default with '{verifySpec}' on this machine: raise the budget, or pass --tables to get the table's unverified answer)" : ""));
                return ExitCodes.Unverified;
            }

            if (best is null)
            {
                if (p.GetValue(json)) env.WriteJson(jsonObj);
                var msg = result.Status == SolveStatus.Infeasible
                    ? $"infeasible: {result.Infeasibility?.Message ?? "no network meets the constraints"}"
                    : "no network found within the time limit";
                throw new MathNasException(msg);
            }

            if (p.GetValue(outFile) is { } path)
                WriteYaml(path, sp, arch!, predicted!, [$"status: {result.Status.Name()} ({solver.Name}, {am.Name()} accuracy), budgets: {string.Join(", ", budgets.Select(b => $"{b.Metric}<={CliEnv.Num(b.Max, 6)}"))}"], fmt);

            if (p.GetValue(json)) { env.WriteJson(jsonObj); return 0; }
            if (loop is not null)
            {
                ClosedLoopReport.Render(env, sp, problem, loop, evaluator!, predictor, solver.Name, am.Name());
                return 0;
            }
            var gapText = result.Status == SolveStatus.Optimal ? "proven optimal" : $"{result.Status.Name()}, gap <= {CliEnv.Num(result.Gap, 6)}";
            env.Console.WriteLine($"{sp.Name}: {gapText} ({solver.Name}, {am.Name()} accuracy, {CliEnv.Num(result.SolveMs, 3)} ms{(repeats > 1 ? $"; median of {repeats} solves {CliEnv.Num(medianMs, 3)} ms" : "")})");
            // The table shows the budgeted metrics, FLOPs and params (and every metric when there are at most four);
            // --json gives every metric of the tables.
            var budgeted = budgets.Select(b => b.Metric).ToHashSet();
            var allMetrics = predicted!.Keys.Where(m => m != MetricNames.Accuracy).ToList();
            var shown = allMetrics.Count <= 4 ? allMetrics
                : allMetrics.Where(m => budgeted.Contains(m) || m == MetricNames.Flops || m == MetricNames.Params).ToList();
            var t = new Table().AddColumns("#", "code", "architecture", "predicted accuracy");
            foreach (var metric in shown) t.AddColumn(Markup.Escape(metric));
            int rank = 1;
            foreach (var (s, a, pr) in solutions)
            {
                var cells = new List<string> { rank++.ToString(CultureInfo.InvariantCulture), string.Join(",", s.Code), Markup.Escape(sp.Describe(a)), CliEnv.Num(s.Objective) };
                cells.AddRange(shown.Select(m => CliEnv.NumOf(m, pr[m])));
                t.AddRow(cells.ToArray());
            }
            env.Console.Write(t);
            foreach (var r in problem.Rows.Where(r => r.Kind == RowKind.Budget))
                env.Console.WriteLine($"budget {r.Name} <= {CliEnv.Num(r.Max)}: predicted {CliEnv.NumOf(r.Name, r.Value(best.Code))}");
            if (sp is IExactCostSpace)
                foreach (var line in CliEnv.CostLines(sp, arch!)) env.Console.WriteLine(Markup.Escape($"#1: {line}"));
            if (CliEnv.BelowZeroWarning(predicted) is { } warn) env.Console.WriteLine(warn);
            if (shown.Count < allMetrics.Count)
                env.Console.WriteLine($"other predicted metrics ({allMetrics.Count - shown.Count}) are in --json");
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Writes the network's native config (spaces with one) with '#' comment lines for space, code and predicted metrics,
    /// else {space, code, architecture, predicted} as YAML; to a temporary file, then moved into place.
    /// </summary>
    internal static void WriteYaml(string path, SearchSpace space, Architecture a, IReadOnlyDictionary<string, double> predicted, IEnumerable<string>? notes = null, string? format = null)
    {
        if (space is IConfigSpace native)
        {
            NativeConfigs.Save(native, a, path, SearchTiming.Header(space, a, predicted, notes), format);
            return;
        }
        var doc = new Dictionary<string, object>
        {
            ["space"] = space.Name,
            ["code"] = a.ToArray(),
            ["architecture"] = space.Describe(a),
            ["predicted"] = predicted.ToDictionary(kv => kv.Key, kv => kv.Value),
        };
        var yaml = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Serialize(doc);
        MathNas.IO.AtomicFile.WriteAllText(path, yaml);
    }
}
