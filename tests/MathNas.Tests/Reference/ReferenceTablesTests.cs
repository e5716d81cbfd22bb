using MathNas.Prediction;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reference;

/// <summary>The exported TableSets predict exactly what the reference formulas predict, for every network (or a large sample).</summary>
public class ReferenceTablesTests
{
    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    private static ReferenceData Data()
    {
        TestData.Require("mathnas-reference");
        return ReferenceData.Load();
    }

    [SkippableFact]
    public void MobileNetV3CandidateViews_EveryNetwork_MatchesTheReferenceFormulas()
    {
        var d = Data();
        var rp = new ReferencePredictor(d, ReferenceMode.Parity);
        foreach (var dev in ReferenceData.MobileNetV3Devices)
        {
            var space = MobileNetV3Spaces.CandidateView(dev == "tx2gpu" ? "gpu" : "cpu");
            var set = ReferenceTables.Export(d, space.Name, dev);
            var pred = new Predictor(space, set);
            Assert.All(space.Nodes, n => Assert.Equal(4, n.BaseIndex));
            foreach (var t in set.Tables.Values)
                for (int i = 0; i < 5; i++) Assert.Equal(0, t.Deltas[i][4]);
            int count = 0;
            foreach (var a in space.Enumerate())
            {
                var r = rp.PredictMobileNetV3(dev, a.ToArray());
                Close(r.Accuracy, pred.Predict(MetricNames.Accuracy, a));
                Close(r.Cost, pred.Predict(MetricNames.Latency(dev), a));
                count++;
            }
            Assert.Equal(3125, count);
            // survives a JSON round trip
            var path = Path.Combine(Path.GetTempPath(), $"mb-{Guid.NewGuid():N}.json");
            set.Save(path);
            var back = TableSet.Load(path);
            File.Delete(path);
            back.CheckAgainst(space);
            Assert.Equal(set[MetricNames.Accuracy].Deltas, back[MetricNames.Accuracy].Deltas);
            Assert.NotNull(back[MetricNames.Accuracy].ReferenceFlops);
        }
        Assert.Throws<MathNasException>(() => ReferenceTables.Export(d, MobileNetV3Spaces.CandidateCpuName, "tx2gpu"));
    }

    [SkippableFact]
    public void NasBench201_EveryNetwork_MatchesPredictPy()
    {
        var d = Data();
        var rp = new ReferencePredictor(d);
        foreach (var dev in ReferenceData.Nb201Devices)
        {
            var set = ReferenceTables.Export(d, "nasbench201", dev);
            // same edge order, op order and base op as the built-in NAS-Bench-201 space
            Assert.StartsWith("checked against", ReferenceTables.CheckAgainstRegistered(set));
            var nb = SpaceRegistry.Resolve("nasbench201");
            Assert.All(nb.Nodes, n => Assert.Equal("nor_conv_3x3", n.Blocks[n.BaseIndex].Name));
            Assert.All(set.Tables.Values, t => Assert.All(t.Deltas, row => Assert.Equal(0, row[3])));
            var code = new int[6];
            for (int k = 0; k < 15625; k++)
            {
                int x = k;
                for (int i = 5; i >= 0; i--) { code[i] = x % 5; x /= 5; }
                var a = new Architecture(code);
                var r = rp.PredictNb201(dev, code);
                Close(r.Accuracy, set[MetricNames.Accuracy].PredictAdditive(a));
                Close(r.Cost, set[MetricNames.Latency(dev)].PredictAdditive(a));
                Close(r.Energy!.Value, set[MetricNames.Energy(dev)].PredictAdditive(a));
            }
        }
    }

    [SkippableFact]
    public void SuperVit_BothModes_MatchThePredictor()
    {
        var d = Data();
        var rng = new Random(3);
        foreach (var mode in new[] { ReferenceMode.Parity, ReferenceMode.Corrected })
        {
            var rp = new ReferencePredictor(d, mode);
            var set = ReferenceTables.Export(d, "supervit", "", mode);
            for (int t = 0; t < 2000; t++)
            {
                var code = ReferenceConstants.SuperVitChoices.Select(n => rng.Next(n)).ToArray();
                var r = rp.PredictSuperVit(code);
                Close(r.Accuracy, set[MetricNames.Accuracy].PredictAdditive(new Architecture(code)));
                Close(r.Cost, set[MetricNames.Flops].PredictAdditive(new Architecture(code)));
            }
        }
    }

    [SkippableFact]
    public void SuperTransformer_Corrected_MatchesThePredictorForEveryDepth()
    {
        var d = Data();
        var rng = new Random(5);
        var rp = new ReferencePredictor(d, ReferenceMode.Corrected);
        var parity = new ReferencePredictor(d, ReferenceMode.Parity);
        foreach (var dev in ReferenceData.SuperTransformerDevices)
        {
            var set = ReferenceTables.Export(d, "supertransformer", dev);
            for (int t = 0; t < 600; t++)
            {
                int n = 1 + t % 6;
                var code = Enumerable.Range(0, 6).Select(_ => rng.Next(6)).Concat(Enumerable.Range(0, n).Select(_ => rng.Next(36))).ToList();
                if (n < 6) code.Add(36);
                var a = SuperTransformerSpace.FromReferenceCode(code);
                var r = rp.PredictSuperTransformer(dev, code);
                Close(r.Accuracy, set[MetricNames.Accuracy].PredictAdditive(a));
                Assert.Equal(parity.PredictSuperTransformer(dev, code).Accuracy, r.Accuracy, 12);
                Close(r.Cost, set[MetricNames.Latency(dev)].PredictAdditive(a));
            }
        }
    }

    [SkippableFact]
    public void UnknownSpace_IsAClearError()
    {
        var d = Data();
        Assert.Contains("no reference tables", Assert.Throws<MathNasException>(() => ReferenceTables.Export(d, "darts", "")).Message);
    }

    /// <summary>
    /// The MathNAS README example (tx2gpu, latency constraint 500): brute force over all 3125 networks of the GPU
    /// candidate view with the exported tables finds the README's code as the most accurate feasible network.
    /// </summary>
    [SkippableFact]
    public void ReadmeExample_IsTheBruteForceOptimumOfTheExportedTables()
    {
        var d = Data();
        var rows = ReferenceCsv.Read(Path.Combine(d.Root, "reference_predictions.csv"));
        var ex = rows.Rows.Single(r => r[0] == "mobilenetv3" && r[1].StartsWith("README example", StringComparison.Ordinal));
        var limit = double.Parse(ex[1].Split("--latency_constraint")[1].Trim(' ', ')'), System.Globalization.CultureInfo.InvariantCulture);
        var space = MobileNetV3Spaces.CandidateView("gpu");
        var pred = new Predictor(space, ReferenceTables.Export(d, space.Name, "tx2gpu"));
        var best = space.Enumerate()
            .Where(a => pred.Predict(MetricNames.Latency("tx2gpu"), a) <= limit)
            .MaxBy(a => pred.Predict(MetricNames.Accuracy, a))!;
        Assert.Equal(ex[3].Replace(' ', ','), best.ToString());
        Close(double.Parse(ex[4], System.Globalization.CultureInfo.InvariantCulture), pred.Predict(MetricNames.Accuracy, best));
    }
}
