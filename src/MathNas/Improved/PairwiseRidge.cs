using MathNas.Spaces;
using MathNet.Numerics.LinearAlgebra;

namespace MathNas.Improved;

/// <summary>
/// A block model with pairwise terms: M(N) = c + sum_i w_{i,J_i} + sum_{i&lt;k} v_{i,J_i,k,J_k} (base blocks are the
/// zero level), fitted by ridge regression. The penalty (and the relative weight of the pairwise terms) is chosen by
/// exact leave-one-out error over a fixed grid, so no constant is tuned to a dataset or device. The same model is
/// an exact integer program: every product x_{i,j} x_{k,l} is linearised by a variable z with z &lt;= x_{i,j},
/// z &lt;= x_{k,l}, z &gt;= x_{i,j} + x_{k,l} - 1 (on NAS-Bench-201 the audit enumerates the space instead).
/// </summary>
public sealed class PairwiseRidge
{
    private readonly SearchSpace _space;
    private readonly int[][] _col;          // node, block -> main-effect column (-1 for base)
    private readonly int[,][,] _pairCol;    // node i < k -> [j, l] -> pair column (-1 when either is base)
    private double[] _w = [];
    private double _intercept;
    private double _pairScale = 1;
    private readonly IReadOnlyList<Func<Architecture, Architecture>> _views;
    private readonly int _perView;

    /// <param name="views">Each view maps a network to the network whose blocks give its features (e.g. a cell with dead
    /// edges pruned); the model sums one block model per view. Default: the network itself.</param>
    public PairwiseRidge(SearchSpace space, bool pairwise = true, IReadOnlyList<Func<Architecture, Architecture>>? views = null)
    {
        _space = space;
        _views = views is { Count: > 0 } ? views : [a => a];
        int m = space.NodeCount;
        int c = 0;
        _col = new int[m][];
        for (int i = 0; i < m; i++)
        {
            _col[i] = new int[space.Nodes[i].Count];
            for (int j = 0; j < _col[i].Length; j++) _col[i][j] = j == space.Nodes[i].BaseIndex ? -1 : c++;
        }
        MainColumns = c;
        _pairCol = new int[m, m][,];
        if (pairwise)
        {
            for (int i = 0; i < m; i++)
                for (int k = i + 1; k < m; k++)
                {
                    var t = new int[space.Nodes[i].Count, space.Nodes[k].Count];
                    for (int j = 0; j < space.Nodes[i].Count; j++)
                        for (int l = 0; l < space.Nodes[k].Count; l++)
                            t[j, l] = _col[i][j] < 0 || _col[k][l] < 0 ? -1 : c++;
                    _pairCol[i, k] = t;
                }
        }
        _perView = c;
        Columns = c * _views.Count;
        Pairwise = pairwise;
    }

    public bool Pairwise { get; }
    public int Columns { get; }
    public int MainColumns { get; }
    /// <summary>Exact leave-one-out root-mean-square error of the chosen fit: the model's held-out error estimate.</summary>
    public double LooRmse { get; private set; } = double.NaN;
    public double Lambda { get; private set; }
    public bool IsFitted => _w.Length == Columns;

    private double[] Features(Architecture net, double pairScale)
    {
        var x = new double[Columns];
        int m = _space.NodeCount;
        for (int v = 0; v < _views.Count; v++)
        {
            var a = _views[v](net);
            int o = v * _perView;
            for (int i = 0; i < m; i++)
            {
                int c = _col[i][a[i]];
                if (c >= 0) x[o + c] = 1;
            }
            if (Pairwise)
                for (int i = 0; i < m; i++)
                    for (int k = i + 1; k < m; k++)
                    {
                        int c = _pairCol[i, k][a[i], a[k]];
                        if (c >= 0) x[o + c] = pairScale;
                    }
        }
        return x;
    }

    /// <summary>Fits the model to (network, value) pairs; needs at least 3 networks.</summary>
    public PairwiseRidge Fit(IReadOnlyList<Architecture> nets, IReadOnlyList<double> y)
    {
        if (nets.Count != y.Count) throw new MathNasException("ridge fit: networks and values differ in count");
        if (nets.Count < 3) throw new MathNasException("ridge fit needs at least 3 evaluated networks");
        int n = nets.Count;
        double ym = y.Average();
        var yc = Vector<double>.Build.Dense(y.Select(v => v - ym).ToArray());
        double bestLoo = double.PositiveInfinity;
        var scales = Pairwise ? new[] { 0.25, 0.5, 1.0 } : new[] { 1.0 };
        foreach (var scale in scales)
        {
            var rows = nets.Select(a => Features(a, scale)).ToArray();
            var x = Matrix<double>.Build.Dense(n, Columns, (r, c) => rows[r][c]);
            var means = x.ColumnSums() / n;
            for (int c = 0; c < Columns; c++) x.SetColumn(c, x.Column(c) - means[c]);
            var svd = x.Svd(computeVectors: true);
            int r = Math.Min(n, Columns);
            var s = svd.S;
            var u = svd.U.SubMatrix(0, n, 0, r);
            var vt = svd.VT.SubMatrix(0, r, 0, Columns);
            var uty = u.TransposeThisAndMultiply(yc);
            double s0 = s[0] * s[0];
            for (int g = -8; g <= 4; g++)
            {
                double lambda = s0 * Math.Pow(10, g / 2.0) / 100;
                var shrink = Vector<double>.Build.Dense(r, k => s[k] * s[k] / (s[k] * s[k] + lambda));
                var fitted = u * shrink.PointwiseMultiply(uty);
                double loo = 0;
                for (int i = 0; i < n; i++)
                {
                    double h = 1.0 / n;
                    for (int k = 0; k < r; k++) h += u[i, k] * u[i, k] * shrink[k];
                    double e = (yc[i] - fitted[i]) / Math.Max(1e-9, 1 - h);
                    loo += e * e;
                }
                loo /= n;
                if (loo < bestLoo)
                {
                    bestLoo = loo;
                    var coef = vt.TransposeThisAndMultiply(Vector<double>.Build.Dense(r, k => s[k] / (s[k] * s[k] + lambda) * uty[k]));
                    _w = coef.ToArray();
                    _intercept = ym - coef.DotProduct(means);
                    _pairScale = scale;
                    Lambda = lambda;
                }
            }
        }
        LooRmse = Math.Sqrt(bestLoo);
        return this;
    }

    public double Predict(Architecture a)
    {
        if (!IsFitted) throw new MathNasException("the ridge model is not fitted");
        var x = Features(a, _pairScale);
        double v = _intercept;
        for (int c = 0; c < x.Length; c++) if (x[c] != 0) v += _w[c] * x[c];
        return v;
    }
}
