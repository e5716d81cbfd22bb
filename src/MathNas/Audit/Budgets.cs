namespace MathNas.Audit;

/// <summary>Latency budgets of an audit: percentiles of a device's true latencies over the space.</summary>
public static class Budgets
{
    /// <summary>The 10th, 20th, ..., 90th percentiles.</summary>
    public static readonly int[] NinePercentiles = [10, 20, 30, 40, 50, 60, 70, 80, 90];

    /// <summary>
    /// The p-th percentile (0..100) with linear interpolation between order statistics
    /// (rank p/100 * (n - 1), the common "type 7" definition: numpy's default).
    /// </summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) throw new MathNasException("percentile of an empty set");
        if (p < 0 || p > 100 || double.IsNaN(p)) throw new MathNasException($"percentile {p} is outside 0..100");
        var s = values.ToArray();
        Array.Sort(s);
        double rank = p / 100.0 * (s.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, s.Length - 1);
        double f = rank - lo;
        return s[lo] + f * (s[hi] - s[lo]);
    }

    public static double[] Percentiles(IReadOnlyList<double> values, IReadOnlyList<int> percentiles) =>
        percentiles.Select(p => Percentile(values, p)).ToArray();

    /// <summary>Median with averaging of the two middle values; NaN for an empty set.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.ToArray();
        if (s.Length == 0) return double.NaN;
        Array.Sort(s);
        int h = s.Length / 2;
        return s.Length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }
}
