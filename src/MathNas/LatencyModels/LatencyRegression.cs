using MathNas.Spaces;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tables;
using MathNet.Numerics.LinearAlgebra;

namespace MathNas.LatencyModels;

/// <summary>
/// What a latency model sees of a SubTransformer: the embed dims, the sums of the per-layer choices over the
/// active layers, and which decoder positions hold a layer. Both a HAT dataset row (averages x layer count) and a
/// per-layer architecture give these exactly, so a model that is linear in them is linear in the block choices.
/// </summary>
public sealed record LayerSums(
    int EncoderEmbed, int DecoderEmbed, int EncoderLayers, double EncoderFfn, double EncoderHeads,
    bool[] DecoderPresent, double DecoderFfn, double DecoderSelfHeads, double DecoderEndeHeads, double DecoderAttended)
{
    public int DecoderLayers => DecoderPresent.Count(p => p);

    public static LayerSums Of(HatLatencyRow r)
    {
        var present = Enumerable.Range(0, SubTransformerConfig.MaxDecoderLayers).Select(k => k < r.DecoderLayers).ToArray();
        return new LayerSums(r.EncoderEmbed, r.DecoderEmbed, r.EncoderLayers, r.EncoderFfnAvg * r.EncoderLayers, r.EncoderHeadsAvg * r.EncoderLayers,
            present, r.DecoderFfnAvg * r.DecoderLayers, r.DecoderSelfHeadsAvg * r.DecoderLayers, r.DecoderEndeHeadsAvg * r.DecoderLayers,
            r.DecoderArbitraryAvg * r.DecoderLayers);
    }

    public static LayerSums Of(SubTransformerConfig c) => Of(c.EncoderEmbedDim, c.DecoderEmbedDim, c.Encoder,
        Enumerable.Range(0, SubTransformerConfig.MaxDecoderLayers).Select(k => k < c.DecoderLayerCount ? (DecoderLayer?)c.Decoder[k] : null).ToArray());

    /// <summary>Per-position form: a null decoder entry is an absent layer (any position, so one-node switches of a table are expressible).</summary>
    public static LayerSums Of(int encoderEmbed, int decoderEmbed, IReadOnlyList<EncoderLayer> encoder, IReadOnlyList<DecoderLayer?> decoder)
    {
        var present = decoder.Select(d => d is not null).ToArray();
        var dec = decoder.Where(d => d is not null).Select(d => d!.Value).ToList();
        return new LayerSums(encoderEmbed, decoderEmbed, encoder.Count, encoder.Sum(e => (double)e.Ffn), encoder.Sum(e => (double)e.Heads),
            present, dec.Sum(d => (double)d.Ffn), dec.Sum(d => (double)d.SelfHeads), dec.Sum(d => (double)d.EndeHeads),
            dec.Sum(d => (double)SubTransformerCost.AttendedEncoderLayers(d.ArbitraryEndeAttn)));
    }
}

/// <summary>The feature maps compared by <see cref="LatencyRegression"/>.</summary>
public enum LatencyFeatureSet
{
    /// <summary>
    /// One least-squares fit of total latency on: intercept, embed-640 indicators, encoder FFN and head sums,
    /// decoder layer count, decoder FFN / self-head / ende-head / attended-layer sums. Per-layer latency is the same
    /// linear function of the layer's choices at every position.
    /// </summary>
    Block,
    /// <summary>
    /// Separate fits of encoder and decoder latency. Every per-layer slope interacts with the embed dims (encoder
    /// embed for the encoder-decoder key/value projections), and every decoder position 2..6 has its own intercept
    /// (the "absent" blocks), so depth may act non-linearly. Still linear in the block choices of a fixed-embed space.
    /// </summary>
    Rich,
}

/// <summary>How residuals are weighted in least squares.</summary>
public enum LatencyWeighting
{
    /// <summary>Ordinary least squares on ms.</summary>
    Absolute,
    /// <summary>Minimise squared relative error (weights 1/y): what MAPE and "within 10%" measure.</summary>
    Relative,
    /// <summary>
    /// Minimise the sum of absolute relative errors (least absolute deviations by iteratively reweighted least
    /// squares, 30 rounds): a median fit that measurement outliers (runs slowed by the machine) do not pull.
    /// </summary>
    Robust,
}

/// <summary>A fitted linear latency model over <see cref="LayerSums"/>.</summary>
public sealed class LatencyRegression
{
    private readonly double[][] _coef; // one vector per target part
    private LatencyRegression(LatencyFeatureSet set, LatencyWeighting weighting, double[][] coef, string[][] names)
    {
        FeatureSet = set;
        Weighting = weighting;
        _coef = coef;
        FeatureNames = names;
    }

    public LatencyFeatureSet FeatureSet { get; }
    public LatencyWeighting Weighting { get; }
    /// <summary>Names of the features of each part (one part for Block, encoder and decoder for Rich).</summary>
    public string[][] FeatureNames { get; }
    public IReadOnlyList<double[]> Coefficients => _coef;

    private static double B(bool b) => b ? 1 : 0;

    private static (double[] X, string[] Names) EncoderFeatures(LayerSums s)
    {
        double e640 = B(s.EncoderEmbed == 640);
        return ([1, e640, s.EncoderFfn, s.EncoderHeads, e640 * s.EncoderFfn, e640 * s.EncoderHeads],
            ["1", "enc640", "enc_ffn", "enc_heads", "enc640*enc_ffn", "enc640*enc_heads"]);
    }

    private static (double[] X, string[] Names) DecoderFeatures(LayerSums s)
    {
        double d640 = B(s.DecoderEmbed == 640), e640 = B(s.EncoderEmbed == 640), l = s.DecoderLayers;
        var x = new List<double> { 1, d640, e640 };
        var n = new List<string> { "1", "dec640", "enc640" };
        for (int k = 1; k < s.DecoderPresent.Length; k++) { x.Add(B(s.DecoderPresent[k])); n.Add($"dec{k + 1}_present"); }
        x.AddRange([d640 * l, e640 * l, s.DecoderFfn, s.DecoderSelfHeads, s.DecoderEndeHeads, s.DecoderAttended,
            d640 * s.DecoderFfn, d640 * s.DecoderSelfHeads, d640 * s.DecoderEndeHeads, d640 * s.DecoderAttended, e640 * s.DecoderAttended]);
        n.AddRange(["dec640*layers", "enc640*layers", "dec_ffn", "dec_self_heads", "dec_ende_heads", "dec_attended",
            "dec640*dec_ffn", "dec640*dec_self_heads", "dec640*dec_ende_heads", "dec640*dec_attended", "enc640*dec_attended"]);
        return (x.ToArray(), n.ToArray());
    }

    private static (double[] X, string[] Names) BlockFeatures(LayerSums s) =>
        ([1, B(s.EncoderEmbed == 640), B(s.DecoderEmbed == 640), s.EncoderFfn, s.EncoderHeads, s.DecoderLayers,
          s.DecoderFfn, s.DecoderSelfHeads, s.DecoderEndeHeads, s.DecoderAttended],
         ["1", "enc640", "dec640", "enc_ffn", "enc_heads", "dec_layers", "dec_ffn", "dec_self_heads", "dec_ende_heads", "dec_attended"]);

    /// <summary>Least-squares fit on measured networks.</summary>
    public static LatencyRegression Fit(IReadOnlyList<HatLatencyRow> rows, LatencyFeatureSet set, LatencyWeighting weighting = LatencyWeighting.Relative)
    {
        if (rows.Count < 30) throw new MathNasException($"a latency model needs at least 30 measured networks to fit, got {rows.Count}");
        var sums = rows.Select(LayerSums.Of).ToList();
        if (set == LatencyFeatureSet.Block)
        {
            var c = LeastSquares(sums.Select(s => BlockFeatures(s).X).ToList(), rows.Select(r => r.Latency).ToList(), weighting);
            return new LatencyRegression(set, weighting, [c], [BlockFeatures(sums[0]).Names]);
        }
        var ce = LeastSquares(sums.Select(s => EncoderFeatures(s).X).ToList(), rows.Select(r => r.LatencyEncoder).ToList(), weighting);
        var cd = LeastSquares(sums.Select(s => DecoderFeatures(s).X).ToList(), rows.Select(r => r.LatencyDecoder).ToList(), weighting);
        return new LatencyRegression(set, weighting, [ce, cd], [EncoderFeatures(sums[0]).Names, DecoderFeatures(sums[0]).Names]);
    }

    /// <summary>Least-squares coefficients for any feature rows, weighted as <paramref name="weighting"/> says (also used by reference models).</summary>
    public static double[] LeastSquares(IReadOnlyList<double[]> x, IReadOnlyList<double> y, LatencyWeighting weighting)
    {
        var w = y.Select(v => weighting == LatencyWeighting.Absolute ? 1.0 : 1.0 / v).ToArray();
        var c = SolveWeighted(x, y, w);
        if (weighting != LatencyWeighting.Robust) return c;
        for (int round = 0; round < 30; round++)
        {
            var wr = new double[y.Count];
            for (int i = 0; i < y.Count; i++)
            {
                double rel = Math.Abs(Dot(c, x[i]) - y[i]) / y[i];
                // IRLS for L1: squared weight 1/|r| on the relative residual; floor keeps exact fits finite.
                wr[i] = w[i] / Math.Sqrt(Math.Max(rel, 1e-4));
            }
            c = SolveWeighted(x, y, wr);
        }
        return c;
    }

    /// <summary>
    /// Least squares of (w_i x_i) c = w_i y_i through the SVD pseudo-inverse, so features that the data cannot
    /// separate (e.g. an interaction that never varies) get the minimum-norm solution instead of failing.
    /// </summary>
    private static double[] SolveWeighted(IReadOnlyList<double[]> x, IReadOnlyList<double> y, double[] weight)
    {
        int n = x.Count, p = x[0].Length;
        var a = Matrix<double>.Build.Dense(n, p);
        var b = Vector<double>.Build.Dense(n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < p; j++) a[i, j] = x[i][j] * weight[i];
            b[i] = y[i] * weight[i];
        }
        // Scale columns so the SVD's rank decision is not driven by units (FFN sums are ~1e4, indicators 1).
        var scale = new double[p];
        for (int j = 0; j < p; j++)
        {
            double m = 0;
            for (int i = 0; i < n; i++) m = Math.Max(m, Math.Abs(a[i, j]));
            scale[j] = m > 0 ? m : 1;
            for (int i = 0; i < n; i++) a[i, j] /= scale[j];
        }
        var svd = a.Svd(true);
        var s = svd.S;
        double tol = s[0] * 1e-10 * Math.Max(n, p);
        var utb = svd.U.TransposeThisAndMultiply(b);
        var z = Vector<double>.Build.Dense(p);
        for (int k = 0; k < s.Count; k++) if (s[k] > tol) z[k] = utb[k] / s[k];
        var c = svd.VT.TransposeThisAndMultiply(z);
        return Enumerable.Range(0, p).Select(j => c[j] / scale[j]).ToArray();
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Predicted latency (encoder + decoder) in ms.</summary>
    public double Predict(LayerSums s) => FeatureSet == LatencyFeatureSet.Block
        ? Dot(_coef[0], BlockFeatures(s).X)
        : Dot(_coef[0], EncoderFeatures(s).X) + Dot(_coef[1], DecoderFeatures(s).X);

    public double Predict(HatLatencyRow r) => Predict(LayerSums.Of(r));
    public double Predict(SubTransformerConfig c) => Predict(LayerSums.Of(c));

    /// <summary>
    /// Prediction for a block code of the MathNAS SuperTransformer space (12 choices; each in its node's range;
    /// decoder consistency is not required, so one-node switches of the base network can be priced).
    /// </summary>
    public double Predict(Architecture a)
    {
        int nodes = SuperTransformerSpace.EncoderNodes + SuperTransformerSpace.DecoderNodes;
        if (a.Count != nodes) throw new MathNasException($"a SuperTransformer architecture has {nodes} choices, not {a.Count}");
        if (a[SuperTransformerSpace.EncoderNodes] == SuperTransformerSpace.AbsentBlock)
            throw new MathNasException("decoder layer 1 cannot be absent");
        return Predict(SumsOf(a));
    }

    private static LayerSums SumsOf(Architecture a)
    {
        var enc = Enumerable.Range(0, SuperTransformerSpace.EncoderNodes).Select(i => SuperTransformerSpace.EncoderLayerOf(a[i])).ToList();
        var dec = Enumerable.Range(0, SuperTransformerSpace.DecoderNodes).Select(k =>
        {
            int j = a[SuperTransformerSpace.EncoderNodes + k];
            return j == SuperTransformerSpace.AbsentBlock ? (DecoderLayer?)null : SuperTransformerSpace.DecoderLayerOf(j);
        }).ToList();
        return LayerSums.Of(SuperTransformerSpace.Embed, SuperTransformerSpace.Embed, enc, dec);
    }

    /// <summary>
    /// The block latency table of the SuperTransformer space implied by this model (embed 512):
    /// BaseValue = predicted latency of the base network, Deltas[i][j] = Lat(base) - Lat(base with node i = block j)
    /// (METHOD.md sign convention). The model is additive over nodes, so the table reproduces the model's prediction
    /// for every network of the space exactly.
    /// </summary>
    public BlockTable ToBlockTable(SuperTransformerSpace space, string device, Provenance provenance, double? errorEstimate = null)
    {
        var baseArch = space.BaseArchitecture;
        double baseValue = Predict(SumsOf(baseArch));
        var deltas = new double[space.NodeCount][];
        for (int i = 0; i < space.NodeCount; i++)
        {
            deltas[i] = new double[space.Nodes[i].Count];
            for (int j = 0; j < deltas[i].Length; j++)
                deltas[i][j] = j == space.Nodes[i].BaseIndex ? 0 : baseValue - Predict(SumsOf(baseArch.With(i, j)));
        }
        return new BlockTable
        {
            Metric = MetricNames.Latency(device),
            Unit = "ms",
            BaseValue = baseValue,
            Deltas = deltas,
            ErrorEstimate = errorEstimate,
            Provenance = provenance,
        };
    }
}
