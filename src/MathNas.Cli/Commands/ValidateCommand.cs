using System.CommandLine;
using MathNas.Data;
using MathNas.Prediction;
using MathNas.Spaces.NasBench201;
using MathNas.Validation;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas validate`: Spearman and Kendall tau-b of predictions against the NAS-Bench-201 ground truth.</summary>
internal sealed class ValidateCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var space = CliEnv.SpaceOption();
        var tables = CliEnv.TablesOption();
        var benchmark = new Option<string?>("--benchmark")
        {
            Description = "folder with nb201_cifar10_test_acc_200ep.csv and nb201_latency.csv (default: $MATHNAS_DATA/nasbench201, or ../shared/data/nasbench201)",
        };
        var metric = new Option<string>("--metric", "-m") { Description = "accuracy | latency:DEVICE", Required = true };
        var model = CliEnv.AccuracyModelOption();
        var plot = new Option<string?>("--plot") { Description = "write a scatter plot of predicted vs true values (PNG)" };
        var evaluator = new Option<string?>("--evaluator", "-e")
        {
            Description = "validate on any space: measure --networks stratified networks with this evaluator (NAME[:k=v], or process:\"CMD ARGS\") and compare with the tables",
        };
        var networks = new Option<int?>("--networks", "-n") { Description = "with --evaluator: how many stratified networks (spread over the FLOPs range; default 200)" };
        var seed = new Option<int>("--seed") { Description = "with --evaluator: seed of the stratified sample", DefaultValueFactory = _ => 0 };
        var fromStore = new Option<bool>("--from-store") { Description = "with --evaluator: validate on the networks the evaluation store holds for it (measures nothing)" };
        var evalOptions = new EvaluatorOptions();
        var cmd = new Command("validate", "rank correlation of predictions with the benchmark's true values over every network, or with any evaluator's measurements of stratified networks")
        {
            space, tables, benchmark, metric, model, plot, evaluator, networks, seed, fromStore, json,
        };
        evalOptions.AddTo(cmd);
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            if (p.GetValue(evaluator) is { } spec)
            {
                if (p.GetValue(benchmark) is not null) throw new MathNasException("--benchmark goes with the NAS-Bench-201 validation; with --evaluator give the folder as an evaluator option (e.g. nasbench201-benchmark:dir=DIR)");
                return SampleValidate(env, p, sp, spec, p.GetValue(tables), p.GetValue(metric)!, p.GetValue(model), p.GetValue(plot), p.GetValue(networks), p.GetValue(seed), p.GetValue(fromStore), evalOptions, p.GetValue(json));
            }
            if (p.GetValue(networks) is not null || p.GetValue(fromStore))
                throw new MathNasException("--networks and --from-store go with --evaluator E");
            if (sp is not NasBench201Space)
                throw new MathNasException($"without --evaluator, validate compares with the NAS-Bench-201 benchmark (--space {NasBench201Space.SpaceName}); for space '{sp.Name}' give --evaluator E --networks K (E may be process:\"CMD ARGS\")");
            var t = env.ResolveTables(p.GetValue(tables), sp);
            var m = CliEnv.ResolveAccuracyModel(p.GetValue(model), t);
            var bench = NasBench201Benchmark.Load(p.GetValue(benchmark));
            var r = BenchmarkValidation.Validate(sp, t, bench, p.GetValue(metric)!, m);
            var plotPath = p.GetValue(plot);
            if (plotPath is not null)
            {
                var unit = t[r.Metric].Unit;
                var label = r.Metric + (unit.Length > 0 ? $" ({unit})" : "");
                Plots.Save(plotPath,
                    $"{r.Metric}: {r.Estimator} tables{(r.Metric == Tables.MetricNames.Accuracy ? ", " + m.Name() : "")}, {r.N} networks: Spearman {r.Spearman:F3}, Kendall {r.Kendall:F3}",
                    "true " + label, "predicted " + label,
                    [new Plots.Series("NAS-Bench-201 networks", r.Truth, r.Predicted, MarkerSize: 2)], diagonal: true);
            }
            // Metrics that cannot be negative: how many of the networks the table predicts below zero, and the least value.
            bool signed = Search.BelowZero.CannotBeNegative(r.Metric);
            int belowZero = signed ? r.Predicted.Count(Search.BelowZero.IsBelowZero) : 0;
            double leastPredicted = r.Predicted.Min();
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    metric = r.Metric,
                    predicted_below_zero = signed ? belowZero : (int?)null,
                    least_predicted = leastPredicted,
                    n = r.N,
                    spearman = r.Spearman,
                    kendall = r.Kendall,
                    evaluations = r.Evaluations,
                    estimator = r.Estimator,
                    accuracy_model = m.Name(),
                    plot = plotPath is null ? null : Path.GetFullPath(plotPath),
                });
                return 0;
            }
            env.Console.WriteLine($"{r.Metric} over {r.N} NAS-Bench-201 networks ({r.Estimator} tables, {r.Evaluations} evaluations{(r.Metric == Tables.MetricNames.Accuracy ? ", accuracy model " + m.Name() : "")}):");
            env.Console.WriteLine($"  Spearman {CliEnv.Num(r.Spearman)}   Kendall tau-b {CliEnv.Num(r.Kendall)}");
            if (signed)
                env.Console.WriteLine(belowZero == 0
                    ? $"  predicted below zero: none (least predicted {CliEnv.Num(leastPredicted)})"
                    : $"  warning: the table predicts {belowZero} of the {r.N} networks below zero (least {CliEnv.Num(leastPredicted)}), which {r.Metric} cannot be");
            if (plotPath is not null) env.Console.WriteLine($"wrote {Path.GetFullPath(plotPath)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>validate --evaluator: K stratified networks (or the stored ones) measured, compared with the tables' predictions.</summary>
    private static int SampleValidate(CliEnv env, ParseResult p, Spaces.SearchSpace sp, string spec, string? tablesPath, string metricText, string? modelText,
        string? plotPath, int? count, int seed, bool fromStore, EvaluatorOptions evalOptions, bool json)
    {
        var t = env.ResolveTables(tablesPath, sp);
        var metricName = Tables.MetricNames.Normalize(metricText);
        if (!t.Has(metricName)) throw new MathNasException($"the tables have no '{metricName}' (they have: {string.Join(", ", t.Tables.Keys)})");
        var m = CliEnv.ResolveAccuracyModel(modelText, t);
        if (count is { } c && c < 1) throw new MathNasException("--networks must be at least 1");
        if (plotPath is not null && Directory.Exists(plotPath)) throw new MathNasException($"--plot '{plotPath}' is a folder; give a file name");
        using var handle = evalOptions.Open(p, env, spec, sp, seed, fromStore);
        if (!handle.Evaluator.Metrics.ContainsKey(metricName))
            throw new MathNasException($"evaluator '{spec}' does not measure '{metricName}' (it measures: {string.Join(", ", handle.Evaluator.Metrics.Keys)})");
        var tableUnit = t[metricName].Unit;
        var evalUnit = handle.Evaluator.Metrics[metricName];
        if (tableUnit.Length > 0 && evalUnit.Length > 0 && tableUnit != evalUnit)
            throw new MathNasException($"the tables give '{metricName}' in '{tableUnit}' but the evaluator measures it in '{evalUnit}'");
        IReadOnlyList<Spaces.Architecture> nets;
        string source;
        if (fromStore)
        {
            var key = handle.Stored!.Key;
            nets = handle.Store!.Query(new Estimation.Store.EvaluationFilter(SpaceHash: key.SpaceHash, Evaluator: key.Evaluator, Options: key.Options, Metric: metricName))
                .Select(r => Spaces.Architecture.Parse(r.Code)).Where(sp.IsValid).Distinct().ToList();
            if (count is { } k && k < nets.Count) nets = nets.Take(k).ToList();
            source = $"{nets.Count} networks from the evaluation store";
        }
        else
        {
            nets = StratifiedSample.Draw(sp, count ?? 200, seed);
            source = $"{nets.Count} stratified networks (seed {seed})";
        }
        var measured = env.WithProgress("measuring the validation networks", prog =>
            Estimation.Evaluators.Run(handle.Evaluator.EvaluateAsync(nets, new Progress(prog, nets.Count))));
        handle.Dispose();
        var r = SampleValidation.Validate(sp, t, nets, measured, metricName, m);
        var label = r.Metric + (tableUnit.Length > 0 ? $" ({tableUnit})" : "");
        var figures = $"Spearman {CliEnv.Num(r.Spearman, 3)}, Kendall {CliEnv.Num(r.Kendall, 3)}, MAPE {CliEnv.Num(r.Mape, 2)}%, within 10% {CliEnv.Num(r.Within10, 1)}%";
        if (plotPath is not null)
        {
            Plots.Save(plotPath,
                $"{sp.Name} {r.Metric}: {r.Estimator} tables vs {r.N} measured networks\n{figures}",
                "measured " + label, "predicted " + label,
                [new Plots.Series("networks", r.Measured, r.Predicted, MarkerSize: 5)], diagonal: true);
        }
        if (json)
        {
            env.WriteJson(new
            {
                space = sp.Name,
                metric = r.Metric,
                n = r.N,
                spearman = r.Spearman,
                kendall = r.Kendall,
                mape = r.Mape,
                within_10pct = r.Within10,
                networks = source,
                seed,
                evaluations = r.TableEvaluations,
                estimator = r.Estimator,
                accuracy_model = m.Name(),
                evaluator = handle.Evaluator.Name,
                store = handle.Json,
                plot = plotPath is null ? null : Path.GetFullPath(plotPath),
            });
            return 0;
        }
        env.Console.WriteLine($"{r.Metric} over {source} of {sp.Name} ({r.Estimator} tables, {r.TableEvaluations} evaluations{(r.Metric == Tables.MetricNames.Accuracy ? ", accuracy model " + m.Name() : "")}), measured by {handle.Evaluator.Name}:");
        env.Console.WriteLine($"  Spearman {CliEnv.Num(r.Spearman)}   Kendall tau-b {CliEnv.Num(r.Kendall)}   MAPE {CliEnv.Num(r.Mape, 2)}%   within 10% {CliEnv.Num(r.Within10, 1)}%");
        if (handle.Summary.Length > 0) env.Console.WriteLine(handle.Summary);
        if (plotPath is not null) env.Console.WriteLine($"wrote {Path.GetFullPath(plotPath)}");
        return 0;
    }

    private sealed class Progress(IProgress<ProgressInfo> inner, int total) : IProgress<Estimation.EvaluationProgress>
    {
        public void Report(Estimation.EvaluationProgress value) => inner.Report(new ProgressInfo("measuring the validation networks", value.Done, total));
    }
}
