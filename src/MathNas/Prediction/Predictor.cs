using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Prediction;

public enum AccuracyModel
{
    /// <summary>Acc(N) = Acc(Ñ) - sum b^A (the reference implementation).</summary>
    Linear,
    /// <summary>Acc(N) = Acc(Ñ) - sum b^A * F_ref / F(N) (paper Eq. 5).</summary>
    FlopsScaled,
}

public static class AccuracyModels
{
    public static AccuracyModel Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "linear" => AccuracyModel.Linear,
        "flops-scaled" or "flopsscaled" or "flops_scaled" => AccuracyModel.FlopsScaled,
        _ => throw new MathNasException($"unknown accuracy model '{text}': use linear or flops-scaled"),
    };

    public static string Name(this AccuracyModel m) => m == AccuracyModel.Linear ? "linear" : "flops-scaled";
}

/// <summary>Training-free prediction of a network's metrics from block tables (METHOD.md section 3).</summary>
public sealed class Predictor
{
    public Predictor(SearchSpace space, TableSet tables, AccuracyModel accuracyModel = AccuracyModel.Linear)
    {
        tables.CheckAgainst(space);
        Space = space;
        Tables = tables;
        AccuracyModel = accuracyModel;
        if (accuracyModel == AccuracyModel.FlopsScaled && tables.Has(MetricNames.Accuracy) && tables[MetricNames.Accuracy].ReferenceFlops is null)
            throw new MathNasException("the flops-scaled accuracy model needs the accuracy table's reference FLOPs (reference_flops), which this table does not have");
    }

    public SearchSpace Space { get; }
    public TableSet Tables { get; }
    public AccuracyModel AccuracyModel { get; }

    /// <summary>The metrics this predictor can give: every table, plus flops and params from the space.</summary>
    public IEnumerable<string> Metrics =>
        Tables.Tables.Keys.Concat([MetricNames.Flops, MetricNames.Params]).Distinct().Order();

    public double Predict(string metric, Architecture a)
    {
        Space.Validate(a);
        if (metric == MetricNames.Accuracy) return PredictAccuracy(a);
        if (metric == MetricNames.Flops && !Tables.Has(metric)) return Space.Flops(a);
        if (metric == MetricNames.Params && !Tables.Has(metric)) return Space.Params(a);
        return Tables[metric].PredictAdditive(a);
    }

    public double PredictAccuracy(Architecture a)
    {
        var t = Tables[MetricNames.Accuracy];
        if (AccuracyModel == AccuracyModel.Linear) return t.PredictAdditive(a);
        var f = Space.Flops(a);
        if (f <= 0) throw new MathNasException("the flops-scaled accuracy model needs networks with positive FLOPs");
        return t.BaseValue - t.DeltaSum(a) * t.ReferenceFlops!.Value / f;
    }

    public IReadOnlyDictionary<string, double> PredictAll(Architecture a) =>
        Metrics.ToDictionary(m => m, m => Predict(m, a));
}
