using System.Numerics;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Search;

/// <summary>
/// How many networks an additive table predicts below zero for a metric that cannot be negative (latency, energy,
/// FLOPs, params), and the least value it predicts. <see cref="Count"/> is exact when <see cref="Exact"/>; otherwise
/// the count lies in [<see cref="Count"/>, <see cref="CountUpperBound"/>] (<see cref="Method"/> says how it was found).
/// </summary>
public sealed record BelowZeroReport(string Metric, double Least, int[]? LeastCode, BigInteger Count, BigInteger CountUpperBound,
    BigInteger Networks, bool Exact, string Method)
{
    /// <summary>True when at least one network is (or may be) predicted below zero.</summary>
    public bool Any => CountUpperBound > 0;
}

/// <summary>Finds the networks an additive table predicts below zero (issue 10, defect 5).</summary>
public static class BelowZero
{
    /// <summary>Spaces with at most this many block combinations are enumerated (exact count over the valid networks).</summary>
    public const long EnumerationLimit = 2_000_000;

    /// <summary>Most distinct partial sums the counting recursion keeps per node before it reports a bound instead of an exact count.</summary>
    public const int MaxStates = 200_000;

    /// <summary>True for the metrics that cannot be negative: latency, energy, FLOPs and params (not accuracy, not cost:NAME).</summary>
    public static bool CannotBeNegative(string metric) =>
        metric == MetricNames.Flops || metric == MetricNames.Params
        || metric.StartsWith("latency:", StringComparison.Ordinal) || metric.StartsWith("energy:", StringComparison.Ordinal);

    /// <summary>
    /// True when <paramref name="value"/> is below zero beyond rounding: it does not meet the bound 0 from above,
    /// i.e. value &lt; -<see cref="Feasibility.ToleranceOf"/>(0) (the one feasibility rule, mirrored).
    /// </summary>
    public static bool IsBelowZero(double value) => !Feasibility.IsMet(0, value);

    /// <summary>True when a prediction of <paramref name="metric"/> is flagged: the metric cannot be negative and the value is below zero.</summary>
    public static bool IsFlagged(string metric, double value) => CannotBeNegative(metric) && IsBelowZero(value);

    /// <summary>The metrics of <paramref name="predicted"/> that cannot be negative and are predicted below zero.</summary>
    public static IReadOnlyList<string> Flagged(IReadOnlyDictionary<string, double> predicted) =>
        predicted.Where(kv => IsFlagged(kv.Key, kv.Value)).Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The least value of <paramref name="metric"/> over the valid networks (the exact solver minimises the additive
    /// prediction under the space's consistency constraints) and how many valid networks are predicted below zero:
    /// by enumeration where the space has at most <see cref="EnumerationLimit"/> block combinations, else by counting
    /// over the nodes (partial sums, exact while at most <see cref="MaxStates"/> remain undecided; consistency
    /// constraints are not applied there, so with constraints the count is an upper bound).
    /// </summary>
    public static BelowZeroReport Analyse(SearchSpace space, TableSet tables, string metric)
    {
        var row = SearchProblemBuilder.MetricRow(space, tables, metric);
        var consistency = SearchProblemBuilder.ConsistencyRows(space).ToList();
        var counts = space.Nodes.Select(n => n.Count).ToArray();
        var minimise = new SearchProblem(counts, 0, ResourceRow.Negate(row.Coef), consistency);
        var least = new BranchAndBoundSolver().Solve(minimise, new SolveOptions { Diagnose = false });
        if (least.Best is null)
            return new BelowZeroReport(metric, double.NaN, null, 0, 0, 0, true, "no valid network");
        double leastValue = row.Value(least.Best.Code);
        if (space.Size <= EnumerationLimit)
        {
            BigInteger n = 0, below = 0;
            foreach (var a in space.Enumerate())
            {
                n++;
                if (IsBelowZero(row.Value(a.ToArray()))) below++;
            }
            return new BelowZeroReport(metric, leastValue, least.Best.Code, below, below, n, true, "enumeration of every valid network");
        }
        var (lo, hi) = CountBelow(row);
        bool constrained = space.Constraints.Count > 0;
        var total = ValidNetworks.Count(space) ?? space.Size;
        if (!IsBelowZero(leastValue)) return new BelowZeroReport(metric, leastValue, least.Best.Code, 0, 0, total, true, "the least value is not below zero");
        var method = constrained
            ? "counted over every block combination (consistency constraints not applied: an upper bound for the valid networks)"
            : "counted over the nodes";
        if (lo != hi) method += $"; more than {MaxStates} partial sums: a bound";
        return new BelowZeroReport(metric, leastValue, least.Best.Code, constrained ? 0 : lo, BigInteger.Min(hi, total), total,
            !constrained && lo == hi, method);
    }

    /// <summary>
    /// Codes of the block product whose value (Offset + sum Coef) is below zero: exact [n, n] while the undecided
    /// partial sums stay within <see cref="MaxStates"/>; else [decided, decided + undecided completions].
    /// </summary>
    private static (BigInteger Low, BigInteger High) CountBelow(ResourceRow row)
    {
        int m = row.Coef.Length;
        var sufMin = new double[m + 1];
        var sufMax = new double[m + 1];
        var sufSize = new BigInteger[m + 1];
        sufSize[m] = 1;
        for (int i = m - 1; i >= 0; i--)
        {
            sufMin[i] = sufMin[i + 1] + row.Coef[i].Min();
            sufMax[i] = sufMax[i + 1] + row.Coef[i].Max();
            sufSize[i] = sufSize[i + 1] * row.Coef[i].Length;
        }
        double zero = -Feasibility.ToleranceOf(0); // below zero: value < zero
        BigInteger below = 0, undecided = 0;
        var states = new Dictionary<double, BigInteger> { [row.Offset] = 1 };
        for (int i = 0; i < m; i++)
        {
            var next = new Dictionary<double, BigInteger>();
            foreach (var (s, c) in states)
                foreach (var v in row.Coef[i])
                {
                    double t = s + v;
                    if (t + sufMax[i + 1] < zero) below += c * sufSize[i + 1]; // every completion below zero
                    else if (t + sufMin[i + 1] >= zero) { } // none
                    else next[t] = next.GetValueOrDefault(t) + c;
                }
            if (next.Count > MaxStates)
            {
                foreach (var (_, c) in next) undecided += c * sufSize[i + 1];
                return (below, below + undecided);
            }
            states = next;
        }
        return (below, below); // after the last node every state is decided
    }
}
