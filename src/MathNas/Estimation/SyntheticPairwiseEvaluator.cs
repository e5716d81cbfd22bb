using System.Globalization;
using MathNas.Improved;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// Truth an evaluator knows exactly (noise-free values and the true optimum under budgets), so an audit can score a
/// search on a space no benchmark covers.
/// </summary>
public interface IExactTruth
{
    /// <summary>The noise-free value of a metric.</summary>
    double TrueValue(Architecture a, string metric);
    /// <summary>The network with the highest noise-free objective whose noise-free budget metrics meet every budget; null when none.</summary>
    Architecture? TrueOptimum(string objective, IReadOnlyList<Budget> budgets);
    /// <summary>Least and greatest noise-free objective over the space.</summary>
    (double Min, double Max) ObjectiveRange(string objective);
}

/// <summary>
/// A synthetic evaluator for any space with pairwise interactions and measurement noise of known size, whose truth is a
/// pairwise block model and therefore solvable exactly (<see cref="PairwiseSolver"/>):
/// <list type="bullet">
/// <item>accuracy (%): 70 + sum_i v_i(J_i) + sum over adjacent nodes (i, i+1) of an interaction, where v_i(j) =
/// A * z_i(j) + tau * e_ij with z_i the standardised log(1 + FLOPs) of the block within its node (A = 1, tau = 0.3) and
/// e_ij standard normal; the interaction is, for node pairs with at most 2,000 block pairs, an independent normal
/// (sd 0.3 x <c>interaction</c>) per block pair, else a random bilinear form (sd 0.3 x <c>interaction</c>) in the two
/// blocks' standardised FLOPs and params. Each evaluation adds normal noise of sd <c>noise</c> points, the same for the
/// same network (a stable hash of seed and code), like a training run's seed.</item>
/// <item>latency:synthetic (ms): sum_i FLOPs_i(J_i) x 0.01 x (1 + 0.2 e'_ij) plus adjacent interactions of sd 0.05 x
/// the node's mean block latency; no noise (a deterministic cost).</item>
/// </list>
/// Options: seed (default 0), noise (default 0.2), interaction (default 1).
/// </summary>
public sealed class SyntheticPairwiseEvaluator : IEvaluator, IExactTruth
{
    public const string EvaluatorName = "synthetic-pairwise";
    public const string LatencyMetric = "latency:synthetic";

    private readonly PairwiseModel _acc;
    private readonly PairwiseModel _lat;
    private readonly int _seed;

    public SyntheticPairwiseEvaluator(SearchSpace space, int seed = 0, double noise = 0.2, double interaction = 1)
    {
        if (!(noise >= 0) || !double.IsFinite(noise)) throw new MathNasException($"synthetic evaluator: noise must be a non-negative number, not {noise}");
        if (!(interaction >= 0) || !double.IsFinite(interaction)) throw new MathNasException($"synthetic evaluator: interaction must be a non-negative number, not {interaction}");
        Space = space;
        Noise = noise;
        _seed = seed;
        Layout = new PairwiseLayout(space, new PairwiseLayoutOptions { OneHotMaxBlocks = int.MaxValue, AllPairsMaxColumns = 0 });
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var wa = new double[Layout.Columns];
        var wl = new double[Layout.Columns];
        double ca = 70, cl = 0;
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            var logf = node.Blocks.Select(b => Math.Log(1 + Math.Max(0, b.Flops))).ToArray();
            double mean = logf.Average(), sd = Math.Sqrt(logf.Sum(x => (x - mean) * (x - mean)) / logf.Length);
            var v = logf.Select(x => (sd > 0 ? (x - mean) / sd : 0) + 0.3 * Normal()).ToArray();
            var l = node.Blocks.Select(b => Math.Max(0, b.Flops) * 0.01 * (1 + 0.2 * Normal())).ToArray();
            ca += v[node.BaseIndex];
            cl += l[node.BaseIndex];
            for (int j = 0; j < node.Count; j++)
            {
                if (j == node.BaseIndex) continue;
                int c = Layout.MainCol[i][j];
                wa[c] = v[j] - v[node.BaseIndex];
                wl[c] = l[j] - l[node.BaseIndex];
            }
        }
        foreach (var p in Layout.Pairs)
        {
            double latScale = 0.05 * (space.Nodes[p.I].Blocks.Average(b => Math.Max(0, b.Flops)) + space.Nodes[p.K].Blocks.Average(b => Math.Max(0, b.Flops))) * 0.01 / 2;
            int cols = p.Table ? (space.Nodes[p.I].Count - 1) * (space.Nodes[p.K].Count - 1) : PairwiseLayout.PairRank * PairwiseLayout.PairRank;
            for (int c = p.Start; c < p.Start + cols; c++)
            {
                wa[c] = 0.3 * interaction * Normal();
                wl[c] = latScale * Normal();
            }
        }
        // Latency cannot be negative: the intercept takes a fixed overhead (0.01 ms) plus a bound on how far the pair
        // terms can pull a network down (per pair its largest weight, or for descriptor pairs the sum of |weight| times the
        // largest descriptor products). A constant: it moves every network's latency alike, so the exact optimum under a
        // budget shifted by it is the same.
        double pairFloor = 0;
        foreach (var p in Layout.Pairs)
        {
            int cols = p.Table ? (space.Nodes[p.I].Count - 1) * (space.Nodes[p.K].Count - 1) : PairwiseLayout.PairRank * PairwiseLayout.PairRank;
            if (p.Table)
            {
                double worst = 0;
                for (int c = p.Start; c < p.Start + cols; c++) worst = Math.Max(worst, -wl[c]);
                pairFloor += worst;
            }
            else
            {
                double di = Layout.Descriptors[p.I].Max(d => d.Take(PairwiseLayout.PairRank).Max(Math.Abs));
                double dk = Layout.Descriptors[p.K].Max(d => d.Take(PairwiseLayout.PairRank).Max(Math.Abs));
                for (int c = p.Start; c < p.Start + cols; c++) pairFloor += Math.Abs(wl[c]) * di * dk;
            }
        }
        cl += MinLatencyMs + pairFloor;
        _acc = new PairwiseModel(Layout, ca, wa);
        _lat = new PairwiseModel(Layout, cl, wl);
    }

    /// <summary>The fixed overhead every network's synthetic latency includes, in ms.</summary>
    public const double MinLatencyMs = 0.01;

    public SearchSpace Space { get; }
    public double Noise { get; }
    public PairwiseLayout Layout { get; }
    public string Name => EvaluatorName;
    public IReadOnlyDictionary<string, string> Metrics { get; } = new Dictionary<string, string> { [MetricNames.Accuracy] = "%", [LatencyMetric] = "ms" };

    public static EvaluatorRegistry.Entry RegistryEntry { get; } = new(EvaluatorName,
        "synthetic pairwise truth for any space, solvable exactly: accuracy with noise of known size and latency:synthetic (options: seed, noise, interaction)",
        _ => true, (s, o) => new SyntheticPairwiseEvaluator(s, Int(o, "seed", 0), Num(o, "noise", 0.2), Num(o, "interaction", 1)),
        ["seed", "noise", "interaction"]);

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        Space.Validate(architecture);
        return new Dictionary<string, double>
        {
            [MetricNames.Accuracy] = _acc.Predict(architecture) + Noise * HashNormal(architecture),
            [LatencyMetric] = _lat.Predict(architecture),
        };
    }

    public double TrueValue(Architecture a, string metric) => metric switch
    {
        MetricNames.Accuracy => _acc.Predict(a),
        LatencyMetric => _lat.Predict(a),
        MetricNames.Flops => Space.Flops(a),
        MetricNames.Params => Space.Params(a),
        _ => throw new MathNasException($"evaluator '{Name}' has no metric '{metric}'"),
    };

    private PairwiseModel ModelOf(string metric) => metric switch
    {
        MetricNames.Accuracy => _acc,
        LatencyMetric => _lat,
        MetricNames.Flops or MetricNames.Params => PairwiseModel.SpaceCost(Layout, metric == MetricNames.Flops),
        _ => throw new MathNasException($"evaluator '{Name}' has no metric '{metric}'"),
    };

    public Architecture? TrueOptimum(string objective, IReadOnlyList<Budget> budgets) =>
        PairwiseSolver.Solve(new PairwiseProblem
        {
            Space = Space, Objective = ModelOf(objective), HonourConnectivity = false,
            Budgets = budgets.Select(b => new PairwiseBudget(b.Metric, ModelOf(b.Metric), b.Max)).ToList(),
        }).Best;

    public (double Min, double Max) ObjectiveRange(string objective)
    {
        var m = ModelOf(objective);
        var hi = PairwiseSolver.Solve(new PairwiseProblem { Space = Space, Objective = m, HonourConnectivity = false }).Best!;
        var neg = PairwiseModel.Combine([m], [-1]);
        var lo = PairwiseSolver.Solve(new PairwiseProblem { Space = Space, Objective = neg, HonourConnectivity = false }).Best!;
        return (m.Predict(lo), m.Predict(hi));
    }

    /// <summary>A standard normal from a stable hash (FNV-1a) of the seed and the code: the same network, the same noise, in any process.</summary>
    private double HashNormal(Architecture a)
    {
        ulong h = 14695981039346656037UL;
        void Mix(int v) { unchecked { for (int b = 0; b < 4; b++) { h ^= (byte)(v >> (8 * b)); h *= 1099511628211UL; } } }
        Mix(_seed);
        foreach (var c in a) Mix(c);
        ulong h2 = h;
        unchecked { h2 ^= h2 >> 33; h2 *= 0xff51afd7ed558ccdUL; h2 ^= h2 >> 33; h2 *= 0xc4ceb9fe1a85ec53UL; h2 ^= h2 >> 33; }
        double u1 = ((h >> 11) + 0.5) / (1UL << 53), u2 = ((h2 >> 11) + 0.5) / (1UL << 53);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int Int(IReadOnlyDictionary<string, string> o, string key, int dflt) =>
        !o.TryGetValue(key, out var v) ? dflt
        : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
        : throw new MathNasException($"evaluator option {key}={v} is not an integer");

    private static double Num(IReadOnlyDictionary<string, string> o, string key, double dflt) =>
        !o.TryGetValue(key, out var v) ? dflt
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d
        : throw new MathNasException($"evaluator option {key}={v} is not a number");
}
