using System.Globalization;
using MathNas.Search;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas bench --hard` / `--grid`: the hard multiple-choice knapsack families, every solver side by side.</summary>
internal static class HardBenchReport
{
    /// <summary>The 1- and 5-minute load averages from /proc/loadavg, or null where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            var f = File.ReadAllText("/proc/loadavg").Split(' ');
            return f.Length >= 3 ? $"{f[0]} {f[1]} {f[2]}" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static int Run(CliEnv env, bool grid, string? filter, double timeLimit, bool scip, bool json)
    {
        if (!(timeLimit > 0) || !double.IsFinite(timeLimit)) throw new MathNasException($"--time-limit {timeLimit}: needs a positive number of seconds");
        var cases = (grid ? HardBenchmark.Grid() : HardBenchmark.Subset())
            .Where(c => filter is null || c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (cases.Count == 0) throw new MathNasException($"--only '{filter}' matches no hard instance");
        var loadBefore = LoadAverage();
        var entries = new List<HardEntry>();
        foreach (var c in cases)
        {
            if (!json) env.Err.WriteLine($"[bench] {c.Name} ...");
            entries.Add(HardBenchmark.Run(c, timeLimit, scip));
        }
        var loadAfter = LoadAverage();
        // Targets: every instance CP-SAT proves within the limit, the project proves within 1 s and no slower than CP-SAT;
        // one budget: proven within 100 ms.
        var satProved = entries.Where(e => e.Run("cpsat")!.Proven).ToList();
        var misses = satProved.Where(e => !(e.Run("bnb")!.Proven && e.Run("bnb")!.MedianMs <= 1000 && e.Run("bnb")!.MedianMs <= e.Run("cpsat")!.MedianMs)).ToList();
        var oneBudget = entries.Where(e => e.Case.Budgets == 1).ToList();
        var slowOne = oneBudget.Where(e => !(e.Run("bnb")!.Proven && e.Run("bnb")!.MedianMs <= 100)).ToList();
        var disagree = entries.Where(e => e.Agree == false).ToList();
        if (json)
        {
            env.WriteJson(new
            {
                machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
                load_average_before = loadBefore, load_average_after = loadAfter, time_limit_s = timeLimit, grid,
                instances = entries.Select(e => new
                {
                    name = e.Case.Name, family = e.Case.Family.Name(), nodes = e.Case.Nodes, blocks_per_node = e.Case.Blocks, budgets = e.Case.Budgets,
                    percentile = e.Case.Percentile, seed = e.Case.Seed, log10_networks = Math.Round(e.Log10Networks, 2), agree = e.Agree,
                    solvers = e.Runs.Select(r => new
                    {
                        solver = r.Solver, status = r.Status, objective = r.Objective, gap = double.IsFinite(r.Gap) ? r.Gap : (double?)null,
                        median_ms = r.MedianMs, repeats = r.Repeats, build_ms = r.BuildMs, solve_only_ms = r.SolveOnlyMs,
                    }).ToList(),
                }).ToList(),
                summary = new
                {
                    instances = entries.Count, cpsat_proved = satProved.Count,
                    bnb_within_1s_and_not_slower_than_cpsat = satProved.Count - misses.Count,
                    misses = misses.Select(e => e.Case.Name).ToList(),
                    one_budget = oneBudget.Count, one_budget_proven_within_100ms = oneBudget.Count - slowOne.Count,
                    one_budget_misses = slowOne.Select(e => e.Case.Name).ToList(),
                    disagreements = disagree.Select(e => e.Case.Name).ToList(),
                },
            });
            return disagree.Count > 0 ? ExitCodes.Error : 0;
        }
        string Cell(HardRun? r) => r is null ? "-" : $"{CliEnv.Num(r.MedianMs, r.MedianMs < 1 ? 4 : 1)} {r.Status}" + (r.Status == "feasible" ? $" gap {CliEnv.Num(r.Gap, 2)}" : "");
        var t = new Table().AddColumns("instance", "blocks", "log10 nets", "bnb ms", "CP-SAT ms (end to end)", "CP-SAT build + solve ms", "SCIP ms", "dp ms", "agree");
        foreach (var e in entries)
        {
            var s = e.Run("cpsat");
            t.AddRow(Markup.Escape(e.Case.Name), e.Blocks.ToString(CultureInfo.InvariantCulture), CliEnv.Num(e.Log10Networks, 1), Markup.Escape(Cell(e.Run("bnb"))),
                Markup.Escape(Cell(s)), s?.BuildMs is { } b && s.SolveOnlyMs is { } so ? $"{CliEnv.Num(b, 1)} + {CliEnv.Num(so, 1)}" : "-",
                Markup.Escape(Cell(e.Run("scip"))), Markup.Escape(Cell(e.Run("dp"))), e.Agree is null ? "-" : e.Agree.Value ? "yes" : "NO");
        }
        env.Console.Write(t);
        env.Out.WriteLine($"load average before/after: {loadBefore ?? "-"} / {loadAfter ?? "-"}; time limit {CliEnv.Num(timeLimit, 1)} s per solver");
        env.Out.WriteLine($"CP-SAT proved {satProved.Count} of {entries.Count}; bnb proved {satProved.Count - misses.Count} of those within 1 s and no slower than CP-SAT"
            + (misses.Count > 0 ? $" (not: {string.Join(", ", misses.Select(e => e.Case.Name))})" : ""));
        env.Out.WriteLine($"one budget: bnb proved {oneBudget.Count - slowOne.Count} of {oneBudget.Count} within 100 ms"
            + (slowOne.Count > 0 ? $" (not: {string.Join(", ", slowOne.Select(e => e.Case.Name))})" : ""));
        if (disagree.Count > 0) env.Err.WriteLine($"[bench] proven optima disagree on: {string.Join(", ", disagree.Select(e => e.Case.Name))}");
        return disagree.Count > 0 ? ExitCodes.Error : 0;
    }
}
