using MathNas.Spaces;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace MathNas.Improved;

/// <summary>Limits that decide which features a <see cref="PairwiseLayout"/> holds.</summary>
public sealed record PairwiseLayoutOptions
{
    /// <summary>A node with at most this many blocks gets one main effect per block; a larger node is described by its
    /// blocks' FLOPs and params (standardised, with squares and their product).</summary>
    public int OneHotMaxBlocks { get; init; } = 64;
    /// <summary>A pair of one-hot nodes whose block counts multiply to at most this gets a term per block pair; other
    /// pairs get the four products of their blocks' standardised FLOPs and params.</summary>
    public int PairTableMaxCells { get; init; } = 2_000;
    /// <summary>All node pairs when their pair columns total at most this; otherwise only adjacent nodes (i, i+1).</summary>
    public int AllPairsMaxColumns { get; init; } = 4_000;
    /// <summary>False: no pairwise terms at all (an additive block model).</summary>
    public bool Pairwise { get; init; } = true;
}

/// <summary>
/// The features of a pairwise block model over a space, so that the model stays an exact integer program in the
/// block choices: main effects per block (one column per non-base block, or for nodes with many blocks a few columns
/// that are functions of the block's FLOPs and params), and terms for pairs of nodes (a column per pair of non-base
/// blocks, or the products of the two blocks' FLOPs/params descriptors). Every feature is a function of one block or
/// of the blocks of one node pair, so M(N) = c + sum_i u_i(J_i) + sum_{(i,k)} P_ik(J_i, J_k) for any weights.
/// </summary>
public sealed class PairwiseLayout
{
    /// <summary>Descriptor length of a block for pair products (standardised FLOPs, params).</summary>
    public const int PairRank = 2;
    private const int MainDescriptors = 5; // f, p, f^2, p^2, f*p

    public PairwiseLayout(SearchSpace space, PairwiseLayoutOptions? options = null)
    {
        Space = space;
        Options = options ?? new PairwiseLayoutOptions();
        int m = space.NodeCount;
        Descriptors = new double[m][][];
        Scale = new (double FlopsMean, double FlopsSd, double ParamsMean, double ParamsSd)[m];
        for (int i = 0; i < m; i++) (Descriptors[i], Scale[i]) = Standardised(space.Nodes[i]);
        OneHot = new bool[m];
        MainCol = new int[m][];
        int c = 0;
        for (int i = 0; i < m; i++)
        {
            var node = space.Nodes[i];
            OneHot[i] = node.Count <= Options.OneHotMaxBlocks;
            if (OneHot[i])
            {
                MainCol[i] = new int[node.Count];
                for (int j = 0; j < node.Count; j++) MainCol[i][j] = j == node.BaseIndex ? -1 : c++;
            }
            else
            {
                MainCol[i] = [c];
                c += MainDescriptors;
            }
        }
        MainColumns = c;
        var pairs = new List<PairTerm>();
        if (Options.Pairwise)
        {
            var all = new List<(int I, int K)>();
            for (int i = 0; i < m; i++) for (int k = i + 1; k < m; k++) all.Add((i, k));
            long total = all.Sum(p => (long)PairColumns(p.I, p.K));
            var chosen = total <= Options.AllPairsMaxColumns ? all : all.Where(p => p.K == p.I + 1).ToList();
            foreach (var (i, k) in chosen)
            {
                bool table = IsTable(i, k);
                pairs.Add(new PairTerm(i, k, table, c));
                c += PairColumns(i, k);
            }
        }
        Pairs = pairs;
        Columns = c;
    }

    public SearchSpace Space { get; }
    public PairwiseLayoutOptions Options { get; }
    public IReadOnlyList<PairTerm> Pairs { get; }
    public int Columns { get; }
    public int MainColumns { get; }
    internal bool[] OneHot { get; }
    internal int[][] MainCol { get; }
    /// <summary>[node][block] -> standardised (FLOPs, params).</summary>
    internal double[][][] Descriptors { get; }
    /// <summary>Per node: the mean and standard deviation the descriptors were standardised with (0 sd: a constant descriptor).</summary>
    internal (double FlopsMean, double FlopsSd, double ParamsMean, double ParamsSd)[] Scale { get; }

    /// <summary>A term for one node pair; <see cref="Table"/>: a column per pair of non-base blocks, else the products of descriptors.</summary>
    public sealed record PairTerm(int I, int K, bool Table, int Start);

    private bool IsTable(int i, int k) => OneHot[i] && OneHot[k] && (long)Space.Nodes[i].Count * Space.Nodes[k].Count <= Options.PairTableMaxCells;

    private int PairColumns(int i, int k) => IsTable(i, k) ? (Space.Nodes[i].Count - 1) * (Space.Nodes[k].Count - 1) : PairRank * PairRank;

    internal int TableColumn(PairTerm p, int j, int l)
    {
        int bi = Space.Nodes[p.I].BaseIndex, bk = Space.Nodes[p.K].BaseIndex;
        if (j == bi || l == bk) return -1;
        int jj = j < bi ? j : j - 1, ll = l < bk ? l : l - 1;
        return p.Start + jj * (Space.Nodes[p.K].Count - 1) + ll;
    }

    private static (double[][], (double, double, double, double)) Standardised(Node node)
    {
        var f = node.Blocks.Select(b => b.Flops).ToArray();
        var p = node.Blocks.Select(b => b.Params).ToArray();
        static (double[] Z, double Mean, double Sd) Z(double[] v)
        {
            double mean = v.Average();
            double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
            if (!(sd > 1e-12 * Math.Max(1, Math.Abs(mean)))) sd = 0;
            return (v.Select(x => sd > 0 ? (x - mean) / sd : 0).ToArray(), mean, sd);
        }
        var zf = Z(f);
        var zp = Z(p);
        return (Enumerable.Range(0, node.Count).Select(j => new[] { zf.Z[j], zp.Z[j] }).ToArray(), (zf.Mean, zf.Sd, zp.Mean, zp.Sd));
    }

    /// <summary>The non-zero features of a network as (column, value, is a pair feature).</summary>
    internal void Features(ReadOnlySpan<int> a, List<(int Col, double Value, bool Pair)> into)
    {
        into.Clear();
        int m = Space.NodeCount;
        for (int i = 0; i < m; i++)
        {
            if (OneHot[i])
            {
                int c = MainCol[i][a[i]];
                if (c >= 0) into.Add((c, 1, false));
            }
            else
            {
                var d = Descriptors[i][a[i]];
                int c = MainCol[i][0];
                into.Add((c, d[0], false));
                into.Add((c + 1, d[1], false));
                into.Add((c + 2, d[0] * d[0], false));
                into.Add((c + 3, d[1] * d[1], false));
                into.Add((c + 4, d[0] * d[1], false));
            }
        }
        foreach (var p in Pairs)
        {
            if (p.Table)
            {
                int c = TableColumn(p, a[p.I], a[p.K]);
                if (c >= 0) into.Add((c, 1, true));
            }
            else
            {
                var di = Descriptors[p.I][a[p.I]];
                var dk = Descriptors[p.K][a[p.K]];
                for (int s = 0; s < PairRank; s++)
                    for (int t = 0; t < PairRank; t++) into.Add((p.Start + s * PairRank + t, di[s] * dk[t], true));
            }
        }
    }
}

/// <summary>
/// A pairwise block model: a <see cref="PairwiseLayout"/> with weights, M(N) = c + sum_i u_i(J_i) + sum_pairs P(J_i, J_k).
/// Fitted by ridge regression (<see cref="Fit"/>): the penalty and the weight of the pairwise terms are chosen by exact
/// leave-one-out error over a fixed grid, so no constant is tuned to a dataset or device. Models on the same layout
/// combine linearly (<see cref="Combine"/>), which is what the exact solver's Lagrangian bound uses.
/// </summary>
public sealed class PairwiseModel
{
    public PairwiseModel(PairwiseLayout layout, double intercept, double[] weights)
    {
        if (weights.Length != layout.Columns) throw new MathNasException($"pairwise model: {weights.Length} weights for {layout.Columns} columns");
        Layout = layout;
        Intercept = intercept;
        Weights = weights;
    }

    public PairwiseLayout Layout { get; }
    public double Intercept { get; }
    /// <summary>One weight per layout column (pair columns already multiplied by the chosen pair scale).</summary>
    public IReadOnlyList<double> Weights { get; }
    /// <summary>Exact leave-one-out root-mean-square error of the fit (NaN for a model not fitted to data).</summary>
    public double LooRmse { get; init; } = double.NaN;
    public double Lambda { get; init; }
    /// <summary>Exact leave-one-out residual of each fitted network (same order as the fit's networks); empty for a model not fitted to data.</summary>
    public IReadOnlyList<double> LooResiduals { get; init; } = [];

    public double Predict(Architecture a)
    {
        var f = new List<(int Col, double Value, bool Pair)>(64);
        Layout.Features(a.AsSpan(), f);
        double v = Intercept;
        foreach (var (c, x, _) in f) v += Weights[c] * x;
        return v;
    }

    /// <summary>Main effect of block j at node i.</summary>
    public double Unary(int i, int j)
    {
        var l = Layout;
        if (l.OneHot[i])
        {
            int c = l.MainCol[i][j];
            return c < 0 ? 0 : Weights[c];
        }
        var d = l.Descriptors[i][j];
        int s = l.MainCol[i][0];
        return Weights[s] * d[0] + Weights[s + 1] * d[1] + Weights[s + 2] * d[0] * d[0] + Weights[s + 3] * d[1] * d[1] + Weights[s + 4] * d[0] * d[1];
    }

    /// <summary>Term of pair <paramref name="p"/> (an entry of <see cref="PairwiseLayout.Pairs"/>) for blocks j at node I and l at node K.</summary>
    public double Pair(PairwiseLayout.PairTerm p, int j, int l)
    {
        if (p.Table)
        {
            int c = Layout.TableColumn(p, j, l);
            return c < 0 ? 0 : Weights[c];
        }
        var di = Layout.Descriptors[p.I][j];
        var dk = Layout.Descriptors[p.K][l];
        double v = 0;
        for (int s = 0; s < PairwiseLayout.PairRank; s++)
            for (int t = 0; t < PairwiseLayout.PairRank; t++) v += Weights[p.Start + s * PairwiseLayout.PairRank + t] * di[s] * dk[t];
        return v;
    }

    /// <summary>sum_t coef[t] * models[t] (all on one layout), plus <paramref name="constant"/>.</summary>
    public static PairwiseModel Combine(IReadOnlyList<PairwiseModel> models, IReadOnlyList<double> coef, double constant = 0)
    {
        var layout = models[0].Layout;
        var w = new double[layout.Columns];
        double c = constant;
        for (int t = 0; t < models.Count; t++)
        {
            if (!ReferenceEquals(models[t].Layout, layout)) throw new MathNasException("pairwise models on different layouts cannot be combined");
            c += coef[t] * models[t].Intercept;
            for (int q = 0; q < w.Length; q++) w[q] += coef[t] * models[t].Weights[q];
        }
        return new PairwiseModel(layout, c, w);
    }

    /// <summary>
    /// The space's own FLOPs (or params), exactly: F0 + sum_i F[i][J_i] on this layout (one-hot nodes by their block
    /// values; descriptor nodes through the standardised descriptor, which is affine in the block's FLOPs/params).
    /// </summary>
    public static PairwiseModel SpaceCost(PairwiseLayout layout, bool flops)
    {
        var space = layout.Space;
        var w = new double[layout.Columns];
        double c = flops ? space.FixedFlops : space.FixedParams;
        for (int i = 0; i < space.NodeCount; i++)
        {
            var node = space.Nodes[i];
            double V(int j) => flops ? node.Blocks[j].Flops : node.Blocks[j].Params;
            if (layout.OneHot[i])
            {
                c += V(node.BaseIndex);
                for (int j = 0; j < node.Count; j++)
                    if (j != node.BaseIndex) w[layout.MainCol[i][j]] = V(j) - V(node.BaseIndex);
            }
            else
            {
                var sc = layout.Scale[i];
                c += flops ? sc.FlopsMean : sc.ParamsMean;
                w[layout.MainCol[i][0] + (flops ? 0 : 1)] = flops ? sc.FlopsSd : sc.ParamsSd;
            }
        }
        return new PairwiseModel(layout, c, w) { LooRmse = 0 };
    }

    /// <summary>
    /// Ridge fit on (network, value) pairs (at least 3). The design is sparse; with fewer networks than columns the fit
    /// goes through the n x n kernel, otherwise through the p x p Gram matrix, so large layouts stay cheap.
    /// </summary>
    public static PairwiseModel Fit(PairwiseLayout layout, IReadOnlyList<Architecture> nets, IReadOnlyList<double> y)
    {
        if (nets.Count != y.Count) throw new MathNasException("ridge fit: networks and values differ in count");
        if (nets.Count < 3) throw new MathNasException("ridge fit needs at least 3 evaluated networks");
        foreach (var v in y) if (!double.IsFinite(v)) throw new MathNasException("ridge fit: a measured value is not a finite number");
        int n = nets.Count, p = layout.Columns;
        double ym = y.Average();
        var yc = Vector<double>.Build.Dense(y.Select(v => v - ym).ToArray());
        var rows = new (int Col, double Value, bool Pair)[n][];
        var buf = new List<(int, double, bool)>();
        for (int r = 0; r < n; r++)
        {
            layout.Features(nets[r].AsSpan(), buf);
            rows[r] = buf.ToArray();
        }
        bool anyPair = rows.Any(r => r.Any(f => f.Pair));
        var rawMeans = new double[p];
        foreach (var row in rows) foreach (var (c, v, _) in row) rawMeans[c] += v / n;
        var scales = anyPair ? (n > 300 ? new[] { 0.5, 1.0 } : new[] { 0.25, 0.5, 1.0 }) : new[] { 1.0 };
        double bestLoo = double.PositiveInfinity;
        double[] bestW = new double[p];
        double bestB = ym, bestLambda = 0;
        var bestResiduals = yc.ToArray();
        foreach (var scale in scales)
        {
            // Column means of the scaled design.
            var means = new double[p];
            foreach (var row in rows) foreach (var (c, v, pair) in row) means[c] += (pair ? scale : 1) * v / n;
            double mm = means.Sum(v => v * v);
            double Dot(int r, double[] dense) { double s = 0; foreach (var (c, v, pair) in rows[r]) s += (pair ? scale : 1) * v * dense[c]; return s; }
            var xm = new double[n];
            for (int r = 0; r < n; r++) xm[r] = Dot(r, means);
            Matrix<double> u; double[] e; Func<Vector<double>, double[]> coefOf;
            if (n <= p)
            {
                // Kernel of the centred design: K = X X^T - X m 1^T - 1 m^T X^T + (m.m) 1 1^T.
                var k = Matrix<double>.Build.Dense(n, n);
                var dense = new Dictionary<int, double>[n];
                for (int r = 0; r < n; r++)
                {
                    var d = new Dictionary<int, double>(rows[r].Length);
                    foreach (var (c, v, pair) in rows[r]) d[c] = d.GetValueOrDefault(c) + (pair ? scale : 1) * v;
                    dense[r] = d;
                }
                for (int r = 0; r < n; r++)
                    for (int s = r; s < n; s++)
                    {
                        var (small, large) = dense[r].Count <= dense[s].Count ? (dense[r], dense[s]) : (dense[s], dense[r]);
                        double dot = 0;
                        foreach (var (c, v) in small) if (large.TryGetValue(c, out var w)) dot += v * w;
                        double val = dot - xm[r] - xm[s] + mm;
                        k[r, s] = val;
                        k[s, r] = val;
                    }
                (u, e) = KeptEigen(k);
                // Coefficients: X_c^T a = X^T a - m (1.a).
                coefOf = a =>
                {
                    var w = new double[p];
                    double sa = 0;
                    for (int r = 0; r < n; r++)
                    {
                        sa += a[r];
                        foreach (var (c, v, pair) in rows[r]) w[c] += (pair ? scale : 1) * v * a[r];
                    }
                    for (int c = 0; c < p; c++) w[c] -= means[c] * sa;
                    return w;
                };
            }
            else
            {
                var g = Matrix<double>.Build.Dense(p, p);
                foreach (var row in rows)
                    foreach (var (c1, v1, p1) in row)
                        foreach (var (c2, v2, p2) in row) g[c1, c2] += (p1 ? scale : 1) * v1 * (p2 ? scale : 1) * v2;
                for (int c1 = 0; c1 < p; c1++)
                    for (int c2 = 0; c2 < p; c2++) g[c1, c2] -= n * means[c1] * means[c2];
                (var v, e) = KeptEigen(g);
                // U = X_c V S^-1.
                u = Matrix<double>.Build.Dense(n, e.Length);
                for (int q = 0; q < e.Length; q++)
                {
                    var col = v.Column(q).ToArray();
                    double cm = 0;
                    for (int c = 0; c < p; c++) cm += means[c] * col[c];
                    double se = Math.Sqrt(e[q]);
                    for (int r = 0; r < n; r++) u[r, q] = (Dot(r, col) - cm) / se;
                }
                coefOf = a =>
                {
                    var w = new double[p];
                    for (int r = 0; r < n; r++)
                        foreach (var (c, val, pair) in rows[r]) w[c] += (pair ? scale : 1) * val * a[r];
                    double sa = a.Sum();
                    for (int c = 0; c < p; c++) w[c] -= means[c] * sa;
                    return w;
                };
            }
            int rank = e.Length;
            if (rank == 0) continue;
            var uty = u.TransposeThisAndMultiply(yc);
            var u2 = u.PointwiseMultiply(u);
            double eMax = e.Max();
            for (int gi = -8; gi <= 4; gi++)
            {
                double lambda = eMax * Math.Pow(10, gi / 2.0) / 100;
                var shrink = Vector<double>.Build.Dense(rank, q => e[q] / (e[q] + lambda));
                var fitted = u * shrink.PointwiseMultiply(uty);
                var h = u2 * shrink;
                double loo = 0;
                var residuals = new double[n];
                for (int i = 0; i < n; i++)
                {
                    double err = (yc[i] - fitted[i]) / Math.Max(1e-9, 1 - h[i] - 1.0 / n);
                    residuals[i] = err;
                    loo += err * err;
                }
                loo /= n;
                if (loo < bestLoo)
                {
                    bestLoo = loo;
                    bestResiduals = residuals;
                    // beta = X_c^T U diag(1 / (e + lambda)) U^T y.
                    var a = u * Vector<double>.Build.Dense(rank, q => uty[q] / (e[q] + lambda));
                    var w = coefOf(a);
                    // Fold the pair scale into the weights so that Predict uses raw features.
                    foreach (var pt in layout.Pairs)
                    {
                        int cols = pt.Table ? (layout.Space.Nodes[pt.I].Count - 1) * (layout.Space.Nodes[pt.K].Count - 1) : PairwiseLayout.PairRank * PairwiseLayout.PairRank;
                        for (int c = pt.Start; c < pt.Start + cols; c++) w[c] *= scale;
                    }
                    // Intercept: ym - sum_c w_c * mean of the raw feature c.
                    double b = ym;
                    for (int c = 0; c < p; c++) b -= w[c] * rawMeans[c];
                    bestW = w;
                    bestB = b;
                    bestLambda = lambda;
                }
            }
        }
        if (double.IsPositiveInfinity(bestLoo)) bestLoo = yc.DotProduct(yc) / n; // every network looks the same: the mean
        return new PairwiseModel(layout, bestB, bestW) { LooRmse = Math.Sqrt(bestLoo), Lambda = bestLambda, LooResiduals = bestResiduals };
    }

    private static (Matrix<double> Vectors, double[] Values) KeptEigen(Matrix<double> gram)
    {
        var evd = gram.Evd(Symmetricity.Symmetric);
        var all = evd.EigenValues.Select(z => Math.Max(0, z.Real)).ToArray();
        double top = all.Length == 0 ? 0 : all.Max();
        if (!(top > 0)) return (Matrix<double>.Build.Dense(gram.RowCount, 0), []);
        var keep = Enumerable.Range(0, all.Length).Where(k => all[k] > 1e-10 * top).ToArray();
        return (Matrix<double>.Build.DenseOfColumnVectors(keep.Select(k => evd.EigenVectors.Column(k))), keep.Select(k => all[k]).ToArray());
    }
}
