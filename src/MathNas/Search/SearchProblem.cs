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
        return new Budget(metric, v);
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

    /// <summary>Absolute slack allowed when checking this row (rounding of sums): 1e-9 of its scale.</summary>
    public double Tolerance
    {
        get
        {
            if (_tol >= 0) return _tol;
            double s = double.IsFinite(Capacity) ? Math.Max(1, Math.Abs(Capacity)) : 1;
            foreach (var r in Coef) foreach (var c in r) s = Math.Max(s, Math.Abs(c));
            return _tol = 1e-9 * s;
        }
    }

    private double _tol = -1;

    public bool IsSatisfied(ReadOnlySpan<int> code) => Lhs(code) <= Capacity + Tolerance;

    public ResourceRow WithCapacity(double capacity) => new(Name, Kind, Coef, capacity, Offset);
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
