using MathNas.Tables;

namespace MathNas.Dynamic;

/// <summary>
/// Chooses the blocks a device keeps loaded (METHOD.md section 5): at each node the blocks that are Pareto-optimal on
/// (accuracy delta, latency delta), at most K of them. A block is dominated when another block of the same node loses
/// no more accuracy (b^A &lt;= ) and saves at least as much latency (b^L &gt;=), and is strictly better on one of them.
/// Blocks with exactly the same pair keep the lowest index. When more than K blocks are non-dominated, K of them are
/// kept spread along latency: always the fastest and the slowest (= the most accurate) one, and the others nearest to
/// evenly spaced latency values in between, so that every budget the full front can meet is still met.
/// </summary>
public static class ParetoBlockSelection
{
    public const int DefaultMaxPerNode = 5;

    /// <summary>The kept block indices of every node (ascending), from an accuracy and a latency table of the same space.</summary>
    public static int[][] Select(BlockTable accuracy, BlockTable latency, int maxPerNode = DefaultMaxPerNode)
    {
        if (accuracy.Deltas.Length != latency.Deltas.Length)
            throw new MathNasException($"accuracy table has {accuracy.Deltas.Length} nodes but latency table has {latency.Deltas.Length}");
        var kept = new int[accuracy.Deltas.Length][];
        for (int i = 0; i < kept.Length; i++)
        {
            if (accuracy.Deltas[i].Length != latency.Deltas[i].Length)
                throw new MathNasException($"node {i}: accuracy table has {accuracy.Deltas[i].Length} blocks but latency table has {latency.Deltas[i].Length}");
            kept[i] = SelectNode(accuracy.Deltas[i], latency.Deltas[i], maxPerNode);
        }
        return kept;
    }

    /// <summary>The kept blocks of one node: accLoss[j] = b^A (lower is better), latSave[j] = b^L (higher is better).</summary>
    public static int[] SelectNode(double[] accLoss, double[] latSave, int maxPerNode = DefaultMaxPerNode)
    {
        if (maxPerNode < 1) throw new MathNasException($"at most K blocks per node needs K >= 1, not {maxPerNode}");
        var front = NonDominated(accLoss, latSave);
        return front.Length <= maxPerNode ? front : Spread(front, latSave, maxPerNode);
    }

    /// <summary>Indices of the non-dominated blocks, ascending. Exact duplicates keep the lowest index.</summary>
    public static int[] NonDominated(double[] accLoss, double[] latSave)
    {
        int n = accLoss.Length;
        if (latSave.Length != n) throw new MathNasException("accuracy and latency rows differ in length");
        var list = new List<int>(n);
        for (int j = 0; j < n; j++)
        {
            bool dominated = false;
            for (int k = 0; k < n && !dominated; k++)
            {
                if (k == j) continue;
                bool noWorse = accLoss[k] <= accLoss[j] && latSave[k] >= latSave[j];
                bool better = accLoss[k] < accLoss[j] || latSave[k] > latSave[j];
                dominated = noWorse && (better || k < j);
            }
            if (!dominated) list.Add(j);
        }
        return list.ToArray();
    }

    /// <summary>
    /// K blocks of a front spread along latency: the two extremes, then for each of K-2 evenly spaced latency targets the
    /// unused front block nearest to it. Result ascending by block index.
    /// </summary>
    public static int[] Spread(int[] front, double[] latSave, int k)
    {
        if (k >= front.Length) return front.Order().ToArray();
        var byLat = front.OrderBy(j => latSave[j]).ThenBy(j => j).ToArray();
        var chosen = new List<int> { byLat[^1] };            // fastest (largest saving)
        if (k >= 2) chosen.Add(byLat[0]);                    // slowest = the most accurate on a front
        double lo = latSave[byLat[0]], hi = latSave[byLat[^1]];
        for (int t = 1; t <= k - 2; t++)
        {
            double target = lo + (hi - lo) * t / (k - 1);
            int best = -1;
            double bestDist = double.PositiveInfinity;
            foreach (var j in byLat)
            {
                if (chosen.Contains(j)) continue;
                double d = Math.Abs(latSave[j] - target);
                if (d < bestDist) { bestDist = d; best = j; }
            }
            if (best >= 0) chosen.Add(best);
        }
        return chosen.Order().ToArray();
    }
}
