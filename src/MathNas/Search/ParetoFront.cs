using System.Diagnostics;
using System.Globalization;

namespace MathNas.Search;

/// <summary>One point of a front: the best network whose cost along the varied metric is at most Budget.</summary>
public sealed record ParetoPoint(double Budget, int[] Code, double Cost, double Objective, SolveStatus Status);

public sealed class ParetoResult
{
    public required string Along { get; init; }
    /// <summary>Points by ascending cost.</summary>
    public required IReadOnlyList<ParetoPoint> Points { get; init; }
    /// <summary>False when the time limit (or the point limit) stopped the front before it was whole.</summary>
    public bool Complete { get; init; } = true;
    public bool AllOptimal => Complete && Points.All(p => p.Status == SolveStatus.Optimal);
    /// <summary>Solver calls made (budgets answered by reusing an earlier optimum need none; the merge needs none).</summary>
    public int Solves { get; init; }
    /// <summary>How the front was found: "merge" (Nemhauser-Ullmann) or "solves" (one exact solve per point).</summary>
    public string Method { get; init; } = "solves";
    public double Ms { get; init; }
    /// <summary>Least value of the metric any network reaches under the other constraints (null when infeasible).</summary>
    public double? LeastCost { get; init; }
}

/// <summary>How <see cref="ParetoFront"/> finds a front.</summary>
public enum ParetoMethod
{
    /// <summary>The merge where it applies (<see cref="ParetoFront.CanMerge"/>), else one solve per point.</summary>
    Auto,
    /// <summary>Nemhauser-Ullmann: merge the per-node non-dominated (cost, value) lists; linear objective, no other binding row.</summary>
    Merge,
    /// <summary>One exact solve per point, the cost bounded below the last point (any objective, any rows).</summary>
    Solves,
}

/// <summary>
/// Exact accuracy-vs-cost fronts along one metric: the whole front (every non-dominated (cost, accuracy) pair), or
/// the optimum at N budgets spread between the least reachable cost and the cost of the unconstrained optimum.
/// Where the objective is linear and no other row can bind (no budget on another metric, no consistency constraint
/// that can fail, no excluded network), the front is a Nemhauser-Ullmann merge of the per-node non-dominated
/// (cost, value) lists, and the N budgets are looked up in it. Elsewhere (the FLOPs-scaled ratio, consistency
/// constraints, several budgets) one exact solve per point: the whole front by repeatedly solving with the cost
/// bounded strictly below the last point; N budgets descending, reusing the previous optimum while it still fits
/// (the feasible set only shrinks) and seeding each solve with it.
/// </summary>
public static class ParetoFront
{
    /// <summary>The problem without any budget on <paramref name="along"/>'s metric.</summary>
    private static SearchProblem Strip(SearchProblem p, ResourceRow along) =>
        p.With(rows: p.Rows.Where(r => !(r.Kind == RowKind.Budget && r.Name == along.Name)).ToList());

    private static SearchProblem WithCap(SearchProblem p, ResourceRow along, double max) =>
        p.With(rows: p.Rows.Append(new ResourceRow(along.Name, RowKind.Budget, along.Coef, max - along.Offset, along.Offset)).ToList());

    /// <summary>Least value of a metric row over the feasible networks (null when none).</summary>
    public static double? LeastValue(ISearchSolver solver, SearchProblem p, ResourceRow row, double? timeLimit = null)
    {
        var r = solver.Solve(p.WithLinearObjective(0, ResourceRow.Negate(row.Coef)), new SolveOptions { Diagnose = false, TimeLimitSeconds = timeLimit });
        return r.Best is null ? null : row.Value(r.Best.Code);
    }

    /// <summary>
    /// Why the merge does not apply to <paramref name="problem"/> along <paramref name="along"/> (budgets on that metric
    /// are dropped first), or null when it does: it needs the linear objective, no excluded network, and no row other
    /// than a consistency constraint that some network breaks.
    /// </summary>
    public static string? WhyNoMerge(SearchProblem problem, ResourceRow along)
    {
        if (problem.Ratio is not null) return "the FLOPs-scaled objective is not a sum over nodes";
        if (problem.Excluded.Count > 0) return "the problem excludes networks";
        var p = Strip(problem, along);
        foreach (var row in p.Rows)
        {
            if (double.IsPositiveInfinity(row.Capacity)) continue;
            double maxSum = 0;
            for (int i = 0; i < p.NodeCount; i++) maxSum += row.Coef[i].Max();
            if (maxSum > row.Capacity && row.Kind != RowKind.Consistency) return $"the {(row.Kind == RowKind.Budget ? "budget" : "row")} '{row.Name}' can bind (the merge carries consistency constraints only)";
        }
        return null;
    }

    /// <summary>True when <see cref="ParetoMethod.Merge"/> applies (see <see cref="WhyNoMerge"/>).</summary>
    public static bool CanMerge(SearchProblem problem, ResourceRow along) => WhyNoMerge(problem, along) is null;

    private static bool UseMerge(SearchProblem problem, ResourceRow along, ParetoMethod method)
    {
        if (method == ParetoMethod.Solves) return false;
        var why = WhyNoMerge(problem, along);
        if (method == ParetoMethod.Merge && why is not null) throw new MathNasException($"the Pareto merge does not apply: {why}");
        return why is null;
    }

    public static ParetoResult AtBudgets(ISearchSolver solver, SearchProblem problem, ResourceRow along, int points, double? timeLimitSeconds = null,
        ParetoMethod method = ParetoMethod.Auto)
    {
        if (points < 1) throw new MathNasException("a Pareto front needs at least 1 point");
        var t0 = Stopwatch.GetTimestamp();
        var deadline = SearchSolverBase.DeadlineFrom(timeLimitSeconds);
        if (UseMerge(problem, along, method) && Merge(problem, along, int.MaxValue, deadline) is { } front)
            return AtBudgetsFromFront(front, along, points, t0);
        double? Left() => SearchSolverBase.SecondsLeft(deadline);
        var p = Strip(problem, along);
        var top = solver.Solve(p, new SolveOptions { Diagnose = false, TimeLimitSeconds = Left() });
        int solves = 1;
        var least = LeastValue(solver, p, along, Left());
        solves++;
        if (top.Best is null || least is null)
            return new ParetoResult
            {
                Along = along.Name, Points = [], Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
                Complete = top.Status == SolveStatus.Infeasible,
            };
        double hi = along.Value(top.Best.Code), lo = least.Value;
        // A metric that cannot be negative: budgets start at the least feasible non-negative value, not at a negative prediction.
        // (When even the unconstrained optimum is predicted below zero, every budget from 0 up gives it: all budgets are 0.)
        if (BelowZero.CannotBeNegative(along.Name) && lo < 0) { lo = 0; hi = Math.Max(hi, 0); }
        var list = new List<ParetoPoint>();
        var found = new List<int[]> { top.Best.Code };
        ParetoPoint last = new(hi, top.Best.Code, along.Value(top.Best.Code), top.Best.Objective, top.Status);
        bool complete = true;
        for (int t = points - 1; t >= 0; t--)
        {
            double b = points == 1 ? hi : lo + (hi - lo) * t / (points - 1);
            if (Feasibility.IsMet(last.Cost, b))
            {
                list.Add(last with { Budget = b });
                continue;
            }
            // Past the deadline no further solve is started: the front holds the budgets answered so far.
            if (SearchSolverBase.Passed(deadline)) { complete = false; break; }
            var r = solver.Solve(WithCap(p, along, b), new SolveOptions { Diagnose = false, Hints = found, TimeLimitSeconds = Left() });
            solves++;
            if (r.Best is null)
            {
                if (r.Status != SolveStatus.Infeasible) { complete = false; break; }
                // Only possible at the bottom through rounding of the least cost; keep the least-cost point.
                continue;
            }
            found.Add(r.Best.Code);
            last = new ParetoPoint(b, r.Best.Code, along.Value(r.Best.Code), r.Best.Objective, r.Status);
            list.Add(last);
        }
        list.Reverse();
        return new ParetoResult
        {
            Along = along.Name, Points = list, Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LeastCost = least.Value, Complete = complete,
        };
    }

    /// <summary>
    /// N budgets looked up in the whole front: from its least cost to the cost of its most accurate point (the cheapest
    /// optimal network), each answered by the most accurate point within the budget.
    /// </summary>
    private static ParetoResult AtBudgetsFromFront(ParetoResult front, ResourceRow along, int points, long t0)
    {
        var f = front.Points;
        if (f.Count == 0 || !front.Complete)
            return new ParetoResult { Along = along.Name, Points = [], Method = "merge", Complete = front.Complete, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds };
        double lo = f[0].Cost, hi = f[^1].Cost;
        // A metric that cannot be negative: budgets start at the least feasible non-negative value.
        double leastCost = lo;
        if (BelowZero.CannotBeNegative(along.Name) && lo < 0) { lo = 0; hi = Math.Max(hi, 0); }
        var list = new List<ParetoPoint>(points);
        int k = f.Count - 1;
        for (int t = points - 1; t >= 0; t--)
        {
            double b = points == 1 ? hi : lo + (hi - lo) * t / (points - 1);
            while (k > 0 && !Feasibility.IsMet(f[k].Cost, b)) k--; // budgets descend: the answer moves down the front
            list.Add(f[k] with { Budget = b });
        }
        list.Reverse();
        return new ParetoResult { Along = along.Name, Points = list, Method = "merge", Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, LeastCost = leastCost };
    }

    /// <summary>The whole exact front: every (cost, objective) pair not dominated by another network.</summary>
    /// <param name="maxPoints">At most this many points, the most accurate ones (the front is then not complete).</param>
    public static ParetoResult Exact(ISearchSolver solver, SearchProblem problem, ResourceRow along, int maxPoints = 100_000, double? timeLimitSeconds = null,
        ParetoMethod method = ParetoMethod.Auto)
    {
        if (maxPoints < 1) throw new MathNasException("a Pareto front needs at least 1 point");
        var t0 = Stopwatch.GetTimestamp();
        var deadline = SearchSolverBase.DeadlineFrom(timeLimitSeconds);
        if (UseMerge(problem, along, method) && Merge(problem, along, maxPoints, deadline) is { } merged) return merged;
        double? Left() => SearchSolverBase.SecondsLeft(deadline);
        var p = Strip(problem, along);
        var pts = new List<ParetoPoint>();
        double cap = double.PositiveInfinity;
        int solves = 0;
        bool complete = true;
        while (true)
        {
            if (pts.Count >= maxPoints) { complete = false; break; }
            // Past the deadline no further solve is started.
            if (SearchSolverBase.Passed(deadline)) { complete = false; break; }
            var q = double.IsPositiveInfinity(cap) ? p : WithCap(p, along, cap);
            var r = solver.Solve(q, new SolveOptions { Diagnose = false, TimeLimitSeconds = Left() });
            solves++;
            if (r.Best is null)
            {
                if (r.Status != SolveStatus.Infeasible) complete = false;
                break;
            }
            double cost = along.Value(r.Best.Code);
            var pt = new ParetoPoint(cost, r.Best.Code, cost, r.Best.Objective, r.Status);
            // The previous point is dominated when this cheaper one is as accurate.
            if (pts.Count > 0 && pts[^1].Objective <= pt.Objective + 1e-12 * Math.Max(1, Math.Abs(pt.Objective))) pts.RemoveAt(pts.Count - 1);
            pts.Add(pt);
            if (r.Status != SolveStatus.Optimal) { complete = false; break; }
            // Strictly cheaper than this point under the one feasibility rule (the step is relative to the cost, never to the
            // row's coefficients), and clear of the rounding of Offset + sum.
            cap = Math.Min(Feasibility.StrictlyBelow(cost), cost - 4 * Math.Abs(Math.BitIncrement(Math.Abs(along.Offset)) - Math.Abs(along.Offset)));
        }
        pts.Reverse();
        return new ParetoResult
        {
            Along = along.Name, Points = pts, Solves = solves, Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
            LeastCost = pts.Count > 0 && complete ? pts[0].Cost : null, Complete = complete,
        };
    }

    // ---------------- Nemhauser-Ullmann ----------------

    /// <summary>A point of a partial front: cost and value sums over the nodes merged so far, the index of the point it extends, and the block.</summary>
    private struct Pt
    {
        public double C, V;
        public int Prev, Block;
    }

    /// <summary>Points kept over all levels before the merge gives way to the solves (memory: 24 bytes a point).</summary>
    private const long MaxStoredPoints = 20_000_000;

    /// <summary>
    /// The whole front by the Nemhauser-Ullmann merge (the caller checked <see cref="CanMerge"/>). Null when the partial
    /// fronts grow past <see cref="MaxStoredPoints"/> (or the constraint states past <see cref="MaxStates"/>); past the
    /// deadline an empty, incomplete front.
    /// </summary>
    /// <remarks>
    /// Nodes are merged in order. Per node the blocks not dominated on (cost, value) (cost ascending, value strictly
    /// increasing); the front of the nodes so far is merged with each block's shifted copy of the previous front in one
    /// linear pass per block, keeping only points whose value exceeds every cheaper point's. Consistency constraints
    /// that can bind are carried as state: the partial front is split by the partial sums of the constraints that have
    /// terms both at merged and at later nodes, only points of the same state compete, a block's shift moves a point to
    /// the state its coefficients lead to, and a constraint is checked when its last node is merged (states that cannot
    /// meet it whatever comes later are dropped at once). Costs within the row's tolerance count as equal, values
    /// within 1e-12 (relative) too, as in the solves. Each point's network is rebuilt from its chain of blocks; its
    /// cost and objective are then computed canonically.
    /// </remarks>
    private static ParetoResult? Merge(SearchProblem problem, ResourceRow along, int maxPoints, long deadline)
    {
        var t0 = Stopwatch.GetTimestamp();
        int m = problem.NodeCount;
        double tol = along.Tolerance;
        var stripped = Strip(problem, along);
        var rows = stripped.Rows.Where(r => CanBind(r, m)).ToList();
        int nr = rows.Count;
        var first = new int[nr];
        var last = new int[nr];
        var sufMin = new double[nr][];
        ParetoResult Done(List<ParetoPoint> pts, bool complete) => new()
        {
            Along = along.Name, Points = pts, Complete = complete, Method = "merge", Ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
            LeastCost = complete && pts.Count > 0 ? pts[0].Cost : null,
        };
        for (int q = 0; q < nr; q++)
        {
            first[q] = last[q] = -1;
            sufMin[q] = new double[m + 1];
            for (int i = m - 1; i >= 0; i--)
            {
                var c = rows[q].Coef[i];
                sufMin[q][i] = sufMin[q][i + 1] + c.Min();
                if (c.Any(v => v != 0)) { if (last[q] < 0) last[q] = i; first[q] = i; }
            }
            if (first[q] < 0 && 0 > rows[q].Capacity + rows[q].Tolerance) return Done([], true); // a constraint no network meets
        }
        var levels = new Pt[m][];
        long stored = 0;
        var prevPts = new[] { new Pt { C = 0, V = 0, Prev = -1, Block = -1 } };
        var prevGroups = new List<(double[] Key, int Start, int Count)> { ([], 0, 1) };
        int[] prevKeyRows = [];
        for (int i = 0; i < m; i++)
        {
            var touch = Enumerable.Range(0, nr).Where(q => first[q] >= 0 && first[q] <= i && i <= last[q]).ToArray();
            var keyAfter = touch.Where(q => i < last[q]).ToArray();
            // The node's blocks by their coefficients on the constraints here; in each group the non-dominated ones, cost ascending.
            var cost = along.Coef[i];
            var val = problem.Value[i];
            var idx = Enumerable.Range(0, problem.Counts[i]).ToArray();
            Array.Sort(idx, (x, y) => cost[x] != cost[y] ? cost[x].CompareTo(cost[y]) : val[x] != val[y] ? val[y].CompareTo(val[x]) : x.CompareTo(y));
            var blockGroups = new List<(double[] D, List<Pt> Nd)>();
            var bgIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var j in idx)
            {
                var d = touch.Select(q => rows[q].Coef[i][j]).ToArray();
                var key = KeyText(d);
                if (!bgIndex.TryGetValue(key, out int g)) { g = blockGroups.Count; bgIndex[key] = g; blockGroups.Add((d, new List<Pt>())); }
                Push(blockGroups[g].Nd, new Pt { C = cost[j], V = val[j], Prev = -1, Block = j }, tol);
            }
            var pos = prevKeyRows.Select((q, k) => (q, k)).ToDictionary(x => x.q, x => x.k);
            var dest = new List<(double[] Key, List<Pt> Front)>();
            var destIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var sums = new double[touch.Length];
            foreach (var (gKey, start, count) in prevGroups)
            {
                foreach (var (d, nd) in blockGroups)
                {
                    if (SearchSolverBase.Passed(deadline)) return Done([], false);
                    bool ok = true;
                    for (int t = 0; t < touch.Length && ok; t++)
                    {
                        int q = touch[t];
                        sums[t] = (pos.TryGetValue(q, out int k) ? gKey[k] : 0) + d[t];
                        double rest = last[q] == i ? 0 : sufMin[q][i + 1];
                        ok = sums[t] + rest <= rows[q].Capacity + rows[q].Tolerance;
                    }
                    if (!ok) continue;
                    var newKey = new double[keyAfter.Length];
                    for (int t = 0, u = 0; t < touch.Length; t++) if (i < last[touch[t]]) newKey[u++] = sums[t];
                    var text = KeyText(newKey);
                    if (!destIndex.TryGetValue(text, out int di))
                    {
                        di = dest.Count;
                        destIndex[text] = di;
                        dest.Add((newKey, new List<Pt>()));
                        if (dest.Count > MaxStates) return null;
                    }
                    var front = dest[di].Front;
                    foreach (var blk in nd) front = MergeShifted(front, prevPts, start, count, blk, tol);
                    dest[di] = (newKey, front);
                }
            }
            if (dest.Count == 0) return Done([], true); // no network meets the constraints
            dest.Sort((x, y) => CompareKeys(x.Key, y.Key));
            int total = dest.Sum(x => x.Front.Count);
            stored += total;
            if (stored > MaxStoredPoints) return null;
            var pts = new Pt[total];
            var groups = new List<(double[] Key, int Start, int Count)>(dest.Count);
            int at = 0;
            foreach (var (key, front) in dest)
            {
                front.CopyTo(pts, at);
                groups.Add((key, at, front.Count));
                at += front.Count;
            }
            levels[i] = pts;
            prevPts = pts;
            prevGroups = groups;
            prevKeyRows = keyAfter;
        }
        // Every constraint is closed after the last node: one state is left.
        var lastLevel = levels[m - 1];
        int from = Math.Max(0, lastLevel.Length - maxPoints);
        var list = new List<ParetoPoint>(lastLevel.Length - from);
        for (int k = from; k < lastLevel.Length; k++)
        {
            var code = new int[m];
            int at = k;
            for (int i = m - 1; i >= 0; i--)
            {
                code[i] = levels[i][at].Block;
                at = levels[i][at].Prev;
            }
            double c = along.Value(code);
            list.Add(new ParetoPoint(c, code, c, problem.Objective(code), SolveStatus.Optimal));
        }
        return Done(list, from == 0);
    }

    /// <summary>Constraint states kept at one node before the merge gives way to the solves.</summary>
    private const int MaxStates = 100_000;

    /// <summary>A row some network breaks (the rest never bind and are left out of the merge).</summary>
    private static bool CanBind(ResourceRow row, int m)
    {
        if (double.IsPositiveInfinity(row.Capacity)) return false;
        double maxSum = 0;
        for (int i = 0; i < m; i++) maxSum += row.Coef[i].Max();
        return maxSum > row.Capacity;
    }

    private static string KeyText(double[] key) => string.Join(",", key.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static int CompareKeys(double[] a, double[] b)
    {
        for (int k = 0; k < a.Length; k++)
        {
            int c = a[k].CompareTo(b[k]);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <summary>The non-dominated union of <paramref name="front"/> and the previous level's points [start, start+count) shifted by <paramref name="blk"/>, in one pass.</summary>
    private static List<Pt> MergeShifted(List<Pt> front, Pt[] prev, int start, int count, Pt blk, double tol)
    {
        var outp = new List<Pt>(front.Count + count);
        int x = 0, y = 0;
        while (x < front.Count || y < count)
        {
            Pt next;
            if (y >= count) next = front[x++];
            else
            {
                var pv = prev[start + y];
                var sh = new Pt { C = pv.C + blk.C, V = pv.V + blk.V, Prev = start + y, Block = blk.Block };
                if (x < front.Count && (front[x].C < sh.C || (front[x].C == sh.C && front[x].V >= sh.V))) next = front[x++];
                else { next = sh; y++; }
            }
            Push(outp, next, tol);
        }
        return outp;
    }

    /// <summary>Appends a point met in cost order (ties: the more accurate first) when no cheaper-or-equal point is as accurate.</summary>
    private static void Push(List<Pt> list, Pt p, double tol)
    {
        if (list.Count > 0)
        {
            var last = list[^1];
            if (p.V <= last.V + 1e-12 * Math.Max(1, Math.Abs(last.V))) return;
            if (p.C <= last.C + Math.Max(3 * tol, 1e-12 * Math.Max(1, Math.Abs(last.C))))
            {
                list[^1] = p; // as cheap (within the tolerance) and more accurate: the last point is dominated
                return;
            }
        }
        list.Add(p);
    }
}
