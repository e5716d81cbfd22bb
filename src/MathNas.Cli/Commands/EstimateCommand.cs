using System.CommandLine;
using MathNas.Estimation;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas estimate`: block tables for every metric of an evaluator, written as one JSON file.</summary>
internal sealed class EstimateCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var space = CliEnv.SpaceOption();
        var evaluator = new Option<string>("--evaluator", "-e")
        {
            Description = "evaluator NAME or NAME:key=value,... (e.g. nasbench201-benchmark), or process:\"CMD ARGS\" (an external worker, any space; docs/worker-protocol.md)",
            Required = true,
        };
        var estimator = new Option<string>("--estimator")
        {
            Description = $"{BlockEstimators.Syntax} (default single)",
            DefaultValueFactory = _ => "single",
        };
        var seed = new Option<int>("--seed") { Description = "seed of the random estimators (sampled, regression)", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out", "-o") { Description = "tables file to write (JSON)", Required = true };
        var benchmark = new Option<string?>("--benchmark")
        {
            Description = "benchmark folder for benchmark evaluators (passed as the evaluator option dir=DIR)",
        };
        var fromStore = new Option<bool>("--from-store") { Description = "refit the tables from the evaluation store without measuring (every network the estimator uses must be stored)" };
        var evalOptions = new EvaluatorOptions();
        var cmd = new Command("estimate", "estimate block tables (accuracy, latency, ...) from an evaluator")
        {
            space, evaluator, estimator, seed, output, benchmark, fromStore, json,
        };
        evalOptions.AddTo(cmd);
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            var outPath = p.GetValue(output)!;
            if (Directory.Exists(outPath)) throw new MathNasException($"--out '{outPath}' is a folder; give a file name");
            var est = BlockEstimators.Parse(p.GetValue(estimator)!, p.GetValue(seed));
            var spec = p.GetValue(evaluator)!;
            var dir = p.GetValue(benchmark);
            if (dir is not null)
            {
                if (!Directory.Exists(dir)) throw new MathNasException($"--benchmark folder '{dir}' does not exist");
                spec += (spec.Contains(':') ? "," : ":") + "dir=" + dir;
            }
            using var handle = evalOptions.Open(p, env, spec, sp, p.GetValue(seed), p.GetValue(fromStore));
            var ev = new CachingEvaluator(handle.Evaluator);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var tables = env.WithProgress($"estimating ({est.Name})", prog => est.Estimate(sp, ev, prog));
            var seconds = started.Elapsed.TotalSeconds;
            handle.Dispose();
            tables.Save(outPath);
            var first = tables.Tables.Values.First();
            var rows = tables.Tables.Values.OrderBy(t => t.Metric, StringComparer.Ordinal).Select(t =>
            {
                // Metrics that cannot be negative: how many valid networks the table predicts below zero (exact, or a labelled bound).
                var bz = Search.BelowZero.CannotBeNegative(t.Metric) ? Search.BelowZero.Analyse(sp, tables, t.Metric) : null;
                return new
                {
                    metric = t.Metric,
                    unit = t.Unit,
                    base_value = t.BaseValue,
                    reference_flops = t.ReferenceFlops,
                    min = t.Range().Min,
                    max = t.Range().Max,
                    below_zero = bz is null ? null : new
                    {
                        networks = Count(bz.Count), upper_bound = Count(bz.CountUpperBound), exact = bz.Exact, of = Count(bz.Networks),
                        least_value = bz.Least, least_code = bz.LeastCode, method = bz.Method,
                    },
                };
            }).ToList();
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    space = sp.Name,
                    evaluator = ev.Name,
                    estimator = est.Name,
                    seed = p.GetValue(seed),
                    @out = Path.GetFullPath(outPath),
                    evaluations = first.Provenance.Evaluations,
                    reference_network = first.Provenance.ReferenceNetwork,
                    reference_flops = first.ReferenceFlops,
                    seconds,
                    store = handle.Json,
                    notes = first.Provenance.Notes,
                    tables = rows,
                });
                return 0;
            }
            env.Console.WriteLine($"{est.Name} estimator on {sp.Name} with {ev.Name}: {first.Provenance.Evaluations} distinct evaluations, {seconds:F2} s");
            if (first.Provenance.ReferenceNetwork.Length > 0)
                env.Console.WriteLine($"reference network: {first.Provenance.ReferenceNetwork} ({sp.Describe(Spaces.Architecture.Parse(first.Provenance.ReferenceNetwork))})");
            if (first.ReferenceFlops is { } rf) env.Console.WriteLine($"reference FLOPs: {CliEnv.Num(rf)} {sp.FlopsUnit}");
            var t = new Table().AddColumns("metric", "unit", "base value", "predicted min", "predicted max", "predicted below 0");
            foreach (var r in rows)
                t.AddRow(Markup.Escape(r.metric), Markup.Escape(r.unit), CliEnv.Num(r.base_value), CliEnv.NumOf(r.metric, r.min), CliEnv.Num(r.max),
                    r.below_zero is not { } b ? "-"
                    : b.exact ? $"{b.networks:0} of {b.of:0}"
                    : $"{b.networks:0} to {b.upper_bound:0} of {b.of:0} (bound)");
            env.Console.Write(t);
            foreach (var r in rows.Where(r => r.below_zero is { upper_bound: > 0 }))
                env.Console.WriteLine($"warning: the {r.metric} table predicts {(r.below_zero!.exact ? $"{r.below_zero.networks:0}" : $"up to {r.below_zero.upper_bound:0}")} network(s) below zero (least {CliEnv.Num(r.below_zero.least_value)} for {string.Join(",", r.below_zero.least_code ?? [])}; {r.below_zero.method}), which {r.metric} cannot be");
            if (handle.Summary.Length > 0) env.Console.WriteLine(handle.Summary);
            env.Console.WriteLine($"wrote {Path.GetFullPath(outPath)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>A count of networks as an exact JSON number (decimal holds 28 digits, more than any space's size here).</summary>
    private static decimal Count(System.Numerics.BigInteger n) => n <= new System.Numerics.BigInteger(decimal.MaxValue) ? (decimal)n : decimal.MaxValue;
}
