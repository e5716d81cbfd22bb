using System.Numerics;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// Eq. 3 ("full"): b_{i,j} is the exact average of M(N, i = base) - M(N, i = j) over every network N of the space
/// (every context of the other nodes); with consistency constraints, over the contexts where both networks are
/// valid. Evaluates every network of the space once. ReferenceFlops = mean FLOPs of all networks.
/// </summary>
public sealed class FullEstimator : IBlockEstimator
{
    /// <summary>Largest space the full estimator enumerates.</summary>
    public const long MaxNetworks = 5_000_000;

    public string Name => "full";

    public TableSet Estimate(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress = null)
    {
        if (space.Size > new BigInteger(MaxNetworks))
            throw new MathNasException($"the full estimator evaluates every network, and space '{space.Name}' has {space.Size}; use sampled:K or regression:K");
        var run = new EstimationRun(space, evaluator, progress, "full estimation (every network)", (long)space.Size);
        var all = space.Enumerate().ToList();
        run.SetExpected(all.Count);
        if (all.Count == 0) throw new MathNasException($"space '{space.Name}' has no network that meets its consistency constraints");
        run.Prefetch(all);
        var values = new Dictionary<Architecture, double[]>(all.Count);
        foreach (var a in all) values[a] = run.Values(a);

        var deltas = run.NewDeltas();
        int metrics = run.Metrics.Length;
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            int b = node.BaseIndex;
            var sums = new double[node.Count][];
            var counts = new int[node.Count];
            for (int j = 0; j < node.Count; j++) sums[j] = new double[metrics];
            foreach (var a in all)
            {
                if (a[i] != b) continue;
                var vb = values[a];
                for (int j = 0; j < node.Count; j++)
                {
                    if (j == b) continue;
                    if (!values.TryGetValue(a.With(i, j), out var vj)) continue; // that switch breaks a constraint
                    for (int k = 0; k < metrics; k++) sums[j][k] += vb[k] - vj[k];
                    counts[j]++;
                }
            }
            for (int j = 0; j < node.Count; j++)
            {
                if (j == b) continue;
                if (counts[j] == 0)
                    throw new MathNasException($"space '{space.Name}': node '{node.Name}' cannot switch from its base block '{node.Blocks[b].Name}' to '{node.Blocks[j].Name}' in any network that meets the consistency constraints");
                for (int k = 0; k < metrics; k++) deltas[k][i][j] = sums[j][k] / counts[j];
            }
        }
        var (baseValues, baseNote) = run.BaseValues(deltas);
        double fref = run.MeanFlops(all);
        run.Done();
        var notes = $"Eq. 3: exact average over all {all.Count} networks; reference FLOPs = mean FLOPs of the space = {fref:G6} {space.FlopsUnit}; {baseNote}";
        return run.Build(Name, baseValues, deltas, fref, "", notes);
    }
}
