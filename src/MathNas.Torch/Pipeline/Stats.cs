namespace MathNas.Torch.Pipeline;

/// <summary>Rank correlations and errors for the validations.</summary>
public static class Stats
{
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        MathNet.Numerics.Statistics.Correlation.Spearman(x, y);

    /// <summary>Kendall's tau-b (ties handled), O(n^2).</summary>
    public static double KendallTau(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (int i = 0; i < x.Count; i++)
            for (int j = i + 1; j < x.Count; j++)
            {
                int a = Math.Sign(x[i] - x[j]), b = Math.Sign(y[i] - y[j]);
                if (a == 0 && b == 0) continue;
                if (a == 0) tiesX++;
                else if (b == 0) tiesY++;
                else if (a == b) concordant++;
                else discordant++;
            }
        double den = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return den == 0 ? double.NaN : (concordant - discordant) / den;
    }

    /// <summary>Mean absolute percentage error of predictions against measured values (%).</summary>
    public static double Mape(IReadOnlyList<double> measured, IReadOnlyList<double> predicted) =>
        100.0 * measured.Zip(predicted).Average(p => Math.Abs(p.Second - p.First) / Math.Abs(p.First));

    public static double MeanAbsoluteError(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b).Average(p => Math.Abs(p.First - p.Second));

    public static double Median(IEnumerable<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
