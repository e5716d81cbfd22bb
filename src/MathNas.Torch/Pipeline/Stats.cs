namespace MathNas.Torch.Pipeline;

/// <summary>Prediction errors for the validations (rank correlations: <see cref="MathNas.Validation.RankCorrelation"/>; medians: <see cref="MathNas.Audit.Budgets.Median"/>).</summary>
public static class Stats
{
    /// <summary>Mean absolute percentage error of predictions against measured values (%).</summary>
    public static double Mape(IReadOnlyList<double> measured, IReadOnlyList<double> predicted) =>
        100.0 * measured.Zip(predicted).Average(p => Math.Abs(p.Second - p.First) / Math.Abs(p.First));

    public static double MeanAbsoluteError(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b).Average(p => Math.Abs(p.First - p.Second));
}
