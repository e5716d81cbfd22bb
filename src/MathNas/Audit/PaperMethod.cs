using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Audit;

/// <summary>
/// The paper's method by the book: block tables for accuracy and the budgeted cost from one estimator
/// (single, sampled:K, full, regression:K), prediction by Eq. 5, exact search (Eq. 6, by enumeration of the space).
/// Open loop: the predicted optimum is the answer, unverified. Closed loop: evaluate the answer; when it breaks the
/// budget, exclude it (no-good cut), tighten the budget by the measured error and re-solve, up to <see cref="MaxRounds"/>.
/// </summary>
public sealed class PaperMethod(string estimator, AccuracyModel accuracyModel = AccuracyModel.Linear, bool closedLoop = false, int maxRounds = 20) : IAuditMethod
{
    public string Estimator { get; } = estimator;
    public AccuracyModel AccuracyModel { get; } = accuracyModel;
    public bool ClosedLoop { get; } = closedLoop;
    public int MaxRounds { get; } = maxRounds;

    public string Name => $"paper[{Estimator}, {AccuracyModel.Name()}, {(ClosedLoop ? "closed" : "open")} loop]";

    public MethodAnswer Run(AuditContext ctx)
    {
        var tables = BlockEstimators.Parse(Estimator, ctx.Seed).Estimate(ctx.Space, ctx.Evaluator);
        var predictor = new Predictor(ctx.Space, tables, AccuracyModel);
        var nets = ctx.Truth.Networks;
        var acc = nets.Select(predictor.PredictAccuracy).ToArray();
        var cost = nets.Select(a => predictor.Predict(ctx.Cost, a)).ToArray();
        var chosen = new List<Architecture?>();
        var rounds = new List<int>();
        foreach (var budget in ctx.Budgets)
        {
            var (a, r) = Solve(ctx, acc, cost, budget);
            chosen.Add(a);
            rounds.Add(r);
        }
        return new MethodAnswer(chosen) { PredictedObjective = acc, PredictedCost = cost, Rounds = ClosedLoop ? rounds : null };
    }

    private (Architecture? Chosen, int Rounds) Solve(AuditContext ctx, double[] acc, double[] cost, double budget)
    {
        var nets = ctx.Truth.Networks;
        if (!ClosedLoop)
        {
            int k = EnumerationSearch.ArgMax(acc, cost, budget);
            return (k < 0 ? null : nets[k], 1);
        }
        var excluded = new HashSet<int>();
        double effective = budget;
        Architecture? last = null;
        for (int round = 1; round <= MaxRounds; round++)
        {
            int k = EnumerationSearch.ArgMax(acc, cost, effective, i => !excluded.Contains(i));
            if (k < 0) return (last, round);
            last = nets[k];
            double measured = ctx.Evaluator.Evaluate(nets[k], ctx.Cost);
            if (measured <= budget) return (nets[k], round);
            // No-good cut, and tighten by the measured under-prediction.
            excluded.Add(k);
            double error = measured - cost[k];
            if (error > 0) effective = Math.Min(effective, budget - error);
        }
        return (last, MaxRounds);
    }
}
