using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Dynamic;

/// <summary>
/// The on-device search problem (METHOD.md sections 4-5) restricted to the loaded blocks: maximise the linear predicted
/// accuracy Acc(Ñ) - sum b^A subject to the rescaled latency Scale * (Lat(Ñ) - sum b^L) &lt;= Target (and, optionally,
/// &gt; LowerTarget).
/// Block indices in <see cref="Blocks"/> are those of the space; the solver works on positions in those lists.
/// </summary>
public sealed class RuntimeProblem
{
    public RuntimeProblem(BlockTable accuracy, BlockTable latency, int[][] blocks, double scale, double target, double? lowerTarget = null)
    {
        if (lowerTarget is { } lt && !double.IsFinite(lt)) throw new MathNasException($"lower latency target must be a finite number, not {lt}");
        if (!(scale > 0) || !double.IsFinite(scale)) throw new MathNasException($"latency scale must be a positive number, not {scale}");
        if (!double.IsFinite(target)) throw new MathNasException($"latency target must be a finite number, not {target}");
        if (blocks.Length != accuracy.Deltas.Length || blocks.Length != latency.Deltas.Length)
            throw new MathNasException("loaded blocks, accuracy table and latency table disagree on the number of nodes");
        Accuracy = accuracy;
        Latency = latency;
        Blocks = blocks;
        Scale = scale;
        Target = target;
        int m = blocks.Length;
        Value = new double[m][];
        Cost = new double[m][];
        for (int i = 0; i < m; i++)
        {
            if (blocks[i].Length == 0) throw new MathNasException($"node {i} has no loaded block");
            Value[i] = blocks[i].Select(j => -accuracy.Deltas[i][j]).ToArray();
            Cost[i] = blocks[i].Select(j => -scale * latency.Deltas[i][j]).ToArray();
        }
        Capacity = target - scale * latency.BaseValue;
        LowerTarget = lowerTarget;
        LowerCapacity = lowerTarget is { } l ? l - scale * latency.BaseValue : double.NegativeInfinity;
    }

    /// <summary>Optional strict lower bound on the rescaled latency (a network measured below the band was at least this slow).</summary>
    public double? LowerTarget { get; }
    /// <summary>sum Cost &gt; LowerCapacity (negative infinity when there is no lower bound).</summary>
    public double LowerCapacity { get; }

    public BlockTable Accuracy { get; }
    public BlockTable Latency { get; }
    /// <summary>Loaded block indices (of the space) per node.</summary>
    public int[][] Blocks { get; }
    public double Scale { get; }
    public double Target { get; }
    /// <summary>Objective coefficients per node and loaded position: -b^A.</summary>
    public double[][] Value { get; }
    /// <summary>Rescaled latency coefficients per node and loaded position: -Scale * b^L.</summary>
    public double[][] Cost { get; }
    /// <summary>sum Cost &lt;= Capacity is the latency constraint: Capacity = Target - Scale * Lat(Ñ).</summary>
    public double Capacity { get; }
    public int NodeCount => Blocks.Length;

    /// <summary>Rescaled predicted latency of an architecture (of the space).</summary>
    public double PredictLatency(Architecture a) => Scale * Latency.PredictAdditive(a);
    public double PredictAccuracy(Architecture a) => Accuracy.PredictAdditive(a);

    /// <summary>The architecture of loaded positions <paramref name="positions"/>.</summary>
    public Architecture ToArchitecture(ReadOnlySpan<int> positions)
    {
        var c = new int[positions.Length];
        for (int i = 0; i < c.Length; i++) c[i] = Blocks[i][positions[i]];
        return new Architecture(c);
    }

    /// <summary>The loaded network with the least predicted latency (the fallback when no network meets the target).</summary>
    public Architecture Fastest()
    {
        var c = new int[NodeCount];
        for (int i = 0; i < c.Length; i++)
        {
            int best = 0;
            for (int p = 1; p < Cost[i].Length; p++)
                if (Cost[i][p] < Cost[i][best] || (Cost[i][p] == Cost[i][best] && Value[i][p] > Value[i][best])) best = p;
            c[i] = Blocks[i][best];
        }
        return new Architecture(c);
    }
}

/// <summary>An exact solver of a <see cref="RuntimeProblem"/>: the best architecture (of the space), or null when no loaded network meets the target.</summary>
public delegate Architecture? RuntimeSolver(RuntimeProblem problem);

/// <summary>Exact solvers for the runtime problem.</summary>
public static class RuntimeSolvers
{
    /// <summary>
    /// Depth-first branch and bound over the loaded blocks: bound = value so far + best value of each remaining node,
    /// feasibility cut = cost so far + least cost of each remaining node. Exact; ties keep the first found in
    /// lexicographic position order. Fast for the handful of blocks a device keeps per node.
    /// </summary>
    public static Architecture? BranchAndBound(RuntimeProblem p)
    {
        int m = p.NodeCount;
        var sufMaxV = new double[m + 1];
        var sufMinC = new double[m + 1];
        var sufMaxC = new double[m + 1];
        for (int i = m - 1; i >= 0; i--)
        {
            sufMaxV[i] = sufMaxV[i + 1] + p.Value[i].Max();
            sufMinC[i] = sufMinC[i + 1] + p.Cost[i].Min();
            sufMaxC[i] = sufMaxC[i + 1] + p.Cost[i].Max();
        }
        double lower = p.LowerCapacity;
        if (!Feasibility.IsMet(sufMinC[0], p.Capacity) || sufMaxC[0] <= lower) return null;
        var cur = new int[m];
        var best = new int[m];
        double bestV = double.NegativeInfinity;
        bool found = false;
        void Dfs(int i, double v, double c)
        {
            if (i == m)
            {
                if (v > bestV) { bestV = v; Array.Copy(cur, best, m); found = true; }
                return;
            }
            var vi = p.Value[i];
            var ci = p.Cost[i];
            for (int k = 0; k < vi.Length; k++)
            {
                double nc = c + ci[k];
                if (!Feasibility.IsMet(nc + sufMinC[i + 1], p.Capacity) || nc + sufMaxC[i + 1] <= lower) continue;
                double nv = v + vi[k];
                if (nv + sufMaxV[i + 1] <= bestV) continue;
                cur[i] = k;
                Dfs(i + 1, nv, nc);
            }
        }
        Dfs(0, 0, 0);
        return found ? p.ToArchitecture(best) : null;
    }

    /// <summary>Enumerates every loaded network (for tests and as a reference on small cases).</summary>
    public static Architecture? BruteForce(RuntimeProblem p)
    {
        int m = p.NodeCount;
        var pos = new int[m];
        int[]? best = null;
        double bestV = double.NegativeInfinity;
        while (true)
        {
            double v = 0, c = 0;
            for (int i = 0; i < m; i++) { v += p.Value[i][pos[i]]; c += p.Cost[i][pos[i]]; }
            if (Feasibility.IsMet(c, p.Capacity) && c > p.LowerCapacity && v > bestV) { bestV = v; best = (int[])pos.Clone(); }
            int k = m - 1;
            while (k >= 0 && ++pos[k] == p.Blocks[k].Length) { pos[k] = 0; k--; }
            if (k < 0) break;
        }
        return best is null ? null : p.ToArchitecture(best);
    }
}

/// <summary>The runtime problem handed to the project's exact solver (<see cref="Search.BranchAndBoundSolver"/>).</summary>
public static class RuntimeSearch
{
    private static readonly Search.BranchAndBoundSolver Solver = new();
    private static readonly Search.SolveOptions Options = new() { TopK = 1, Diagnose = false };

    /// <summary>
    /// The runtime problem as a <see cref="Search.SearchProblem"/> over the loaded positions: objective -b^A, one row
    /// sum Cost &lt;= Capacity, and for a lower bound one row sum(-Cost) strictly below -LowerCapacity (<see cref="Feasibility.StrictlyBelow"/>).
    /// </summary>
    public static Search.SearchProblem ToSearchProblem(RuntimeProblem p)
    {
        var rows = new List<Search.ResourceRow>
        {
            new("latency", Search.RowKind.Budget, p.Cost, p.Capacity, 0),
        };
        if (p.LowerTarget is not null)
        {
            // cost > LowerCapacity: -cost strictly below -LowerCapacity under the one feasibility rule.
            rows.Add(new Search.ResourceRow("latency-floor", Search.RowKind.Internal,
                p.Cost.Select(r => r.Select(c => -c).ToArray()).ToArray(), Feasibility.StrictlyBelow(-p.LowerCapacity), 0));
        }
        return new Search.SearchProblem(p.Blocks.Select(b => b.Length).ToArray(), 0, p.Value, rows);
    }

    /// <summary>Solves the runtime problem with the project's branch-and-bound solver (exact).</summary>
    public static Architecture? Solve(RuntimeProblem p)
    {
        var r = Solver.Solve(ToSearchProblem(p), Options);
        if (r.Status == Search.SolveStatus.Infeasible || r.Best is null) return null;
        if (r.Status != Search.SolveStatus.Optimal) throw new MathNasException($"the runtime re-solve ended {Search.SolveStatusNames.Name(r.Status)} without a time limit");
        return p.ToArchitecture(r.Best.Code);
    }
}
