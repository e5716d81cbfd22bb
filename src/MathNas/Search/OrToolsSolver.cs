using Google.OrTools.LinearSolver;

namespace MathNas.Search;

/// <summary>
/// The reference solver: the same problem as a generic MILP solved by OR-Tools' MPSolver (SCIP by default;
/// "CBC" also works). Coefficients stay in doubles; the MIP gap is set to 0 and every network the MILP returns
/// is re-checked in doubles (a network that only fits within the MILP's feasibility tolerance is cut off and the
/// model re-solved). Top-k by repeated no-good cuts.
/// </summary>
public sealed class OrToolsSolver : SearchSolverBase
{
    public OrToolsSolver(string backend = "SCIP") => Backend = backend;

    public string Backend { get; }
    public override string Name => "ortools";

    public override CoreResult SolveLinear(SearchProblem problem, int k, long deadline, SolveOptions options)
    {
        // Past the deadline the model is not even built (building a large one takes a while).
        if (Passed(deadline)) return new CoreResult { Solutions = [], Complete = false, UpperBound = double.PositiveInfinity, Nodes = 0 };
        using var solver = Solver.CreateSolver(Backend)
            ?? throw new MathNasException($"OR-Tools backend '{Backend}' is not available");
        int m = problem.NodeCount;
        var x = new Variable[m][];
        var obj = solver.Objective();
        // Building a large model takes a while: stop at the deadline here too.
        var stopped = new CoreResult { Solutions = [], Complete = false, UpperBound = double.PositiveInfinity, Nodes = 0 };
        for (int i = 0; i < m; i++)
        {
            if (Passed(deadline)) return stopped;
            x[i] = new Variable[problem.Counts[i]];
            var one = solver.MakeConstraint(1, 1, $"one_{i}");
            for (int j = 0; j < x[i].Length; j++)
            {
                x[i][j] = solver.MakeBoolVar($"x_{i}_{j}");
                one.SetCoefficient(x[i][j], 1);
                obj.SetCoefficient(x[i][j], problem.Value[i][j]);
            }
        }
        obj.SetOffset(problem.Constant);
        obj.SetMaximization();
        foreach (var row in problem.Rows)
        {
            if (Passed(deadline)) return stopped;
            if (double.IsPositiveInfinity(row.Capacity)) continue;
            var c = solver.MakeConstraint(double.NegativeInfinity, row.Capacity, row.Name);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < x[i].Length; j++)
                    if (row.Coef[i][j] != 0) c.SetCoefficient(x[i][j], row.Coef[i][j]);
        }
        void Cut(int[] code)
        {
            var c = solver.MakeConstraint(double.NegativeInfinity, m - 1, "nogood");
            for (int i = 0; i < m; i++) c.SetCoefficient(x[i][code[i]], 1);
        }
        foreach (var e in problem.Excluded) Cut(e);
        var prm = new MPSolverParameters();
        prm.SetDoubleParam(MPSolverParameters.DoubleParam.RELATIVE_MIP_GAP, 0.0);
        var sols = new List<Solution>();
        double ub = double.NegativeInfinity;
        long calls = 0;
        bool complete = true;
        while (sols.Count < k)
        {
            if (SecondsLeft(deadline) is { } seconds)
            {
                long left = (long)(seconds * 1000);
                if (left <= 0) { complete = false; if (sols.Count == 0) ub = double.PositiveInfinity; break; }
                solver.SetTimeLimit(left);
            }
            calls++;
            var st = solver.Solve(prm);
            if (st == Solver.ResultStatus.INFEASIBLE) break;
            if (st != Solver.ResultStatus.OPTIMAL && st != Solver.ResultStatus.FEASIBLE)
            {
                complete = false;
                if (sols.Count == 0) ub = double.PositiveInfinity;
                break;
            }
            var code = new int[m];
            for (int i = 0; i < m; i++)
            {
                int best = 0;
                for (int j = 1; j < x[i].Length; j++) if (x[i][j].SolutionValue() > x[i][best].SolutionValue()) best = j;
                code[i] = best;
            }
            if (st == Solver.ResultStatus.FEASIBLE)
            {
                complete = false;
                if (sols.Count == 0) ub = Math.Max(ub, solver.Objective().BestBound());
            }
            Cut(code);
            if (!problem.IsFeasible(code)) { if (st == Solver.ResultStatus.FEASIBLE) break; continue; }
            sols.Add(new Solution(code, problem.Objective(code)));
            if (st == Solver.ResultStatus.FEASIBLE) break;
        }
        // Same deterministic order as the branch and bound: objective, then the smaller code.
        sols.Sort((a, b) => a.Objective != b.Objective ? b.Objective.CompareTo(a.Objective) : a.Code.AsSpan().SequenceCompareTo(b.Code));
        return new CoreResult { Solutions = sols, Complete = complete, UpperBound = complete ? (sols.Count > 0 ? sols[0].Objective : double.NegativeInfinity) : ub, Nodes = calls };
    }
}
