namespace MathNas.Search;

/// <summary>
/// Pareto-optimal block pruning (METHOD.md section 5): at each node drop the blocks that are dominated by
/// other blocks of the same node on the objective and on every row (budgets and consistency constraints alike),
/// so that the pruned problem has the same optimum (and the same top-k when k is given).
/// For the FLOPs-scaled objective a block must be dominated for every ratio the objective can take.
/// </summary>
public static class ParetoBlocks
{
    /// <summary>
    /// The blocks kept at each node. A block is dropped when at least k + (excluded networks) other blocks dominate
    /// it: each dominating block turns any network using the dropped block into a distinct network that is at
    /// least as good, feasible and ranked ahead (ties: the smaller block index), so the top-k never needs it.
    /// </summary>
    public static int[][] Find(SearchProblem p, int k = 1)
    {
        if (k < 1) throw new MathNasException("k must be at least 1");
        int needed = k + p.Excluded.Count;
        // Objective "values" for dominance: linear values, or for the ratio the values q*F - Loss at both ends of the ratio range.
        var values = new List<double[][]>();
        if (p.Ratio is null) values.Add(p.Value);
        else
        {
            var r = p.Ratio;
            double dMin = r.MinDenominator;
            double sAbs = Math.Max(Math.Abs(r.Loss.Sum(x => x.Min())), Math.Abs(r.Loss.Sum(x => x.Max())));
            double qMax = sAbs / dMin;
            foreach (var q in new[] { -qMax, qMax })
                values.Add(r.Loss.Select((row, i) => row.Select((l, j) => q * r.F[i][j] - l).ToArray()).ToArray());
        }
        var kept = new int[p.NodeCount][];
        for (int i = 0; i < p.NodeCount; i++)
        {
            int n = p.Counts[i];
            var list = new List<int>(n);
            for (int j = 0; j < n; j++)
            {
                int dominators = 0;
                for (int jj = 0; jj < n && dominators < needed; jj++)
                {
                    if (jj == j) continue;
                    bool dom = true;
                    foreach (var v in values)
                    {
                        if (!(v[i][jj] > v[i][j] || (v[i][jj] == v[i][j] && jj < j))) { dom = false; break; }
                    }
                    if (!dom) continue;
                    foreach (var row in p.Rows)
                    {
                        if (row.Coef[i][jj] > row.Coef[i][j]) { dom = false; break; }
                    }
                    if (dom) dominators++;
                }
                if (dominators < needed) list.Add(j);
            }
            kept[i] = list.ToArray();
        }
        return kept;
    }

    /// <summary>The problem restricted to the kept blocks, and the map from reduced block index to the original one.</summary>
    public static (SearchProblem Reduced, int[][] Map) Prune(SearchProblem p, int k = 1)
    {
        var map = Find(p, k);
        double[][] Sel(double[][] a) => a.Select((row, i) => map[i].Select(j => row[j]).ToArray()).ToArray();
        var rows = p.Rows.Select(r => new ResourceRow(r.Name, r.Kind, Sel(r.Coef), r.Capacity, r.Offset)).ToList();
        var ratio = p.Ratio is null ? null : p.Ratio with { Loss = Sel(p.Ratio.Loss), F = Sel(p.Ratio.F) };
        // Excluded networks that use a dropped block can no longer occur; the others are mapped.
        var excluded = new List<int[]>();
        foreach (var e in p.Excluded)
        {
            var c = new int[e.Length];
            bool ok = true;
            for (int i = 0; i < e.Length && ok; i++) { c[i] = Array.IndexOf(map[i], e[i]); ok = c[i] >= 0; }
            if (ok) excluded.Add(c);
        }
        var reduced = new SearchProblem(map.Select(x => x.Length).ToArray(), p.Constant, Sel(p.Value), rows, ratio, excluded, null);
        return (reduced, map);
    }

    /// <summary>Maps a code of the reduced problem back to the original block indices.</summary>
    public static int[] Expand(int[] reducedCode, int[][] map) => reducedCode.Select((c, i) => map[i][c]).ToArray();
}
