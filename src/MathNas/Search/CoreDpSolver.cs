namespace MathNas.Search;

/// <summary>
/// The exact one-budget core dynamic programme (<see cref="OneRowCore"/>) as a solver of its own ("dp"): the reference
/// for one budget in <c>mathnas bench</c>. Problems with no binding row go to the tree search; problems with
/// several binding rows are refused (use "bnb").
/// </summary>
public sealed class CoreDpSolver : SearchSolverBase
{
    public override string Name => "dp";

    public override CoreResult SolveLinear(SearchProblem problem, int k, long deadline, SolveOptions options)
    {
        var rows = ExactPortfolio.BindingRows(problem);
        if (rows is null) return new CoreResult { Solutions = [], Complete = true, UpperBound = double.NegativeInfinity };
        if (rows.Count == 0) return BranchAndBoundSolver.TreeSearch(problem, k, deadline, options);
        if (rows.Count > 1)
            throw new MathNasException($"the dp solver handles one binding budget, this problem has {rows.Count} ({string.Join(", ", rows.Select(r => r.Name))}): use bnb");
        return OneRowCore.Solve(problem, rows[0], k, deadline, options);
    }
}
