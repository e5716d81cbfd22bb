namespace MathNas.Search;

/// <summary>
/// How the default solver (<see cref="BranchAndBoundSolver"/>, "bnb") picks an algorithm for a linear problem.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Rows that no network can break are ignored; a row no network can meet makes the problem infeasible.</item>
/// <item>The depth-first tree search runs first with a small deterministic node budget (2,000 nodes with one binding
/// row and at most 2,000 blocks; with several binding rows 20,000 nodes up to 1,000 blocks, else 200,000; a larger one-row problem goes to the core at once). Easy instances finish there, with the tree search's tie rule (equal objective: the
/// lexicographically smaller code).</item>
/// <item>One binding row: the exact core dynamic programme <see cref="OneRowCore"/>, seeded with the tree's incumbents.</item>
/// <item>Several binding rows: the tree search (now without the tie rule: it stops at the first network no other beats,
/// see <see cref="SolveOptions.TieBreak"/>) and OR-Tools CP-SAT (<see cref="CpSatModel"/>) race on two threads within
/// the same time limit, both seeded with the incumbents; the first proof wins and stops the other. When neither proves
/// the optimum in time, the best networks of both and the smaller of their proven bounds are returned. Which of
/// several equally good networks comes back can then depend on which solver proves first (the objective and the
/// status do not). With <see cref="SolveOptions.Portfolio"/> off or a <see cref="SolveOptions.NodeLimit"/> set, the
/// tree search runs alone (deterministic).</item>
/// </list>
/// </remarks>
public static class ExactPortfolio
{
    /// <summary>A linear core: exact top-k of a linear problem until a deadline.</summary>
    public delegate CoreResult LinearCore(SearchProblem problem, int k, long deadline, SolveOptions options);

    /// <summary>Node budget of the first tree-search pass with one binding row.</summary>
    public const long OneRowTreeNodes = 2_000;

    /// <summary>With one binding row and more blocks than this, the core DP runs at once (the tree search's set-up alone costs more).</summary>
    public const int OneRowTreeBlocks = 2_000;

    /// <summary>Node budget of the first tree-search pass with several binding rows (before CP-SAT joins).</summary>
    public const long MultiRowTreeNodes = 200_000;

    /// <summary>Node budget of the first pass with several binding rows and at most <see cref="SmallBlocks"/> blocks (a CP-SAT model that small is cheap to start).</summary>
    public const long SmallMultiRowTreeNodes = 20_000;

    /// <summary>See <see cref="SmallMultiRowTreeNodes"/>.</summary>
    public const int SmallBlocks = 1_000;

    /// <summary>CP-SAT workers in the race.</summary>
    public static int CpSatWorkers { get; set; } = 2;

    /// <summary>The rows that some network breaks; null when some row cannot be met by any network.</summary>
    public static List<ResourceRow>? BindingRows(SearchProblem p)
    {
        var rows = new List<ResourceRow>();
        foreach (var row in p.Rows)
        {
            if (double.IsPositiveInfinity(row.Capacity)) continue;
            double minSum = 0, maxSum = 0;
            for (int i = 0; i < p.NodeCount; i++) { minSum += row.Coef[i].Min(); maxSum += row.Coef[i].Max(); }
            if (minSum > row.Capacity + row.Tolerance) return null;
            if (maxSum <= row.Capacity) continue;
            rows.Add(row);
        }
        return rows;
    }

    public static CoreResult SolveLinear(SearchProblem p, int k, long deadline, SolveOptions o, LinearCore tree)
    {
        var rows = BindingRows(p);
        if (rows is null) return new CoreResult { Solutions = [], Complete = true, UpperBound = double.NegativeInfinity };
        if (rows.Count == 0) return tree(p, k, deadline, o);
        long budget = rows.Count == 1 ? OneRowTreeNodes : p.Counts.Sum() <= SmallBlocks ? SmallMultiRowTreeNodes : MultiRowTreeNodes;
        bool portfolio = o.Portfolio && o.NodeLimit is null;
        if (rows.Count > 1 && !portfolio) return tree(p, k, deadline, o);
        if (rows.Count == 1 && p.Counts.Sum() > OneRowTreeBlocks) return OneRowCore.Solve(p, rows[0], k, deadline, o);
        var first = tree(p, k, deadline, o with { NodeLimit = o.NodeLimit is { } nl ? Math.Min(nl, budget) : budget });
        if (first.Complete || Stopped(deadline, o)) return first;
        var o2 = o with { Hints = (o.Hints ?? []).Concat(first.Solutions.Select(s => s.Code)).ToList(), TieBreak = false };
        if (rows.Count == 1) return Merge(first, OneRowCore.Solve(p, rows[0], k, deadline, o2), k);
        return Merge(first, Race(p, k, deadline, o2, tree), k);
    }

    private static bool Stopped(long deadline, SolveOptions o) =>
        o.Cancel.IsCancellationRequested || SearchSolverBase.SecondsLeft(deadline) is <= 0;

    /// <summary>The tree search and CP-SAT on two threads; the first proof wins.</summary>
    public static CoreResult Race(SearchProblem p, int k, long deadline, SolveOptions o, LinearCore tree)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(o.Cancel);
        var oo = o with { Cancel = cts.Token };
        var tasks = new[]
        {
            Task.Run(() => tree(p, k, deadline, oo)),
            Task.Run(() => CpSatModel.Build(p).Solve(k, deadline, oo, CpSatWorkers)),
        };
        int i = Task.WaitAny(tasks);
        var a = Result(tasks[i]);
        if (a?.Complete == true)
        {
            cts.Cancel();
            Task.WaitAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)).ToArray());
            return a;
        }
        var b = Result(tasks[1 - i]);
        if (b?.Complete == true) return b;
        if (a is null) return b ?? throw new InvalidOperationException("both solvers of the portfolio failed", tasks[i].Exception);
        return b is null ? a : Merge(a, b, k);
    }

    private static CoreResult? Result(Task<CoreResult> t)
    {
        try { return t.GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not OutOfMemoryException) { return null; }
    }

    private static CoreResult WithNodes(CoreResult c, long nodes) =>
        new() { Solutions = c.Solutions, Complete = c.Complete, UpperBound = c.UpperBound, Nodes = nodes };

    /// <summary>A proven result as it is; else the best k networks of both and the smaller proven bound.</summary>
    private static CoreResult Merge(CoreResult a, CoreResult b, int k)
    {
        if (b.Complete) return WithNodes(b, a.Nodes + b.Nodes);
        if (a.Complete) return WithNodes(a, a.Nodes + b.Nodes);
        var sols = a.Solutions.Concat(b.Solutions)
            .GroupBy(s => string.Join(",", s.Code)).Select(g => g.First())
            .OrderByDescending(s => s.Objective).ThenBy(s => s.Code, Comparer<int[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))
            .Take(k).ToList();
        double best = sols.Count > 0 ? sols[0].Objective : double.NegativeInfinity;
        return new CoreResult { Solutions = sols, Complete = false, UpperBound = Math.Max(best, Math.Min(a.UpperBound, b.UpperBound)), Nodes = a.Nodes + b.Nodes };
    }
}
