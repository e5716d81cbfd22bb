using MathNas.Spaces;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

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

    /// <summary>The non-zero features of a network: column indices, and whether each is a pairwise term.</summary>
    private void Sparse(Architecture net, List<int> cols, List<bool> isPair)
    {
        cols.Clear();
        isPair.Clear();
        int m = _space.NodeCount;
        for (int v = 0; v < _views.Count; v++)
        {
            var a = _views[v](net);
            int o = v * _perView;
            for (int i = 0; i < m; i++)
            {
                int c = _col[i][a[i]];
                if (c >= 0) { cols.Add(o + c); isPair.Add(false); }
            }
            if (Pairwise)
                for (int i = 0; i < m; i++)
                    for (int k = i + 1; k < m; k++)
                    {
                        int c = _pairCol[i, k][a[i], a[k]];
                        if (c >= 0) { cols.Add(o + c); isPair.Add(true); }
                    }
        }
    }

    /// <summary>Fits the model to (network, value) pairs; needs at least 3 networks.</summary>
    public PairwiseRidge Fit(IReadOnlyList<Architecture> nets, IReadOnlyList<double> y)
    {
        if (nets.Count != y.Count) throw new MathNasException("ridge fit: networks and values differ in count");
        if (nets.Count < 3) throw new MathNasException("ridge fit needs at least 3 evaluated networks");
        int n = nets.Count;
        double ym = y.Average();
        var yc = Vector<double>.Build.Dense(y.Select(v => v - ym).ToArray());
        var cols = new List<int>();
        var pair = new List<bool>();
        var rowsCols = new int[n][];
        var rowsPair = new bool[n][];
        for (int r = 0; r < n; r++)
        {
            Sparse(nets[r], cols, pair);
            rowsCols[r] = cols.ToArray();
            rowsPair[r] = pair.ToArray();
        }
        double bestLoo = double.PositiveInfinity;
        var scales = Pairwise ? new[] { 0.25, 0.5, 1.0 } : new[] { 1.0 };
        foreach (var scale in scales)
        {
            // Centred design matrix X (n x p).
            var x = Matrix<double>.Build.Dense(n, Columns);
            for (int r = 0; r < n; r++)
                for (int t = 0; t < rowsCols[r].Length; t++) x[r, rowsCols[r][t]] += rowsPair[r][t] ? scale : 1;
            var means = x.ColumnSums() / n;
            for (int r = 0; r < n; r++)
                for (int c = 0; c < Columns; c++) x[r, c] -= means[c];
            // Thin SVD X = U S V^T through the smaller Gram matrix (e = S^2).
            Matrix<double> u, vMat;
            double[] e;
            if (n <= Columns)
            {
                (u, e) = KeptEigen(x * x.Transpose());
                vMat = ScaleColumns(x.TransposeThisAndMultiply(u), e);
            }
            else
            {
                (vMat, e) = KeptEigen(x.TransposeThisAndMultiply(x));
                u = ScaleColumns(x * vMat, e);
            }
            int rank = e.Length;
            if (rank == 0) continue;
            var uty = u.TransposeThisAndMultiply(yc);
            var u2 = u.PointwiseMultiply(u);
            double eMax = e.Max();
            for (int g = -8; g <= 4; g++)
            {
                double lambda = eMax * Math.Pow(10, g / 2.0) / 100;
                var shrink = Vector<double>.Build.Dense(rank, k => e[k] / (e[k] + lambda));
                var fitted = u * shrink.PointwiseMultiply(uty);
                var h = u2 * shrink;
                double loo = 0;
                for (int i = 0; i < n; i++)
                {
                    // Leave-one-out residual of ridge with an unpenalised intercept: hat = 1/n + U diag(shrink) U^T.
                    double err = (yc[i] - fitted[i]) / Math.Max(1e-9, 1 - h[i] - 1.0 / n);
                    loo += err * err;
                }
                loo /= n;
                if (loo < bestLoo)
                {
                    bestLoo = loo;
                    var coef = vMat * Vector<double>.Build.Dense(rank, k => Math.Sqrt(e[k]) / (e[k] + lambda) * uty[k]);
                    _w = coef.ToArray();
                    _intercept = ym - coef.DotProduct(means);
                    _pairScale = scale;
                    Lambda = lambda;
                }
            }
        }
        if (double.IsPositiveInfinity(bestLoo))
        {
            // Every network looks the same to the model: predict the mean.
            _w = new double[Columns];
            _intercept = ym;
            bestLoo = yc.DotProduct(yc) / n;
        }
        LooRmse = Math.Sqrt(bestLoo);
        return this;
    }

    /// <summary>Eigenvectors and eigenvalues of a symmetric Gram matrix, keeping those above 1e-10 of the largest.</summary>
    private static (Matrix<double> Vectors, double[] Values) KeptEigen(Matrix<double> gram)
    {
        var evd = gram.Evd(Symmetricity.Symmetric);
        var all = evd.EigenValues.Select(z => Math.Max(0, z.Real)).ToArray();
        double top = all.Max();
        var keep = Enumerable.Range(0, all.Length).Where(k => all[k] > 1e-10 * top).ToArray();
        return (Matrix<double>.Build.DenseOfColumnVectors(keep.Select(k => evd.EigenVectors.Column(k))), keep.Select(k => all[k]).ToArray());
    }

    /// <summary>The other singular factor: column k divided by sqrt(e[k]).</summary>
    private static Matrix<double> ScaleColumns(Matrix<double> m, double[] e)
    {
        for (int k = 0; k < e.Length; k++) m.SetColumn(k, m.Column(k) / Math.Sqrt(e[k]));
        return m;
    }

    public double Predict(Architecture a)
    {
        if (!IsFitted) throw new MathNasException("the ridge model is not fitted");
        var cols = new List<int>(64);
        var pair = new List<bool>(64);
        Sparse(a, cols, pair);
        double v = _intercept;
        for (int t = 0; t < cols.Count; t++) v += _w[cols[t]] * (pair[t] ? _pairScale : 1);
        return v;
    }
}
