using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;

namespace MathNas.Audit;

/// <summary>
/// The paper's method by the book: block tables for accuracy and latency from one estimator (single, sampled:K,
/// full, regression:K), prediction by Eq. 5, exact search (Eq. 6) with the project's solver (default: branch and bound).
/// Open loop: the proven optimum of the predicted problem is the answer, unverified. Closed loop
/// (<see cref="ClosedLoopSearch"/>): evaluate the answer; when it breaks the budget, exclude it (no-good cut), tighten
/// the budget by the measured error and re-solve, up to <see cref="MaxRounds"/> rounds.
/// </summary>
public sealed class PaperMethod(string estimator, AccuracyModel accuracyModel = AccuracyModel.Linear, bool closedLoop = false, int maxRounds = 20, string solver = "bnb") : ISearchStrategy
{
    public string Estimator { get; } = estimator;
    public AccuracyModel AccuracyModel { get; } = accuracyModel;
    public bool ClosedLoop { get; } = closedLoop;
    public int MaxRounds { get; } = maxRounds;
    public string Solver { get; } = solver;

    public string Name => $"paper[{Estimator}, {AccuracyModel.Name()}, {(ClosedLoop ? "closed" : "open")} loop]";

    public StrategyResult Run(StrategyTask task)
    {
        var tables = BlockEstimators.Parse(Estimator, task.Seed).Estimate(task.Space, task.Evaluator);
        var predictor = new Predictor(task.Space, tables, AccuracyModel);
        var solver = SearchSolvers.Create(Solver);
        var chosen = new List<Architecture?>();
        var rounds = new List<int>();
        foreach (var set in task.BudgetSets)
        {
            var problem = SearchProblemBuilder.Build(task.Space, tables, AccuracyModel, set);
            if (!ClosedLoop)
            {
                var r = solver.Solve(problem, new SolveOptions { Diagnose = false });
                if (r.Status is not (SolveStatus.Optimal or SolveStatus.Infeasible))
                    throw new MathNasException($"the solver did not prove an optimum for budgets {string.Join(", ", set)} ({r.Status.Name()})");
                chosen.Add(r.Best is null ? null : new Architecture(r.Best.Code));
                rounds.Add(1);
            }
            else
            {
                var r = ClosedLoopSearch.Run(solver, problem, task.Evaluator, MaxRounds, ClosedLoopMode.Both, new SolveOptions { Diagnose = false });
                // Unverified after the rounds: the last network measured breaks the budget, so it is no answer.
                chosen.Add(r.Verified && r.Final.Best is not null ? new Architecture(r.Final.Best.Code) : null);
                rounds.Add(r.Rounds);
            }
        }
        return StrategyResult.Of(chosen) with
        {
            Predict = (a, metric) => metric == task.Objective ? predictor.PredictAccuracy(a) : predictor.Predict(metric, a),
            Rounds = ClosedLoop ? rounds : null,
        };
    }
}
