using MathNas.Estimation;
using MathNas.Spaces;

namespace MathNas.Audit;

/// <summary>What a search method under audit is given: the space, a counting evaluator over the ground truth, the budgets.</summary>
public sealed class AuditContext
{
    public required GroundTruth Truth { get; init; }
    public SearchSpace Space => Truth.Space;
    /// <summary>The method's only access to true metrics; its distinct evaluations are what the audit reports.</summary>
    public required CachingEvaluator Evaluator { get; init; }
    public string Objective { get; init; } = Tables.MetricNames.Accuracy;
    /// <summary>The budgeted cost metric, e.g. "latency:pixel3".</summary>
    public required string Cost { get; init; }
    public required IReadOnlyList<double> Budgets { get; init; }
    public int Seed { get; init; }
    public IProgress<ProgressInfo>? Progress { get; init; }
}

/// <summary>A method's answer: one network per budget (null: no answer), optional predictions over every network of the ground truth.</summary>
public sealed record MethodAnswer(IReadOnlyList<Architecture?> Chosen)
{
    /// <summary>Predicted objective of every ground-truth network (same order), for Spearman; null when the method has no model.</summary>
    public double[]? PredictedObjective { get; init; }
    /// <summary>Predicted cost of every ground-truth network, for Spearman.</summary>
    public double[]? PredictedCost { get; init; }
    /// <summary>Search rounds per budget (closed loop), when the method has rounds.</summary>
    public IReadOnlyList<int>? Rounds { get; init; }
    public string Notes { get; init; } = "";
}

/// <summary>A search method the audit can run (the paper's method, an improved one).</summary>
public interface IAuditMethod
{
    string Name { get; }
    MethodAnswer Run(AuditContext context);
}

/// <summary>
/// Exact maximisation by enumeration over every network of a ground truth (15,625 for NAS-Bench-201):
/// the reference the ILP solver must agree with, and the search the audit uses on enumerable spaces.
/// </summary>
public static class EnumerationSearch
{
    /// <summary>Index of the network with the highest predicted objective whose predicted cost is at most the budget, skipping excluded indices; -1 when none.</summary>
    public static int ArgMax(double[] objective, double[] cost, double budget, Func<int, bool>? allowed = null)
    {
        int best = -1;
        for (int k = 0; k < objective.Length; k++)
        {
            if (!Feasibility.IsMet(cost[k], budget)) continue;
            if (allowed is not null && !allowed(k)) continue;
            if (best < 0 || objective[k] > objective[best]) best = k;
        }
        return best;
    }
}
