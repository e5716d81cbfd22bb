using System.Text.Json.Serialization;
using MathNas.Spaces;

namespace MathNas.Tables;

/// <summary>Where a block table came from: which estimator, reference network, how many evaluations, when.</summary>
public sealed record Provenance
{
    /// <summary>Estimator name: "single", "sampled:K", "full", "regression:K", "reference", "measured", ...</summary>
    public string Estimator { get; init; } = "";
    /// <summary>The evaluator the values came from (e.g. "nasbench201-benchmark", "torch-latency").</summary>
    public string Evaluator { get; init; } = "";
    /// <summary>The network the switches were made in (single-sample), as an architecture code; empty when not one network.</summary>
    public string ReferenceNetwork { get; init; } = "";
    /// <summary>Distinct networks evaluated to build the table.</summary>
    public int Evaluations { get; init; }
    public DateTimeOffset Date { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>Free text: machine, seed, command that regenerates the table, caveats.</summary>
    public string Notes { get; init; } = "";
}

/// <summary>
/// A block performance table for one metric (METHOD.md section 2 and 3):
/// predicted M(N) = BaseValue - sum_i Deltas[i][J_i], with Deltas[i][base_i] = 0 for estimated tables.
/// Positive delta = the switch from the base block to this block lowers the metric.
/// </summary>
public sealed class BlockTable
{
    /// <summary>"accuracy", "latency:DEVICE", "energy:DEVICE", "flops", "params" or "cost:NAME".</summary>
    public required string Metric { get; init; }
    public string Unit { get; init; } = "";
    /// <summary>M(Ñ): the metric of the base network.</summary>
    public required double BaseValue { get; init; }
    /// <summary>b^M_{i,j} per node i and block j.</summary>
    public required double[][] Deltas { get; init; }
    /// <summary>F_ref for the FLOPs-scaled accuracy model: FLOPs of the network(s) the deltas were measured in.</summary>
    public double? ReferenceFlops { get; init; }
    /// <summary>
    /// For an accuracy table: the accuracy model ("linear" or "flops-scaled") that validation of this table found to rank
    /// networks better (written by the pipeline from its held-out comparison); tools use it when the user names none.
    /// </summary>
    public string? PreferredAccuracyModel { get; init; }
    /// <summary>Optional error estimate of a prediction (e.g. held-out mean absolute error) for budget margins.</summary>
    public double? ErrorEstimate { get; init; }
    public Provenance Provenance { get; init; } = new();

    [JsonIgnore]
    public MetricKind Kind => MetricNames.KindOf(Metric);

    /// <summary>BaseValue - sum_i Deltas[i][a_i] (the additive model; for accuracy this is the "linear" model).</summary>
    public double PredictAdditive(Architecture a)
    {
        double s = 0;
        for (int i = 0; i < Deltas.Length; i++) s += Deltas[i][a[i]];
        return BaseValue - s;
    }

    /// <summary>sum_i Deltas[i][a_i].</summary>
    public double DeltaSum(Architecture a)
    {
        double s = 0;
        for (int i = 0; i < Deltas.Length; i++) s += Deltas[i][a[i]];
        return s;
    }

    /// <summary>Throws with a clear message if the table's shape does not fit the space or holds non-finite values.</summary>
    public void CheckAgainst(SearchSpace space)
    {
        if (Deltas.Length != space.NodeCount)
            throw new MathNasException($"table '{Metric}' has {Deltas.Length} rows but space '{space.Name}' has {space.NodeCount} nodes");
        for (int i = 0; i < Deltas.Length; i++)
        {
            if (Deltas[i] is null || Deltas[i].Length != space.Nodes[i].Count)
                throw new MathNasException($"table '{Metric}', row {i} ('{space.Nodes[i].Name}'): expected {space.Nodes[i].Count} values, found {Deltas[i]?.Length ?? 0}");
            for (int j = 0; j < Deltas[i].Length; j++)
            {
                if (!double.IsFinite(Deltas[i][j]))
                    throw new MathNasException($"table '{Metric}', row {i}, block {j}: value is not a finite number");
            }
        }
        CheckValues();
    }

    /// <summary>
    /// Throws unless every value is a finite number and no prediction can overflow: the base value plus the largest
    /// magnitude of each row must stay finite, so that sums of deltas (e.g. three of -1e308) never reach infinity.
    /// </summary>
    public void CheckValues()
    {
        if (!double.IsFinite(BaseValue)) throw new MathNasException($"table '{Metric}': base value is not a finite number");
        double bound = Math.Abs(BaseValue);
        for (int i = 0; i < Deltas.Length; i++)
        {
            if (Deltas[i] is null || Deltas[i].Length == 0) throw new MathNasException($"table '{Metric}', row {i} is empty");
            double rowMax = 0;
            for (int j = 0; j < Deltas[i].Length; j++)
            {
                if (!double.IsFinite(Deltas[i][j]))
                    throw new MathNasException($"table '{Metric}', row {i}, block {j}: value is not a finite number");
                rowMax = Math.Max(rowMax, Math.Abs(Deltas[i][j]));
            }
            bound += rowMax;
        }
        if (!double.IsFinite(bound))
            throw new MathNasException($"table '{Metric}': the values are so large that a predicted sum overflows (not a finite number)");
        if (ReferenceFlops is { } f && (!double.IsFinite(f) || f <= 0))
            throw new MathNasException($"table '{Metric}': reference FLOPs must be a positive number");
        if (ErrorEstimate is { } ee && (!double.IsFinite(ee) || ee < 0))
            throw new MathNasException($"table '{Metric}': the error estimate must be a finite number >= 0");
    }

    /// <summary>The min and max value the additive model can reach in the space (ignoring consistency constraints).</summary>
    public (double Min, double Max) Range()
    {
        double lo = BaseValue, hi = BaseValue;
        foreach (var row in Deltas)
        {
            lo -= row.Max();
            hi -= row.Min();
        }
        return (lo, hi);
    }
}

public enum MetricKind
{
    /// <summary>Maximised by search.</summary>
    Accuracy,
    /// <summary>An additive cost that budgets bound (latency, energy, FLOPs, params, custom).</summary>
    Cost,
}

public static class MetricNames
{
    public const string Accuracy = "accuracy";
    public const string Flops = "flops";
    public const string Params = "params";

    public static string Latency(string device) => $"latency:{device}";
    public static string Energy(string device) => $"energy:{device}";

    public static MetricKind KindOf(string metric) => metric == Accuracy ? MetricKind.Accuracy : MetricKind.Cost;

    /// <summary>Checks a metric name: accuracy, flops, params, latency:DEV, energy:DEV, cost:NAME.</summary>
    public static string Normalize(string metric)
    {
        var m = metric.Trim();
        if (m is Accuracy or Flops or Params) return m;
        var colon = m.IndexOf(':');
        if (colon > 0 && colon < m.Length - 1)
        {
            var kind = m[..colon];
            if (kind is "latency" or "energy" or "cost") return m;
        }
        throw new MathNasException($"unknown metric '{metric}': use accuracy, flops, params, latency:DEVICE, energy:DEVICE or cost:NAME");
    }
}
