using MathNas.Search;

namespace MathNas.Tests.Search;

/// <summary>Seeded random search problems and a brute-force reference.</summary>
internal static class RandomProblems
{
    public static SearchProblem Make(int seed, int m, int maxN, int budgets, bool consistency, bool ratio, bool ties = false, double tightness = 0.5)
    {
        var rng = new Random(seed);
        var counts = Enumerable.Range(0, m).Select(_ => rng.Next(1, maxN + 1)).ToArray();
        double R(double lo, double hi) => ties ? Math.Round(lo + rng.NextDouble() * (hi - lo)) : lo + rng.NextDouble() * (hi - lo);
        var flops = counts.Select(n => Enumerable.Range(0, n).Select(_ => R(1, 10)).ToArray()).ToArray();
        // Accuracy correlated with FLOPs (bigger blocks tend to be more accurate), with noise; loss = -value.
        var value = counts.Select((n, i) => Enumerable.Range(0, n).Select(j => ties ? Math.Round(flops[i][j] / 3 + rng.Next(0, 2)) : 0.3 * flops[i][j] + R(-1, 1)).ToArray()).ToArray();
        var rows = new List<ResourceRow>();
        for (int b = 0; b < budgets; b++)
        {
            var coef = counts.Select((n, i) => Enumerable.Range(0, n).Select(j => b == 0 ? flops[i][j] : R(-2, 2) + 0.5 * flops[i][j]).ToArray()).ToArray();
            double lo = coef.Sum(r => r.Min()), hi = coef.Sum(r => r.Max());
            double cap = lo + tightness * (hi - lo) * rng.NextDouble();
            if (ties) cap = Math.Round(cap);
            rows.Add(new ResourceRow($"b{b}", RowKind.Budget, coef, cap, 10));
        }
        if (consistency && m >= 2)
        {
            // "node a picks block 0 => node b picks block 0" and a negative-coefficient constraint.
            for (int c = 0; c < 2; c++)
            {
                int a = rng.Next(m), bb = rng.Next(m);
                if (a == bb) continue;
                var coef = counts.Select(n => new double[n]).ToArray();
                coef[a][0] += 1;
                coef[bb][0] -= 1;
                rows.Add(new ResourceRow($"c{c}", RowKind.Consistency, coef, 0));
            }
            var k3 = counts.Select(n => Enumerable.Range(0, n).Select(_ => (double)rng.Next(-1, 2)).ToArray()).ToArray();
            rows.Add(new ResourceRow("c3", RowKind.Consistency, k3, k3.Sum(r => r.Max()) - 1));
        }
        RatioObjective? rat = null;
        if (ratio)
        {
            var loss = value.Select(r => r.Select(v => -v).ToArray()).ToArray();
            rat = new RatioObjective(70, 30, loss, 5, flops);
        }
        return new SearchProblem(counts, 70, value, rows, rat);
    }

    /// <summary>Every feasible code ranked: objective descending, then the lexicographically smaller code.</summary>
    public static List<(int[] Code, double Obj)> Brute(SearchProblem p) =>
        p.EnumerateAll().Where(c => p.IsFeasible(c)).Select(c => (c, p.Objective(c)))
            .OrderByDescending(t => t.Item2).ThenBy(t => t.c, Comparer<int[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
}
