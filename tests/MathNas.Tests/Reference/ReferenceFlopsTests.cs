using MathNas.Prediction;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Spaces.SuperViT;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.Reference;

/// <summary>
/// The exported accuracy tables carry reference_flops (F_ref of the flops-scaled model) wherever FLOPs are known: the
/// FLOPs of the base network in the registered space the table is for; not in SuperViT parity mode.
/// </summary>
public class ReferenceFlopsTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["nasbench201", "fpga"], ["nasbench201", "edgegpu"],
        ["mobilenetv3-blocks-cpu", "raspberrypi"], ["mobilenetv3-blocks-cpu", "tx2cpu"], ["mobilenetv3-blocks-gpu", "tx2gpu"],
        ["supervit", ""], ["supervit-192", ""], ["supervit-256", ""], ["supervit-288", ""],
        ["supertransformer", "raspberrypi"], ["supertransformer", "xeon"], ["supertransformer", "titanxp"],
    ];

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void CorrectedExport_ReferenceFlopsIsTheBaseNetworksFlops_AndTheFlopsScaledModelIsExactAtTheBase(string space, string device)
    {
        TestData.Require("mathnas-reference");
        var set = ReferenceTables.Export(ReferenceData.Load(), space, device);
        var sp = SpaceRegistry.Resolve(space);
        set.CheckAgainst(sp);
        var acc = set[MetricNames.Accuracy];
        Assert.NotNull(acc.ReferenceFlops);
        Assert.Equal(sp.Flops(sp.BaseArchitecture), acc.ReferenceFlops!.Value, 9);
        // at the base network both models agree (F_ref / F = 1); elsewhere they differ by the FLOPs ratio
        var lin = new Predictor(sp, set, AccuracyModel.Linear);
        var fs = new Predictor(sp, set, AccuracyModel.FlopsScaled);
        Assert.Equal(lin.PredictAccuracy(sp.BaseArchitecture), fs.PredictAccuracy(sp.BaseArchitecture), 9);
        var a = sp.Sample(new Random(1));
        Assert.Equal(acc.BaseValue - (acc.BaseValue - lin.PredictAccuracy(a)) * acc.ReferenceFlops.Value / sp.Flops(a), fs.PredictAccuracy(a), 9);
    }

    [SkippableFact]
    public void SuperVit_ResolutionVariantsTakeFlopsFromTheSpace_ParityHasNoReferenceFlops()
    {
        TestData.Require("mathnas-reference");
        var d = ReferenceData.Load();
        Assert.True(ReferenceTables.Export(d, "supervit", "").Has(MetricNames.Flops));
        var v192 = ReferenceTables.Export(d, "supervit-192", "");
        Assert.False(v192.Has(MetricNames.Flops));
        // the reference's corrected chunk-0 FLOPs (base F0 + switches) agree with our count of the 192 space
        var chunk0 = ReferenceTables.Export(d, "supervit", "")[MetricNames.Flops];
        var s192 = SuperVitSpace.Create(192);
        var rng = new Random(2);
        for (int k = 0; k < 50; k++)
        {
            var a = s192.Sample(rng);
            Assert.True(Math.Abs(chunk0.PredictAdditive(a) - s192.Flops(a)) < 1e-3, $"{a}: {chunk0.PredictAdditive(a)} vs {s192.Flops(a)}");
        }
        Assert.Null(ReferenceTables.Export(d, "supervit-192", "", ReferenceMode.Parity)[MetricNames.Accuracy].ReferenceFlops);
        // the same accuracy deltas in every variant
        Assert.Equal(ReferenceTables.Export(d, "supervit", "")[MetricNames.Accuracy].Deltas, v192[MetricNames.Accuracy].Deltas);
    }
}
