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
        var cmd = new Command("validate", "rank correlation of predictions with the benchmark's true values over every network")
        {
            space, tables, benchmark, metric, model, plot, json,
        };
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            if (sp is not NasBench201Space)
                throw new MathNasException($"validate compares with the NAS-Bench-201 benchmark: use --space {NasBench201Space.SpaceName}, not '{sp.Name}'");
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
}
