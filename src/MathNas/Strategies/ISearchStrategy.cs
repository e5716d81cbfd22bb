using MathNas.Estimation;
using MathNas.Search;
using MathNas.Spaces;

namespace MathNas.Strategies;

/// <summary>
/// What a search method is given: the space, an evaluator (its only access to measured metrics; the cache counts its
/// distinct evaluations), the objective to maximise and one or more budget sets (each a list of budgets that must all
/// be met; the answer holds one network per set). Nothing else: no ground truth.
/// </summary>
public sealed class StrategyTask
{
    public required SearchSpace Space { get; init; }
    public required CachingEvaluator Evaluator { get; init; }
    public string Objective { get; init; } = Tables.MetricNames.Accuracy;
    public required IReadOnlyList<IReadOnlyList<Budget>> BudgetSets { get; init; }
    public int Seed { get; init; }
    public IProgress<ProgressInfo>? Progress { get; init; }

    /// <summary>The one metric every budget set holds alone (the audit's shape: one latency, many values); throws otherwise.</summary>
    public string SingleCost
    {
        get
        {
            var metrics = BudgetSets.Select(s => s.Count == 1 ? s[0].Metric : null).Distinct().ToList();
            if (metrics.Count != 1 || metrics[0] is null)
                throw new MathNasException("this method takes budget sets of one budget each, all on the same metric");
            return metrics[0]!;
        }
    }

    /// <summary>The budget values when every set is one budget on <see cref="SingleCost"/>.</summary>
    public double[] SingleCostBudgets
    {
        get { _ = SingleCost; return BudgetSets.Select(s => s[0].Max).ToArray(); }
    }

    /// <summary>True when the measured metrics of <paramref name="a"/> meet every budget of <paramref name="set"/> (flops/params from the space when the evaluator does not measure them).</summary>
    public bool MeetsMeasured(Architecture a, IReadOnlyList<Budget> set)
    {
        foreach (var b in set)
            if (!Feasibility.IsMet(Measured(a, b.Metric), b.Max)) return false;
        return true;
    }

    /// <summary>A measured metric, or the space's exact FLOPs / params when the evaluator does not measure them.</summary>
    public double Measured(Architecture a, string metric)
    {
        if (Evaluator.Metrics.ContainsKey(metric)) return Evaluator.Evaluate(a, metric);
        if (metric == Tables.MetricNames.Flops) return Space.Flops(a);
        if (metric == Tables.MetricNames.Params) return Space.Params(a);
        return Evaluator.Evaluate(a, metric); // names what the evaluator measures
    }
}

/// <summary>One budget set's answer: the network (null: none found) and, when known, its measured and predicted metrics.</summary>
public sealed record StrategyAnswer(Architecture? Network)
{
    public IReadOnlyDictionary<string, double>? Measured { get; init; }
    public IReadOnlyDictionary<string, double>? Predicted { get; init; }
}

/// <summary>A method's result: one answer per budget set, and its final model when it has one (for rank correlations).</summary>
public sealed record StrategyResult(IReadOnlyList<StrategyAnswer> Answers)
{
    /// <summary>The method's prediction of a metric (the objective or a budget metric) for any network; null without a model.</summary>
    public Func<Architecture, string, double>? Predict { get; init; }
    /// <summary>Search rounds per budget set, when the method has rounds.</summary>
    public IReadOnlyList<int>? Rounds { get; init; }
    public string Notes { get; init; } = "";
    /// <summary>Named figures of the run (rounds, solve times, ...), for reports.</summary>
    public IReadOnlyDictionary<string, double>? Stats { get; init; }

    public static StrategyResult Of(IEnumerable<Architecture?> chosen) => new(chosen.Select(a => new StrategyAnswer(a)).ToList());
}

/// <summary>A search method: space + evaluator + budgets -> one network per budget set (the paper's method, the guided search, the baselines).</summary>
public interface ISearchStrategy
{
    string Name { get; }
    StrategyResult Run(StrategyTask task);
}
