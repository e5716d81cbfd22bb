using Google.OrTools.Sat;

namespace MathNas.Search;

/// <summary>
/// The problem as an OR-Tools CP-SAT model (one Boolean per block, exactly one per node). CP-SAT needs integers,
/// so <see cref="CpSatModel"/> scales the rows and the objective; every network CP-SAT returns is re-checked
/// against the exact rows, and its proof is turned into a proven bound of the real-valued problem (see there).
/// Top-k by repeated no-good cuts. A baseline for <c>mathnas bench</c> and a member of <see cref="ExactPortfolio"/>.
/// </summary>
public sealed class CpSatSolver(int workers = 2) : SearchSolverBase
{
    /// <summary>CP-SAT search workers (threads).</summary>
    public int Workers { get; } = Math.Max(1, workers);

    public override string Name => "cpsat";

    public override CoreResult SolveLinear(SearchProblem problem, int k, long deadline, SolveOptions options) =>
        CpSatModel.Build(problem).Solve(k, deadline, options, Workers);
}

/// <summary>
/// A CP-SAT model of a linear <see cref="SearchProblem"/>, built once and solvable repeatedly.
/// </summary>
/// <remarks>
/// <para>Rows: when every coefficient times a power of ten (1 ... 10^6) is an integer, that scale is exact; otherwise
/// coefficients are rounded down at a power-of-two scale (about 2^30 for the largest). The capacity is
/// floor(scale * (capacity + tolerance) + margin). Either way every network that meets the real row (within its
/// tolerance) meets the integer row: the integer model is a relaxation, so its optimum bounds the real one. A network
/// CP-SAT returns that breaks a real row is cut off and the model solved again.</para>
/// <para>Objective: values are scaled the same way (exact when a power of ten makes them integers, else rounded at
/// about 2^40 for the largest) and E = sum over nodes of the largest rounding error is kept, so
/// Constant + (CP-SAT's proven bound)/scale + E bounds the real optimum. A CP-SAT answer counts as proven optimal
/// only when that bound is within the solvers' objective tolerance of the network's exact objective.</para>
/// </remarks>
public sealed class CpSatModel
{
    private readonly SearchProblem _p;
    private readonly CpModel _model = new();
    private readonly BoolVar[][] _x;
    private readonly double _objScale;
    private readonly double _objError;
    private readonly double _tolObj;

    private CpSatModel(SearchProblem p)
    {
        _p = p;
        int m = p.NodeCount;
        _x = new BoolVar[m][];
        for (int i = 0; i < m; i++)
        {
            _x[i] = new BoolVar[p.Counts[i]];
            for (int j = 0; j < _x[i].Length; j++) _x[i][j] = _model.NewBoolVar($"x{i}_{j}");
            _model.AddExactlyOne(_x[i]);
        }
        var all = _x.SelectMany(r => r).ToArray();
        foreach (var row in p.Rows)
        {
            if (double.IsPositiveInfinity(row.Capacity)) continue;
            var (s, exact) = ScaleFor(row.Coef.SelectMany(r => r), 1 << 30);
            var coef = new long[all.Length];
            int t = 0;
            for (int i = 0; i < m; i++)
                foreach (var c in row.Coef[i]) coef[t++] = exact ? (long)Math.Round(c * s) : (long)Math.Floor(c * s);
            double margin = 1e-6 * (m + 1);
            double capScaled = Math.Floor(s * (row.Capacity + row.Tolerance) + margin);
            long lo = 0, hi = 0;
            foreach (var r in RowSums(coef, p.Counts)) { lo += r.Min; hi += r.Max; }
            if (capScaled >= hi) continue; // never binding
            long cap = capScaled < lo - 1 ? lo - 1 : (long)capScaled;
            _model.AddLinearConstraint(LinearExpr.WeightedSum(all, coef), long.MinValue / 4, cap);
        }
        var (sv, vExact) = ScaleFor(p.Value.SelectMany(r => r), 1L << 40);
        _objScale = sv;
        var w = new long[all.Length];
        int u = 0;
        double err = 0, scale = Math.Abs(p.Constant);
        for (int i = 0; i < m; i++)
        {
            double e = 0;
            foreach (var v in p.Value[i])
            {
                long q = (long)Math.Round(v * sv);
                w[u++] = q;
                e = Math.Max(e, Math.Abs(v - q / sv));
                scale = Math.Max(scale, Math.Abs(v));
            }
            err += vExact ? e : e + 1e-15 * Math.Abs(scale);
        }
        _objError = err;
        // The branch and bound's objective tolerance (relative to the objective's scale and the node count).
        _tolObj = 1e-9 * Math.Max(1, scale * Math.Sqrt(m));
        _model.Maximize(LinearExpr.WeightedSum(all, w));
        foreach (var e in p.Excluded) Cut(e);
    }

    /// <summary>Builds the integer model of a linear problem (its Ratio is ignored).</summary>
    public static CpSatModel Build(SearchProblem problem) => new(problem);

    private static IEnumerable<(long Min, long Max)> RowSums(long[] coef, int[] counts)
    {
        int t = 0;
        foreach (var n in counts)
        {
            long mn = long.MaxValue, mx = long.MinValue;
            for (int j = 0; j < n; j++, t++) { mn = Math.Min(mn, coef[t]); mx = Math.Max(mx, coef[t]); }
            yield return (mn, mx);
        }
    }

    /// <summary>The scale that makes every value an integer (a power of ten up to 10^6), or a power of two putting the largest near <paramref name="target"/>.</summary>
    internal static (double Scale, bool Exact) ScaleFor(IEnumerable<double> values, double target)
    {
        var vs = values.ToArray();
        double mx = vs.Length == 0 ? 0 : vs.Max(Math.Abs);
        if (mx == 0) return (1, true);
        for (double s = 1; s <= 1e6 && mx * s <= target; s *= 10)
        {
            bool ok = true;
            foreach (var v in vs)
                if (Math.Abs(v * s - Math.Round(v * s)) > 1e-7) { ok = false; break; }
            if (ok) return (s, true);
        }
        return (Math.Pow(2, Math.Floor(Math.Log2(target / mx))), false);
    }

    private void Cut(int[] code)
    {
        var lits = new ILiteral[code.Length];
        for (int i = 0; i < code.Length; i++) lits[i] = _x[i][code[i]].Not();
        _model.AddBoolOr(lits);
    }

    /// <summary>
    /// Exact top-k by CP-SAT (no-good cuts between the k solves); stops at <paramref name="deadline"/> or when
    /// <see cref="SolveOptions.Cancel"/> fires. The first feasible hint seeds CP-SAT's solution hint.
    /// </summary>
    public CoreResult Solve(int k, long deadline, SolveOptions options, int workers)
    {
        int m = _p.NodeCount;
        var hint = (options.Hints ?? []).FirstOrDefault(h => _p.IsFeasible(h));
        if (hint is not null)
        {
            _model.ClearHints();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < _x[i].Length; j++) _model.AddHint(_x[i][j], j == hint[i]);
        }
        var sols = new List<Solution>();
        double ub = double.PositiveInfinity;
        bool complete = true;
        long calls = 0;
        // The cuts of this solve are removed at the end: the model can be solved again.
        var constraints = _model.Model.Constraints;
        int baseCount = constraints.Count;
        try
        {
        while (sols.Count < k)
        {
            double? left = SearchSolverBase.SecondsLeft(deadline);
            if (left is <= 0 || options.Cancel.IsCancellationRequested) { complete = false; break; }
            using var solver = new CpSolver();
            var prm = $"num_workers:{workers} log_search_progress:false";
            if (left is { } l) prm += $" max_time_in_seconds:{l.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
            solver.StringParameters = prm;
            calls++;
            CpSolverStatus st;
            using (options.Cancel.Register(() => solver.StopSearch())) st = solver.Solve(_model);
            if (st == CpSolverStatus.Infeasible) break;
            if (st == CpSolverStatus.ModelInvalid) throw new InvalidOperationException("CP-SAT rejected the model: " + _model.Validate());
            if (st != CpSolverStatus.Optimal && st != CpSolverStatus.Feasible) { complete = false; break; }
            var code = new int[m];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < _x[i].Length; j++)
                    if (solver.BooleanValue(_x[i][j])) { code[i] = j; break; }
            double bound = _p.Constant + solver.BestObjectiveBound / _objScale + _objError;
            if (sols.Count == 0) ub = Math.Min(ub, bound);
            Cut(code);
            bool feasible = _p.IsFeasible(code);
            if (feasible)
            {
                var obj = _p.Objective(code);
                sols.Add(new Solution(code, obj));
                if (st != CpSolverStatus.Optimal || bound - obj > _tolObj) { complete = false; break; }
            }
            else if (st != CpSolverStatus.Optimal) { complete = false; break; }
        }
        }
        finally
        {
            while (constraints.Count > baseCount) constraints.RemoveAt(constraints.Count - 1);
        }
        sols.Sort((a, b) => a.Objective != b.Objective ? b.Objective.CompareTo(a.Objective) : a.Code.AsSpan().SequenceCompareTo(b.Code));
        double best = sols.Count > 0 ? sols[0].Objective : double.NegativeInfinity;
        return new CoreResult
        {
            Solutions = sols,
            Complete = complete,
            UpperBound = complete ? best : Math.Max(best, ub),
            Nodes = calls,
        };
    }
}
