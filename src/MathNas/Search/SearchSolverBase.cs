using System.Diagnostics;
using System.Globalization;

namespace MathNas.Search;

/// <summary>Outcome of one linear solve (maximise Constant + sum Value subject to the rows, excluded codes removed).</summary>
public sealed class CoreResult
{
    /// <summary>Best first; objective computed canonically by <see cref="SearchProblem.Objective"/>.</summary>
    public required List<Solution> Solutions { get; init; }
    /// <summary>True when the search finished: the solutions are the proven top-k (none = infeasible).</summary>
    public required bool Complete { get; init; }
    /// <summary>An upper bound on the best objective (valid also when not complete).</summary>
    public required double UpperBound { get; init; }
    public long Nodes { get; init; }
}

/// <summary>
/// What both solvers share: Dinkelbach's method for the FLOPs-scaled ratio objective, top-k for it by
/// repeated exclusion, and the diagnosis of infeasible budgets. A solver implements only the linear core.
/// </summary>
public abstract class SearchSolverBase : ISearchSolver
{
    public abstract string Name { get; }

    /// <summary>Most Dinkelbach steps for the FLOPs-scaled objective (each strictly improves the ratio; in practice a handful suffice).</summary>
    public const int MaxDinkelbachSteps = 200;

    /// <summary>Exact top-k of a linear problem (its Ratio is ignored), stopping at <paramref name="deadline"/> (a Stopwatch timestamp).</summary>
    public abstract CoreResult SolveLinear(SearchProblem problem, int k, long deadline, SolveOptions options);

    public static long DeadlineFrom(double? seconds) =>
        seconds is { } s && double.IsFinite(s) ? Stopwatch.GetTimestamp() + (long)(Math.Max(0, s) * Stopwatch.Frequency) : long.MaxValue;

    /// <summary>True once <paramref name="deadline"/> (a <see cref="DeadlineFrom"/> timestamp) has passed.</summary>
    public static bool Passed(long deadline) => deadline != long.MaxValue && Stopwatch.GetTimestamp() > deadline;

    /// <summary>Seconds left until <paramref name="deadline"/> (a <see cref="DeadlineFrom"/> timestamp; null: none), at least 0.</summary>
    public static double? SecondsLeft(long deadline) =>
        deadline == long.MaxValue ? null : Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

    public SearchResult Solve(SearchProblem problem, SolveOptions? options = null)
    {
        var o = options ?? new SolveOptions();
        if (o.TopK < 1) throw new MathNasException("top-k needs k >= 1");
        var t0 = Stopwatch.GetTimestamp();
        var deadline = DeadlineFrom(o.TimeLimitSeconds);
        // Same feasible codes, no huge coefficients in the arithmetic (a block marked unavailable with latency 1e9).
        var solving = problem.WithUnaffordableCapped();
        SearchResult r;
        if (solving.Ratio is null)
        {
            var c = SolveLinear(solving, o.TopK, deadline, o);
            r = FromCore(c, 0);
        }
        else
        {
            r = SolveRatioTopK(solving, o, deadline);
        }
        InfeasibilityReport? why = null;
        if (r.Status == SolveStatus.Infeasible && o.Diagnose) why = Diagnose(problem, deadline, o);
        return new SearchResult
        {
            Status = r.Status,
            Solutions = r.Solutions,
            UpperBound = r.UpperBound,
            Nodes = r.Nodes,
            Iterations = r.Iterations,
            Infeasibility = why,
            Solver = Name,
            SolveMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
        };
    }

    private static SearchResult FromCore(CoreResult c, int iterations)
    {
        var status = c.Complete
            ? (c.Solutions.Count > 0 ? SolveStatus.Optimal : SolveStatus.Infeasible)
            : (c.Solutions.Count > 0 ? SolveStatus.Feasible : SolveStatus.Unknown);
        double ub = c.Complete && c.Solutions.Count > 0 ? c.Solutions[0].Objective : c.UpperBound;
        if (c.Solutions.Count > 0) ub = Math.Max(ub, c.Solutions[0].Objective);
        return new SearchResult { Status = status, Solutions = c.Solutions, UpperBound = ub, Nodes = c.Nodes, Iterations = iterations };
    }

    // ---------------- FLOPs-scaled objective: Dinkelbach ----------------

    private SearchResult SolveRatioTopK(SearchProblem problem, SolveOptions o, long deadline)
    {
        var sols = new List<Solution>();
        var excluded = new List<int[]>();
        SearchResult? first = null;
        long nodes = 0;
        int iters = 0;
        bool complete = true;
        double ub = double.NegativeInfinity;
        for (int t = 0; t < o.TopK; t++)
        {
            // Each further network of the top-k is a new Dinkelbach run: none is started past the deadline.
            if (t > 0 && Passed(deadline)) { complete = false; break; }
            var p = excluded.Count == 0 ? problem : problem.WithExcluded(excluded);
            var r = Dinkelbach(p, deadline, o);
            first ??= r;
            nodes += r.Nodes;
            iters += r.Iterations;
            if (r.Status == SolveStatus.Infeasible) break;
            if (r.Status == SolveStatus.Unknown) { complete = false; if (t == 0) ub = r.UpperBound; break; }
            if (r.Status == SolveStatus.Feasible) complete = false;
            if (t == 0) ub = r.UpperBound;
            sols.Add(r.Best!);
            excluded.Add(r.Best!.Code);
            if (!complete) break;
        }
        if (sols.Count == 0)
            return new SearchResult { Status = first!.Status, Solutions = [], UpperBound = first.UpperBound, Nodes = nodes, Iterations = iters };
        return new SearchResult
        {
            Status = complete ? SolveStatus.Optimal : SolveStatus.Feasible,
            Solutions = sols,
            UpperBound = complete ? sols[0].Objective : Math.Max(ub, sols[0].Objective),
            Nodes = nodes,
            Iterations = iters,
        };
    }

    /// <summary>
    /// max AccBase - Fref * S(x)/D(x): minimise the ratio q = S/D by Dinkelbach's method. Each step solves
    /// max q*D(x) - S(x) exactly (a linear problem of the same form); when its optimum is 0 the incumbent is optimal.
    /// </summary>
    private SearchResult Dinkelbach(SearchProblem problem, long deadline, SolveOptions o)
    {
        var rat = problem.Ratio!;
        int m = problem.NodeCount;
        var value = new double[m][];
        for (int i = 0; i < m; i++) value[i] = new double[problem.Counts[i]];
        // Start: the network of least numerator S among the feasible ones (q = 0 step), or the hints.
        int[]? best = null;
        double bestQ = double.PositiveInfinity;
        foreach (var h in o.Hints ?? [])
        {
            if (!problem.IsFeasible(h)) continue;
            var q = rat.Numerator(h) / rat.Denominator(h);
            if (q < bestQ) { bestQ = q; best = h; }
        }
        long nodes = 0;
        int it = 0;
        double dMin = rat.MinDenominator;
        var sub = new SolveOptions { TopK = 1, PruneDominated = o.PruneDominated, Diagnose = false, NodeLimit = o.NodeLimit };
        while (true)
        {
            it++;
            double q = best is null ? 0 : bestQ;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < value[i].Length; j++) value[i][j] = q * rat.F[i][j] - rat.Loss[i][j];
            var lp = problem.WithLinearObjective(q * rat.F0, value);
            var c = SolveLinear(lp, 1, deadline, sub with { Hints = best is null ? null : [best] });
            nodes += c.Nodes;
            if (c.Solutions.Count == 0)
            {
                if (best is null)
                {
                    return new SearchResult
                    {
                        Status = c.Complete ? SolveStatus.Infeasible : SolveStatus.Unknown,
                        Solutions = [],
                        UpperBound = c.Complete ? double.NegativeInfinity : double.PositiveInfinity,
                        Nodes = nodes, Iterations = it,
                    };
                }
                // Cannot happen with the incumbent as a hint, but stay safe.
                c = new CoreResult { Solutions = [], Complete = c.Complete, UpperBound = c.UpperBound, Nodes = 0 };
            }
            int[]? x = c.Solutions.Count > 0 ? c.Solutions[0].Code : null;
            double xq = x is null ? double.PositiveInfinity : rat.Numerator(x) / rat.Denominator(x);
            bool improved = x is not null && (best is null || xq < bestQ - 1e-12 * Math.Max(1, Math.Abs(bestQ)));
            if (improved)
            {
                best = x;
                bestQ = xq;
            }
            if (!c.Complete)
            {
                // max over x of q*D - S <= U  =>  S/D >= q - U/D >= q - U/Dmin for every network.
                double u = Math.Max(0, c.UpperBound);
                double accUb = rat.AccBase - rat.Fref * (q - u / dMin);
                var sol = best is null ? null : new Solution(best, problem.Objective(best));
                return new SearchResult
                {
                    Status = sol is null ? SolveStatus.Unknown : SolveStatus.Feasible,
                    Solutions = sol is null ? [] : [sol],
                    UpperBound = sol is null ? accUb : Math.Max(accUb, sol.Objective),
                    Nodes = nodes, Iterations = it,
                };
            }
            if (!improved || it > MaxDinkelbachSteps)
            {
                if (it > MaxDinkelbachSteps && improved) throw new InvalidOperationException($"Dinkelbach did not converge in {MaxDinkelbachSteps} steps");
                var sol = new Solution(best!, problem.Objective(best!));
                return new SearchResult { Status = SolveStatus.Optimal, Solutions = [sol], UpperBound = sol.Objective, Nodes = nodes, Iterations = it };
            }
        }
    }

    // ---------------- infeasible budgets ----------------

    /// <summary>The least value row <paramref name="r"/> reaches among networks meeting <paramref name="others"/>; null when none does (or not proven in time).</summary>
    public double? MinimizeRow(SearchProblem problem, ResourceRow r, IReadOnlyList<ResourceRow> others, long deadline)
    {
        var p = problem.WithLinearObjective(0, ResourceRow.Negate(r.Coef), others);
        var c = SolveLinear(p, 1, deadline, new SolveOptions { Diagnose = false });
        if (!c.Complete || c.Solutions.Count == 0) return null;
        return r.Offset + r.Lhs(c.Solutions[0].Code);
    }

    private InfeasibilityReport Diagnose(SearchProblem problem, long deadline, SolveOptions o)
    {
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var consistency = problem.Rows.Where(r => r.Kind != RowKind.Budget).ToList();
        var budgets = problem.Rows.Where(r => r.Kind == RowKind.Budget).ToList();
        var noExcl = problem.With(excluded: []);
        // 1. The consistency constraints alone.
        var cons = SolveLinear(noExcl.WithLinearObjective(0, ZeroValues(problem), consistency), 1, deadline, new SolveOptions { Diagnose = false });
        if (cons.Complete && cons.Solutions.Count == 0)
            return new InfeasibilityReport("the consistency constraints of the space leave no network", []);
        // 2. Each budget against the space (consistency only).
        var rows = new List<InfeasibleRow>();
        foreach (var b in budgets)
        {
            var least = MinimizeRow(noExcl, b, consistency, deadline);
            if (least is { } l && !Feasibility.IsMet(l, b.Max))
                rows.Add(new InfeasibleRow(b.Name, b.Kind, b.Max, l,
                    $"budget {b.Name} of at most {F(b.Max)} cannot be met: the least {b.Name} of any network of the space is {F(l)}"));
        }
        if (rows.Count > 0) return new InfeasibilityReport(string.Join("; ", rows.Select(x => x.Message)), rows);
        // 3. Each budget under the other budgets.
        foreach (var b in budgets)
        {
            var others = problem.Rows.Where(r => !ReferenceEquals(r, b)).ToList();
            var least = MinimizeRow(noExcl, b, others, deadline);
            if (least is { } l && !Feasibility.IsMet(l, b.Max))
                rows.Add(new InfeasibleRow(b.Name, b.Kind, b.Max, l,
                    $"budget {b.Name} of at most {F(b.Max)} cannot be met together with the other budgets: under them the least {b.Name} is {F(l)}"));
        }
        if (rows.Count > 0) return new InfeasibilityReport(rows[0].Message + (rows.Count > 1 ? $" (and {rows.Count - 1} more)" : ""), rows);
        if (problem.Excluded.Count > 0)
            return new InfeasibilityReport($"every network that meets the budgets is among the {problem.Excluded.Count} excluded networks", []);
        return new InfeasibilityReport("the budgets cannot all be met together", []);
    }

    private static double[][] ZeroValues(SearchProblem p) => p.Counts.Select(n => new double[n]).ToArray();
}
