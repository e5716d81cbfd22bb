using System.CommandLine;
using System.Globalization;
using MathNas.Search;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas bench`: median in-process solve times of the project's solver against OR-Tools (and brute force), and the single-sample estimator's evaluation counts against the paper's 1 + Σ(n_i - 1).</summary>
internal sealed class BenchCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var quick = new Option<bool>("--quick") { Description = "fewer repetitions and no 100x30 instance (a fast smoke run)" };
        var only = new Option<string?>("--only") { Description = "run only the instances whose name contains this text" };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "skip OR-Tools (project solver and brute force only)" };
        var cmd = new Command("bench", "benchmark the exact search: project solver vs OR-Tools (and brute force where small)") { json, quick, only, noBaseline };
        env.SetAction(cmd, p =>
        {
            bool q = p.GetValue(quick);
            var filter = p.GetValue(only);
            var entries = new List<BenchEntry>();
            foreach (var inst in SolverBenchmark.Instances(q))
            {
                if (filter is not null && !inst.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
                if (!p.GetValue(json)) env.Err.WriteLine($"[bench] {inst.Name} ...");
                entries.Add(SolverBenchmark.Run(inst, q, withBaseline: !p.GetValue(noBaseline)));
            }
            foreach (var sk in SolverBenchmark.SkippedSpaces) env.Err.WriteLine($"[bench] skipped space {sk}");
            if (!p.GetValue(json)) env.Err.WriteLine("[bench] single-sample estimator evaluation counts ...");
            var estimator = SolverBenchmark.EstimatorEvaluations(filter).ToList();
            if (!p.GetValue(json)) env.Err.WriteLine("[bench] other timings (rank correlation, runtime re-solve, block switch) ...");
            var timings = BenchTimings.Run(filter, q).ToList();
            if (entries.Count == 0 && estimator.Count == 0 && timings.Count == 0)
                throw new MathNasException($"--only '{filter}' matches no benchmark instance or space");
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    skipped = SolverBenchmark.SkippedSpaces.ToList(),
                    machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
                    quick = q,
                    instances = entries.Select(e => new
                    {
                        name = e.Name, kind = e.Kind, nodes = e.Nodes, blocks = e.Blocks, log10_networks = Math.Round(e.Log10Networks, 2),
                        repeats = e.Repeats, median_ms = e.MedianMs, baseline_median_ms = e.BaselineMedianMs, brute_force_ms = e.BruteForceMs,
                        speedup = e.Speedup, status = e.Status, baseline_status = e.BaselineStatus,
                        objective = e.Objective, baseline_objective = e.BaselineObjective, agree = e.Agree,
                    }).ToList(),
                    estimator_evaluations = estimator.Select(e => new
                    {
                        space = e.Space, nodes = e.Nodes, blocks = e.Blocks, evaluations = e.Evaluations, paper = e.Paper, bound = e.Bound, error = e.Error,
                    }).ToList(),
                    timings = timings.Select(x => new { name = x.Name, repeats = x.Repeats, median_ms = x.MedianMs, detail = x.Detail }).ToList(),
                });
                return 0;
            }
            if (timings.Count > 0)
            {
                var tt = new Table().AddColumns("timing", "repeats", "median ms", "detail");
                foreach (var x in timings)
                    tt.AddRow(Markup.Escape(x.Name), x.Repeats.ToString(CultureInfo.InvariantCulture), CliEnv.Num(x.MedianMs, 4), Markup.Escape(x.Detail));
                env.Console.Write(tt);
            }
            var t = new Table().AddColumns("instance", "nodes", "blocks", "log10 nets", "bnb median ms", "OR-Tools median ms", "speedup", "brute force ms", "status", "agree");
            foreach (var e in entries)
                t.AddRow(Markup.Escape(e.Name), e.Nodes.ToString(), e.Blocks.ToString(), CliEnv.Num(e.Log10Networks, 1), CliEnv.Num(e.MedianMs, 4),
                    e.BaselineMedianMs is { } b ? CliEnv.Num(b, 2) : "-", e.Speedup is { } s ? CliEnv.Num(s, 0) + "x" : "-",
                    e.BruteForceMs is { } bf ? CliEnv.Num(bf, 2) : "-", e.Status, e.Agree is null ? "-" : e.Agree.Value ? "yes" : "NO");
            if (entries.Count > 0) env.Console.Write(t);
            if (estimator.Count > 0)
            {
                var et = new Table().AddColumns("space (single-sample estimator, FLOPs evaluator)", "nodes", "blocks", "evaluations", "paper 1 + Σ(n_i - 1)", "bound 2 + Σ(n_i - 1)", "within bound");
                foreach (var e in estimator)
                    et.AddRow(Markup.Escape(e.Space), e.Nodes.ToString(CultureInfo.InvariantCulture), e.Blocks.ToString(CultureInfo.InvariantCulture),
                        e.Evaluations is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-", e.Paper.ToString(CultureInfo.InvariantCulture),
                        e.Bound.ToString(CultureInfo.InvariantCulture), e.WithinBound is { } w ? (w ? "yes" : "NO") : "-");
                env.Console.Write(et);
                foreach (var e in estimator.Where(x => x.Error is not null))
                    env.Err.WriteLine($"[bench] estimator did not run on {e.Space}: {e.Error}");
            }
            return 0;
        });
        return cmd;
    }
}
