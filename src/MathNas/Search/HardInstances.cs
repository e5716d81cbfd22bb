namespace MathNas.Search;

/// <summary>The hard multiple-choice knapsack families of <see cref="HardInstances"/> (Pisinger's classes, several rows).</summary>
public enum HardFamily
{
    /// <summary>Integer costs c_k ~ U{1..1000} per row; value = sum_k c_k + 100 K.</summary>
    Strong,
    /// <summary>Costs as <see cref="Strong"/>; value = max(1, sum_k c_k + U{-100 K..100 K}).</summary>
    Weak,
    /// <summary>Value ~ U{1..1000}; cost c_0 = value + 100, c_k = value + U{50..150} for k &gt; 0.</summary>
    Inverse,
    /// <summary>Strongly correlated tables under the FLOPs-scaled ratio objective (FLOPs = row 0's cost, loss = 1100 K + 1 - value).</summary>
    Ratio,
}

/// <summary>
/// Seeded hard instances for <c>mathnas bench</c> and the tests: m nodes of n blocks, K budget rows with integer
/// costs, budgets at a percentile of the costs of random networks. Deterministic in the seed
/// (<see cref="System.Random"/> with an explicit seed).
/// </summary>
public static class HardInstances
{
    public static IReadOnlyList<HardFamily> Families { get; } = [HardFamily.Strong, HardFamily.Weak, HardFamily.Inverse, HardFamily.Ratio];

    public static string Name(this HardFamily f) => f switch
    {
        HardFamily.Strong => "strong",
        HardFamily.Weak => "weak",
        HardFamily.Inverse => "inverse",
        _ => "ratio",
    };

    /// <summary>
    /// An instance of <paramref name="family"/> with <paramref name="nodes"/> nodes of <paramref name="blocks"/> blocks and
    /// <paramref name="budgets"/> rows; each capacity is the <paramref name="percentile"/>-th percentile (0..100) of the
    /// row's value over 1,000 random networks.
    /// </summary>
    public static SearchProblem Make(HardFamily family, int nodes, int blocks, int budgets, double percentile, int seed)
    {
        if (nodes < 1 || blocks < 1 || budgets < 1) throw new MathNasException("hard instances need at least one node, block and budget");
        var rng = new Random(seed);
        int K = budgets;
        var cost = new double[K][][];
        for (int k = 0; k < K; k++) cost[k] = new double[nodes][];
        var value = new double[nodes][];
        for (int i = 0; i < nodes; i++)
        {
            for (int k = 0; k < K; k++) cost[k][i] = new double[blocks];
            value[i] = new double[blocks];
            for (int j = 0; j < blocks; j++)
            {
                if (family == HardFamily.Inverse)
                {
                    double v = rng.Next(1, 1001);
                    value[i][j] = v;
                    for (int k = 0; k < K; k++) cost[k][i][j] = k == 0 ? v + 100 : v + rng.Next(50, 151);
                    continue;
                }
                double sum = 0;
                for (int k = 0; k < K; k++) sum += cost[k][i][j] = rng.Next(1, 1001);
                value[i][j] = family == HardFamily.Weak ? Math.Max(1, sum + rng.Next(-100 * K, 100 * K + 1)) : sum + 100 * K;
            }
        }
        // Capacities at the percentile of random networks' costs.
        var samples = new List<double>[K];
        for (int k = 0; k < K; k++) samples[k] = new List<double>(1000);
        var code = new int[nodes];
        for (int s = 0; s < 1000; s++)
        {
            for (int i = 0; i < nodes; i++) code[i] = rng.Next(blocks);
            for (int k = 0; k < K; k++) samples[k].Add(ResourceRow.Sum(cost[k], code));
        }
        var rows = new List<ResourceRow>();
        for (int k = 0; k < K; k++)
            rows.Add(new ResourceRow($"cost{k}", RowKind.Budget, cost[k], Math.Floor(Audit.Budgets.Percentile(samples[k], percentile))));
        RatioObjective? ratio = null;
        if (family == HardFamily.Ratio)
        {
            var loss = value.Select(r => r.Select(v => 1100.0 * K + 1 - v).ToArray()).ToArray();
            double f0 = 100.0 * nodes, fref = f0 + nodes * 500.0;
            ratio = new RatioObjective(80, fref, loss, f0, cost[0]);
        }
        return new SearchProblem(Enumerable.Repeat(blocks, nodes).ToArray(), 0, value, rows, ratio);
    }
}
