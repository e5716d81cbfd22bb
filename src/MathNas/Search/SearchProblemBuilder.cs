using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Search;

/// <summary>Builds a <see cref="SearchProblem"/> from a space, its block tables, an accuracy model and budgets.</summary>
public static class SearchProblemBuilder
{
    public static SearchProblem Build(Predictor predictor, IEnumerable<Budget> budgets) =>
        Build(predictor.Space, predictor.Tables, predictor.AccuracyModel, budgets);

    /// <summary>
    /// Objective: predicted accuracy (linear or FLOPs-scaled). Rows: one per budget (a table's metric:
    /// BaseValue - sum Deltas &lt;= max, i.e. sum(-Deltas) &lt;= max - BaseValue; flops/params without a table come
    /// from the space: F0 + sum F(b) &lt;= max), plus the space's consistency constraints.
    /// </summary>
    public static SearchProblem Build(SearchSpace space, TableSet tables, AccuracyModel model, IEnumerable<Budget> budgets)
    {
        tables.CheckAgainst(space);
        var acc = tables[MetricNames.Accuracy];
        var counts = space.ChoiceCounts;
        var value = ResourceRow.Negate(acc.Deltas);
        RatioObjective? ratio = null;
        if (model == AccuracyModel.FlopsScaled)
        {
            var fref = acc.ReferenceFlops ?? throw new MathNasException("the flops-scaled accuracy model needs the accuracy table's reference FLOPs (reference_flops), which this table does not have");
            ratio = new RatioObjective(acc.BaseValue, fref, acc.Deltas.Select(r => r.ToArray()).ToArray(), space.FixedFlops, PerBlock(space, b => b.Flops));
        }
        var rows = new List<ResourceRow>();
        foreach (var b in budgets) rows.Add(BudgetRow(space, tables, b));
        rows.AddRange(ConsistencyRows(space));
        return new SearchProblem(counts, acc.BaseValue, value, rows, ratio, null, space);
    }

    /// <summary>The row of one budget: the metric's table if there is one, else FLOPs/params from the space.</summary>
    public static ResourceRow BudgetRow(SearchSpace space, TableSet tables, Budget b)
    {
        var metric = MetricNames.Normalize(b.Metric);
        if (!double.IsFinite(b.Max)) throw new MathNasException($"budget {metric}: the bound must be a finite number");
        (b with { Metric = metric }).CheckSign();
        var row = MetricRow(space, tables, metric);
        return row.WithCapacity(b.Max - row.Offset);
    }

    /// <summary>The metric as a row with no bound (capacity +inf): value = Offset + sum Coef.</summary>
    public static ResourceRow MetricRow(SearchSpace space, TableSet tables, string metric)
    {
        metric = MetricNames.Normalize(metric);
        if (metric == MetricNames.Accuracy) throw new MathNasException("accuracy is maximised, it cannot be a budget");
        if (tables.Has(metric))
        {
            var t = tables[metric];
            return new ResourceRow(metric, RowKind.Budget, ResourceRow.Negate(t.Deltas), double.PositiveInfinity, t.BaseValue);
        }
        if (metric == MetricNames.Flops)
            return new ResourceRow(metric, RowKind.Budget, PerBlock(space, x => x.Flops), double.PositiveInfinity, space.FixedFlops);
        if (metric == MetricNames.Params)
            return new ResourceRow(metric, RowKind.Budget, PerBlock(space, x => x.Params), double.PositiveInfinity, space.FixedParams);
        throw new MathNasException($"no table for budget metric '{metric}' (the tables have: {string.Join(", ", tables.Tables.Keys.Order())}; flops and params come from the space)");
    }

    /// <summary>A [node][block] table of one property of the space's blocks.</summary>
    private static double[][] PerBlock(SearchSpace space, Func<Block, double> of) =>
        space.Nodes.Select(n => n.Blocks.Select(of).ToArray()).ToArray();

    /// <summary>SearchSpace.Constraints as dense rows (coefficients of repeated terms add up).</summary>
    public static IEnumerable<ResourceRow> ConsistencyRows(SearchSpace space)
    {
        foreach (var c in space.Constraints)
        {
            var coef = space.Nodes.Select(n => new double[n.Count]).ToArray();
            foreach (var t in c.Terms) coef[t.Node][t.Block] += t.Coefficient;
            yield return new ResourceRow(c.Name, RowKind.Consistency, coef, c.Rhs);
        }
    }
}
