using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// "sampled:K": for each node i, K distinct random contexts (networks drawn uniformly, seeded, with node i set to
/// its base block); b_{i,j} = mean over those contexts of M(N, i = base) - M(N, i = j). Contexts are shared by the
/// blocks of a node, so a node costs at most K * n_i evaluations. ReferenceFlops = mean FLOPs of the networks used.
/// With consistency constraints only contexts where both sides are valid count.
/// </summary>
public sealed class SampledEstimator(int samplesPerNode, int seed = 0) : IBlockEstimator
{
    public int SamplesPerNode { get; } = samplesPerNode >= 1 ? samplesPerNode : throw new MathNasException("sampled:K needs K >= 1");
    public int Seed { get; } = seed;
    public string Name => $"sampled:{SamplesPerNode}";

    public TableSet Estimate(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress = null)
    {
        var run = new EstimationRun(space, evaluator, progress, $"sampled estimation (K = {SamplesPerNode} per node)",
            1 + (long)SamplesPerNode * space.Nodes.Sum(n => n.Count));
        var rng = new Random(Seed);
        var deltas = run.NewDeltas();
        var pairNetworks = new HashSet<Architecture>();
        int metrics = run.Metrics.Length;
        int shortNodes = 0;
        // First the contexts of every node (the random draws), then one batched evaluation of every network the
        // switches compare, then the differences.
        var contextsOf = new List<Architecture>[space.NodeCount];
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            int b = node.BaseIndex;
            // Contexts of the other nodes: at most prod_{k != i} n_k distinct ones.
            double pool = 1;
            for (int k = 0; k < space.NodeCount; k++) if (k != i) pool *= space.Nodes[k].Count;
            int target = (int)Math.Min(SamplesPerNode, pool);
            var contexts = new HashSet<Architecture>();
            var order = new List<Architecture>();
            int attempts = 0, maxAttempts = SamplingLimits.AttemptsPerSample * target + SamplingLimits.SampledExtraAttempts;
            while (contexts.Count < target && attempts++ < maxAttempts)
            {
                var ctx = space.Sample(rng).With(i, b);
                if (!space.IsValid(ctx)) continue;
                if (contexts.Add(ctx)) order.Add(ctx);
            }
            if (order.Count == 0)
                throw new MathNasException($"space '{space.Name}': found no valid network with node '{node.Name}' at its base block '{node.Blocks[b].Name}'");
            if (order.Count < SamplesPerNode) shortNodes++;
            contextsOf[i] = order;
        }
        run.Prefetch(Enumerable.Range(0, space.NodeCount).SelectMany(i => Enumerable.Range(0, space.Nodes[i].Count)
            .Where(j => j != space.Nodes[i].BaseIndex)
            .SelectMany(j => contextsOf[i].Where(ctx => space.IsValid(ctx.With(i, j))).SelectMany(ctx => new[] { ctx, ctx.With(i, j) })))
            .Concat(run.BaseNetworks()));
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            int b = node.BaseIndex;
            var order = contextsOf[i];
            for (int j = 0; j < node.Count; j++)
            {
                if (j == b) continue;
                var sum = new double[metrics];
                int n = 0;
                foreach (var ctx in order)
                {
                    var other = ctx.With(i, j);
                    if (!space.IsValid(other)) continue;
                    var vb = run.Values(ctx);
                    var vj = run.Values(other);
                    pairNetworks.Add(ctx);
                    pairNetworks.Add(other);
                    for (int k = 0; k < metrics; k++) sum[k] += vb[k] - vj[k];
                    n++;
                }
                if (n == 0)
                    throw new MathNasException($"space '{space.Name}': none of the sampled networks lets node '{node.Name}' switch from '{node.Blocks[b].Name}' to '{node.Blocks[j].Name}' within the consistency constraints");
                for (int k = 0; k < metrics; k++) deltas[k][i][j] = sum[k] / n;
            }
        }
        var (baseValues, baseNote) = run.BaseValues(deltas);
        double fref = run.MeanFlops(pairNetworks);
        run.Done();
        var notes = $"seed {Seed}; {SamplesPerNode} random contexts per node" +
                    (shortNodes > 0 ? $" (fewer for {shortNodes} node(s): the space has fewer distinct contexts)" : "") +
                    $"; reference FLOPs = mean FLOPs of the {pairNetworks.Count} networks compared = {fref:G6} {space.FlopsUnit}; {baseNote}";
        return run.Build(Name, baseValues, deltas, fref, "", notes);
    }
}
