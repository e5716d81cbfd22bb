namespace MathNas.Search;

/// <summary>Solvers by name, for the CLI's --solver option.</summary>
public static class SearchSolvers
{
    public static IReadOnlyList<string> Names { get; } = ["bnb", "ortools", "cpsat", "dp"];

    public static ISearchSolver Create(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bnb" or "branch-and-bound" => new BranchAndBoundSolver(),
        "ortools" or "or-tools" or "scip" => new OrToolsSolver("SCIP"),
        "cbc" => new OrToolsSolver("CBC"),
        "cpsat" or "cp-sat" => new CpSatSolver(),
        "dp" => new CoreDpSolver(),
        _ => throw new MathNasException($"unknown solver '{name}': use bnb, ortools, cpsat or dp"),
    };
}
