using System.Globalization;
using MathNas.Spaces;

namespace MathNas.Search;

/// <summary>A budget of the search: metric &lt;= Max (metric: latency:DEV, energy:DEV, cost:NAME, flops, params).</summary>
public sealed record Budget(string Metric, double Max)
{
    /// <summary>Parses "latency:DEV=V", "flops=V", "params=V", "energy:DEV=V", "cost:NAME=V".</summary>
    public static Budget Parse(string text)
    {
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
            throw new MathNasException($"budget '{text}' is not METRIC=VALUE (e.g. latency:pixel3=20, flops=300)");
        var metric = Tables.MetricNames.Normalize(text[..eq]);
        if (metric == Tables.MetricNames.Accuracy) throw new MathNasException("accuracy is maximised, it cannot be a budget");
        if (!double.TryParse(text[(eq + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new MathNasException($"budget '{text}': '{text[(eq + 1)..]}' is not a finite number");
        var b = new Budget(metric, v);
        b.CheckSign();
        return b;
    }

    /// <summary>Parses every --max; the same metric twice is an error (which one would hold?), not last-wins.</summary>
    public static List<Budget> ParseAll(IEnumerable<string> texts)
    {
        var list = new List<Budget>();
        foreach (var t in texts)
        {
            var b = Parse(t);
            var prev = list.FirstOrDefault(x => x.Metric == b.Metric);
            if (prev is not null)
                throw new MathNasException($"two budgets on {b.Metric} ({prev.Max.ToString("R", CultureInfo.InvariantCulture)} and {b.Max.ToString("R", CultureInfo.InvariantCulture)}): give each metric at most one --max");
            list.Add(b);
        }
        return list;
    }

    public override string ToString() => $"{Metric}={Max.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>Refuses a negative bound on a metric that cannot be negative (latency, energy, FLOPs, params).</summary>
    public void CheckSign()
    {
        if (Max < 0 && BelowZero.CannotBeNegative(Metric))
            throw new MathNasException($"budget {Metric}={Max.ToString("R", CultureInfo.InvariantCulture)}: a {Metric.Split(':')[0]} budget cannot be negative");
    }

    /// <summary>True when <paramref name="value"/> of <see cref="Metric"/> meets this budget (the one rule, <see cref="Feasibility.IsMet"/>).</summary>
    public bool IsMet(double value) => Feasibility.IsMet(value, Max);
}

public enum RowKind
{
    /// <summary>A user budget on a metric.</summary>
    Budget,
    /// <summary>A consistency constraint of the space (SearchSpace.Constraints).</summary>
    Consistency,
    /// <summary>Added by an algorithm (e.g. the objective bound of a Pareto step).</summary>
    Internal,
}

/// <summary>
/// One linear row over the choice indicators: Offset + sum_i Coef[i][J_i] is the metric value,
/// and the row requires sum_i Coef[i][J_i] &lt;= Capacity (i.e. metric &lt;= Offset + Capacity).
/// </summary>
public sealed class ResourceRow
{
    public ResourceRow(string name, RowKind kind, double[][] coef, double capacity, double offset = 0)
    {
        Name = name;
        Kind = kind;
        Coef = coef;
        Capacity = capacity;
        Offset = offset;
    }

    public string Name { get; }
    public RowKind Kind { get; }
    public double[][] Coef { get; }
    public double Capacity { get; }
    public double Offset { get; }
    /// <summary>The metric bound this row expresses: Offset + Capacity.</summary>
    public double Max => Offset + Capacity;

    /// <summary>Sum of the row's coefficients over a code, in node order.</summary>
    public double Lhs(ReadOnlySpan<int> code) => Sum(Coef, code);

    /// <summary>A copy of a [node][block] table with every value negated.</summary>
    internal static double[][] Negate(double[][] table) => table.Select(r => r.Select(v => -v).ToArray()).ToArray();

    /// <summary>sum_i table[i][code[i]], in node order.</summary>
    internal static double Sum(double[][] table, ReadOnlySpan<int> code)
    {
        double s = 0;
        for (int i = 0; i < code.Length; i++) s += table[i][code[i]];
        return s;
    }

    /// <summary>The metric value of a code: Offset + Lhs.</summary>
    public double Value(ReadOnlySpan<int> code) => Offset + Lhs(code);

    /// <summary>
    /// Absolute slack allowed when checking this row: <see cref="Feasibility.ToleranceOf"/> of the bound the row expresses
    /// (<see cref="Max"/>), never of its coefficients (one huge coefficient must not loosen the row).
    /// </summary>
    public double Tolerance => Feasibility.ToleranceOf(Max);

    /// <summary>The row's check, <see cref="Feasibility.IsMet"/> in the row's coordinates (both sides shifted by <see cref="Offset"/>).</summary>
    public bool IsSatisfied(ReadOnlySpan<int> code) => Lhs(code) <= Capacity + Tolerance;

    public ResourceRow WithCapacity(double capacity) => new(Name, Kind, Coef, capacity, Offset);

    /// <summary>
    /// The same constraint with its unaffordable coefficients (a block no network meeting this row can use: its
    /// coefficient plus the least coefficients of the other nodes already exceeds the capacity, e.g. a block marked
    /// unavailable with latency 1e9 or 1e308 FLOPs) brought down to the scale of the row, so that a solver's
    /// arithmetic (Lagrangian sums, MILP coefficients) never meets a huge number. The feasible codes stay exactly the
    /// same; when every remaining block always fits, the row becomes "use none of the unaffordable blocks"
    /// (indicator coefficients, capacity 0); when no code meets it, a row no code meets (zero coefficients, capacity -1).
    /// Returns this row when nothing is unaffordable. For solving only:
    /// the row's values (<see cref="Value"/>) are those of the original.
    /// </summary>
    internal ResourceRow WithUnaffordableCapped()
    {
        if (!double.IsFinite(Capacity)) return this;
        int m = Coef.Length;
        double sumMin = 0;
        var min = new double[m];
        for (int i = 0; i < m; i++) { min[i] = Coef[i].Min(); sumMin += min[i]; }
        double cap = Capacity + Tolerance;
        if (!double.IsFinite(sumMin)) return this; // unbounded below: the row never binds through its huge block
        if (sumMin > cap) return new ResourceRow(Name, Kind, Coef.Select(r => new double[r.Length]).ToArray(), -1, 0); // no code meets it
        bool any = false;
        double spread = 0, affordableMaxSum = 0;
        var affordable = new bool[m][];
        for (int i = 0; i < m; i++)
        {
            double limit = cap - (sumMin - min[i]), affMax = double.NegativeInfinity;
            affordable[i] = new bool[Coef[i].Length];
            for (int j = 0; j < Coef[i].Length; j++)
            {
                affordable[i][j] = Coef[i][j] <= limit;
                if (affordable[i][j]) affMax = Math.Max(affMax, Coef[i][j]);
                else any = true;
            }
            spread += affMax - min[i];
            affordableMaxSum += affMax;
        }
        if (!any) return this;
        if (affordableMaxSum <= Capacity)
        {
            // Every combination of affordable blocks fits: the row only forbids the unaffordable ones.
            var ind = affordable.Select(r => r.Select(ok => ok ? 0.0 : 1.0).ToArray()).ToArray();
            return new ResourceRow(Name, Kind, ind, 0, 0);
        }
        // A code using an unaffordable block still exceeds the capacity by at least max(1, |Capacity|, spread).
        double d = Math.Max(1, Math.Max(Math.Abs(Capacity), spread));
        var coef = new double[m][];
        for (int i = 0; i < m; i++)
        {
            double v = cap - (sumMin - min[i]) + d;
            coef[i] = Coef[i].Select((c, j) => affordable[i][j] ? c : Math.Min(c, v)).ToArray();
        }
        return new ResourceRow(Name, Kind, coef, Capacity, Offset);
    }
}

/// <summary>
/// The FLOPs-scaled accuracy objective (METHOD.md sections 3-4):
/// Acc = AccBase - Fref * (sum Loss[i][J_i]) / (F0 + sum F[i][J_i]), with a positive denominator.
/// </summary>
public sealed record RatioObjective(double AccBase, double Fref, double[][] Loss, double F0, double[][] F)
{
    public double Numerator(ReadOnlySpan<int> code) => ResourceRow.Sum(Loss, code);

    public double Denominator(ReadOnlySpan<int> code) => F0 + ResourceRow.Sum(F, code);

    /// <summary>The least denominator of any network: F0 + sum_i min_j F[i][j].</summary>
    public double MinDenominator => F0 + F.Sum(x => x.Min());

    public double Value(ReadOnlySpan<int> code) => AccBase - Fref * Numerator(code) / Denominator(code);
}

/// <summary>
/// The exact-search problem, independent of where its numbers come from: m nodes with n_i blocks each,
/// choose one block per node to maximise the objective subject to linear rows (budgets, consistency) and
/// excluded architectures (no-good cuts). The objective is linear (Constant + sum Value[i][J_i]) or the
/// FLOPs-scaled ratio (<see cref="Ratio"/>).
/// </summary>
public sealed class SearchProblem
{
    public SearchProblem(int[] counts, double constant, double[][] value, IReadOnlyList<ResourceRow> rows,
        RatioObjective? ratio = null, IEnumerable<int[]>? excluded = null, SearchSpace? space = null)
    {
        if (counts.Length == 0) throw new MathNasException("a search problem needs at least one node");
        Counts = counts;
        Constant = constant;
        Value = value;
        Rows = rows;
        Ratio = ratio;
        Excluded = (excluded ?? []).Select(e => (int[])e.Clone()).ToList();
        Space = space;
        CheckShape(value, "objective");
        foreach (var r in rows) CheckShape(r.Coef, $"row '{r.Name}'");
        if (ratio is not null)
        {
            CheckShape(ratio.Loss, "accuracy loss");
            CheckShape(ratio.F, "FLOPs");
            if (!(ratio.Fref > 0) || !double.IsFinite(ratio.Fref)) throw new MathNasException("the flops-scaled model needs a positive reference FLOPs");
            if (!(ratio.MinDenominator > 0)) throw new MathNasException("the flops-scaled model needs every network to have positive FLOPs (F0 + sum F > 0)");
        }
        foreach (var r in rows)
            if (!double.IsFinite(r.Capacity) && !double.IsPositiveInfinity(r.Capacity)) throw new MathNasException($"row '{r.Name}' has a capacity that is not a number");
        foreach (var e in Excluded)
            if (e.Length != counts.Length) throw new MathNasException("an excluded architecture has the wrong number of nodes");
    }

    private void CheckShape(double[][] a, string what)
    {
        if (a.Length != Counts.Length) throw new MathNasException($"{what}: {a.Length} rows for {Counts.Length} nodes");
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i].Length != Counts[i]) throw new MathNasException($"{what}: node {i} has {a[i].Length} values for {Counts[i]} blocks");
            foreach (var v in a[i]) if (!double.IsFinite(v)) throw new MathNasException($"{what}: node {i} holds a value that is not finite");
        }
    }

    public int[] Counts { get; }
    public int NodeCount => Counts.Length;
    /// <summary>Linear objective: Constant + sum Value[i][J_i]. For a ratio problem this is the linear model of the same tables (unused by the solve).</summary>
    public double Constant { get; }
    public double[][] Value { get; }
    public IReadOnlyList<ResourceRow> Rows { get; }
    public RatioObjective? Ratio { get; }
    public IReadOnlyList<int[]> Excluded { get; }
    /// <summary>The space this problem was built from (for descriptions); may be null.</summary>
    public SearchSpace? Space { get; }

    /// <summary>The objective of a code (canonical: summed in node order).</summary>
    public double Objective(ReadOnlySpan<int> code)
    {
        if (Ratio is not null) return Ratio.Value(code);
        return Constant + ResourceRow.Sum(Value, code);
    }

    public bool IsExcluded(ReadOnlySpan<int> code)
    {
        for (int t = 0; t < Excluded.Count; t++) if (code.SequenceEqual(Excluded[t])) return true;
        return false;
    }

    /// <summary>True when the code meets every row and is not excluded.</summary>
    public bool IsFeasible(ReadOnlySpan<int> code)
    {
        if (code.Length != Counts.Length) return false;
        for (int i = 0; i < code.Length; i++) if (code[i] < 0 || code[i] >= Counts[i]) return false;
        for (int t = 0; t < Rows.Count; t++) if (!Rows[t].IsSatisfied(code)) return false;
        return !IsExcluded(code);
    }

    public SearchProblem With(IReadOnlyList<ResourceRow>? rows = null, IEnumerable<int[]>? excluded = null) =>
        new(Counts, Constant, Value, rows ?? Rows, Ratio, excluded ?? Excluded, Space);

    /// <summary>
    /// The same problem (same feasible codes, same objective) with every row's unaffordable coefficients capped
    /// (<see cref="ResourceRow.WithUnaffordableCapped"/>); this problem itself when there are none. What the solvers solve.
    /// </summary>
    internal SearchProblem WithUnaffordableCapped()
    {
        List<ResourceRow>? rows = null;
        for (int t = 0; t < Rows.Count; t++)
        {
            var r = Rows[t].WithUnaffordableCapped();
            if (ReferenceEquals(r, Rows[t]) && rows is null) continue;
            rows ??= Rows.Take(t).ToList();
            rows.Add(r);
        }
        return rows is null ? this : With(rows: rows);
    }

    public SearchProblem WithExcluded(IEnumerable<int[]> more) => With(excluded: Excluded.Concat(more).ToList());

    /// <summary>The same problem with a linear objective (used for the subproblems of Dinkelbach and for minimising a row).</summary>
    public SearchProblem WithLinearObjective(double constant, double[][] value, IReadOnlyList<ResourceRow>? rows = null) =>
        new(Counts, constant, value, rows ?? Rows, null, Excluded, Space);

    /// <summary>Every code, in mixed-radix order (last node fastest). For brute force on small problems.</summary>
    public IEnumerable<int[]> EnumerateAll()
    {
        var c = new int[Counts.Length];
        while (true)
        {
            yield return (int[])c.Clone();
            int i = Counts.Length - 1;
            while (i >= 0)
            {
                if (++c[i] < Counts[i]) break;
                c[i] = 0;
                i--;
            }
            if (i < 0) yield break;
        }
    }

    public double LogSize => Counts.Sum(c => Math.Log10(c));
}
