using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNet.Numerics.LinearAlgebra;

namespace MathNas.Audit;

/// <summary>
/// The paper's block-table estimators (METHOD.md section 2) as the audit uses them: single-sample (Algorithm 1),
/// sampled:K, full and regression:K. Every evaluation goes through the given <see cref="CachingEvaluator"/>,
/// so its count is the number of distinct networks the estimate cost.
/// </summary>
public static class TableEstimators
{
    /// <summary>Parses "single", "sampled:K", "full" or "regression:K" and estimates a table per metric.</summary>
    public static TableSet Estimate(string spec, SearchSpace space, CachingEvaluator evaluator, IReadOnlyList<string> metrics, int seed)
    {
        var (name, k) = Parse(spec);
        return name switch
        {
            "single" => Single(space, evaluator, metrics),
            "sampled" => Sampled(space, evaluator, metrics, k, new Random(seed)),
            "full" => Full(space, evaluator, metrics),
            "regression" => Regression(space, evaluator, metrics, k, new Random(seed)),
            _ => throw new MathNasException($"unknown estimator '{spec}'"),
        };
    }

    public static (string Name, int K) Parse(string spec)
    {
        var s = spec.Trim().ToLowerInvariant();
        if (s is "single" or "full") return (s, 0);
        var colon = s.IndexOf(':');
        if (colon > 0 && s[..colon] is "sampled" or "regression")
        {
            if (int.TryParse(s[(colon + 1)..], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var k) && k > 0)
                return (s[..colon], k);
            throw new MathNasException($"estimator '{spec}': K must be a positive integer");
        }
        throw new MathNasException($"unknown estimator '{spec}': use single, sampled:K, full or regression:K");
    }

    /// <summary>Algorithm 1's average-FLOPs network: per node the block whose FLOPs is closest to the node's mean (ties: lower index).</summary>
    public static Architecture AverageFlopsNetwork(SearchSpace space) =>
        new(space.Nodes.Select(n =>
        {
            double mean = n.MeanFlops;
            int best = 0;
            for (int j = 1; j < n.Count; j++)
                if (Math.Abs(n.Blocks[j].Flops - mean) < Math.Abs(n.Blocks[best].Flops - mean)) best = j;
            return best;
        }));

    public static TableSet Single(SearchSpace space, CachingEvaluator ev, IReadOnlyList<string> metrics)
    {
        var avg = AverageFlopsNetwork(space);
        var baseNet = space.BaseArchitecture;
        int start = ev.Evaluations;
        var set = new TableSet { Space = space.Name };
        var deltas = metrics.ToDictionary(m => m, _ => space.Nodes.Select(n => new double[n.Count]).ToArray());
        for (int i = 0; i < space.NodeCount; i++)
        {
            var atBase = ev.Evaluate(avg.With(i, space.Nodes[i].BaseIndex));
            for (int j = 0; j < space.Nodes[i].Count; j++)
            {
                var v = ev.Evaluate(avg.With(i, j));
                foreach (var m in metrics) deltas[m][i][j] = Get(atBase, m, ev) - Get(v, m, ev);
            }
        }
        var b = ev.Evaluate(baseNet);
        foreach (var m in metrics)
            set.Add(new BlockTable
            {
                Metric = m, BaseValue = Get(b, m, ev), Deltas = deltas[m], ReferenceFlops = space.Flops(avg),
                Provenance = new Provenance { Estimator = "single", Evaluator = ev.Name, ReferenceNetwork = avg.ToString(), Evaluations = ev.Evaluations - start },
            });
        return set;
    }

    public static TableSet Sampled(SearchSpace space, CachingEvaluator ev, IReadOnlyList<string> metrics, int k, Random rng)
    {
        int start = ev.Evaluations;
        var set = new TableSet { Space = space.Name };
        var deltas = metrics.ToDictionary(m => m, _ => space.Nodes.Select(n => new double[n.Count]).ToArray());
        double flopsSum = 0;
        int flopsCount = 0;
        for (int i = 0; i < space.NodeCount; i++)
        {
            for (int s = 0; s < k; s++)
            {
                var n = space.Sample(rng);
                var atBase = ev.Evaluate(n.With(i, space.Nodes[i].BaseIndex));
                flopsSum += space.Flops(n.With(i, space.Nodes[i].BaseIndex));
                flopsCount++;
                for (int j = 0; j < space.Nodes[i].Count; j++)
                {
                    var v = ev.Evaluate(n.With(i, j));
                    foreach (var m in metrics) deltas[m][i][j] += (Get(atBase, m, ev) - Get(v, m, ev)) / k;
                }
            }
        }
        var b = ev.Evaluate(space.BaseArchitecture);
        foreach (var m in metrics)
            set.Add(new BlockTable
            {
                Metric = m, BaseValue = Get(b, m, ev), Deltas = deltas[m], ReferenceFlops = flopsSum / flopsCount,
                Provenance = new Provenance { Estimator = $"sampled:{k}", Evaluator = ev.Name, Evaluations = ev.Evaluations - start },
            });
        return set;
    }

    /// <summary>Eq. 3 exactly: every network of the space is evaluated.</summary>
    public static TableSet Full(SearchSpace space, CachingEvaluator ev, IReadOnlyList<string> metrics)
    {
        int start = ev.Evaluations;
        var nets = space.Enumerate().ToList();
        var set = new TableSet { Space = space.Name };
        // Average of M over networks with node i at block j; the delta is avg(i at base) - avg(i at j).
        var sums = metrics.ToDictionary(m => m, _ => space.Nodes.Select(n => new double[n.Count]).ToArray());
        var counts = space.Nodes.Select(n => new int[n.Count]).ToArray();
        double flops = 0;
        foreach (var a in nets)
        {
            var r = ev.Evaluate(a);
            flops += space.Flops(a);
            for (int i = 0; i < a.Count; i++)
            {
                counts[i][a[i]]++;
                foreach (var m in metrics) sums[m][i][a[i]] += Get(r, m, ev);
            }
        }
        var b = ev.Evaluate(space.BaseArchitecture);
        foreach (var m in metrics)
        {
            var d = space.Nodes.Select((n, i) =>
            {
                int bi = n.BaseIndex;
                return Enumerable.Range(0, n.Count).Select(j => counts[i][j] == 0 || counts[i][bi] == 0 ? 0.0
                    : sums[m][i][bi] / counts[i][bi] - sums[m][i][j] / counts[i][j]).ToArray();
            }).ToArray();
            set.Add(new BlockTable
            {
                Metric = m, BaseValue = Get(b, m, ev), Deltas = d, ReferenceFlops = flops / nets.Count,
                Provenance = new Provenance { Estimator = "full", Evaluator = ev.Name, Evaluations = ev.Evaluations - start },
            });
        }
        return set;
    }

    /// <summary>Least squares of M(N) = c - sum_i b_{i,J_i} (b at the base block fixed to 0) over K distinct random networks.</summary>
    public static TableSet Regression(SearchSpace space, CachingEvaluator ev, IReadOnlyList<string> metrics, int k, Random rng)
    {
        int start = ev.Evaluations;
        var nets = new List<Architecture>();
        var seen = new HashSet<Architecture>();
        for (int attempt = 0; nets.Count < k && attempt < 100 * k; attempt++)
        {
            var a = space.Sample(rng);
            if (seen.Add(a)) nets.Add(a);
        }
        return FitAdditive(space, ev, metrics, nets, $"regression:{k}", start);
    }

    /// <summary>Least-squares additive tables from the given evaluated networks (minimum-norm solution when under-determined).</summary>
    public static TableSet FitAdditive(SearchSpace space, CachingEvaluator ev, IReadOnlyList<string> metrics, IReadOnlyList<Architecture> nets, string estimatorName, int startEvaluations)
    {
        // Columns: intercept, then one indicator per non-base block.
        var cols = new List<(int Node, int Block)>();
        for (int i = 0; i < space.NodeCount; i++)
            for (int j = 0; j < space.Nodes[i].Count; j++)
                if (j != space.Nodes[i].BaseIndex) cols.Add((i, j));
        var x = Matrix<double>.Build.Dense(nets.Count, cols.Count + 1);
        for (int r = 0; r < nets.Count; r++)
        {
            x[r, 0] = 1;
            for (int c = 0; c < cols.Count; c++) if (nets[r][cols[c].Node] == cols[c].Block) x[r, c + 1] = 1;
        }
        var results = nets.Select(ev.Evaluate).ToList();
        var set = new TableSet { Space = space.Name };
        var pinv = x.PseudoInverse();
        foreach (var m in metrics)
        {
            var y = Vector<double>.Build.Dense(results.Select(r => Get(r, m, ev)).ToArray());
            var w = pinv * y;
            var d = space.Nodes.Select(n => new double[n.Count]).ToArray();
            for (int c = 0; c < cols.Count; c++) d[cols[c].Node][cols[c].Block] = -w[c + 1];
            set.Add(new BlockTable
            {
                Metric = m, BaseValue = w[0], Deltas = d, ReferenceFlops = nets.Count == 0 ? null : nets.Average(space.Flops),
                Provenance = new Provenance { Estimator = estimatorName, Evaluator = ev.Name, Evaluations = ev.Evaluations - startEvaluations },
            });
        }
        return set;
    }

    private static double Get(IReadOnlyDictionary<string, double> r, string m, CachingEvaluator ev) =>
        r.TryGetValue(m, out var v) ? v : throw new MathNasException($"evaluator '{ev.Name}' does not measure '{m}'");
}
