using System.Diagnostics;
using System.Runtime.InteropServices;
using MathNas.Search;
using Xunit.Abstractions;

namespace MathNas.Tests.Search;

/// <summary>
/// The time limit on a deliberately hard instance (strongly correlated, 1,000 nodes x 100 blocks, four budgets):
/// the answer is the incumbent with a valid bound. What is asserted is the bound and the status, and that the solve
/// used little CPU time beyond the limit (CPU time of the calling thread, which a busy machine does not inflate:
/// the thread cannot use more CPU than wall time before the deadline passes). Wall times go to the test output.
/// </summary>
public class TimeLimitTests(ITestOutputHelper output)
{
    private const double Limit = 0.5;
    // Generous: without deadline checks in the root phase the same solve used over 10 s of CPU.
    private const double CpuMargin = 2.5;

    /// <summary>
    /// Strongly correlated multiple-choice knapsack: value = weight + 100, three more rows within +-10% of the weight,
    /// every capacity halfway between the least and the largest row sum. With <paramref name="ratio"/>, the FLOPs-scaled
    /// objective with loss = -value and FLOPs = weight.
    /// </summary>
    internal static SearchProblem Hard(int seed, bool ratio = false, int m = 1000, int n = 100)
    {
        var rng = new Random(seed);
        var w = new double[m][];
        var value = new double[m][];
        var more = new double[3][][];
        for (int q = 0; q < 3; q++) more[q] = new double[m][];
        for (int i = 0; i < m; i++)
        {
            w[i] = new double[n];
            value[i] = new double[n];
            for (int q = 0; q < 3; q++) more[q][i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                double a = 1 + rng.Next(1000);
                w[i][j] = a;
                value[i][j] = a + 100;
                for (int q = 0; q < 3; q++) more[q][i][j] = Math.Round(a * (0.9 + 0.2 * rng.NextDouble()), 3);
            }
        }
        var rows = new List<ResourceRow>();
        foreach (var (name, coef) in new[] { ("cost:w", w), ("cost:a", more[0]), ("cost:b", more[1]), ("cost:c", more[2]) })
        {
            double lo = coef.Sum(r => r.Min()), hi = coef.Sum(r => r.Max());
            rows.Add(new ResourceRow(name, RowKind.Budget, coef, Math.Round(0.5 * (lo + hi))));
        }
        var rat = ratio ? new RatioObjective(70, 1000, value.Select(r => r.Select(v => -v).ToArray()).ToArray(), 100, w) : null;
        return new SearchProblem(Enumerable.Repeat(n, m).ToArray(), 0, value, rows, rat);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);

    /// <summary>CPU seconds used by the calling thread (Linux); null elsewhere.</summary>
    private static double? ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return null;
        const int ClockThreadCputimeId = 3;
        return ClockGetTime(ClockThreadCputimeId, out var ts) == 0 ? ts.Sec + ts.Nsec * 1e-9 : null;
    }

    private SearchResult Timed(ISearchSolver solver, SearchProblem p, double limit, string what)
    {
        var cpu0 = ThreadCpuSeconds();
        var t0 = Stopwatch.GetTimestamp();
        var r = solver.Solve(p, new SolveOptions { TimeLimitSeconds = limit, Diagnose = false });
        var wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var cpu = ThreadCpuSeconds() - cpu0;
        output.WriteLine($"{what}: limit {limit} s, wall {wall:F3} s, thread CPU {cpu:F3} s, status {r.Status.Name()}, best {r.Best?.Objective}, bound {r.UpperBound}, gap {r.Gap}, load {LoadAverage()}");
        if (cpu is { } c) Assert.True(c <= limit + CpuMargin, $"{what}: {c:F2} s of CPU under a {limit} s limit");
        return r;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>The bound no network can exceed: the best block of every node, ignoring the rows.</summary>
    private static double PlainBound(SearchProblem p) => p.Constant + p.Value.Sum(r => r.Max());

    private static void AssertValid(SearchProblem p, SearchResult r, string what)
    {
        Assert.Contains(r.Status, new[] { SolveStatus.Optimal, SolveStatus.Feasible, SolveStatus.Unknown });
        Assert.False(double.IsNaN(r.UpperBound), what);
        if (r.Best is null)
        {
            Assert.Equal(SolveStatus.Unknown, r.Status);
            return;
        }
        Assert.True(p.IsFeasible(r.Best.Code), $"{what}: the returned network breaks a row");
        Assert.Equal(p.Objective(r.Best.Code), r.Best.Objective, 9);
        Assert.True(r.UpperBound >= r.Best.Objective, $"{what}: bound {r.UpperBound} below the network's {r.Best.Objective}");
        Assert.Equal(Math.Max(0, r.UpperBound - r.Best.Objective), r.Gap);
        if (r.Status == SolveStatus.Optimal) Assert.Equal(0, r.Gap);
    }

    [Fact]
    public void LinearSolveOnAHardInstanceStopsAtTheLimitWithAValidBound()
    {
        var p = Hard(17);
        var bnb = new BranchAndBoundSolver();
        var a = Timed(bnb, p, Limit, "bnb");
        AssertValid(p, a, "bnb");
        Assert.NotNull(a.Best); // the quick first network is there even when the limit stops the root phase
        Assert.True(double.IsFinite(a.UpperBound) && a.UpperBound <= PlainBound(p) + 1e-6, $"bound {a.UpperBound}");
        // OR-Tools (SCIP) under the same limit: its network is within the project solver's bound and vice versa.
        var b = Timed(new OrToolsSolver(), p, Limit, "ortools");
        AssertValid(p, b, "ortools");
        if (b.Best is not null) Assert.True(b.Best.Objective <= a.UpperBound + 1e-6, $"OR-Tools found {b.Best.Objective} above the bound {a.UpperBound}");
        if (a.Best is not null) Assert.True(a.Best.Objective <= b.UpperBound + 1e-6, $"bnb found {a.Best.Objective} above OR-Tools' bound {b.UpperBound}");
        // A longer run's network stays within the short run's bound.
        var c = Timed(bnb, p, 2 * Limit, "bnb, twice the limit");
        AssertValid(p, c, "bnb long");
        if (c.Best is not null) Assert.True(c.Best.Objective <= a.UpperBound + 1e-6);
        if (a.Best is not null) Assert.True(a.Best.Objective <= c.UpperBound + 1e-6);
    }

    [Fact]
    public void TopKAndRatioSolvesOnAHardInstanceStopAtTheLimit()
    {
        var bnb = new BranchAndBoundSolver();
        var p = Hard(18);
        var cpu0 = ThreadCpuSeconds();
        var top = bnb.Solve(p, new SolveOptions { TimeLimitSeconds = Limit, TopK = 5, Diagnose = false });
        var cpu = ThreadCpuSeconds() - cpu0;
        output.WriteLine($"top-5: thread CPU {cpu:F3} s, status {top.Status.Name()}, {top.Solutions.Count} networks, load {LoadAverage()}");
        if (cpu is { } c) Assert.True(c <= Limit + CpuMargin);
        AssertValid(p, top, "top-5");
        Assert.True(top.Solutions.Count <= 5);
        for (int t = 1; t < top.Solutions.Count; t++) Assert.True(top.Solutions[t].Objective <= top.Solutions[t - 1].Objective);

        // FLOPs-scaled: Dinkelbach steps stop at the deadline too; the bound is on the ratio objective.
        var q = Hard(19, ratio: true);
        var r = Timed(bnb, q, Limit, "bnb flops-scaled");
        AssertValid(q, r, "flops-scaled");
        // Every loss sum is negative here, so no network exceeds AccBase - Fref * (least loss sum) / (least FLOPs).
        var rat = q.Ratio!;
        double sMin = rat.Loss.Sum(x => x.Min());
        Assert.True(rat.Loss.Sum(x => x.Max()) < 0);
        Assert.NotNull(r.Best); // the quick first network is there before the limit
        Assert.True(r.UpperBound <= rat.AccBase - rat.Fref * sMin / rat.MinDenominator + 1e-9, $"bound {r.UpperBound}");
    }

    [Fact]
    public void ZeroLimitAnswersAtOnceWithAValidBound()
    {
        var p = Hard(20, m: 300, n: 60);
        var r = Timed(new BranchAndBoundSolver(), p, 0, "bnb, limit 0");
        AssertValid(p, r, "limit 0");
        Assert.Equal(SolveStatus.Feasible, r.Status);
        Assert.True(r.UpperBound <= PlainBound(p) + 1e-6);
        var o = Timed(new OrToolsSolver(), p, 0, "ortools, limit 0");
        Assert.Equal(SolveStatus.Unknown, o.Status);
        Assert.True(double.IsPositiveInfinity(o.UpperBound));
    }
}
