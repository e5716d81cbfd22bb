using MathNas.Baselines;

namespace MathNas.Strategies;

/// <summary>Random search as a strategy: <see cref="RandomSearch"/> with a fixed number of distinct evaluations.</summary>
public sealed class RandomSearchStrategy(int evaluations) : ISearchStrategy
{
    public int Evaluations { get; } = evaluations;
    public string Name => "random";

    public StrategyResult Run(StrategyTask task) =>
        StrategyResult.Of(RandomSearch.Run(task.Space, task.Evaluator, Evaluations, task.Objective, task.SingleCost, task.SingleCostBudgets, task.Seed).Chosen);
}

/// <summary>Regularised evolution as a strategy: <see cref="RegularisedEvolution"/> with a fixed number of distinct evaluations.</summary>
public sealed class EvolutionStrategy(int evaluations) : ISearchStrategy
{
    public int Evaluations { get; } = evaluations;
    public string Name => "evolution";

    public StrategyResult Run(StrategyTask task) =>
        StrategyResult.Of(RegularisedEvolution.Run(task.Space, task.Evaluator, Evaluations, task.Objective, task.SingleCost, task.SingleCostBudgets, task.Seed).Chosen);
}
