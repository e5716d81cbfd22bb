using System.Globalization;
using MathNas.Reference;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reference;

/// <summary>One test per defect named in docs/reference-defects.md, each on the real reference data.</summary>
public class DefectTests
{
    private static (ReferencePredictor Parity, ReferencePredictor Corrected) Models()
    {
        TestData.Require("mathnas-reference");
        var d = ReferenceData.Load();
        return (new ReferencePredictor(d, ReferenceMode.Parity), new ReferencePredictor(d, ReferenceMode.Corrected));
    }

    private static int[] Code(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Defect 1 "supervit-sign": bigger blocks have positive diffs, so predict.py predicts lower accuracy and FLOPs for bigger networks.</summary>
    [SkippableFact]
    public void SuperVitSign_BiggerNetworksPredictedWorseAndSmaller_CorrectedReverses()
    {
        var (par, cor) = Models();
        var c = ReferenceConstants.SuperVitChoices;
        var min = new int[9];
        // the biggest network of the table: per node, the choice with the most FLOPs (measured values of chunk 0)
        var max = Enumerable.Range(0, 9).Select(n => Enumerable.Range(0, c[n]).MaxBy(j => par.VitFlopsDiff[n][j])).ToArray();
        Assert.True(par.VitFlopsDiff.Sum(r => r.Max()) > 0);
        var pMin = par.PredictSuperVit(min); var pMax = par.PredictSuperVit(max);
        Assert.True(pMax.Cost < pMin.Cost, "parity: the bigger network is predicted to have fewer FLOPs");
        Assert.True(pMax.Accuracy < pMin.Accuracy, "parity: the bigger network is predicted less accurate");
        var cMin = cor.PredictSuperVit(min); var cMax = cor.PredictSuperVit(max);
        Assert.True(cMax.Cost > cMin.Cost);
        Assert.True(cMax.Accuracy > cMin.Accuracy);
        // corrected FLOPs of the all-0 network is the measured base FLOPs of chunk 0
        Assert.Equal(par.Data.VitFlops[0], cMin.Cost, 9);
        // on the published results: parity predicts the (bigger) T5 far below T1 in FLOPs
        var rows = ReferenceCsv.Read(TestData.Require("mathnas-reference", "reference_predictions.csv"));
        var vit = Enumerable.Range(0, rows.Rows.Count).Where(r => rows.Rows[r][0] == "supervit").ToList();
        var t1 = Code(rows.Rows[vit.First()][3]); var t5 = Code(rows.Rows[vit.Last()][3]);
        Assert.True(par.PredictSuperVit(t5).Cost < par.PredictSuperVit(t1).Cost);
        Assert.True(cor.PredictSuperVit(t5).Cost > cor.PredictSuperVit(t1).Cost);
    }

    /// <summary>Defect 2 "bleu-in-latency": the BLEU stop constants are subtracted from milliseconds; depth barely changes parity latency.</summary>
    [SkippableFact]
    public void BleuConstantsInLatency_StopColumnIsLatencyMinusBleu_DepthIgnored()
    {
        var (par, cor) = Models();
        foreach (var dev in ReferenceData.SuperTransformerDevices)
        {
            var raw = par.Data.StLat[dev];
            for (int i = 1; i < 6; i++)
                Assert.Equal(raw[36 + i * 36 + 35] - ReferenceConstants.SuperTransformerStopBleu[i], par.StLatDiff[dev][6 + i][36]);
            double Lat(ReferencePredictor p, int n) => p.PredictSuperTransformer(dev,
                Enumerable.Repeat(5, 6).Concat(Enumerable.Repeat(35, n)).Concat(n < 6 ? [36] : Array.Empty<int>()).ToArray()).Cost;
            var lmax = par.SuperTransformerMaxLatency(dev);
            // parity: a 1-layer decoder is predicted within 5 % of a 5-layer one (only BLEU numbers and noise differ)
            Assert.True(Math.Abs(Lat(par, 1) - Lat(par, 5)) < 0.05 * lmax, dev);
            // corrected: every decoder layer removed saves its measured share of latency
            for (int n = 1; n < 6; n++) Assert.True(Lat(cor, n) < Lat(cor, n + 1), dev);
            Assert.True(Lat(cor, 5) - Lat(cor, 1) > 0.25 * lmax, dev);
        }
    }

    /// <summary>Defect 3 "nb201-swapped-bases": search.py swaps the edgegpu and fpga bases of predict.py; predict.py's match HW-NAS-Bench.</summary>
    [SkippableFact]
    public void Nb201SwappedBases_PredictBasesMatchHwNasBench_SearchBasesDoNot()
    {
        var (par, _) = Models();
        var hw = ReferenceCsv.Read(TestData.Require("hw-nas-bench", "hwnasbench_nb201_example_records.csv"));
        var lat = TestData.Require("nasbench201", "nb201_latency.csv");
        var opCode = ReferenceCsv.Read(lat);
        int checkedRows = 0;
        for (int r = 0; r < hw.Rows.Count; r++)
        {
            if (hw.Rows[r][hw.Column("dataset")] != "ImageNet16-120") continue;
            int arch = hw.Integer(r, 0);
            var code = opCode.Rows[arch][opCode.Column("op_code")].Select(ch => ch - '0').ToArray();
            foreach (var dev in ReferenceData.Nb201Devices)
            {
                double truth = 1000 * hw.Number(r, hw.Column($"{dev}_latency")); // ms -> us
                double predict = par.PredictNb201(dev, code).Cost;
                double search = par.Nb201SearchLatency(dev, code);
                Assert.Equal(Math.Abs(ReferenceConstants.Nb201EdgeGpuLatBase - ReferenceConstants.Nb201FpgaLatBase), Math.Abs(predict - search), 9);
                Assert.True(Math.Abs(predict - truth) < Math.Abs(search - truth), $"arch {arch} {dev}");
                checkedRows++;
            }
        }
        Assert.Equal(6, checkedRows);
    }

    /// <summary>Defect 4 "raspberrypi-string": search.py tests device == 'raspberry pi'; the CLI passes 'raspberrypi', which falls through to 274.4.</summary>
    [SkippableFact]
    public void RaspberryPiString_NeverMatches_FallsThroughToTheTitanXpBase()
    {
        var (par, _) = Models();
        Assert.Equal(ReferenceConstants.StSearchBaseOther, ReferencePredictor.SuperTransformerSearchBase("raspberrypi"));
        Assert.Equal(ReferenceConstants.StSearchBaseRaspberryPi, ReferencePredictor.SuperTransformerSearchBase("raspberry pi"));
        // the published raspberrypi configs: with the CLI string the 6-layer-decoder base drops by 9200 - 274.4
        var dir = TestData.Require("mathnas-reference", "results", "supertransformer", "raspberrypi");
        var rows = ReferenceCsv.Read(TestData.Require("mathnas-reference", "reference_predictions.csv"));
        var rpi = rows.Rows.Where(r => r[0] == "supertransformer" && r[2] == "raspberrypi").ToList();
        Assert.Equal(Directory.GetFiles(dir, "*.yml").Length, rpi.Count);
        foreach (var r in rpi)
        {
            var code = Code(r[3]);
            double cli = par.SuperTransformerSearchLatency("raspberrypi", code);
            double meant = par.SuperTransformerSearchLatency("raspberry pi", code);
            Assert.Equal(ReferenceConstants.StSearchBaseRaspberryPi - ReferenceConstants.StSearchBaseOther, meant - cli, 6);
            // a measured raspberry pi network takes seconds: the value search.py compares with the limit is far below it
            Assert.True(cli < 0.5 * par.SuperTransformerMaxLatency("raspberrypi"));
        }
    }

    /// <summary>Defect 5 "decoder-factor": search.py weighs decoder latency diffs by 1.2, predict.py by 1.0.</summary>
    [SkippableFact]
    public void DecoderFactor_SearchAndPredictDisagree_OnEveryPublishedConfig()
    {
        var (par, _) = Models();
        var rows = ReferenceCsv.Read(TestData.Require("mathnas-reference", "reference_predictions.csv"));
        int n = 0;
        foreach (var r in rows.Rows.Where(r => r[0] == "supertransformer"))
        {
            var code = Code(r[3]);
            double s12 = par.SuperTransformerSearchLatency(r[2], code);
            double s10 = par.SuperTransformerSearchLatency(r[2], code, 1.0);
            Assert.True(Math.Abs(s12 - s10) > 1.0, $"{r[1]}: the factor changes the search latency");
            n++;
        }
        Assert.Equal(9, n);
    }

    /// <summary>
    /// Cross-check of the corrected SuperTransformer latency: the published configs are named after the latency
    /// constraint they were searched under; the corrected prediction is within 15 % of that name for every config,
    /// predict.py's parity values are far off on average (they ignore the decoder depth).
    /// </summary>
    [SkippableFact]
    public void CorrectedStLatency_IsNearTheConstraintEachPublishedConfigIsNamedAfter()
    {
        var (par, cor) = Models();
        var rows = ReferenceCsv.Read(TestData.Require("mathnas-reference", "reference_predictions.csv"));
        int n = 0;
        double parErr = 0, corErr = 0;
        foreach (var r in rows.Rows.Where(r => r[0] == "supertransformer"))
        {
            var name = Path.GetFileNameWithoutExtension(r[1]);
            double limit = double.Parse(name[..^2], CultureInfo.InvariantCulture);
            var code = Code(r[3]);
            double c = cor.PredictSuperTransformer(r[2], code).Cost;
            double p = par.PredictSuperTransformer(r[2], code).Cost;
            Assert.True(Math.Abs(c - limit) / limit < 0.15, $"{r[1]}: corrected {c} vs {limit}");
            parErr += Math.Abs(p - limit) / limit;
            corErr += Math.Abs(c - limit) / limit;
            n++;
        }
        Assert.Equal(9, n);
        Assert.True(corErr / n < 0.07, $"corrected mean relative error {corErr / n}");
        Assert.True(parErr / n > 0.5, $"parity mean relative error {parErr / n}");
    }
}
