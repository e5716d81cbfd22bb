using MathNas.Spaces;

namespace MathNas.Improved;

/// <summary>One budget of a pairwise problem: the model of a metric and its largest allowed value.</summary>
public sealed record PairwiseBudget(string Metric, PairwiseModel Model, double Max);

/// <summary>
/// Maximise a pairwise model over the networks of a space subject to pairwise budget models, the space's linear
/// consistency constraints, its declared connectivity (<see cref="SearchSpace.Connectivity"/>, when
/// <see cref="HonourConnectivity"/>) and excluded networks.
/// </summary>
public sealed class PairwiseProblem
{
    public required SearchSpace Space { get; init; }
    public required PairwiseModel Objective { get; init; }
    public IReadOnlyList<PairwiseBudget> Budgets { get; init; } = [];
    /// <summary>Only connected networks, and among them only canonical ones (no dead computation; every network computes
    /// the same function as its canonical form), as the space declares them (<see cref="SearchSpace.Connectivity"/>).</summary>
    public bool HonourConnectivity { get; init; } = true;
    public IReadOnlySet<Architecture>? Excluded { get; init; }
    /// <summary>Most branch-and-bound nodes (partial networks bounded) before the solve gives up with an error (it never answers with an unproven network).</summary>
    public long MaxNodes { get; init; } = 20_000_000;

    /// <summary>True when the network meets every constraint of the problem (the same test the solver applies at a leaf).</summary>
    public bool IsFeasible(Architecture a)
    {
        if (!Space.IsValid(a)) return false;
        if (HonourConnectivity && (!Space.IsConnected(a) || !Space.IsCanonical(a))) return false;
        if (Excluded is not null && Excluded.Contains(a)) return false;
        foreach (var b in Budgets) if (!Feasibility.IsMet(b.Model.Predict(a), b.Max)) return false;
        return true;
    }
}

/// <summary>The exact optimum of a <see cref="PairwiseProblem"/> (null when no network is feasible).</summary>
public sealed record PairwiseSolution(Architecture? Best, double Objective, long Nodes, double SolveMs);

/// <summary>
/// Exact branch and bound for pairwise models (no enumeration). Nodes are fixed in order; a partial network is
/// bounded by its exact value so far plus, for every free node, the best block given the fixed nodes it is paired
/// with, each pair with a free node counted once at its lower node at its row maximum (a valid upper bound). A
/// Lagrangian bound, the objective minus lambda times each budget's slack with lambda chosen at the root to make the
/// bound least, is applied beside the plain one; budgets prune by the same construction with minima. Pairs of
/// FLOPs/params descriptors take their row maxima over the convex hull of the other node's descriptors.
/// </summary>
public static class PairwiseSolver
{
    public static PairwiseSolution Solve(PairwiseProblem problem)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var space = problem.Space;
        int m = space.NodeCount;
        var obj = new Compiled(problem.Objective);
        var costs = problem.Budgets.Select(b => new Compiled(b.Model)).ToArray();
        var maxes = problem.Budgets.Select(b => b.Max).ToArray();
        var lambda = ChooseLambda(problem, obj, costs, maxes);
        Compiled? lag = null;
        double lagConst = 0;
        if (lambda.Any(l => l > 0))
        {
            var models = new List<PairwiseModel> { problem.Objective };
            var coef = new List<double> { 1 };
            for (int b = 0; b < costs.Length; b++) { models.Add(problem.Budgets[b].Model); coef.Add(-lambda[b]); lagConst += lambda[b] * maxes[b]; }
            lag = new Compiled(PairwiseModel.Combine(models, coef));
        }
        var search = new Search(problem, obj, lag, lagConst, costs, maxes);
        search.Run();
        var ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return new PairwiseSolution(search.Best is null ? null : new Architecture(search.Best), search.BestValue, search.Nodes, ms);
    }

    /// <summary>Multipliers that make the root's Lagrangian bound least (coordinate-wise golden-section search; the bound is convex in each).</summary>
    private static double[] ChooseLambda(PairwiseProblem problem, Compiled obj, Compiled[] costs, double[] maxes)
    {
        var lambda = new double[costs.Length];
        if (costs.Length == 0) return lambda;
        double objRange = obj.RootMax() - obj.RootMin();
        double Root(double[] l)
        {
            var models = new List<PairwiseModel> { problem.Objective };
            var coef = new List<double> { 1 };
            double c = 0;
            for (int b = 0; b < costs.Length; b++) { models.Add(problem.Budgets[b].Model); coef.Add(-l[b]); c += l[b] * maxes[b]; }
            return new Compiled(PairwiseModel.Combine(models, coef), suffix: false).RootMax() + c;
        }
        for (int pass = 0; pass < (costs.Length == 1 ? 1 : 3); pass++)
            for (int b = 0; b < costs.Length; b++)
            {
                double costRange = costs[b].RootMax() - costs[b].RootMin();
                if (!(costRange > 0) || !(objRange > 0)) continue;
                double lo = 0, hi = 20 * objRange / costRange;
                double F(double x) { var l = (double[])lambda.Clone(); l[b] = x; return Root(l); }
                const double g = 0.6180339887498949;
                double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
                double f1 = F(x1), f2 = F(x2);
                for (int it = 0; it < 40; it++)
                {
                    if (f1 <= f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = F(x1); }
                    else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = F(x2); }
                }
                double best = (lo + hi) / 2;
                lambda[b] = F(best) < F(0) ? best : 0;
            }
        return lambda;
    }

    /// <summary>A model in the solver's form: unary tables, pair terms with row maxima and minima.</summary>
    internal sealed class Compiled
    {
        public readonly double Constant;
        public readonly double[][] U;
        public readonly Pair[] Pairs;
        public readonly int[][] Lower;   // node k -> indices of pairs (i, k), i < k
        public readonly int[][] Upper;   // node i -> indices of pairs (i, k), k > i
        public readonly double[] FreeMax, FreeMin; // node t with no fixed partner: best / least of unary + upper row extremes
        /// <summary>True when the pairs form a chain (only (i, i+1)): then <see cref="SuffixMax"/> / <see cref="SuffixMin"/> hold the exact best / least completion.</summary>
        public readonly bool Chain;
        /// <summary>Chain only: [k][j] = best (least) value of nodes k+1.. given node k = j, by dynamic programming from the last node.</summary>
        public readonly double[][]? SuffixMax, SuffixMin;

        public sealed class Pair
        {
            public int I, K, NK;
            public double[]? Table;          // [j * NK + l]
            public double[][]? Left;         // [j] -> W^T d_i(j)
            public double[][]? Right;        // [l] -> d_k(l)
            public double[] RowMax = [], RowMin = [];
            public double Value(int j, int l)
            {
                if (Table is not null) return Table[j * NK + l];
                var a = Left![j];
                var b = Right![l];
                double v = 0;
                for (int s = 0; s < a.Length; s++) v += a[s] * b[s];
                return v;
            }
        }

        public Compiled(PairwiseModel model, bool suffix = true)
        {
            var layout = model.Layout;
            var space = layout.Space;
            int m = space.NodeCount;
            Constant = model.Intercept;
            U = new double[m][];
            for (int i = 0; i < m; i++)
            {
                U[i] = new double[space.Nodes[i].Count];
                for (int j = 0; j < U[i].Length; j++) U[i][j] = model.Unary(i, j);
            }
            Pairs = new Pair[layout.Pairs.Count];
            for (int q = 0; q < Pairs.Length; q++)
            {
                var pt = layout.Pairs[q];
                int ni = space.Nodes[pt.I].Count, nk = space.Nodes[pt.K].Count;
                var pr = new Pair { I = pt.I, K = pt.K, NK = nk, RowMax = new double[ni], RowMin = new double[ni] };
                if (pt.Table)
                {
                    pr.Table = new double[ni * nk];
                    for (int j = 0; j < ni; j++)
                        for (int l = 0; l < nk; l++) pr.Table[j * nk + l] = model.Pair(pt, j, l);
                    for (int j = 0; j < ni; j++)
                    {
                        double hi = double.NegativeInfinity, lo = double.PositiveInfinity;
                        for (int l = 0; l < nk; l++) { double v = pr.Table[j * nk + l]; if (v > hi) hi = v; if (v < lo) lo = v; }
                        pr.RowMax[j] = hi;
                        pr.RowMin[j] = lo;
                    }
                }
                else
                {
                    const int r = PairwiseLayout.PairRank;
                    var w = new double[r * r];
                    for (int c = 0; c < w.Length; c++) w[c] = model.Weights[pt.Start + c];
                    pr.Left = new double[ni][];
                    for (int j = 0; j < ni; j++)
                    {
                        var d = layout.Descriptors[pt.I][j];
                        var a = new double[r];
                        for (int s = 0; s < r; s++) for (int t = 0; t < r; t++) a[t] += d[s] * w[s * r + t];
                        pr.Left[j] = a;
                    }
                    pr.Right = layout.Descriptors[pt.K];
                    var hull = HullOf(layout, pt.K);
                    for (int j = 0; j < ni; j++)
                    {
                        double hi = double.NegativeInfinity, lo = double.PositiveInfinity;
                        foreach (var l in hull) { double v = pr.Value(j, l); if (v > hi) hi = v; if (v < lo) lo = v; }
                        pr.RowMax[j] = hi;
                        pr.RowMin[j] = lo;
                    }
                }
                Pairs[q] = pr;
            }
            Lower = Enumerable.Range(0, m).Select(k => Enumerable.Range(0, Pairs.Length).Where(q => Pairs[q].K == k).ToArray()).ToArray();
            Upper = Enumerable.Range(0, m).Select(i => Enumerable.Range(0, Pairs.Length).Where(q => Pairs[q].I == i).ToArray()).ToArray();
            FreeMax = new double[m];
            FreeMin = new double[m];
            for (int t = 0; t < m; t++)
            {
                double hi = double.NegativeInfinity, lo = double.PositiveInfinity;
                for (int j = 0; j < U[t].Length; j++)
                {
                    double a = U[t][j], b = U[t][j];
                    foreach (var q in Upper[t]) { a += Pairs[q].RowMax[j]; b += Pairs[q].RowMin[j]; }
                    if (a > hi) hi = a;
                    if (b < lo) lo = b;
                }
                FreeMax[t] = hi;
                FreeMin[t] = lo;
            }
            Chain = Pairs.All(pr => pr.K == pr.I + 1);
            if (Chain && suffix) (SuffixMax, SuffixMin) = Suffix();
            else Chain = false;
        }

        public double RootMax() => Constant + FreeMax.Sum();

        private (double[][] Max, double[][] Min) Suffix()
        {
            int m = U.Length;
            var hi = new double[m][];
            var lo = new double[m][];
            hi[m - 1] = new double[U[m - 1].Length];
            lo[m - 1] = new double[U[m - 1].Length];
            for (int k = m - 2; k >= 0; k--)
            {
                int n = U[k].Length, nn = U[k + 1].Length;
                var ch = new double[nn];
                var cl = new double[nn];
                for (int l = 0; l < nn; l++) { ch[l] = U[k + 1][l] + hi[k + 1][l]; cl[l] = U[k + 1][l] + lo[k + 1][l]; }
                hi[k] = new double[n];
                lo[k] = new double[n];
                var pair = Upper[k].Length == 1 ? Pairs[Upper[k][0]] : null;
                if (pair is null)
                {
                    double a = ch.Max(), b = cl.Min();
                    Array.Fill(hi[k], a);
                    Array.Fill(lo[k], b);
                    continue;
                }
                for (int j = 0; j < n; j++)
                {
                    double best = double.NegativeInfinity, least = double.PositiveInfinity;
                    if (pair.Table is { } t)
                    {
                        int o = j * nn;
                        for (int l = 0; l < nn; l++)
                        {
                            double v = t[o + l];
                            if (v + ch[l] > best) best = v + ch[l];
                            if (v + cl[l] < least) least = v + cl[l];
                        }
                    }
                    else
                    {
                        var a = pair.Left![j];
                        var r = pair.Right!;
                        double ax = a[0], ay = a[1];
                        for (int l = 0; l < nn; l++)
                        {
                            double v = ax * r[l][0] + ay * r[l][1];
                            if (v + ch[l] > best) best = v + ch[l];
                            if (v + cl[l] < least) least = v + cl[l];
                        }
                    }
                    hi[k][j] = best;
                    lo[k][j] = least;
                }
            }
            return (hi, lo);
        }
        public double RootMin() => Constant + FreeMin.Sum();

        /// <summary>
        /// Best (max) or least (min) completion of nodes after <paramref name="k"/> given the fixed prefix code[0..k]
        /// (node k included), where pairs (k, t) are counted at node k: sum over t &gt; k of the extreme of unary + pairs
        /// with fixed nodes &lt; k + upper row extremes.
        /// </summary>
        public double Rest(int k, int[] code, bool max)
        {
            double s = 0;
            for (int t = k + 1; t < U.Length; t++)
            {
                bool anyFixed = false;
                foreach (var q in Lower[t]) if (Pairs[q].I < k) { anyFixed = true; break; }
                if (!anyFixed) { s += max ? FreeMax[t] : FreeMin[t]; continue; }
                double best = max ? double.NegativeInfinity : double.PositiveInfinity;
                for (int j = 0; j < U[t].Length; j++)
                {
                    double v = U[t][j];
                    foreach (var q in Lower[t]) if (Pairs[q].I < k) v += Pairs[q].Value(code[Pairs[q].I], j);
                    foreach (var q in Upper[t]) v += max ? Pairs[q].RowMax[j] : Pairs[q].RowMin[j];
                    if (max ? v > best : v < best) best = v;
                }
                s += best;
            }
            return s;
        }

        /// <summary>Exact increment of fixing node k to j given code[0..k-1]: unary + pairs with fixed lower nodes.</summary>
        public double Step(int k, int j, int[] code)
        {
            double v = U[k][j];
            foreach (var q in Lower[k]) v += Pairs[q].Value(code[Pairs[q].I], j);
            return v;
        }

        /// <summary>Row extreme of node k's pairs with free higher nodes, for block j.</summary>
        public double UpperRows(int k, int j, bool max)
        {
            double v = 0;
            foreach (var q in Upper[k]) v += max ? Pairs[q].RowMax[j] : Pairs[q].RowMin[j];
            return v;
        }
    }

    /// <summary>Blocks of node k whose descriptors are vertices of their convex hull (all blocks when there are few).</summary>
    private static int[] HullOf(PairwiseLayout layout, int k)
    {
        var d = layout.Descriptors[k];
        if (d.Length <= 16) return Enumerable.Range(0, d.Length).ToArray();
        var idx = Enumerable.Range(0, d.Length).OrderBy(j => d[j][0]).ThenBy(j => d[j][1]).ToArray();
        double Cross(int o, int a, int b) => (d[a][0] - d[o][0]) * (d[b][1] - d[o][1]) - (d[a][1] - d[o][1]) * (d[b][0] - d[o][0]);
        var hull = new List<int>();
        foreach (var p in idx)
        {
            while (hull.Count >= 2 && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
            hull.Add(p);
        }
        int lowerCount = hull.Count + 1;
        for (int t = idx.Length - 2; t >= 0; t--)
        {
            int p = idx[t];
            while (hull.Count >= lowerCount && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
            hull.Add(p);
        }
        return hull.Distinct().ToArray();
    }

    private sealed class Search
    {
        private readonly PairwiseProblem _p;
        private readonly Compiled _obj;
        private readonly Compiled? _lag;
        private readonly double _lagConst;
        private readonly Compiled[] _costs;
        private readonly double[] _max;
        private readonly int _m;
        private readonly int[] _code;
        private readonly double[][][] _consCoef; // constraint -> node -> block -> coefficient
        private readonly double[][] _consMinRest; // constraint -> node k -> least contribution of nodes >= k
        private readonly double[] _consRhs;
        private readonly IReadOnlyList<IReadOnlyList<PathStep>>[] _paths;

        public int[]? Best;
        public double BestValue = double.NegativeInfinity;
        public long Nodes;

        public Search(PairwiseProblem p, Compiled obj, Compiled? lag, double lagConst, Compiled[] costs, double[] max)
        {
            _p = p; _obj = obj; _lag = lag; _lagConst = lagConst; _costs = costs; _max = max;
            var space = p.Space;
            _m = space.NodeCount;
            _code = new int[_m];
            var cons = space.Constraints;
            _consCoef = new double[cons.Count][][];
            _consMinRest = new double[cons.Count][];
            _consRhs = new double[cons.Count];
            for (int c = 0; c < cons.Count; c++)
            {
                _consCoef[c] = Enumerable.Range(0, _m).Select(i => new double[space.Nodes[i].Count]).ToArray();
                foreach (var t in cons[c].Terms) _consCoef[c][t.Node][t.Block] += t.Coefficient;
                _consMinRest[c] = new double[_m + 1];
                for (int i = _m - 1; i >= 0; i--) _consMinRest[c][i] = _consMinRest[c][i + 1] + _consCoef[c][i].Min();
                _consRhs[c] = cons[c].Rhs;
            }
            _paths = p.HonourConnectivity ? space.Connectivity.Select(c => c.Paths).ToArray() : [];
        }

        public void Run() => Expand(0, _obj.Constant, _lag?.Constant ?? 0, _costs.Select(c => c.Constant).ToArray(), new double[_consRhs.Length]);

        private void Expand(int k, double partial, double lagPartial, double[] costPartial, double[] consPartial)
        {
            Nodes += _p.Space.Nodes[k].Count;
            if (Nodes > _p.MaxNodes)
                throw new MathNasException($"the exact solve of the fitted model on space '{_p.Space.Name}' needed more than {_p.MaxNodes:N0} branch-and-bound nodes without proving an optimum; no unproven answer is given");
            int n = _p.Space.Nodes[k].Count;
            bool leaf = k == _m - 1;
            double restObj = leaf || _obj.Chain ? 0 : _obj.Rest(k, _code, true);
            double restLag = leaf || _lag is null || _lag.Chain ? 0 : _lag.Rest(k, _code, true);
            var restCost = new double[_costs.Length];
            for (int b = 0; b < _costs.Length; b++) restCost[b] = leaf || _costs[b].Chain ? 0 : _costs[b].Rest(k, _code, false);
            var kids = new List<(int J, double Bound, double Obj, double Lag, double[] Cost, double[] Cons)>(n);
            for (int j = 0; j < n; j++)
            {
                _code[k] = j;
                // Space constraints and connectivity on the prefix.
                double[] cons = new double[_consRhs.Length];
                bool ok = true;
                for (int c = 0; c < cons.Length && ok; c++)
                {
                    cons[c] = consPartial[c] + _consCoef[c][k][j];
                    if (cons[c] + _consMinRest[c][k + 1] > _consRhs[c] + 1e-9) ok = false;
                }
                if (!ok) continue;
                if (_paths.Length > 0 && !PathsAlive(k)) continue;
                double[] cost = new double[_costs.Length];
                for (int b = 0; b < _costs.Length && ok; b++)
                {
                    cost[b] = costPartial[b] + _costs[b].Step(k, j, _code);
                    double least = cost[b] + (leaf ? 0 : _costs[b].Chain ? _costs[b].SuffixMin![k][j] : _costs[b].UpperRows(k, j, false) + restCost[b]);
                    if (!Feasibility.IsMet(least, _max[b])) ok = false;
                }
                if (!ok) continue;
                double o = partial + _obj.Step(k, j, _code);
                double bound = o + (leaf ? 0 : _obj.Chain ? _obj.SuffixMax![k][j] : _obj.UpperRows(k, j, true) + restObj);
                double l = 0;
                if (_lag is not null)
                {
                    l = lagPartial + _lag.Step(k, j, _code);
                    bound = Math.Min(bound, l + (leaf ? 0 : _lag.Chain ? _lag.SuffixMax![k][j] : _lag.UpperRows(k, j, true) + restLag) + _lagConst);
                }
                if (bound <= BestValue) continue;
                kids.Add((j, bound, o, l, cost, cons));
            }
            kids.Sort((a, b) => a.Bound != b.Bound ? b.Bound.CompareTo(a.Bound) : a.J.CompareTo(b.J));
            foreach (var kid in kids)
            {
                if (kid.Bound <= BestValue) break;
                _code[k] = kid.J;
                if (leaf)
                {
                    var net = new Architecture(_code);
                    if (_p.Excluded is not null && _p.Excluded.Contains(net)) continue;
                    if (_paths.Length > 0 && !_p.Space.IsCanonical(net)) continue;
                    if (kid.Obj > BestValue) { BestValue = kid.Obj; Best = (int[])_code.Clone(); }
                    continue;
                }
                Expand(k + 1, kid.Obj, kid.Lag, kid.Cost, kid.Cons);
            }
        }

        /// <summary>False when every path has a fixed node (0..k) set to its removing block.</summary>
        private bool PathsAlive(int k)
        {
            foreach (var paths in _paths)
            {
                bool any = false;
                foreach (var path in paths)
                {
                    bool whole = true;
                    foreach (var s in path) if (s.Node <= k && _code[s.Node] == s.AbsentBlock) { whole = false; break; }
                    if (whole) { any = true; break; }
                }
                if (!any) return false;
            }
            return true;
        }
    }
}
