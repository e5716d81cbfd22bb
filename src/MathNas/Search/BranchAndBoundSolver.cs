using System.Diagnostics;

namespace MathNas.Search;

/// <summary>
/// The project's exact solver for the multiple-choice knapsack with side constraints: depth-first branch and
/// bound with Lagrangian bounds (multipliers from subgradient optimisation at the root), per-row feasibility
/// bounds, per-node dominance pruning, reduced-cost fixing against a greedy incumbent, and node/block ordering
/// by reduced value. Proves optimality (top-k exact); under a time limit returns the best found and a proven bound.
/// Ties are broken deterministically: equal objective -&gt; lexicographically smaller code.
/// </summary>
public sealed class BranchAndBoundSolver : SearchSolverBase
{
    public override string Name => "bnb";

    /// <summary>Problems with more candidate blocks than this (and at least one binding row) get a short probe of the tree first.</summary>
    public const int ProbeMinBlocks = 300;

    /// <summary>Nodes of that probe: it looks for a better incumbent, whose bound then fixes more blocks before the full search.</summary>
    public const long ProbeNodes = 20_000;

    /// <summary>Dispatches by <see cref="ExactPortfolio"/>: the tree search, the one-row core DP, or the race with CP-SAT.</summary>
    public override CoreResult SolveLinear(SearchProblem problem, int k, long deadline, SolveOptions options) =>
        ExactPortfolio.SolveLinear(problem, k, deadline, options, TreeSearch);

    /// <summary>The depth-first tree search alone (no dispatch).</summary>
    public static CoreResult TreeSearch(SearchProblem problem, int k, long deadline, SolveOptions options)
    {
        var w = new Worker(problem, k, deadline, options);
        return w.Run();
    }

    private sealed class Worker
    {
        private readonly SearchProblem _p;
        private readonly int _k;
        private readonly long _deadline;
        private readonly SolveOptions _o;
        private readonly int _m;

        // Active rows (non-trivial) in original coefficients.
        private int _r;
        private int _depth;
        private double[][][] _rowCoef = [];
        private double[] _cap = [];
        private double[] _tolPrune = [];

        // Per search depth d (node _order[d]): candidate blocks, their values and row coefficients (flattened).
        private int[] _order = [];
        private int[][] _cand = [];
        private double[][] _val = [];
        private double[][] _coef = []; // [d][c*_r + k]
        private double[][] _red = [];  // reduced value under _lambda
        private double[] _lambda = [];
        private double[] _sufLag = []; // [d] sum over depth >= d of max reduced value
        private double[] _sufMax = []; // [d] sum of max value
        private double[] _sufMin = []; // [d*_r + k] sum of min coefficient

        // Top-k incumbents, best first.
        private readonly List<Solution> _best = new();
        private double _tolObj;
        private double _tieEps;
        private double _tolLag;
        private long _nodes;
        private bool _aborted;
        private double _openBound = double.NegativeInfinity;
        private int[] _code = [];   // original node order
        private double[] _used = []; // [d*_r + k] row usage before choosing depth d

        public Worker(SearchProblem p, int k, long deadline, SolveOptions o)
        {
            _p = p;
            _k = k;
            _deadline = deadline;
            _o = o;
            _m = p.NodeCount;
            _nodeLimit = o.NodeLimit ?? long.MaxValue;
        }

        private readonly long _nodeLimit;

        private double Threshold => _best.Count >= _k ? _best[_k - 1].Objective : double.NegativeInfinity;

        public CoreResult Run()
        {
            // ---- rows ----
            var rows = new List<ResourceRow>();
            foreach (var row in _p.Rows)
            {
                if (double.IsPositiveInfinity(row.Capacity)) continue;
                double minSum = 0, maxSum = 0;
                for (int i = 0; i < _m; i++) { minSum += row.Coef[i].Min(); maxSum += row.Coef[i].Max(); }
                if (minSum > row.Capacity + row.Tolerance) return Infeasible(); // no code can meet it
                if (maxSum <= row.Capacity) continue; // every code meets it
                rows.Add(row);
            }
            _r = rows.Count;
            _rowCoef = rows.Select(x => x.Coef).ToArray();
            _cap = rows.Select(x => x.Capacity).ToArray();
            _tolPrune = rows.Select(x => 2 * x.Tolerance).ToArray();

            // ---- objective tolerance ----
            double scale = Math.Abs(_p.Constant);
            for (int i = 0; i < _m; i++) foreach (var v in _p.Value[i]) scale = Math.Max(scale, Math.Abs(v));
            _tolObj = 1e-9 * Math.Max(1, scale * Math.Sqrt(_m));
            _tieEps = 1e-12 * Math.Max(1, scale * _m);

            // ---- seed incumbents with hints ----
            _code = new int[_m];
            foreach (var h in _o.Hints ?? []) TryInsert(h);
            _lambda = new double[_r];

            // ---- candidates (dominance pruning); past the deadline the nodes left keep all their blocks ----
            var cand = new List<int>[_m];
            var allRows = new double[_p.Rows.Count][][];
            for (int q = 0; q < allRows.Length; q++) allRows[q] = _p.Rows[q].Coef;
            for (int i = 0; i < _m; i++) cand[i] = TimeUp() ? Enumerable.Range(0, _p.Counts[i]).ToList() : Candidates(i, allRows);
            if (_aborted) return Abandon(cand);
            if (_r > 0 && _best.Count < _k) _fallback = LeastUsage(cand);

            // ---- Lagrangian multipliers, greedy incumbent, reduced-cost fixing; then again on what is left ----
            if (!Fix(cand, passes: 2, subgradient: true)) return Finish(complete: true);
            if (_aborted) return Abandon(cand);

            // ---- a short probe of the tree for a better incumbent, then fixing again and the full search ----
            int total = 0;
            foreach (var c in cand) total += c.Count;
            long probe = total > ProbeMinBlocks && _r > 0 ? ProbeNodes : long.MaxValue;
            while (true)
            {
                BuildTree(cand);
                _probeLimit = probe == long.MaxValue ? long.MaxValue : _nodes + probe;
                Dfs(0, _fixedObj);
                if (_aborted || !_probed) break;
                // The probe stopped early: use its incumbent to fix more blocks, then search the whole tree.
                _probed = false;
                probe = long.MaxValue;
                _probeLimit = long.MaxValue;
                if (!Fix(cand, passes: 1, subgradient: false)) return Finish(complete: true);
                if (_aborted) return Abandon(cand);
            }
            return Finish(complete: !_aborted);
        }

        private double _fixedObj;
        private int[]? _fallback; // LeastUsage's network, inserted after the first subgradient pass (or on abandoning)
        private long _probeLimit = long.MaxValue;
        private bool _probed;

        /// <summary>Subgradient + greedy + reduced-cost fixing; false when some node is left without a block (nothing beats the incumbents).</summary>
        private bool Fix(List<int>[] cand, int passes, bool subgradient)
        {
            for (int pass = 0; pass < passes; pass++)
            {
                if (pass > 0 && TimeUp()) break;
                if (_r > 0 && subgradient)
                {
                    Subgradient(cand, warm: pass > 0);
                    var g = Greedy(cand);
                    if (g is not null) TryInsert(g);
                    if (_fallback is not null) { TryInsert(_fallback); _fallback = null; }
                }
                if (_best.Count < _k) break;
                // Drop blocks whose best completion cannot reach the k-th incumbent.
                double ub = LagrangianBound(cand, _lambda, out var maxRed);
                double thr = Threshold - _tolObj - _tolLag;
                int before = 0, after = 0;
                for (int i = 0; i < _m; i++)
                {
                    before += cand[i].Count;
                    cand[i].RemoveAll(j => ub - (maxRed[i] - Reduced(i, j, _lambda)) < thr);
                    if (cand[i].Count == 0) return false;
                    after += cand[i].Count;
                }
                if (_r == 0 || after == before || after <= _m) break;
            }

            return true;
        }

        /// <summary>Orders the nodes and their blocks and precomputes the suffix bounds of the tree.</summary>
        private void BuildTree(List<int>[] cand)
        {
            // ---- node order: largest spread of reduced value first ----
            var spread = new double[_m];
            for (int i = 0; i < _m; i++)
            {
                double hi = double.NegativeInfinity, lo = double.PositiveInfinity;
                foreach (var j in cand[i]) { var rv = Reduced(i, j, _lambda); hi = Math.Max(hi, rv); lo = Math.Min(lo, rv); }
                spread[i] = cand[i].Count == 1 ? double.NegativeInfinity : hi - lo;
            }
            // Nodes left with one block are fixed: their value and row usage become constants, outside the tree.
            _order = Enumerable.Range(0, _m).Where(i => cand[i].Count > 1).OrderByDescending(i => spread[i]).ThenBy(i => i).ToArray();
            double fixedObj = _p.Constant;
            _code = new int[_m];
            var fixedUse = new double[Math.Max(1, _r)];
            for (int i = 0; i < _m; i++)
            {
                if (cand[i].Count != 1) continue;
                int j = cand[i][0];
                _code[i] = j;
                fixedObj += _p.Value[i][j];
                for (int q = 0; q < _r; q++) fixedUse[q] += _rowCoef[q][i][j];
            }
            _depth = _order.Length;
            _fixedObj = fixedObj;

            _cand = new int[_m][];
            _val = new double[_m][];
            _coef = new double[_m][];
            _red = new double[_m][];
            _sufLag = new double[_m + 1];
            _sufMax = new double[_m + 1];
            _sufMin = new double[(_m + 1) * Math.Max(1, _r)];
            for (int d = 0; d < _depth; d++)
            {
                int i = _order[d];
                var cs = cand[i].OrderByDescending(j => Reduced(i, j, _lambda)).ThenByDescending(j => _p.Value[i][j]).ThenBy(j => j).ToArray();
                _cand[d] = cs;
                _val[d] = cs.Select(j => _p.Value[i][j]).ToArray();
                _red[d] = cs.Select(j => Reduced(i, j, _lambda)).ToArray();
                _coef[d] = new double[cs.Length * _r];
                for (int c = 0; c < cs.Length; c++)
                    for (int q = 0; q < _r; q++) _coef[d][c * _r + q] = _rowCoef[q][i][cs[c]];
            }
            for (int d = _depth - 1; d >= 0; d--)
            {
                _sufLag[d] = _sufLag[d + 1] + _red[d].Max();
                _sufMax[d] = _sufMax[d + 1] + _val[d].Max();
                for (int q = 0; q < _r; q++)
                {
                    double mn = double.PositiveInfinity;
                    for (int c = 0; c < _cand[d].Length; c++) mn = Math.Min(mn, _coef[d][c * _r + q]);
                    _sufMin[d * _r + q] = _sufMin[(d + 1) * _r + q] + mn;
                }
            }
            _used = new double[(_m + 1) * Math.Max(1, _r)];
            for (int q = 0; q < _r; q++) _used[q] = fixedUse[q];
            if (_r > 0) PrepareScaledBounds();
        }

        /// <summary>True (and the search marked aborted) once the deadline has passed.</summary>
        private bool TimeUp()
        {
            if (!_aborted && ((_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline) || _o.Cancel.IsCancellationRequested)) _aborted = true;
            return _aborted;
        }

        /// <summary>
        /// The answer when the deadline passes before the tree search: the incumbents and a proven bound, the least
        /// of the plain max-value bound and the Lagrangian bound at the current multipliers (valid for any
        /// multipliers >= 0) over the blocks left (blocks fixed away cannot beat the incumbents).
        /// </summary>
        private CoreResult Abandon(List<int>[] cand)
        {
            if (_r > 0 && _best.Count < _k) _fallback ??= LeastUsage(cand);
            if (_fallback is not null) TryInsert(_fallback);
            double lag = LagrangianBound(cand, _lambda, out _);
            for (int q = 0; q < _r; q++) lag += _lambda[q] * 0.5 * _tolPrune[q]; // rows are met within their tolerance
            double plain = _p.Constant;
            for (int i = 0; i < _m; i++)
            {
                double mx = double.NegativeInfinity;
                foreach (var j in cand[i]) mx = Math.Max(mx, _p.Value[i][j]);
                plain += mx;
            }
            double ub = Math.Min(lag, plain);
            if (_best.Count > 0) ub = Math.Max(ub, _best[0].Objective);
            return new CoreResult { Solutions = _best.ToList(), Complete = false, UpperBound = ub, Nodes = _nodes };
        }

        private CoreResult Infeasible() => new() { Solutions = [], Complete = true, UpperBound = double.NegativeInfinity, Nodes = 0 };

        private CoreResult Finish(bool complete)
        {
            double ub = complete
                ? (_best.Count > 0 ? _best[0].Objective : double.NegativeInfinity)
                : Math.Max(_openBound, _best.Count > 0 ? _best[0].Objective : double.NegativeInfinity);
            return new CoreResult { Solutions = _best.ToList(), Complete = complete, UpperBound = ub, Nodes = _nodes };
        }

        private double Reduced(int i, int j, double[] lambda)
        {
            double v = _p.Value[i][j];
            for (int q = 0; q < _r; q++) v -= lambda[q] * _rowCoef[q][i][j];
            return v;
        }

        /// <summary>Candidate blocks of node i: all blocks but those dominated by enough others.</summary>
        private List<int> Candidates(int i, double[][][] allRows)
        {
            int n = _p.Counts[i];
            var list = new List<int>(n);
            if (!_o.PruneDominated || n == 1)
            {
                for (int j = 0; j < n; j++) list.Add(j);
                return list;
            }
            int needed = _k + _p.Excluded.Count;
            var v = _p.Value[i];
            // Visit blocks best first (value descending, then index): only earlier blocks can dominate later ones.
            var idx = new int[n];
            for (int j = 0; j < n; j++) idx[j] = j;
            Array.Sort(idx, (a, b) => v[a] != v[b] ? v[b].CompareTo(v[a]) : a.CompareTo(b));
            // With needed == 1 it is enough to compare with the kept blocks (dominance is transitive).
            var against = needed == 1 ? list : null;
            int nr = allRows.Length;
            for (int t = 0; t < n; t++)
            {
                int j = idx[t];
                int dominators = 0;
                int count = against?.Count ?? t;
                for (int u = 0; u < count && dominators < needed; u++)
                {
                    int jj = against is null ? idx[u] : against[u];
                    if (!(v[jj] > v[j] || (v[jj] == v[j] && jj < j))) continue;
                    bool dom = true;
                    // Every row of the problem counts, including rows dropped as never binding (harmless).
                    for (int q = 0; q < nr; q++)
                    {
                        var c = allRows[q][i];
                        if (c[jj] > c[j]) { dom = false; break; }
                    }
                    if (dom) dominators++;
                }
                if (dominators < needed) list.Add(j);
            }
            list.Sort();
            return list;
        }

        private double LagrangianBound(List<int>[] cand, double[] lambda, out double[] maxRed)
        {
            maxRed = new double[_m];
            double s = _p.Constant;
            for (int i = 0; i < _m; i++)
            {
                double mx = double.NegativeInfinity;
                foreach (var j in cand[i]) mx = Math.Max(mx, Reduced(i, j, lambda));
                maxRed[i] = mx;
                s += mx;
            }
            for (int q = 0; q < _r; q++) s += lambda[q] * _cap[q];
            return s;
        }

        /// <summary>Subgradient optimisation of the Lagrangian dual over the rows (rows scaled to unit size).</summary>
        private void Subgradient(List<int>[] cand, bool warm)
        {
            var sc = new double[_r];
            for (int q = 0; q < _r; q++)
            {
                double s = Math.Abs(_cap[q]);
                for (int i = 0; i < _m; i++) foreach (var j in cand[i]) s = Math.Max(s, Math.Abs(_rowCoef[q][i][j]));
                sc[q] = s > 0 ? s : 1;
            }
            // A multiplier larger than the whole objective range can only hurt numerically; cap it.
            double range = 0;
            for (int i = 0; i < _m; i++)
            {
                double hi = double.NegativeInfinity, lo = double.PositiveInfinity;
                foreach (var j in cand[i]) { hi = Math.Max(hi, _p.Value[i][j]); lo = Math.Min(lo, _p.Value[i][j]); }
                range += hi - lo;
            }
            double muMax = 1e3 * Math.Max(range, 1e-9);
            var mu = new double[_r];
            var bestMu = new double[_r];
            if (warm) for (int q = 0; q < _r; q++) mu[q] = Math.Min(muMax, _lambda[q] * sc[q]);
            var lam = new double[_r];
            var g = new double[_r];
            double bestL = double.PositiveInfinity;
            double lb = _best.Count > 0 ? _best[0].Objective : double.NaN;
            double theta = 2.0;
            int stall = 0;
            int total = 0;
            foreach (var c in cand) total += c.Count;
            int maxIter = total <= 64 ? 30 : total <= 400 ? 80 : 150;
            for (int it = 0; it < maxIter; it++)
            {
                if (TimeUp()) break;
                for (int q = 0; q < _r; q++) lam[q] = mu[q] / sc[q];
                double L = _p.Constant;
                for (int q = 0; q < _r; q++) { L += lam[q] * _cap[q]; g[q] = _cap[q] / sc[q]; }
                for (int i = 0; i < _m; i++)
                {
                    double mx = double.NegativeInfinity;
                    int arg = -1;
                    foreach (var j in cand[i])
                    {
                        var rv = Reduced(i, j, lam);
                        if (rv > mx) { mx = rv; arg = j; }
                    }
                    L += mx;
                    for (int q = 0; q < _r; q++) g[q] -= _rowCoef[q][i][arg] / sc[q];
                }
                if (L < bestL - 1e-12 * Math.Max(1, Math.Abs(L)))
                {
                    bestL = L;
                    Array.Copy(mu, bestMu, _r);
                    stall = 0;
                }
                else if (++stall >= 8)
                {
                    theta *= 0.5;
                    stall = 0;
                    if (theta < 1e-3) break;
                }
                double norm = 0;
                bool optimal = true;
                for (int q = 0; q < _r; q++)
                {
                    // Projected subgradient: a multiplier at 0 with slack cannot move.
                    double gq = (mu[q] <= 0 && g[q] > 0) ? 0 : g[q];
                    norm += gq * gq;
                    if (gq < 0 || (mu[q] > 0 && Math.Abs(g[q]) > 1e-12)) optimal = false;
                }
                if (norm == 0 || optimal) break;
                double target = double.IsNaN(lb) ? bestL - Math.Max(0.05 * Math.Abs(bestL - _p.Constant), 0.02 * Math.Max(range, 1e-9)) : Math.Min(lb, bestL - 1e-9);
                double step = theta * Math.Max(L - target, 1e-12) / norm;
                for (int q = 0; q < _r; q++) mu[q] = Math.Min(muMax, Math.Max(0, mu[q] - step * g[q]));
            }
            for (int q = 0; q < _r; q++) _lambda[q] = bestMu[q] / sc[q];
            // Rounding in sums that carry lambda * coefficient terms: widen the pruning tolerance accordingly.
            double mag = 0;
            for (int q = 0; q < _r; q++)
            {
                double s = Math.Abs(_cap[q]);
                for (int i = 0; i < _m; i++) { double mx = 0; foreach (var j in cand[i]) mx = Math.Max(mx, Math.Abs(_rowCoef[q][i][j])); s += mx; }
                mag += _lambda[q] * s;
            }
            _tolLag = 1e-12 * mag;
        }

        /// <summary>Greedy: start from the best reduced value (under _lambda) per node, repair violations, then improve.</summary>
        private int[]? Greedy(List<int>[] cand)
        {
            var x = new int[_m];
            var used = new double[_r];
            var sc = new double[_r];
            for (int q = 0; q < _r; q++) sc[q] = Math.Max(1e-300, Math.Max(Math.Abs(_cap[q]), 1e-12));
            for (int i = 0; i < _m; i++)
            {
                double mx = double.NegativeInfinity;
                foreach (var j in cand[i])
                {
                    var rv = Reduced(i, j, _lambda);
                    if (rv > mx) { mx = rv; x[i] = j; }
                }
                for (int q = 0; q < _r; q++) used[q] += _rowCoef[q][i][x[i]];
            }
            double Viol(double[] u)
            {
                double s = 0;
                for (int q = 0; q < _r; q++) if (u[q] > _cap[q]) s += (u[q] - _cap[q]) / sc[q];
                return s;
            }
            double viol = Viol(used);
            int guard = 4 * _m + 20;
            var tmp = new double[_r];
            while (viol > 0 && guard-- > 0)
            {
                if (TimeUp()) return null;
                double bestRatio = double.PositiveInfinity;
                int bi = -1, bj = -1;
                for (int i = 0; i < _m; i++)
                {
                    foreach (var j in cand[i])
                    {
                        if (j == x[i]) continue;
                        for (int q = 0; q < _r; q++) tmp[q] = used[q] - _rowCoef[q][i][x[i]] + _rowCoef[q][i][j];
                        double dv = viol - Viol(tmp);
                        if (dv <= 0) continue;
                        double loss = _p.Value[i][x[i]] - _p.Value[i][j];
                        double ratio = loss / dv;
                        if (ratio < bestRatio) { bestRatio = ratio; bi = i; bj = j; }
                    }
                }
                if (bi < 0) return null;
                for (int q = 0; q < _r; q++) used[q] += _rowCoef[q][bi][bj] - _rowCoef[q][bi][x[bi]];
                x[bi] = bj;
                viol = Viol(used);
            }
            if (viol > 0) return null;
            Improve(cand, x, used);
            return x;
        }

        /// <summary>
        /// A quick first network (linear time): at each node the block of least usage of the rows, each row scaled by
        /// its capacity, then improved. Null when it breaks a row. It gives a time-limited solve an answer early.
        /// </summary>
        private int[]? LeastUsage(List<int>[] cand)
        {
            var x = new int[_m];
            var used = new double[_r];
            var w = new double[_r];
            for (int q = 0; q < _r; q++) w[q] = 1 / Math.Max(Math.Abs(_cap[q]), 1e-12);
            for (int i = 0; i < _m; i++)
            {
                double mn = double.PositiveInfinity;
                foreach (var j in cand[i])
                {
                    double u = 0;
                    for (int q = 0; q < _r; q++) u += w[q] * _rowCoef[q][i][j];
                    if (u < mn) { mn = u; x[i] = j; }
                }
                for (int q = 0; q < _r; q++) used[q] += _rowCoef[q][i][x[i]];
            }
            for (int q = 0; q < _r; q++) if (used[q] > _cap[q]) return null;
            Improve(cand, x, used);
            return x;
        }

        /// <summary>Improvement: switch a node to a better block while every row stays met (<paramref name="used"/>: the rows' usage by <paramref name="x"/>).</summary>
        private void Improve(List<int>[] cand, int[] x, double[] used)
        {
            for (int pass = 0; pass < 3 && !TimeUp(); pass++)
            {
                bool changed = false;
                for (int i = 0; i < _m; i++)
                {
                    int cur = x[i];
                    int bj = cur;
                    foreach (var j in cand[i])
                    {
                        if (_p.Value[i][j] <= _p.Value[i][bj]) continue;
                        bool ok = true;
                        for (int q = 0; q < _r && ok; q++) ok = used[q] - _rowCoef[q][i][cur] + _rowCoef[q][i][j] <= _cap[q];
                        if (ok) bj = j;
                    }
                    if (bj != cur)
                    {
                        for (int q = 0; q < _r; q++) used[q] += _rowCoef[q][i][bj] - _rowCoef[q][i][cur];
                        x[i] = bj;
                        changed = true;
                    }
                }
                if (!changed) break;
            }
        }

        /// <summary>Checks a full code canonically (all rows of the problem, exclusions) and inserts it into the top-k list.</summary>
        private void TryInsert(ReadOnlySpan<int> code)
        {
            if (!_p.IsFeasible(code)) return;
            double obj = _p.Objective(code);
            int pos = _best.Count;
            for (int t = 0; t < _best.Count; t++)
            {
                var b = _best[t];
                if (code.SequenceEqual(b.Code)) return;
                if (obj > b.Objective || (obj == b.Objective && code.SequenceCompareTo(b.Code) < 0)) { pos = t; break; }
            }
            // Duplicates further down the list are impossible to reach here only if they rank worse; check them too.
            for (int t = pos; t < _best.Count; t++) if (code.SequenceEqual(_best[t].Code)) return;
            if (pos >= _k) return;
            _best.Insert(pos, new Solution(code.ToArray(), obj));
            if (_best.Count > _k) _best.RemoveAt(_best.Count - 1);
        }

        // Lagrangian bounds at multiples t of the root multipliers: the best t differs deeper in the tree,
        // where the remaining capacity is not the root's.
        private static readonly double[] Scales = [0.25, 0.5, 0.75, 1.25, 1.5, 2, 3];
        private double[] _sufLagS = [];

        private void PrepareScaledBounds()
        {
            int n = _depth + 1;
            _sufLagS = new double[Scales.Length * n];
            for (int s = 0; s < Scales.Length; s++)
            {
                double t = Scales[s];
                for (int d = _depth - 1; d >= 0; d--)
                {
                    int i = _order[d];
                    double mx = double.NegativeInfinity;
                    foreach (var j in _cand[d])
                    {
                        double v = _p.Value[i][j];
                        for (int q = 0; q < _r; q++) v -= t * _lambda[q] * _rowCoef[q][i][j];
                        if (v > mx) mx = v;
                    }
                    _sufLagS[s * n + d] = _sufLagS[s * n + d + 1] + mx;
                }
            }
        }

        /// <summary>True when some scaled Lagrangian bound of the subtree below depth d (objective obj, usage at usedAt) is below the threshold.</summary>
        private bool ScaledBoundPrunes(int d, double obj, int usedAt, double thr)
        {
            int n = _depth + 1;
            double slack = 0;
            for (int s = 0; s < Scales.Length; s++)
            {
                double t = Scales[s];
                double b = obj + _sufLagS[s * n + d];
                for (int q = 0; q < _r; q++)
                {
                    slack = _cap[q] - _used[usedAt + q];
                    b += t * _lambda[q] * slack;
                }
                if (b < thr - _tolLag * Math.Max(1, t)) return true;
            }
            return false;
        }

        private void Dfs(int d, double obj)
        {
            if (d == _depth)
            {
                TryInsert(_code);
                return;
            }
            if ((++_nodes & 255) == 0) TimeUp();
            if (_nodes > _nodeLimit) _aborted = true;
            if (_nodes > _probeLimit) _probed = true;
            var cs = _cand[d];
            var val = _val[d];
            var red = _red[d];
            var coef = _coef[d];
            int r = _r;
            int baseU = d * r, nextU = (d + 1) * r;
            // Lagrangian bound of child c: obj + red[c] + sufLag[d+1] + lambda.(cap - used)  (used before d).
            double lagConst = obj + _sufLag[d + 1];
            for (int q = 0; q < r; q++) lagConst += _lambda[q] * (_cap[q] - _used[baseU + q]);
            double sufMaxNext = _sufMax[d + 1];
            int node = _order[d];
            for (int c = 0; c < cs.Length; c++)
            {
                // Without the tie rule, a child must beat the k-th incumbent by more than the rounding of the bounds.
                double thr = _o.TieBreak ? Threshold - _tolObj : Threshold + 2 * _tolLag + _tieEps;
                double lag = lagConst + red[c];
                if (_probed && !_aborted) return;
                if (_aborted)
                {
                    // Record a bound on what is left unexplored at this level and stop.
                    double ob = Math.Min(lag, obj + val[c] + sufMaxNext);
                    if (ob > _openBound) _openBound = ob;
                    continue;
                }
                if (lag < thr - _tolLag) break; // children are sorted by reduced value: the rest are no better
                double o2 = obj + val[c];
                if (o2 + sufMaxNext < thr) continue;
                bool feasible = true;
                for (int q = 0; q < r; q++)
                {
                    double u = _used[baseU + q] + coef[c * r + q];
                    if (u + _sufMin[nextU + q] > _cap[q] + _tolPrune[q]) { feasible = false; break; }
                    _used[nextU + q] = u;
                }
                if (!feasible) continue;
                if (r > 0 && ScaledBoundPrunes(d + 1, o2, nextU, thr)) continue;
                _code[node] = cs[c];
                Dfs(d + 1, o2);
                if (_aborted)
                {
                    double ob = Math.Min(lag, o2 + sufMaxNext);
                    if (ob > _openBound) _openBound = ob;
                }
            }
        }
    }
}
