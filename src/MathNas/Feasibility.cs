namespace MathNas;

/// <summary>
/// The one rule for "a value meets a bound" (a budget, a consistency constraint, a tightened closed-loop budget,
/// a Pareto step, a runtime band): value &lt;= max + <see cref="ToleranceOf"/>(max). The solvers (through
/// <c>ResourceRow.IsSatisfied</c>), the closed loop, Pareto fronts, the pipeline, the runtime controller and the
/// audit all decide with it, so no two parts of the code disagree at a budget's edge.
/// </summary>
/// <remarks>
/// The slack is relative to the bound only, never to the coefficients of a row: one huge coefficient (a block marked
/// unavailable with latency 1e9, a block of 1e308 FLOPs) cannot loosen a budget.
/// </remarks>
public static class Feasibility
{
    /// <summary>A value may exceed its bound by this fraction of the bound (and by at least this much in the metric's unit), to absorb the rounding of sums.</summary>
    public const double RelativeTolerance = 1e-9;

    /// <summary>The slack allowed above <paramref name="max"/>: <see cref="RelativeTolerance"/> x max(1, |max|); 0 for an unbounded (infinite) bound.</summary>
    public static double ToleranceOf(double max) =>
        double.IsFinite(max) ? RelativeTolerance * Math.Max(1, Math.Abs(max)) : 0;

    /// <summary>True when <paramref name="value"/> meets the bound <paramref name="max"/>. NaN never does; an infinite bound is met by every other value.</summary>
    public static bool IsMet(double value, double max) =>
        !double.IsNaN(value) && !double.IsNaN(max) && (double.IsPositiveInfinity(max) || value <= max + ToleranceOf(max));

    /// <summary>
    /// A bound that <paramref name="value"/> does not meet under <see cref="IsMet"/> while every value at least
    /// 3 x <see cref="ToleranceOf"/>(value) below it does: value - 2 x ToleranceOf(value). For "strictly cheaper
    /// than this network" steps (Pareto fronts, the runtime's measured ceilings).
    /// </summary>
    public static double StrictlyBelow(double value) => value - 2 * ToleranceOf(value);
}
