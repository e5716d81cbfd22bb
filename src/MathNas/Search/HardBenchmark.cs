using System.Diagnostics;

namespace MathNas.Search;

/// <summary>One instance of the hard grid: family, nodes x blocks, budget rows, budget percentile.</summary>
public sealed record HardCase(HardFamily Family, int Nodes, int Blocks, int Budgets, int Percentile)
{
    public string Name => $"{Family.Name()}-{Nodes}x{Blocks}-k{Budgets}-p{Percentile}";

    /// <summary>The generator seed: a fixed arithmetic function of the case (stable across processes).</summary>
    public int Seed => 1_000_003 * Nodes + 10_007 * Blocks + 1_009 * Budgets + 101 * (int)Family + Percentile;

    public SearchProblem Problem() => HardInstances.Make(Family, Nodes, Blocks, Budgets, Percentile, Seed);
}

/// <summary>One solver on one hard instance: median time of the solve (and for CP-SAT, of the model build and the solve alone).</summary>
public sealed record HardRun(string Solver, string Status, double? Objective, double Gap, double MedianMs, int Repeats, double? BuildMs = null, double? SolveOnlyMs = null)
{
    public bool Proven => Status is "optimal" or "infeasible";
}

/// <summary>Every solver on one hard instance, and whether their proven optima agree.</summary>
public sealed record HardEntry(HardCase Case, int Blocks, double Log10Networks, IReadOnlyList<HardRun> Runs)
{
    /// <summary>True when every proven optimum agrees within 1e-6 (relative), null when fewer than two solvers proved one.</summary>
    public bool? Agree
    {
        get
        {
            var proven = Runs.Where(r => r.Proven).ToList();
            if (proven.Count < 2) return null;
            var first = proven[0];
            return proven.All(r => r.Status == first.Status && (r.Objective is null) == (first.Objective is null)
                && (r.Objective is not { } a || first.Objective is not { } b || Math.Abs(a - b) <= 1e-6 * Math.Max(1, Math.Abs(b))));
        }
    }

    public HardRun? Run(string solver) => Runs.FirstOrDefault(r => r.Solver == solver);
}

/// <summary>
/// The hard multiple-choice knapsack families (<see cref="HardInstances"/>) for <c>mathnas bench --hard/--grid</c>:
/// the project's default solver ("bnb"), OR-Tools CP-SAT (model built once: build and solve timed apart, and end to
/// end), OR-Tools SCIP, and for one budget the exact core DP alone ("dp") as the reference.
/// </summary>
public static class HardBenchmark
{
    public static readonly int[] GridNodes = [10, 50, 200];
    public static readonly int[] GridBlocks = [5, 20, 50, 100];
    public static readonly int[] GridBudgets = [1, 2, 4];
    public static readonly int[] GridPercentiles = [10, 50, 90];

    /// <summary>The whole grid: nodes {10, 50, 200} x blocks {5, 20, 50, 100} x budgets {1, 2, 4} x 4 families x percentiles {10, 50, 90}.</summary>
    public static IEnumerable<HardCase> Grid() =>
        from n in GridNodes from b in GridBlocks from k in GridBudgets from f in HardInstances.Families from p in GridPercentiles
        select new HardCase(f, n, b, k, p);

    /// <summary>A representative subset of the grid (every family, budget count and percentile; small to the largest sizes).</summary>
    public static IEnumerable<HardCase> Subset()
    {
        foreach (var f in HardInstances.Families)
        {
            foreach (var (n, b) in new[] { (10, 5), (10, 20), (10, 100), (50, 20), (200, 100) })
                foreach (var p in GridPercentiles) yield return new HardCase(f, n, b, 1, p);
            foreach (var (n, b) in new[] { (10, 5), (10, 20), (50, 20), (200, 50) })
                yield return new HardCase(f, n, b, 2, 50);
            foreach (var (n, b) in new[] { (10, 5), (50, 5) })
                yield return new HardCase(f, n, b, 4, 50);
        }
    }

    /// <summary>Solver names in the order they run: the project's solver, CP-SAT, SCIP, and the one-budget DP.</summary>
    public static IReadOnlyList<string> Solvers { get; } = ["bnb", "cpsat", "scip", "dp"];

    /// <summary>
    /// Runs the solvers on one case with a time limit each. Each is run once; when that takes under 0.2 s it is repeated
    /// (at least <paramref name="minRepeats"/> times, up to 1 s) and the median reported. SCIP is skipped when
    /// <paramref name="scip"/> is false; the DP runs only with one budget.
    /// </summary>
    public static HardEntry Run(HardCase c, double timeLimit, bool scip = true, int minRepeats = 3, int cpsatWorkers = 2)
    {
        var p = c.Problem();
        var o = new SolveOptions { TimeLimitSeconds = timeLimit, Diagnose = false };
        var runs = new List<HardRun>
        {
            Timed("bnb", () => new BranchAndBoundSolver().Solve(p, o), minRepeats),
            CpSat(p, o, minRepeats, cpsatWorkers),
        };
        if (scip) runs.Add(Timed("scip", () => new OrToolsSolver().Solve(p, o), 1));
        if (c.Budgets == 1) runs.Add(Timed("dp", () => new CoreDpSolver().Solve(p, o), minRepeats));
        return new HardEntry(c, p.Counts.Sum(), p.LogSize, runs);
    }

    private static HardRun Timed(string name, Func<SearchResult> solve, int minRepeats)
    {
        var (ms, reps, r) = Repeat(solve, minRepeats);
        return new HardRun(name, r.Status.Name(), r.Best?.Objective, r.Gap, ms, reps);
    }

    /// <summary>CP-SAT end to end (its Solve builds the model), plus the model built once and the solve timed alone (linear problems).</summary>
    private static HardRun CpSat(SearchProblem p, SolveOptions o, int minRepeats, int workers)
    {
        var solver = new CpSatSolver(workers);
        var (ms, reps, r) = Repeat(() => solver.Solve(p, o), minRepeats);
        if (p.Ratio is not null) return new HardRun("cpsat", r.Status.Name(), r.Best?.Objective, r.Gap, ms, reps);
        var (build, _, model) = Repeat(() => CpSatModel.Build(p), minRepeats);
        var (solveMs, _, _) = Repeat(() => model.Solve(1, SearchSolverBase.DeadlineFrom(o.TimeLimitSeconds), o, workers), minRepeats);
        return new HardRun("cpsat", r.Status.Name(), r.Best?.Objective, r.Gap, ms, reps, build, solveMs);
    }

    private static (double Ms, int Repeats, T Last) Repeat<T>(Func<T> f, int minRepeats)
    {
        long t0 = Stopwatch.GetTimestamp();
        var last = f();
        double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (first > 200) return (first, 1, last);
        var times = new List<double> { first };
        var sw = Stopwatch.StartNew();
        while (times.Count < minRepeats + 1 || (sw.Elapsed.TotalSeconds < 1 && times.Count < 2000))
        {
            long t1 = Stopwatch.GetTimestamp();
            last = f();
            times.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
        }
        times.RemoveAt(0); // the first run warms up
        return (Audit.Budgets.Median(times), times.Count, last);
    }
}
