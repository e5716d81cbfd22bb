using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// Algorithm 1 of the paper ("single"): every switch b_{i,j} = M(N^avg, i = base) - M(N^avg, i = j) is made in the
/// average-FLOPs network N^avg (per node the block whose FLOPs is closest to the node's mean block FLOPs, ties to
/// the lower index); the base value is M(Ñ). Distinct evaluations: at most 2 + Σ(n_i - 1).
/// ReferenceFlops = F(N^avg).
/// </summary>
/// <remarks>
/// With consistency constraints: if N^avg is not a valid network, the closest valid one is used (fewest changed
/// nodes, then closest FLOPs); if a switch of node i would break a constraint, that switch is made in the closest
/// network where both sides are valid (noted in the provenance). Then the evaluation count can exceed the bound.
/// </remarks>
public sealed class SingleSampleEstimator : IBlockEstimator
{
    public string Name => "single";

    /// <summary>N^avg: per node the block with FLOPs closest to the node's mean block FLOPs (ties: lower index).</summary>
    public static Architecture AverageFlopsNetwork(SearchSpace space)
    {
        var c = new int[space.NodeCount];
        for (int i = 0; i < c.Length; i++)
        {
            var node = space.Nodes[i];
            double mean = node.MeanFlops;
            int best = 0;
            double gap = Math.Abs(node.Blocks[0].Flops - mean);
            for (int j = 1; j < node.Count; j++)
            {
                var g = Math.Abs(node.Blocks[j].Flops - mean);
                if (g < gap) { gap = g; best = j; }
            }
            c[i] = best;
        }
        return new Architecture(c);
    }

    public TableSet Estimate(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress = null)
    {
        var run = new EstimationRun(space, evaluator, progress, "single-sample estimation", 2 + space.Nodes.Sum(n => n.Count - 1));
        var notes = new List<string>();
        var avg = AverageFlopsNetwork(space);
        if (!space.IsValid(avg))
        {
            var repaired = Neighbourhood.ClosestExact(space, avg, -1, [])
                ?? throw new MathNasException($"space '{space.Name}': no valid network found near the average-FLOPs network {avg}");
            notes.Add($"N^avg {avg} breaks a consistency constraint; used the closest valid network {repaired}");
            avg = repaired;
        }
        var deltas = run.NewDeltas();
        int moved = 0;
        // Every switch's context first (no evaluation), then one batched evaluation, then the differences.
        var switches = new List<(int Node, int Block, Architecture Context)>();
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            int b = node.BaseIndex;
            for (int j = 0; j < node.Count; j++)
            {
                if (j == b) continue;
                var ctx = avg;
                if (!space.IsValid(ctx.With(i, b)) || !space.IsValid(ctx.With(i, j)))
                {
                    ctx = Neighbourhood.ClosestExact(space, avg, i, [b, j])
                        ?? throw new MathNasException($"space '{space.Name}': node '{node.Name}' cannot switch from its base block '{node.Blocks[b].Name}' to '{node.Blocks[j].Name}' in any network found that meets the consistency constraints");
                    moved++;
                }
                switches.Add((i, j, ctx));
            }
        }
        run.Prefetch(switches.SelectMany(s => new[] { s.Context.With(s.Node, space.Nodes[s.Node].BaseIndex), s.Context.With(s.Node, s.Block) }).Concat(run.BaseNetworks()));
        foreach (var (i, j, ctx) in switches)
        {
            var vb = run.Values(ctx.With(i, space.Nodes[i].BaseIndex));
            var vj = run.Values(ctx.With(i, j));
            for (int k = 0; k < run.Metrics.Length; k++) deltas[k][i][j] = vb[k] - vj[k];
        }
        if (moved > 0) notes.Add($"{moved} switch(es) made in a nearby valid network because of consistency constraints");
        var (baseValues, baseNote) = run.BaseValues(deltas);
        notes.Insert(0, $"Algorithm 1: switches made in the average-FLOPs network {avg} ({space.Describe(avg)}), F = {space.Flops(avg):G6} {space.FlopsUnit}; {baseNote}");
        run.Done();
        return run.Build(Name, baseValues, deltas, space.Flops(avg), avg.ToString(), string.Join("; ", notes));
    }
}
