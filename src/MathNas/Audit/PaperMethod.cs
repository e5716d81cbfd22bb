using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;

namespace MathNas.Audit;

/// <summary>
/// The paper's method by the book: block tables for accuracy and latency from one estimator (single, sampled:K,
/// full, regression:K), prediction by Eq. 5, exact search (Eq. 6) with the project's solver (default: branch and bound).
/// Open loop: the proven optimum of the predicted problem is the answer, unverified. Closed loop
/// (<see cref="ClosedLoopSearch"/>): evaluate the answer; when it breaks the budget, exclude it (no-good cut), tighten
/// the budget by the measured error and re-solve, up to <see cref="MaxRounds"/> rounds.
/// </summary>
public sealed class PaperMethod(string estimator, AccuracyModel accuracyModel = AccuracyModel.Linear, bool closedLoop = false, int maxRounds = 20, string solver = "bnb") : IAuditMethod
{
    public string Estimator { get; } = estimator;
    public AccuracyModel AccuracyModel { get; } = accuracyModel;
    public bool ClosedLoop { get; } = closedLoop;
    public int MaxRounds { get; } = maxRounds;
    public string Solver { get; } = solver;

    public string Name => $"paper[{Estimator}, {AccuracyModel.Name()}, {(ClosedLoop ? "closed" : "open")} loop]";

    public MethodAnswer Run(AuditContext ctx)
    {
        var tables = BlockEstimators.Parse(Estimator, ctx.Seed).Estimate(ctx.Space, ctx.Evaluator);
        var predictor = new Predictor(ctx.Space, tables, AccuracyModel);
        var nets = ctx.Truth.Networks;
        var acc = nets.Select(predictor.PredictAccuracy).ToArray();
        var cost = nets.Select(a => predictor.Predict(ctx.Cost, a)).ToArray();
        var solver = SearchSolvers.Create(Solver);
        var chosen = new List<Architecture?>();
        var rounds = new List<int>();
        foreach (var budget in ctx.Budgets)
        {
            var problem = SearchProblemBuilder.Build(ctx.Space, tables, AccuracyModel, [new Budget(ctx.Cost, budget)]);
            if (!ClosedLoop)
            {
                var r = solver.Solve(problem, new SolveOptions { Diagnose = false });
                if (r.Status is not (SolveStatus.Optimal or SolveStatus.Infeasible))
                    throw new MathNasException($"the solver did not prove an optimum for budget {budget} ({r.Status.Name()})");
                chosen.Add(r.Best is null ? null : new Architecture(r.Best.Code));
                rounds.Add(1);
            }
            else
            {
                var r = ClosedLoopSearch.Run(solver, problem, ctx.Evaluator, MaxRounds, ClosedLoopMode.Both, new SolveOptions { Diagnose = false });
                // Unverified after the rounds: the last network measured breaks the budget, so it is no answer.
                chosen.Add(r.Verified && r.Final.Best is not null ? new Architecture(r.Final.Best.Code) : null);
                rounds.Add(r.Rounds);
            }
        }
        return new MethodAnswer(chosen) { PredictedObjective = acc, PredictedCost = cost, Rounds = ClosedLoop ? rounds : null };
    }
}
