using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Search;

/// <summary>
/// Seeded synthetic spaces and tables for benchmarks and tests: block FLOPs drawn at random, and tables
/// synthesised deterministically from them (accuracy grows with log FLOPs, latency roughly proportional to FLOPs
/// with per-device factors and noise). Not measurements of anything: shapes and difficulty only.
/// </summary>
public static class SyntheticSpaces
{
    /// <summary>A space with the given choice counts and random block FLOPs/params.</summary>
    public static SearchSpace Space(string name, int[] counts, int seed, IReadOnlyList<LinearConstraint>? constraints = null)
    {
        var rng = new Random(seed);
        var nodes = new List<Node>();
        for (int i = 0; i < counts.Length; i++)
        {
            double scale = 5 + 45 * rng.NextDouble();
            var blocks = Enumerable.Range(0, counts[i]).Select(j =>
            {
                double f = Math.Round(scale * (0.2 + 1.8 * rng.NextDouble()), 3);
                return new Block($"b{j}", f, Math.Round(f * (0.005 + 0.01 * rng.NextDouble()), 5));
            }).ToList();
            nodes.Add(new Node($"n{i}", blocks));
        }
        return new SearchSpace(name, nodes, fixedFlops: 20, fixedParams: 0.5, constraints: constraints, description: "synthetic (seeded random)");
    }

    /// <summary>
    /// The SuperTransformer shape: 6 encoder nodes x 6 choices, 6 decoder nodes x 37 choices where the last choice
    /// of a decoder node means "this layer is absent"; consistency: layer k absent implies layer k+1 absent, and
    /// decoder layer 0 is always present.
    /// </summary>
    public static SearchSpace TransformerShaped(int seed)
    {
        var counts = Enumerable.Repeat(6, 6).Concat(Enumerable.Repeat(37, 6)).ToArray();
        var s = Space("supertransformer-sized", counts, seed);
        // Make the "absent" choice free.
        var nodes = s.Nodes.Select((n, i) => i < 6 ? n : new Node(n.Name, n.Blocks.Select((b, j) => j == 36 ? new Block("absent", 0, 0) : b).ToList())).ToList();
        var cons = new List<LinearConstraint> { new("dec0-present", [new ConstraintTerm(6, 36, 1)], 0) };
        for (int k = 6; k < 11; k++)
            cons.Add(new LinearConstraint($"dec{k - 6}-absent-implies-dec{k - 5}-absent", [new ConstraintTerm(k, 36, 1), new ConstraintTerm(k + 1, 36, -1)], 0));
        return new SearchSpace("supertransformer-sized", nodes, 20, 0.5, cons, description: "synthetic, SuperTransformer shape");
    }

    /// <summary>
    /// Tables synthesised deterministically from the space's block FLOPs: accuracy (with reference FLOPs) and
    /// latency for each named device. Base block = each node's base index.
    /// </summary>
    public static TableSet Tables(SearchSpace space, int seed, params string[] devices)
    {
        var rng = new Random(seed);
        var set = new TableSet { Space = space.Name };
        int m = space.NodeCount;
        // Accuracy of a block: concave in FLOPs, plus noise.
        var acc = space.Nodes.Select(n => n.Blocks.Select(b => 1.5 * Math.Log(1 + b.Flops) + 0.6 * (rng.NextDouble() - 0.5)).ToArray()).ToArray();
        var accDeltas = acc.Select((row, i) => row.Select(v => row[space.Nodes[i].BaseIndex] - v).ToArray()).ToArray();
        double meanFlops = space.FixedFlops + space.Nodes.Sum(n => n.MeanFlops);
        set.Add(new BlockTable
        {
            Metric = MetricNames.Accuracy, Unit = "%", BaseValue = 70, Deltas = accDeltas, ReferenceFlops = meanFlops,
            Provenance = new Provenance { Estimator = "synthetic", Notes = $"synthesised from block FLOPs, seed {seed}" },
        });
        foreach (var dev in devices)
        {
            double factor = 0.02 + 0.08 * rng.NextDouble();
            var lat = space.Nodes.Select(n => n.Blocks.Select(b => factor * b.Flops * (0.7 + 0.6 * rng.NextDouble()) + 0.05 * rng.NextDouble()).ToArray()).ToArray();
            double baseLat = 1 + Enumerable.Range(0, m).Sum(i => lat[i][space.Nodes[i].BaseIndex]);
            set.Add(new BlockTable
            {
                Metric = MetricNames.Latency(dev), Unit = "ms", BaseValue = baseLat,
                Deltas = lat.Select((row, i) => row.Select(v => row[space.Nodes[i].BaseIndex] - v).ToArray()).ToArray(),
                Provenance = new Provenance { Estimator = "synthetic", Notes = $"synthesised from block FLOPs, seed {seed}" },
            });
        }
        return set;
    }

    /// <summary>A budget at fraction <paramref name="at"/> between the least and the largest value of the metric (ignoring consistency).</summary>
    public static Budget BudgetAt(SearchSpace space, TableSet tables, string metric, double at)
    {
        var row = SearchProblemBuilder.MetricRow(space, tables, metric);
        double lo = row.Offset + row.Coef.Sum(r => r.Min()), hi = row.Offset + row.Coef.Sum(r => r.Max());
        return new Budget(metric, lo + at * (hi - lo));
    }
}
