using System.Diagnostics;
using MathNas.Validation;

namespace MathNas.Tests.Validation;

public class RankCorrelationTests
{
    [Theory]
    [InlineData(1, 50, 5)]
    [InlineData(2, 200, 3)]
    [InlineData(3, 500, 1000)]
    [InlineData(4, 333, 2)]
    [InlineData(5, 2, 2)]
    public void KnightMatchesBruteForceWithTies(int seed, int n, int levels)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => (double)rng.Next(levels)).ToArray();
        var y = x.Select(v => rng.Next(3) == 0 ? rng.Next(levels) : v + rng.Next(2)).Select(v => (double)v).ToArray();
        Assert.Equal(RankCorrelation.KendallTauBBruteForce(x, y), RankCorrelation.KendallTauB(x, y), 12);
        Assert.Equal(RankCorrelation.KendallTauBBruteForce(y, x), RankCorrelation.KendallTauB(y, x), 12);
    }

    [Fact]
    public void KnownValues()
    {
        double[] a = [1, 2, 3, 4, 5];
        Assert.Equal(1.0, RankCorrelation.KendallTauB(a, a), 12);
        Assert.Equal(-1.0, RankCorrelation.KendallTauB(a, a.Reverse().ToArray()), 12);
        Assert.Equal(1.0, RankCorrelation.Spearman(a, a.Select(v => v * v).ToArray()), 12);
        // x = [1,2,2,3], y = [1,3,2,3]: C = 4, D = 0, ties only in x: 1, only in y: 1 -> 4 / sqrt(5*5) = 0.8.
        Assert.Equal(0.8, RankCorrelation.KendallTauB([1, 2, 2, 3], [1, 3, 2, 3]), 12);
        Assert.True(double.IsNaN(RankCorrelation.KendallTauB([1, 1, 1], [1, 2, 3])));
        Assert.Throws<MathNasException>(() => RankCorrelation.KendallTauB([1, 2], [1]));
        Assert.Throws<MathNasException>(() => RankCorrelation.Spearman([1, double.NaN], [1, 2]));
    }

    [Fact]
    public void SpearmanUsesAverageRanksForTies()
    {
        // Ranks of x = [1, 2.5, 2.5, 4], y = [1, 2, 3, 4]: Pearson of the ranks.
        double[] x = [10, 20, 20, 30], y = [1, 2, 3, 4];
        double[] rx = [1, 2.5, 2.5, 4];
        double mx = rx.Average(), my = y.Average();
        double cov = rx.Zip(y, (p, q) => (p - mx) * (q - my)).Sum();
        double expected = cov / Math.Sqrt(rx.Sum(p => (p - mx) * (p - mx)) * y.Sum(q => (q - my) * (q - my)));
        Assert.Equal(expected, RankCorrelation.Spearman(x, y), 12);
    }

    [Fact]
    public void KendallOn15625PointsMatchesBruteForce()
    {
        var rng = new Random(9);
        var x = Enumerable.Range(0, 15625).Select(_ => Math.Round(rng.NextDouble() * 100, 1)).ToArray();
        var y = x.Select(v => v + rng.NextDouble() * 20).ToArray();
        // Behaviour only (its speed is measured by `mathnas bench`): a plausible value on all points, and
        // the O(n log n) algorithm equals brute force on a 2,000-point slice.
        var tau = RankCorrelation.KendallTauB(x, y);
        Assert.InRange(tau, 0.5, 1.0);
        Assert.Equal(RankCorrelation.KendallTauBBruteForce(x[..2000], y[..2000]), RankCorrelation.KendallTauB(x[..2000], y[..2000]), 10);
    }
}
