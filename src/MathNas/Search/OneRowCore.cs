using System.Diagnostics;

namespace MathNas.Search;

/// <summary>
/// Exact multiple-choice knapsack with one binding row and real-valued coefficients: Pisinger's "minimal core"
/// scheme (the LP solution by a greedy over the upper convex hulls, then a dynamic programme over partial
/// solutions that grows a core of nodes around the LP solution, with dominance and bound pruning).
/// </summary>
/// <remarks>
/// <para>Costs are shifted per node so that the cheapest block costs 0. Within a node, a block dominated (cost &gt;=,
/// value &lt;=) by at least N = k + |excluded| others is dropped. The LP relaxation takes, per node, the cheapest block
/// of highest value and then hull increments in order of decreasing slope until the capacity is reached; its break
/// slope is lambda*, its integer part the first incumbent.</para>
/// <para>A state is a partial solution: nodes in the core choose freely, nodes outside it keep their LP block. Every
/// state is a complete network, so each feasible one is checked canonically (<see cref="SearchProblem.IsFeasible"/>)
/// as an incumbent. Changing a node outside the core from its LP block gains at most Up per unit of extra cost (Up:
/// the largest slope of the next hull segment over those nodes) and loses at least Down per unit saved (Down: the
/// least slope of the previous segment), by concavity of the hulls. So every network reachable from a state with
/// residual r = capacity - cost is worth at most value + Up*r (r &gt;= 0) or value + Down*r (r &lt; 0): a state whose bound
/// cannot beat the k-th incumbent is dropped, and a state dominated on (cost, value) by N others is dropped. Nodes
/// enter the core in order of how close their neighbouring hull slopes are to lambda* (which tightens Up and Down
/// fastest); the search is proven complete when no state is left or every node is in the core. Costs and values
/// stay real numbers (no scaling). Bounds use the row's exact capacity and drop a state unless it beats the k-th
/// incumbent by more than 1e-12 of the objective's magnitude (rounding of sums); states up to the capacity plus the
/// row's tolerance are offered as incumbents, which are accepted only by the canonical check. So the result is
/// optimal for the exact capacity up to that rounding margin (a network that only fits inside the tolerance band
/// is returned when the search meets it, not searched for).</para>
/// <para>Ties among networks of equal objective are broken by the order in which the core meets them
/// (deterministic, not necessarily the lexicographically smallest code).</para>
/// </remarks>
public static class OneRowCore
{
    /// <summary>Exact top-k of a linear problem whose only binding row is <paramref name="row"/> (every other row must hold for every code).</summary>
    public static CoreResult Solve(SearchProblem problem, ResourceRow row, int k, long deadline, SolveOptions options) =>
        new Worker(problem, row, k, deadline, options).Run();

    private struct Cand
    {
        public double A, V;
        public int Parent, Item;
    }

    private readonly struct CandOrder : IComparer<Cand>
    {
        // Cost ascending, value descending, then generation order (deterministic).
        public int Compare(Cand x, Cand y)
        {
            if (x.A != y.A) return x.A < y.A ? -1 : 1;
            if (x.V != y.V) return x.V > y.V ? -1 : 1;
            if (x.Parent != y.Parent) return x.Parent < y.Parent ? -1 : 1;
            return x.Item.CompareTo(y.Item);
        }
    }

    private sealed class Worker(SearchProblem p, ResourceRow row, int k, long deadline, SolveOptions o)
    {
        private readonly int _m = p.NodeCount;
        private readonly List<Solution> _best = new();
        private double[][] _a = [];   // kept blocks of node i: shifted cost, ascending
        private double[][] _v = [];   // their values
        private int[][] _j = [];      // their block indices
        private int[] _lp = [];       // LP block of node i (index into the kept blocks)
        private double[] _up = [], _down = [];
        private long _work;

        // Trace of the core's choices: (node, kept index, parent trace), -1 = the LP network.
        private int[] _tNode = new int[1024], _tItem = new int[1024], _tParent = new int[1024];
        private int _tCount;

        private double Threshold => _best.Count >= k ? _best[k - 1].Objective - p.Constant : double.NegativeInfinity;

        public CoreResult Run()
        {
            int needed = k + p.Excluded.Count;
            var min = new double[_m];
            double shift = 0, mag = Math.Abs(double.IsFinite(row.Capacity) ? row.Capacity : 0);
            for (int i = 0; i < _m; i++)
            {
                min[i] = row.Coef[i].Min();
                shift += min[i];
                mag += row.Coef[i].Max(Math.Abs);
            }
            // Incumbents: every state of shifted cost <= cap (the row's tolerance plus a rounding margin) is checked
            // canonically. Bounds: the exact capacity cap0, and a state is dropped unless its bound beats the k-th
            // incumbent by more than eps (rounding of the sums): ties are not searched further.
            double cap = row.Capacity - shift + row.Tolerance + 1e-12 * mag;
            double cap0 = row.Capacity - shift;
            double vmag = Math.Abs(p.Constant);
            for (int i = 0; i < _m; i++) vmag += p.Value[i].Max(Math.Abs);
            double eps = 1e-12 * Math.Max(1, vmag);
            foreach (var h in o.Hints ?? []) TryInsert(h);
            if (cap < 0) return Done(complete: true, double.NegativeInfinity);
            if (cap0 < 0) cap0 = 0; // only networks within the tolerance band fit: search them as if the capacity were the least cost

            // ---- kept blocks per node (dominance with multiplicity `needed`) and their upper hulls ----
            _a = new double[_m][];
            _v = new double[_m][];
            _j = new int[_m][];
            var hulls = new int[_m][];
            for (int i = 0; i < _m; i++)
            {
                var c = row.Coef[i];
                var val = p.Value[i];
                var idx = Enumerable.Range(0, c.Length).ToArray();
                var mi = min[i];
                Array.Sort(idx, (x, y) => c[x] != c[y] ? c[x].CompareTo(c[y]) : val[x] != val[y] ? val[y].CompareTo(val[x]) : x.CompareTo(y));
                var keep = new List<int>(idx.Length);
                var top = new TopValues(needed);
                foreach (var j in idx)
                {
                    if (o.PruneDominated && top.Dominated(val[j])) continue;
                    keep.Add(j);
                    top.Add(val[j]);
                }
                _j[i] = keep.ToArray();
                _a[i] = keep.Select(j => c[j] - mi).ToArray();
                _v[i] = keep.Select(j => val[j]).ToArray();
                hulls[i] = Hull(_a[i], _v[i]);
            }

            // ---- LP relaxation: hull increments by decreasing slope ----
            var inc = new List<(double Slope, int Node, int Pos)>();
            for (int i = 0; i < _m; i++)
                for (int h = 0; h + 1 < hulls[i].Length; h++)
                    inc.Add((Slope(i, hulls[i][h], hulls[i][h + 1]), i, h));
            inc.Sort((x, y) => x.Slope != y.Slope ? y.Slope.CompareTo(x.Slope) : x.Node != y.Node ? x.Node.CompareTo(y.Node) : x.Pos.CompareTo(y.Pos));
            var pos = new int[_m];
            double used = 0, lpValue = 0, lambda = 0;
            for (int i = 0; i < _m; i++) lpValue += _v[i][hulls[i][0]];
            foreach (var (s, i, h) in inc)
            {
                if (pos[i] != h) continue;
                int from = hulls[i][h], to = hulls[i][h + 1];
                double da = _a[i][to] - _a[i][from];
                if (used + da > cap0) { lambda = s; break; }
                used += da;
                lpValue += _v[i][to] - _v[i][from];
                pos[i] = h + 1;
            }
            _lp = new int[_m];
            _up = new double[_m];
            _down = new double[_m];
            for (int i = 0; i < _m; i++)
            {
                var hl = hulls[i];
                _lp[i] = hl[pos[i]];
                _up[i] = pos[i] + 1 < hl.Length ? Slope(i, hl[pos[i]], hl[pos[i] + 1]) : 0;
                _down[i] = pos[i] > 0 ? Slope(i, hl[pos[i] - 1], hl[pos[i]]) : double.PositiveInfinity;
            }

            // ---- a second incumbent: the LP network improved by single-node switches that fit the residual ----
            {
                var x = (int[])_lp.Clone();
                double left = cap0 - used;
                for (int pass = 0; pass < 4; pass++)
                {
                    bool changed = false;
                    for (int i = 0; i < _m; i++)
                    {
                        int bt = x[i];
                        for (int t = 0; t < _a[i].Length; t++)
                            if (_a[i][t] - _a[i][x[i]] <= left && _v[i][t] > _v[i][bt]) bt = t;
                        if (bt == x[i]) continue;
                        left -= _a[i][bt] - _a[i][x[i]];
                        x[i] = bt;
                        changed = true;
                    }
                    if (!changed) break;
                }
                var code = new int[_m];
                for (int i = 0; i < _m; i++) code[i] = _j[i][x[i]];
                TryInsert(code);
            }

            // ---- reduced-cost fixing: a block whose Lagrangian bound (lambda fixed) cannot beat the k-th incumbent is dropped ----
            double lpBound = lpValue + lambda * (cap0 - used);
            var inCore = new bool[_m];
            ReducedCostFixing(lpBound, lambda, eps, inCore);
            double fixedAt = Threshold;

            // ---- core order: nodes whose neighbouring slopes are closest to lambda first ----
            var byUp = Enumerable.Range(0, _m).OrderByDescending(i => _up[i]).ThenBy(i => i).ToArray();
            var byDown = Enumerable.Range(0, _m).OrderBy(i => _down[i]).ThenBy(i => i).ToArray();
            int pu = 0, pd = 0;
            double Up() { while (pu < _m && inCore[byUp[pu]]) pu++; return pu < _m ? Math.Max(0, _up[byUp[pu]]) : 0; }
            double Down() { while (pd < _m && inCore[byDown[pd]]) pd++; return pd < _m ? _down[byDown[pd]] : double.PositiveInfinity; }
            double Bound(double a, double v, double upS, double downS)
            {
                double r = cap0 - a;
                return r >= 0 ? v + upS * r : double.IsPositiveInfinity(downS) ? double.NegativeInfinity : v + downS * r;
            }

            // ---- the DP over the growing core ----
            var states = new List<Cand> { new() { A = used, V = lpValue, Parent = -1, Item = -1 } };
            TryState(states[0]);
            int added = 0;
            var buf = new List<Cand>();
            var top2 = new TopValues(needed);
            while (true)
            {
                if (Threshold > fixedAt)
                {
                    // A better incumbent: fix again outside the core (slopes only tighten) and re-sort the node orders.
                    fixedAt = Threshold;
                    ReducedCostFixing(lpBound, lambda, eps, inCore);
                    byUp = byUp.OrderByDescending(i => _up[i]).ThenBy(i => i).ToArray();
                    byDown = byDown.OrderBy(i => _down[i]).ThenBy(i => i).ToArray();
                    pu = pd = 0;
                }
                double upS = Up(), downS = Down();
                double thr = Threshold;
                states.RemoveAll(s => !(Bound(s.A, s.V, upS, downS) > thr + eps));
                if (states.Count == 0 || added == _m) return Done(complete: true, double.NegativeInfinity);
                if (deadline != long.MaxValue && Stopwatch.GetTimestamp() > deadline || o.Cancel.IsCancellationRequested || (o.NodeLimit is { } nl && _work > nl))
                {
                    double open = double.NegativeInfinity;
                    foreach (var s in states) open = Math.Max(open, Bound(s.A, s.V, upS, downS));
                    return Done(complete: false, open);
                }
                // Next node: the one whose hull slope next to its LP block is closest to lambda.
                double gu = pu < _m ? lambda - _up[byUp[pu]] : double.PositiveInfinity;
                double gd = pd < _m ? _down[byDown[pd]] - lambda : double.PositiveInfinity;
                int node = gu <= gd ? byUp[pu] : byDown[pd];
                inCore[node] = true;
                added++;
                double upN = Up(), downN = Down();
                var a = _a[node];
                var v = _v[node];
                int lpj = _lp[node];
                buf.Clear();
                for (int si = 0; si < states.Count; si++)
                {
                    var s = states[si];
                    double a0 = s.A - a[lpj], v0 = s.V - v[lpj];
                    for (int t = 0; t < a.Length; t++)
                    {
                        double na = a0 + a[t], nv = v0 + v[t];
                        if (t == lpj) { na = s.A; nv = s.V; }
                        if (!(Bound(na, nv, upN, downN) > thr + eps)) continue;
                        buf.Add(new Cand { A = na, V = nv, Parent = s.Parent, Item = t == lpj ? -1 : t });
                    }
                }
                _work += (long)states.Count * a.Length;
                var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buf);
                span.Sort(new CandOrder());
                states.Clear();
                top2.Clear();
                foreach (var c in span)
                {
                    if (top2.Dominated(c.V)) continue;
                    top2.Add(c.V);
                    var s = c.Item >= 0 ? new Cand { A = c.A, V = c.V, Parent = Push(node, c.Item, c.Parent), Item = -1 } : c;
                    states.Add(s);
                    TryState(s);
                }
            }

            void TryState(Cand s)
            {
                if (s.A > cap) return;
                if (_best.Count >= k && !(s.V > Threshold - 1e-9 * Math.Max(1, Math.Abs(s.V)))) return;
                TryInsert(Code(s.Parent));
            }
        }

        /// <summary>
        /// Drops, at every node, the blocks t with ub - (red(LP block) - red(t)) &lt;= k-th incumbent + eps, red = value - lambda * cost
        /// (the LP block maximises red, so that is the Lagrangian bound of every network using t), then recomputes the
        /// node's hull and the slopes next to its LP block (which stays: it is on the hull of any subset holding it).
        /// </summary>
        private void ReducedCostFixing(double ub, double lambda, double eps, bool[] inCore)
        {
            if (_best.Count < k) return;
            double thr = Threshold + eps;
            for (int i = 0; i < _m; i++)
            {
                if (inCore[i]) continue; // its blocks are in the states (and in their traces)
                var a = _a[i];
                var v = _v[i];
                int lp = _lp[i];
                double redLp = v[lp] - lambda * a[lp];
                var keep = new List<int>(a.Length);
                for (int t = 0; t < a.Length; t++)
                    if (t == lp || ub - (redLp - (v[t] - lambda * a[t])) > thr) keep.Add(t);
                if (keep.Count == a.Length) continue;
                _a[i] = keep.Select(t => a[t]).ToArray();
                _v[i] = keep.Select(t => v[t]).ToArray();
                _j[i] = keep.Select(t => _j[i][t]).ToArray();
                int nlp = keep.IndexOf(lp);
                _lp[i] = nlp;
                var hl = Hull(_a[i], _v[i]);
                int at = Array.IndexOf(hl, nlp);
                if (at < 0)
                {
                    // The LP block is the node's cheapest of highest value only up to ties in cost: bound from it directly.
                    double up = 0, down = double.PositiveInfinity;
                    for (int t = 0; t < _a[i].Length; t++)
                    {
                        double da = _a[i][t] - _a[i][nlp], dv = _v[i][t] - _v[i][nlp];
                        if (da > 0) up = Math.Max(up, dv / da);
                        else if (da < 0) down = Math.Min(down, dv / da);
                    }
                    _up[i] = up;
                    _down[i] = down;
                    continue;
                }
                _up[i] = at + 1 < hl.Length ? Slope(i, hl[at], hl[at + 1]) : 0;
                _down[i] = at > 0 ? Slope(i, hl[at - 1], hl[at]) : double.PositiveInfinity;
            }
        }

        private double Slope(int i, int from, int to) => (_v[i][to] - _v[i][from]) / (_a[i][to] - _a[i][from]);

        /// <summary>Upper convex hull (increasing part) of points sorted by cost ascending, value descending; kept-block indices.</summary>
        private static int[] Hull(double[] a, double[] v)
        {
            var h = new List<int> { 0 };
            for (int t = 1; t < a.Length; t++)
            {
                if (!(v[t] > v[h[^1]]) || !(a[t] > a[h[^1]])) continue;
                while (h.Count >= 2)
                {
                    int p1 = h[^2], p2 = h[^1];
                    // Drop p2 when it is not strictly above the segment p1 -> t.
                    if ((v[p2] - v[p1]) * (a[t] - a[p1]) <= (v[t] - v[p1]) * (a[p2] - a[p1])) h.RemoveAt(h.Count - 1);
                    else break;
                }
                h.Add(t);
            }
            return h.ToArray();
        }

        private int Push(int node, int item, int parent)
        {
            if (_tCount == _tNode.Length)
            {
                Array.Resize(ref _tNode, _tCount * 2);
                Array.Resize(ref _tItem, _tCount * 2);
                Array.Resize(ref _tParent, _tCount * 2);
            }
            _tNode[_tCount] = node;
            _tItem[_tCount] = item;
            _tParent[_tCount] = parent;
            return _tCount++;
        }

        private int[] Code(int trace)
        {
            var code = new int[_m];
            for (int i = 0; i < _m; i++) code[i] = _j[i][_lp[i]];
            for (int t = trace; t >= 0; t = _tParent[t]) code[_tNode[t]] = _j[_tNode[t]][_tItem[t]];
            return code;
        }

        private void TryInsert(ReadOnlySpan<int> code)
        {
            if (!p.IsFeasible(code)) return;
            double obj = p.Objective(code);
            int at = _best.Count;
            for (int t = 0; t < _best.Count; t++)
            {
                var b = _best[t];
                if (code.SequenceEqual(b.Code)) return;
                if (obj > b.Objective || (obj == b.Objective && code.SequenceCompareTo(b.Code) < 0)) { at = t; break; }
            }
            for (int t = at; t < _best.Count; t++) if (code.SequenceEqual(_best[t].Code)) return;
            if (at >= k) return;
            _best.Insert(at, new Solution(code.ToArray(), obj));
            if (_best.Count > k) _best.RemoveAt(_best.Count - 1);
        }

        private CoreResult Done(bool complete, double openShifted)
        {
            double best = _best.Count > 0 ? _best[0].Objective : double.NegativeInfinity;
            double ub = complete ? best : Math.Max(best, p.Constant + openShifted);
            return new CoreResult { Solutions = _best.ToList(), Complete = complete, UpperBound = ub, Nodes = _work };
        }
    }

    /// <summary>The N largest values seen (a value is dominated when N values at least as large were seen before it).</summary>
    private sealed class TopValues(int n)
    {
        private readonly double[] _h = new double[n]; // ascending
        private int _c;

        public void Clear() => _c = 0;

        public bool Dominated(double v) => _c == n && _h[0] >= v;

        public void Add(double v)
        {
            if (_c < n)
            {
                int t = _c++;
                while (t > 0 && _h[t - 1] > v) { _h[t] = _h[t - 1]; t--; }
                _h[t] = v;
                return;
            }
            if (v <= _h[0]) return;
            int u = 0;
            while (u + 1 < n && _h[u + 1] < v) { _h[u] = _h[u + 1]; u++; }
            _h[u] = v;
        }
    }
}
