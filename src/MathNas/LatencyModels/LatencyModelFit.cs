using System.Globalization;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tables;
using MathNas.Validation;

namespace MathNas.LatencyModels;

/// <summary>How well predictions match measurements on a set of networks.</summary>
/// <param name="Count">Networks compared.</param>
/// <param name="Spearman">Spearman rank correlation (average ranks for ties).</param>
/// <param name="Kendall">Kendall tau-b.</param>
/// <param name="Mape">Mean absolute percentage error, in percent.</param>
/// <param name="Within10">Share of networks whose prediction is within 10% of the measurement (0..1).</param>
/// <param name="MaxApe">Largest absolute percentage error, in percent.</param>
public sealed record FitQuality(int Count, double Spearman, double Kendall, double Mape, double Within10, double MaxApe)
{
    public static FitQuality Of(IReadOnlyList<double> predicted, IReadOnlyList<double> measured)
    {
        if (predicted.Count != measured.Count) throw new ArgumentException("predicted and measured differ in length");
        if (predicted.Count < 2) throw new MathNasException("fit quality needs at least 2 networks");
        var ape = predicted.Zip(measured, (p, m) => Math.Abs(p - m) / Math.Abs(m)).ToArray();
        return new FitQuality(predicted.Count, RankCorrelation.Spearman(predicted, measured), RankCorrelation.KendallTauB(predicted, measured),
            100 * ape.Average(), ape.Count(e => e <= 0.10) / (double)ape.Length, 100 * ape.Max());
    }
}

/// <summary>One fitted model and its held-out quality.</summary>
public sealed record LatencyModelResult(
    LatencyRegression Model,
    FitQuality Train,
    FitQuality Test,
    // Held-out networks with embed 512 in encoder and decoder (the MathNAS space's embed), or null if under 2.
    FitQuality? TestEmbed512,
    // Held-out networks whose own repeated runs agree (encoder + decoder std under 2% of the mean), or null if under 2.
    FitQuality? TestStable,
    double[] TestPredicted,
    double[] TestMeasured);

/// <summary>The comparison the latency-model command reports for one device.</summary>
public sealed record LatencyModelReport(
    string Device, string DataFile, int Rows, int TrainRows, int TestRows, int Seed, double TrainFraction,
    LatencyModelResult Block, LatencyModelResult Rich,
    // Quadratic: the non-linear reference, not a table: a full quadratic in the dataset's 9 per-network features (all
    // squares and pairwise products, 55 terms). When it is no better than the linear models, the remaining error is
    // measurement noise the architecture does not explain, not missing model terms.
    FitQuality Quadratic)
{
    public LatencyModelResult Get(LatencyFeatureSet set) => set == LatencyFeatureSet.Block ? Block : Rich;
}

/// <summary>Fits HAT-dataset latency models on a seeded training split and measures them on the rest.</summary>
public static class LatencyModelFit
{
    /// <summary>A measurement counts as stable when its encoder + decoder std is under this share of its mean.</summary>
    public const double StableStdShare = 0.02;

    /// <summary>Indices of a seeded random split: the first round(fraction*n) of a Fisher-Yates shuffle train.</summary>
    public static (int[] Train, int[] Test) Split(int n, double trainFraction, int seed)
    {
        if (!(trainFraction > 0 && trainFraction < 1)) throw new MathNasException($"train fraction must be between 0 and 1 (exclusive), not {trainFraction}");
        var idx = Enumerable.Range(0, n).ToArray();
        var rng = new Random(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        int nt = (int)Math.Round(trainFraction * n);
        if (nt < 30 || n - nt < 2) throw new MathNasException($"train fraction {trainFraction} of {n} networks leaves {nt} to train and {n - nt} to test; need at least 30 and 2");
        return (idx[..nt], idx[nt..]);
    }

    public static LatencyModelReport Run(string dataDir, string device, double trainFraction = 0.8, int seed = 0,
        LatencyWeighting weighting = LatencyWeighting.Relative)
    {
        var file = HatLatencyData.FileFor(dataDir, device);
        var rows = HatLatencyData.Load(file);
        var (tr, te) = Split(rows.Count, trainFraction, seed);
        var train = tr.Select(i => rows[i]).ToList();
        var test = te.Select(i => rows[i]).ToList();
        LatencyModelResult Eval(LatencyFeatureSet set)
        {
            var m = LatencyRegression.Fit(train, set, weighting);
            var pTrain = train.Select(m.Predict).ToArray();
            var pTest = test.Select(m.Predict).ToArray();
            var mTest = test.Select(r => r.Latency).ToArray();
            var e512 = Enumerable.Range(0, test.Count).Where(i => test[i].EncoderEmbed == 512 && test[i].DecoderEmbed == 512).ToArray();
            var stable = Enumerable.Range(0, test.Count).Where(i => (test[i].StdEncoder + test[i].StdDecoder) < StableStdShare * test[i].Latency).ToArray();
            return new LatencyModelResult(m,
                FitQuality.Of(pTrain, train.Select(r => r.Latency).ToArray()),
                FitQuality.Of(pTest, mTest),
                e512.Length >= 2 ? FitQuality.Of(e512.Select(i => pTest[i]).ToArray(), e512.Select(i => mTest[i]).ToArray()) : null,
                stable.Length >= 2 ? FitQuality.Of(stable.Select(i => pTest[i]).ToArray(), stable.Select(i => mTest[i]).ToArray()) : null,
                pTest, mTest);
        }
        return new LatencyModelReport(device, file, rows.Count, train.Count, test.Count, seed, trainFraction,
            Eval(LatencyFeatureSet.Block), Eval(LatencyFeatureSet.Rich), QuadraticQuality(train, test));
    }

    private static double[] Raw(HatLatencyRow r) =>
        [r.EncoderEmbed, r.DecoderEmbed, r.EncoderFfnAvg, r.EncoderHeadsAvg, r.DecoderLayers, r.DecoderFfnAvg,
         r.DecoderSelfHeadsAvg, r.DecoderEndeHeadsAvg, r.DecoderArbitraryAvg];

    /// <summary>Quality of the quadratic reference on the test rows (see <see cref="LatencyModelReport.Quadratic"/>).</summary>
    public static FitQuality QuadraticQuality(IReadOnlyList<HatLatencyRow> train, IReadOnlyList<HatLatencyRow> test)
    {
        var xt = train.Select(Raw).ToArray();
        int p = xt[0].Length;
        var mean = Enumerable.Range(0, p).Select(j => xt.Average(r => r[j])).ToArray();
        var sd = Enumerable.Range(0, p).Select(j => Math.Sqrt(xt.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])))).Select(v => v > 0 ? v : 1).ToArray();
        double[] F(HatLatencyRow row)
        {
            var r = Raw(row);
            var z = Enumerable.Range(0, p).Select(j => (r[j] - mean[j]) / sd[j]).ToArray();
            var f = new List<double> { 1 };
            f.AddRange(z);
            for (int i = 0; i < p; i++) for (int j = i; j < p; j++) f.Add(z[i] * z[j]);
            return f.ToArray();
        }
        var c = LatencyRegression.LeastSquares(train.Select(F).ToList(), train.Select(r => r.Latency).ToList(), LatencyWeighting.Relative);
        var pred = test.Select(r => F(r).Zip(c, (x, y) => x * y).Sum()).ToArray();
        return FitQuality.Of(pred, test.Select(r => r.Latency).ToArray());
    }

    /// <summary>The block latency table of the SuperTransformer space from one of the report's models.</summary>
    public static BlockTable Table(LatencyModelReport report, LatencyFeatureSet set, SuperTransformerSpace space)
    {
        var r = report.Get(set);
        var t = r.Test;
        return r.Model.ToBlockTable(space, report.Device, new Provenance
        {
            Estimator = $"regression:{set.ToString().ToLowerInvariant()}",
            Evaluator = "hat-latency-dataset",
            Evaluations = report.TrainRows,
            Notes = string.Create(CultureInfo.InvariantCulture, $"least squares ({r.Model.Weighting.ToString().ToLowerInvariant()} weighting) on {report.TrainRows} of {report.Rows} measured SubTransformers " +
                    $"of {Path.GetFileName(report.DataFile)} (seed {report.Seed}, train fraction {report.TrainFraction}); held-out {report.TestRows}: " +
                    $"Spearman {t.Spearman:F4}, Kendall {t.Kendall:F4}, MAPE {t.Mape:F2}%, within 10% {100 * t.Within10:F1}%"),
        }, errorEstimate: r.TestMeasured.Zip(r.TestPredicted, (m, p) => Math.Abs(m - p)).Average());
    }
}
