using System.CommandLine;
using MathNas.Estimation;
using MathNas.Improved;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas search --evaluator E --evaluations N`: the guided search (<see cref="GuidedSearch"/>) for any space,
/// answering with the best MEASURED network within the budgets, its measured and predicted metrics side by side.
/// Kept apart from the table search of <see cref="SearchCommand"/>.
/// </summary>
internal static class GuidedSearchMode
{
    internal static Option<string?> EvaluatorOption() => new("--evaluator", "-e")
    {
        Description = "guided search: the evaluator that measures the objective and the budget metrics (e.g. nasbench201-benchmark, synthetic-pairwise); needs --evaluations",
    };

    internal static Option<int?> EvaluationsOption() => new("--evaluations", "-n")
    {
        Description = "guided search: distinct networks to evaluate in total (stratified sample, then the predicted optimum of the fitted pairwise models, refit, repeat)",
    };

    internal static Option<int> SeedOption() => new("--seed") { Description = "guided search: seed of the stratified sample", DefaultValueFactory = _ => 0 };

    /// <summary>Options of the table search that mean nothing to the guided search, by name (given: an error).</summary>
    internal sealed record TableOnly(string Name, bool Given);

    public static int Run(CliEnv env, SearchSpace space, string evaluatorSpec, int evaluations, int seed, IReadOnlyList<Budget> budgets,
        IReadOnlyList<TableOnly> tableOnly, string? outPath, bool json)
    {
        var clash = tableOnly.FirstOrDefault(o => o.Given);
        if (clash is not null) throw new MathNasException($"{clash.Name} belongs to the table search; the guided search (--evaluations) takes --space, --evaluator, --evaluations, --max, --seed, --out, --json");
        var options = new GuidedOptions { Evaluations = evaluations };
        options.Check();
        var evaluator = new CachingEvaluator(CliEnv.ResolveEvaluator(evaluatorSpec, space));
        var strategy = new GuidedSearch(options);
        // Metrics are checked before any evaluation is made.
        if (!evaluator.Metrics.ContainsKey(MetricNames.Accuracy))
            throw new MathNasException($"evaluator '{evaluator.Name}' does not measure '{MetricNames.Accuracy}' (it measures: {string.Join(", ", evaluator.Metrics.Keys)}); the guided search maximises measured accuracy");
        foreach (var b in budgets)
            if (!evaluator.Metrics.ContainsKey(b.Metric) && b.Metric != MetricNames.Flops && b.Metric != MetricNames.Params)
                throw new MathNasException($"evaluator '{evaluator.Name}' does not measure budget metric '{b.Metric}' (it measures: {string.Join(", ", evaluator.Metrics.Keys)})");
        if (outPath is not null && string.IsNullOrWhiteSpace(outPath)) throw new MathNasException("--out needs a file name");

        var result = env.WithProgress($"guided search on {space.Name}", progress =>
            strategy.Run(new StrategyTask { Space = space, Evaluator = evaluator, Seed = seed, BudgetSets = [budgets], Progress = progress }));
        var answer = result.Answers[0];
        string Unit(string metric) => evaluator.Metrics.TryGetValue(metric, out var u) ? u : metric == MetricNames.Flops ? space.FlopsUnit : metric == MetricNames.Params ? space.ParamsUnit : "";
        var stats = result.Stats ?? new Dictionary<string, double>();
        var jsonObj = new Dictionary<string, object?>
        {
            ["space"] = space.Name,
            ["method"] = strategy.Name,
            ["evaluator"] = evaluator.Name,
            ["evaluations"] = evaluator.Evaluations,
            ["seed"] = seed,
            ["status"] = answer.Network is null ? "no_measured_network_meets_the_budgets" : "measured_within_budgets",
            ["code"] = answer.Network?.ToArray(),
            ["architecture"] = answer.Network is null ? null : space.Describe(answer.Network),
            ["measured"] = answer.Measured,
            ["predicted"] = answer.Predicted,
            ["budgets"] = budgets.Select(b => new
            {
                metric = b.Metric, max = b.Max, unit = Unit(b.Metric),
                measured = answer.Measured?.GetValueOrDefault(b.Metric), predicted = answer.Predicted?.GetValueOrDefault(b.Metric),
            }).ToList(),
            ["rounds"] = stats.GetValueOrDefault("rounds"),
            ["exact_solves"] = stats.GetValueOrDefault("solves"),
            ["solve_ms_max"] = stats.GetValueOrDefault("solve_ms_max"),
            ["solve_ms_median"] = stats.GetValueOrDefault("solve_ms_median"),
            ["model_columns"] = stats.GetValueOrDefault("model_columns"),
            ["node_pairs"] = stats.GetValueOrDefault("node_pairs"),
            ["notes"] = result.Notes,
        };
        if (answer.Network is null)
        {
            if (json) env.WriteJson(jsonObj);
            throw new MathNasException($"none of the {evaluator.Evaluations} evaluated networks meets the budgets ({string.Join(", ", budgets.Select(b => $"{b.Metric}<={CliEnv.Num(b.Max, 6)}"))}) as measured by '{evaluator.Name}'");
        }
        var a = answer.Network;
        if (outPath is not null)
            SearchCommand.WriteYaml(outPath, space, a, answer.Measured!, [$"guided search ({strategy.Name}), evaluator {evaluator.Name}, {evaluator.Evaluations} evaluations, seed {seed}: the values below are MEASURED",
                $"predicted by the final model: {string.Join(", ", answer.Predicted!.Select(kv => $"{kv.Key}={CliEnv.Num(kv.Value, 6)}"))}"]);
        if (json) { env.WriteJson(jsonObj); return 0; }

        env.Console.WriteLine($"{space.Name}: guided search, best measured network within the budgets ({evaluator.Evaluations} evaluations by '{evaluator.Name}', {CliEnv.Num(stats.GetValueOrDefault("rounds"), 0)} rounds, {CliEnv.Num(stats.GetValueOrDefault("solves"), 0)} exact model solves, longest {CliEnv.Num(stats.GetValueOrDefault("solve_ms_max"), 3)} ms)");
        var t = new Table().AddColumns("code", "architecture");
        t.AddRow(Markup.Escape(a.ToString()), Markup.Escape(space.Describe(a)));
        env.Console.Write(t);
        var m = new Table().AddColumns("metric", "measured", "predicted (final model)", "budget");
        foreach (var metric in answer.Measured!.Keys)
        {
            var budget = budgets.FirstOrDefault(b => b.Metric == metric);
            var unit = Unit(metric);
            m.AddRow(Markup.Escape(metric + (unit.Length > 0 ? $" ({unit})" : "")), CliEnv.Num(answer.Measured[metric]),
                answer.Predicted is { } pr && pr.TryGetValue(metric, out var pv) ? CliEnv.Num(pv) : "-",
                budget is null ? "maximised" : $"<= {CliEnv.Num(budget.Max)}");
        }
        env.Console.Write(m);
        return 0;
    }

    /// <summary>
    /// The evaluator that verifies a table search by default: where the built-in tables of the space were measured by an
    /// evaluator this tool has (their provenance), every budget on such a metric is measured by that evaluator with the
    /// tables' own statistic (torch-latency: the fastest of 100 timed runs in 10 rounds, tables/README.md); null when none.
    /// </summary>
    public static string? DefaultVerifier(SearchSpace space, TableSet builtInTables, IReadOnlyList<Budget> budgets)
    {
        foreach (var b in budgets)
        {
            if (!builtInTables.Has(b.Metric)) continue;
            var evaluatorName = builtInTables[b.Metric].Provenance?.Evaluator;
            if (evaluatorName != "torch-latency" || !b.Metric.StartsWith("latency:", StringComparison.Ordinal)) continue;
            var spec = $"torch-latency:device={b.Metric["latency:".Length..]},statistic=min,repeats=100,rounds=10";
            if (EvaluatorRegistry.List().Any(e => e.Name == evaluatorName && e.Supports(space))) return spec;
        }
        return null;
    }
}
