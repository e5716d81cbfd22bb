using System.Globalization;
using MathNas.Reference;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reference;

public class ParityTests
{
    [SkippableFact]
    public void ReproducesEveryRowOfReferencePredictions()
    {
        var path = TestData.Require("mathnas-reference", "reference_predictions.csv");
        var sheet = ReferenceCsv.Read(path);
        int cs = sheet.Column("space"), cd = sheet.Column("device"), cc = sheet.Column("archcode"), ca = sheet.Column("pred_acc"), cp = sheet.Column("pred_cost");
        Assert.True(sheet.Rows.Count >= 27);
        var spaces = new HashSet<string>();
        for (int r = 0; r < sheet.Rows.Count; r++)
        {
            var row = sheet.Rows[r];
            var code = row[cc].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var (acc, cost) = ReferenceParity.Predict(row[cs], row[cd], code);
            Assert.True(Math.Abs(acc - sheet.Number(r, ca)) <= 1e-9, $"row {r + 2} accuracy {acc} vs {row[ca]}");
            Assert.True(Math.Abs(cost - sheet.Number(r, cp)) <= 1e-9, $"row {r + 2} cost {cost} vs {row[cp]}");
            spaces.Add(row[cs]);
        }
        Assert.Equal(["mobilenetv3", "supertransformer", "supervit"], spaces.Order());
    }

    [SkippableFact]
    public void SuperTransformerDifferences_EqualThePublishedDerivedMatrices()
    {
        var root = TestData.Require("mathnas-reference");
        var p = new ReferencePredictor(ReferenceData.Load(Path.GetDirectoryName(root)), ReferenceMode.Parity);
        void Check(string file, double[][] m)
        {
            var expected = ReferenceCsv.ReadLabelledMatrix(Path.Combine(root, "supertransformer", file), 12, 37);
            for (int i = 0; i < 12; i++) Assert.Equal(expected[i], m[i]);
        }
        Check("difference_acc.csv", p.StAccDiff);
        foreach (var d in ReferenceData.SuperTransformerDevices) Check($"difference_lat_{d}.csv", p.StLatDiff[d]);
    }

    [SkippableFact]
    public void SuperVitDifferences_EqualThePublishedChunk0()
    {
        var root = TestData.Require("mathnas-reference");
        var p = new ReferencePredictor(ReferenceData.Load(Path.GetDirectoryName(root)), ReferenceMode.Parity);
        var s = ReferenceCsv.Read(Path.Combine(root, "supervit", "difference_chunk0.csv"));
        Assert.Equal(195, s.Rows.Count);
        for (int r = 0; r < s.Rows.Count; r++)
        {
            int n = s.Integer(r, 0), j = s.Integer(r, 1);
            Assert.Equal(s.Number(r, 2), p.VitAccDiff[n][j]);
            Assert.Equal(s.Number(r, 3), p.VitFlopsDiff[n][j]);
        }
    }

    [SkippableFact]
    public void HardcodedBleuConstants_AreTheLastFiveValuesOfTheBleuFile()
    {
        var d = ReferenceData.Load(Path.GetDirectoryName(TestData.Require("mathnas-reference")));
        Assert.Equal(ReferenceConstants.SuperTransformerStopBleu[1..], d.StAcc[252..257]);
    }

    [SkippableFact]
    public void BadCodesAndDevices_AreClearErrors()
    {
        TestData.Require("mathnas-reference");
        var p = new ReferencePredictor(ReferenceData.Load(), ReferenceMode.Parity);
        Assert.Throws<MathNasException>(() => p.Predict("mobilenetv3", "tx2gpu", [0, 0, 0, 0]));
        Assert.Throws<MathNasException>(() => p.Predict("mobilenetv3", "tx2gpu", [0, 0, 0, 0, 5]));
        Assert.Throws<MathNasException>(() => p.Predict("mobilenetv3", "pixel", [0, 0, 0, 0, 0]));
        Assert.Throws<MathNasException>(() => p.Predict("supertransformer", "xeon", [0, 0, 0, 0, 0, 0, 3, 4]));
        Assert.Throws<MathNasException>(() => p.Predict("supervit", "", [0, 0, 0, 0, 0, 0, 0, 0, 2]));
        Assert.Throws<MathNasException>(() => p.Predict("nasbench201", "edgegpu", [0, 0, 0, 0, 0, 7]));
        Assert.Throws<MathNasException>(() => p.Predict("darts", "x", [0]));
    }
}
