using Google.OrTools.LinearSolver;
using MathNas.Improved;
using MathNas.Spaces;

namespace MathNas.Tests.Improved;

/// <summary>
/// The reference for the exact pairwise solver: the same problem as a MILP in OR-Tools (SCIP), each product of two
/// choice indicators linearised by z &lt;= x_ij, z &lt;= x_kl, z &gt;= x_ij + x_kl - 1; the space's linear constraints and
/// no-good cuts for excluded networks. (Connectivity is left to the enumeration cross-check.)
/// </summary>
internal static class PairwiseMilp
{
    public static (Architecture? Best, double Value) Solve(PairwiseProblem p)
    {
        using var solver = Solver.CreateSolver("SCIP") ?? throw new InvalidOperationException("SCIP is not available");
        var space = p.Space;
        int m = space.NodeCount;
        var x = new Variable[m][];
        for (int i = 0; i < m; i++)
        {
            x[i] = Enumerable.Range(0, space.Nodes[i].Count).Select(j => solver.MakeBoolVar($"x_{i}_{j}")).ToArray();
            var one = solver.MakeConstraint(1, 1);
            foreach (var v in x[i]) one.SetCoefficient(v, 1);
        }
        var layout = p.Objective.Layout;
        // z variables, one per pair cell.
        var z = new Variable[layout.Pairs.Count][,];
        for (int q = 0; q < layout.Pairs.Count; q++)
        {
            var pt = layout.Pairs[q];
            int ni = space.Nodes[pt.I].Count, nk = space.Nodes[pt.K].Count;
            z[q] = new Variable[ni, nk];
            for (int j = 0; j < ni; j++)
                for (int l = 0; l < nk; l++)
                {
                    var v = solver.MakeNumVar(0, 1, $"z_{q}_{j}_{l}");
                    z[q][j, l] = v;
                    var c1 = solver.MakeConstraint(double.NegativeInfinity, 0); c1.SetCoefficient(v, 1); c1.SetCoefficient(x[pt.I][j], -1);
                    var c2 = solver.MakeConstraint(double.NegativeInfinity, 0); c2.SetCoefficient(v, 1); c2.SetCoefficient(x[pt.K][l], -1);
                    var c3 = solver.MakeConstraint(-1, double.PositiveInfinity); c3.SetCoefficient(v, 1); c3.SetCoefficient(x[pt.I][j], -1); c3.SetCoefficient(x[pt.K][l], -1);
                }
        }
        void Terms(PairwiseModel model, Func<Variable, double, int> set)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < space.Nodes[i].Count; j++) set(x[i][j], model.Unary(i, j));
            for (int q = 0; q < layout.Pairs.Count; q++)
            {
                var pt = layout.Pairs[q];
                for (int j = 0; j < space.Nodes[pt.I].Count; j++)
                    for (int l = 0; l < space.Nodes[pt.K].Count; l++) set(z[q][j, l], model.Pair(pt, j, l));
            }
        }
        var obj = solver.Objective();
        Terms(p.Objective, (v, c) => { obj.SetCoefficient(v, c); return 0; });
        obj.SetOffset(p.Objective.Intercept);
        obj.SetMaximization();
        foreach (var b in p.Budgets)
        {
            var c = solver.MakeConstraint(double.NegativeInfinity, b.Max - b.Model.Intercept + 1e-9 * Math.Max(1, Math.Abs(b.Max)));
            Terms(b.Model, (v, k) => { c.SetCoefficient(v, k); return 0; });
        }
        foreach (var lc in space.Constraints)
        {
            var c = solver.MakeConstraint(double.NegativeInfinity, lc.Rhs);
            foreach (var t in lc.Terms) c.SetCoefficient(x[t.Node][t.Block], c.GetCoefficient(x[t.Node][t.Block]) + t.Coefficient);
        }
        foreach (var e in p.Excluded ?? new HashSet<Architecture>())
        {
            var c = solver.MakeConstraint(double.NegativeInfinity, m - 1);
            for (int i = 0; i < m; i++) c.SetCoefficient(x[i][e[i]], 1);
        }
        var prm = new MPSolverParameters();
        prm.SetDoubleParam(MPSolverParameters.DoubleParam.RELATIVE_MIP_GAP, 0.0);
        var st = solver.Solve(prm);
        if (st == Solver.ResultStatus.INFEASIBLE) return (null, double.NegativeInfinity);
        if (st != Solver.ResultStatus.OPTIMAL) throw new InvalidOperationException($"SCIP: {st}");
        var code = Enumerable.Range(0, m).Select(i => Enumerable.Range(0, x[i].Length).MaxBy(j => x[i][j].SolutionValue())).ToArray();
        var a = new Architecture(code);
        return (a, p.Objective.Predict(a));
    }
}
