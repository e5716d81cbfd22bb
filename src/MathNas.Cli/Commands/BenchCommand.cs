using System.CommandLine;
using System.Globalization;
using MathNas.Search;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas bench`: in-process solve times of the project's solver against OR-Tools, brute force and (for fronts) a
/// plain Nemhauser-Ullmann merge, measured interleaved (median and spread, with the load average beside them), and the
/// single-sample estimator's evaluation counts against the paper's 1 + Σ(n_i - 1).
/// </summary>
internal sealed class BenchCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var quick = new Option<bool>("--quick") { Description = "fewer repetitions and no 100x30 instance (a fast smoke run)" };
        var only = new Option<string?>("--only") { Description = "run only the instances whose name contains this text" };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "skip OR-Tools (the project's solver, brute force and the plain Nemhauser-Ullmann merge still run)" };
        var roundtrip = new Option<bool>("--roundtrip") { Description = "only the worker round trip: median time per evaluation through the worker protocol with a trivial worker" };
        var roundtripWorker = new Option<string?>("--roundtrip-worker") { Description = "worker command for --roundtrip (default: python3 examples/workers/template_worker.py)" };
        var roundtripCount = new Option<int>("--roundtrip-count") { Description = "evaluations timed by --roundtrip", DefaultValueFactory = _ => 2000 };
        var hard = new Option<bool>("--hard") { Description = "the hard knapsack families (strongly/weakly/inverse correlated, ratio objective), a subset of the grid: bnb vs CP-SAT, SCIP and the one-budget DP" };
        var grid = new Option<bool>("--grid") { Description = "like --hard, the whole grid: nodes {10,50,200} x blocks {5,20,50,100} x budgets {1,2,4} x 4 families x percentiles {10,50,90} (long)" };
        var hardLimit = new Option<double>("--time-limit") { Description = "with --hard/--grid: time limit per solver and instance, seconds", DefaultValueFactory = _ => 10 };
        var noScip = new Option<bool>("--no-scip") { Description = "with --hard/--grid: skip OR-Tools SCIP" };
        var cmd = new Command("bench", "benchmark the exact search, solvers interleaved: project solver vs OR-Tools, brute force where small, Nemhauser-Ullmann for fronts; --hard/--grid: hard knapsack families; --roundtrip: the worker protocol") { json, quick, only, noBaseline, roundtrip, roundtripWorker, roundtripCount, hard, grid, hardLimit, noScip };
        env.SetAction(cmd, p =>
        {
            if (p.GetValue(roundtrip)) return RoundTrip(env, p.GetValue(roundtripWorker), p.GetValue(roundtripCount), p.GetValue(json));
            if (p.GetValue(hard) || p.GetValue(grid))
                return HardBenchReport.Run(env, p.GetValue(grid), p.GetValue(only), p.GetValue(hardLimit), !p.GetValue(noScip), p.GetValue(json));
            bool q = p.GetValue(quick);
            var filter = p.GetValue(only);
            var entries = new List<BenchEntry>();
            var loadStart = ReadLoadAverage();
            var skippedSpaces = new List<string>();
            foreach (var inst in SolverBenchmark.Instances(q, skippedSpaces))
            {
                if (filter is not null && !inst.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
                if (!p.GetValue(json)) env.Err.WriteLine($"[bench] {inst.Name} ...");
                entries.Add(SolverBenchmark.Run(inst, q, withBaseline: !p.GetValue(noBaseline), loadAverage: ReadLoadAverage));
            }
            var loadEnd = ReadLoadAverage();
            foreach (var sk in skippedSpaces) env.Err.WriteLine($"[bench] skipped space {sk}");
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
                    skipped = skippedSpaces,
                    machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
                    quick = q,
                    load_average_start = loadStart,
                    load_average_end = loadEnd,
                    instances = entries.Select(e => new
                    {
                        name = e.Name, kind = e.Kind, nodes = e.Nodes, blocks = e.Blocks, log10_networks = Math.Round(e.Log10Networks, 2),
                        repeats = e.Repeats, median_ms = e.MedianMs, baseline = e.BaselineName, baseline_median_ms = e.BaselineMedianMs, brute_force_ms = e.BruteForceMs,
                        speedup = e.Speedup, status = e.Status, baseline_status = e.BaselineStatus,
                        objective = e.Objective, baseline_objective = e.BaselineObjective, agree = e.Agree,
                        load_average_before = e.LoadBefore, load_average_after = e.LoadAfter,
                        solvers = e.Solvers.Select(x => new
                        {
                            name = x.Solver, median_ms = x.MedianMs, min_ms = x.MinMs, max_ms = x.MaxMs, q1_ms = x.Q1Ms, q3_ms = x.Q3Ms,
                            rounds = x.Rounds, calls_per_round = x.CallsPerRound, status = x.Answer.Status, values = x.Answer.Values.Count,
                            agree = x.Agree, relative_to_first = e.MedianMs > 0 ? x.MedianMs / e.MedianMs : (double?)null,
                        }).ToList(),
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
            env.Console.WriteLine($"load average (1, 5, 15 min) at start: {Load(loadStart)}, at end: {Load(loadEnd)}; {Environment.ProcessorCount} cores; " +
                "solvers interleaved (A B C A B C ...), ms per call: median [min - max], IQR");
            var t = new Table().AddColumns("instance", "nodes", "blocks", "log10 nets", "solver", "median ms", "min - max ms", "IQR ms", "rounds x calls", "x first", "status", "agree", "load 1 min");
            foreach (var e in entries)
            {
                for (int k = 0; k < e.Solvers.Count; k++)
                {
                    var x = e.Solvers[k];
                    t.AddRow(k == 0 ? Markup.Escape(e.Name) : "", k == 0 ? e.Nodes.ToString(CultureInfo.InvariantCulture) : "", k == 0 ? e.Blocks.ToString(CultureInfo.InvariantCulture) : "",
                        k == 0 ? CliEnv.Num(e.Log10Networks, 1) : "", Markup.Escape(x.Solver), Ms(x.MedianMs), $"{Ms(x.MinMs)} - {Ms(x.MaxMs)}", Ms(x.Q3Ms - x.Q1Ms),
                        $"{x.Rounds} x {x.CallsPerRound}", k == 0 ? "1" : e.MedianMs > 0 ? CliEnv.Num(x.MedianMs / e.MedianMs, 2) : "-", x.Answer.Status,
                        x.Agree is null ? "-" : x.Agree.Value ? "yes" : "NO", k == 0 ? $"{Load1(e.LoadBefore)} -> {Load1(e.LoadAfter)}" : "");
                }
            }
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

    /// <summary>bench --roundtrip: the worker protocol's time per evaluation, with the load average beside it.</summary>
    private static int RoundTrip(CliEnv env, string? command, int count, bool json)
    {
        if (command is null)
        {
            var root = Data.DataLocator.RepositoryRoot() ?? throw new MathNasException("--roundtrip: the repository (examples/workers) was not found; give --roundtrip-worker CMD");
            var script = Path.Combine(root, "examples", "workers", "template_worker.py");
            if (!File.Exists(script)) throw new MathNasException($"--roundtrip: {script} is missing; give --roundtrip-worker CMD");
            command = $"python3 \"{script}\"";
        }
        var r = Estimation.Workers.WorkerBench.Measure(command, count);
        var load = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        if (json)
        {
            env.WriteJson(new
            {
                worker = r.Command, evaluations = r.Evaluations, median_ms = r.MedianMs, p90_ms = r.P90Ms, min_ms = r.MinMs,
                batch_ms_per_evaluation = r.BatchMsPerEvaluation, load_average = load, cores = Environment.ProcessorCount, target_median_ms = 1.0,
            });
            return 0;
        }
        env.Console.WriteLine($"worker round trip ({r.Evaluations} one-network requests, one after the other; worker: {r.Command})");
        env.Console.WriteLine($"  median {CliEnv.Num(r.MedianMs, 4)} ms   p90 {CliEnv.Num(r.P90Ms, 4)} ms   min {CliEnv.Num(r.MinMs, 4)} ms   (target: median <= 1 ms)");
        env.Console.WriteLine($"  one batch of {r.Evaluations}: {CliEnv.Num(r.BatchMsPerEvaluation, 4)} ms per evaluation");
        env.Console.WriteLine($"  load average {load} on {Environment.ProcessorCount} cores");
        return 0;
    }

    private static string Ms(double v) => v >= 100 ? CliEnv.Num(v, 0) : v >= 1 ? CliEnv.Num(v, 2) : CliEnv.Num(v, 4);

    private static string Load(double[]? l) => l is null ? "n/a" : string.Join(" ", l.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));

    private static string Load1(double[]? l) => l is null ? "n/a" : l[0].ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg; null where there is none.</summary>
    internal static double[]? ReadLoadAverage()
    {
        try
        {
            var f = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3) return null;
            var v = new double[3];
            for (int i = 0; i < 3; i++)
                if (!double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i])) return null;
            return v;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
