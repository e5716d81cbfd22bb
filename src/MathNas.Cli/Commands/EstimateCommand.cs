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
            Description = "evaluator NAME or NAME:key=value,... (e.g. nasbench201-benchmark)",
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
        var cmd = new Command("estimate", "estimate block tables (accuracy, latency, ...) from an evaluator")
        {
            space, evaluator, estimator, seed, output, benchmark, json,
        };
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
            var ev = new CachingEvaluator(CliEnv.ResolveEvaluator(spec, sp));
            var started = System.Diagnostics.Stopwatch.StartNew();
            var tables = env.WithProgress($"estimating ({est.Name})", prog => est.Estimate(sp, ev, prog));
            var seconds = started.Elapsed.TotalSeconds;
            tables.Save(outPath);
            var first = tables.Tables.Values.First();
            var rows = tables.Tables.Values.OrderBy(t => t.Metric, StringComparer.Ordinal).Select(t => new
            {
                metric = t.Metric,
                unit = t.Unit,
                base_value = t.BaseValue,
                reference_flops = t.ReferenceFlops,
                min = t.Range().Min,
                max = t.Range().Max,
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
                    notes = first.Provenance.Notes,
                    tables = rows,
                });
                return 0;
            }
            env.Console.WriteLine($"{est.Name} estimator on {sp.Name} with {ev.Name}: {first.Provenance.Evaluations} distinct evaluations, {seconds:F2} s");
            if (first.Provenance.ReferenceNetwork.Length > 0)
                env.Console.WriteLine($"reference network: {first.Provenance.ReferenceNetwork} ({sp.Describe(Spaces.Architecture.Parse(first.Provenance.ReferenceNetwork))})");
            if (first.ReferenceFlops is { } rf) env.Console.WriteLine($"reference FLOPs: {CliEnv.Num(rf)} {sp.FlopsUnit}");
            var t = new Table().AddColumns("metric", "unit", "base value", "predicted min", "predicted max");
            foreach (var r in rows) t.AddRow(Markup.Escape(r.metric), Markup.Escape(r.unit), CliEnv.Num(r.base_value), CliEnv.Num(r.min), CliEnv.Num(r.max));
            env.Console.Write(t);
            env.Console.WriteLine($"wrote {Path.GetFullPath(outPath)}");
            return 0;
        });
        return cmd;
    }
}
