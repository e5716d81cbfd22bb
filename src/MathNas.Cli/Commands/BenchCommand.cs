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
        var hard = new Option<bool>("--hard") { Description = "the hard knapsack families (strongly/weakly/inverse correlated, ratio objective), a subset of the grid: bnb vs CP-SAT, SCIP and the one-budget DP" };
        var grid = new Option<bool>("--grid") { Description = "like --hard, the whole grid: nodes {10,50,200} x blocks {5,20,50,100} x budgets {1,2,4} x 4 families x percentiles {10,50,90} (long)" };
        var hardLimit = new Option<double>("--time-limit") { Description = "with --hard/--grid: time limit per solver and instance, seconds", DefaultValueFactory = _ => 10 };
        var noScip = new Option<bool>("--no-scip") { Description = "with --hard/--grid: skip OR-Tools SCIP" };
        var cmd = new Command("bench", "benchmark the exact search: project solver vs OR-Tools (and brute force where small)") { json, quick, only, noBaseline, hard, grid, hardLimit, noScip };
        env.SetAction(cmd, p =>
        {
            if (p.GetValue(hard) || p.GetValue(grid))
                return HardBenchReport.Run(env, p.GetValue(grid), p.GetValue(only), p.GetValue(hardLimit), !p.GetValue(noScip), p.GetValue(json));
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
            if (entries.Count == 0 && estimator.Count == 0)
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
                });
                return 0;
            }
            var t = new Table().AddColumns("instance", "nodes", "blocks", "log10 nets", "bnb median ms", "OR-Tools median ms", "speedup", "brute force ms", "status", "agree");
            foreach (var e in entries)
                t.AddRow(Markup.Escape(e.Name), e.Nodes.ToString(), e.Blocks.ToString(), CliEnv.Num(e.Log10Networks, 1), CliEnv.Num(e.MedianMs, 4),
                    e.BaselineMedianMs is { } b ? CliEnv.Num(b, 2) : "-", e.Speedup is { } s ? CliEnv.Num(s, 0) + "x" : "-",
                    e.BruteForceMs is { } bf ? CliEnv.Num(bf, 2) : "-", e.Status, e.Agree is null ? "-" : e.Agree.Value ? "yes" : "NO");
            env.Console.Write(t);
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
