namespace MathNas.Audit;

/// <summary>
/// Exact maximisation by enumeration over a list of networks' predicted values: the reference the solvers must agree
/// with on small spaces (tests, and the audit's enumerating ablations).
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

    /// <summary>Every network of a space a method may enumerate (at most <paramref name="limit"/>), else a clear error.</summary>
    public static IReadOnlyList<Spaces.Architecture> Networks(Spaces.SearchSpace space, string method, long limit = 1_000_000)
    {
        if (space.Size > limit)
            throw new MathNasException($"method '{method}' enumerates the space, and '{space.Name}' has {space.Size:N0} networks (at most {limit:N0}): use guided:N, which solves its model exactly");
        return space.Enumerate().ToList();
    }
}
