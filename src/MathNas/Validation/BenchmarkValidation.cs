using MathNas.Data;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Validation;

/// <summary>Predicted against true values of one metric over every network of a benchmark.</summary>
public sealed record ValidationResult(
    string Metric,
    AccuracyModel AccuracyModel,
    int N,
    double Spearman,
    double Kendall,
    int Evaluations,
    string Estimator,
    double[] Predicted,
    double[] Truth);

/// <summary>Compares block-table predictions with the NAS-Bench-201 ground truth (paper section 6: Spearman over all networks).</summary>
public static class BenchmarkValidation
{
    /// <summary>
    /// Predicts <paramref name="metric"/> for all networks of the benchmark with the tables (and accuracy model), and
    /// returns Spearman and Kendall tau-b against the benchmark's true values.
    /// </summary>
    public static ValidationResult Validate(SearchSpace space, TableSet tables, NasBench201Benchmark benchmark, string metric, AccuracyModel model)
    {
        metric = MetricNames.Normalize(metric);
        var truth = benchmark.Values(metric).ToArray();
        var table = tables[metric];
        var predictor = new Predictor(space, tables, model);
        int n = benchmark.Count;
        var predicted = new double[n];
        for (int i = 0; i < n; i++) predicted[i] = predictor.Predict(metric, benchmark.Codes[i]);
        return new ValidationResult(metric, model, n,
            RankCorrelation.Spearman(predicted, truth), RankCorrelation.KendallTauB(predicted, truth),
            table.Provenance.Evaluations, table.Provenance.Estimator, predicted, truth);
    }
}
