using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Torch.Pipeline;

/// <summary>
/// Algorithm 1 of the paper (METHOD.md section 2, "single-sample"): block deltas measured as switches in the
/// average-FLOPs network N^avg, base value M(base network). Used by the pipeline until the core's estimators land;
/// written against <see cref="IEvaluator"/> and <see cref="CachingEvaluator"/> like them.
/// </summary>
public static class SingleSampleEstimator
{
    /// <summary>Per node the block whose FLOPs is closest to the node's mean block FLOPs (ties: lower index).</summary>
    public static Architecture AverageFlopsNetwork(SearchSpace space) =>
        new(space.Nodes.Select(n =>
        {
            double mean = n.MeanFlops;
            int best = 0;
            for (int j = 1; j < n.Count; j++)
                if (Math.Abs(n.Blocks[j].Flops - mean) < Math.Abs(n.Blocks[best].Flops - mean)) best = j;
            return best;
        }));

    public static BlockTable Estimate(SearchSpace space, CachingEvaluator evaluator, string metric, string unit,
        IProgress<ProgressInfo>? progress = null, string notes = "")
    {
        var avg = AverageFlopsNetwork(space);
        int total = 2 + space.Nodes.Sum(n => n.Count - 1), done = 0;
        int before = evaluator.Evaluations;
        double M(Architecture a)
        {
            bool fresh = !evaluator.IsCached(a);
            var v = evaluator.Evaluate(a, metric);
            if (fresh) progress?.Report(new ProgressInfo($"estimating {metric} (Algorithm 1)", ++done, total));
            return v;
        }
        double baseValue = M(space.BaseArchitecture);
        var deltas = new double[space.NodeCount][];
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            deltas[i] = new double[node.Count];
            double atBase = M(avg.With(i, node.BaseIndex));
            for (int j = 0; j < node.Count; j++)
                deltas[i][j] = j == node.BaseIndex ? 0 : atBase - M(avg.With(i, j));
        }
        return new BlockTable
        {
            Metric = metric,
            Unit = unit,
            BaseValue = baseValue,
            Deltas = deltas,
            ReferenceFlops = space.Flops(avg),
            Provenance = new Provenance
            {
                Estimator = "single",
                Evaluator = evaluator.Name,
                ReferenceNetwork = avg.ToString(),
                Evaluations = evaluator.Evaluations - before,
                Notes = notes,
            },
        };
    }
}
