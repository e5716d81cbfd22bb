namespace MathNas.Search;

public enum SolveStatus
{
    /// <summary>Proven optimal (for top-k: the k best networks, proven).</summary>
    Optimal,
    /// <summary>A network was found but the time limit stopped the proof; <see cref="SearchResult.Gap"/> bounds how far it may be from the optimum.</summary>
    Feasible,
    /// <summary>Proven: no network meets every constraint.</summary>
    Infeasible,
    /// <summary>The time limit stopped the search before any network was found.</summary>
    Unknown,
}

public static class SolveStatusNames
{
    public static string Name(this SolveStatus s) => s switch
    {
        SolveStatus.Optimal => "optimal",
        SolveStatus.Feasible => "feasible",
        SolveStatus.Infeasible => "infeasible",
        _ => "unknown",
    };
}

/// <summary>One network found by the search, with its objective (predicted accuracy).</summary>
public sealed record Solution(int[] Code, double Objective);

/// <summary>Why a problem has no solution: per budget, the bound asked for and the least value a network reaches.</summary>
public sealed record InfeasibleRow(string Row, RowKind Kind, double Max, double? LeastValue, string Message);

public sealed record InfeasibilityReport(string Message, IReadOnlyList<InfeasibleRow> Rows);

/// <summary>What a solve returns.</summary>
public sealed class SearchResult
{
    public required SolveStatus Status { get; init; }
    /// <summary>The networks found, best first (one, or up to k for top-k).</summary>
    public required IReadOnlyList<Solution> Solutions { get; init; }
    public Solution? Best => Solutions.Count > 0 ? Solutions[0] : null;
    /// <summary>A proven upper bound on the optimal objective (+inf when nothing is known; the best objective when optimal).</summary>
    public double UpperBound { get; init; } = double.PositiveInfinity;
    /// <summary>UpperBound - best objective: 0 when optimal, +inf when no network was found or the problem is infeasible.</summary>
    public double Gap => Best is null ? double.PositiveInfinity : Math.Max(0, UpperBound - Best.Objective);
    public double SolveMs { get; init; }
    /// <summary>Branch-and-bound nodes (or solver calls) used; diagnostic.</summary>
    public long Nodes { get; init; }
    /// <summary>Dinkelbach iterations for the FLOPs-scaled objective (0 for the linear one).</summary>
    public int Iterations { get; init; }
    public InfeasibilityReport? Infeasibility { get; init; }
    public string Solver { get; init; } = "";
}

/// <summary>Options of one solve.</summary>
public sealed record SolveOptions
{
    /// <summary>Number of distinct best networks to return (exact top-k).</summary>
    public int TopK { get; init; } = 1;
    /// <summary>Wall-clock limit in seconds; null = none.</summary>
    public double? TimeLimitSeconds { get; init; }
    /// <summary>When infeasible, find which budget cannot be met and the least value reachable.</summary>
    public bool Diagnose { get; init; } = true;
    /// <summary>Drop blocks that are dominated at their node on the objective and every row (keeps optimality).</summary>
    public bool PruneDominated { get; init; } = true;
    /// <summary>Stop after this many branch-and-bound nodes per linear solve (like a time limit, but deterministic); null = none.</summary>
    public long? NodeLimit { get; init; }
    /// <summary>Known networks to seed the incumbent with (warm start); infeasible ones are ignored.</summary>
    public IReadOnlyList<int[]>? Hints { get; init; }
    /// <summary>
    /// True: among networks of equal objective the tree search returns the lexicographically smaller code, which makes it
    /// search every tie. False: it stops at the first network it meets whose objective no other beats (by more than rounding).
    /// The portfolio (<see cref="ExactPortfolio"/>) turns it off after the first, deterministic pass.
    /// </summary>
    public bool TieBreak { get; init; } = true;
    /// <summary>Stops the solve like the time limit does (best found and a proven bound); used by the solver portfolio.</summary>
    public CancellationToken Cancel { get; init; }
    /// <summary>Let the default solver race OR-Tools CP-SAT when its own search does not prove the optimum quickly (<see cref="ExactPortfolio"/>).</summary>
    public bool Portfolio { get; init; } = true;
}

/// <summary>An exact solver of <see cref="SearchProblem"/>s.</summary>
public interface ISearchSolver
{
    string Name { get; }
    SearchResult Solve(SearchProblem problem, SolveOptions? options = null);
}
