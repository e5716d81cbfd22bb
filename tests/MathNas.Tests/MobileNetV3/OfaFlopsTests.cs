using MathNas.Spaces.MobileNetV3;
using MathNas.Tests.Support;

namespace MathNas.Tests.MobileNetV3;

public class OfaFlopsTests
{
    [Fact]
    public void MakeDivisible_FollowsTheTfRule()
    {
        Assert.Equal(16, OfaMbv3.MakeDivisible(16));
        Assert.Equal(72, OfaMbv3.MakeDivisible(72));
        Assert.Equal(24, OfaMbv3.MakeDivisible(19.2)); // 16 would drop more than 10 %
        Assert.Equal(8, OfaMbv3.MakeDivisible(3));
        Assert.Equal(120, OfaMbv3.MakeDivisible(120 / 4 * 4));
    }

    [Fact]
    public void SpatialSizes_FollowTheStrides()
    {
        Assert.Equal(112, OfaMbv3.StageInputSize(0));
        Assert.Equal(56, OfaMbv3.StageInputSize(1));
        Assert.Equal(28, OfaMbv3.StageInputSize(2));
        Assert.Equal(14, OfaMbv3.StageInputSize(3));
        Assert.Equal(14, OfaMbv3.StageInputSize(4));
        Assert.Equal(7, OfaMbv3.StageInputSize(5));
    }

    /// <summary>
    /// MobileNetV3-Large 1.0 (OFA's MobileNetV3Large cfg, the same stem and head as the OFA super-net) against the
    /// totals the MobileNetV3 paper publishes (Table 3: 219M MAdds, 5.4M params), counted with our layer functions.
    /// </summary>
    [Fact]
    public void MobileNetV3Large_MatchesThePublished219MMacsAnd5_4MParams()
    {
        // k, mid (exp), out, se, stride per layer; stage 0 (16->16, expand 1) is in the fixed part
        (int K, int Mid, int Out, bool Se, int S)[] cfg =
        [
            (3, 64, 24, false, 2), (3, 72, 24, false, 1),
            (5, 72, 40, true, 2), (5, 120, 40, true, 1), (5, 120, 40, true, 1),
            (3, 240, 80, false, 2), (3, 200, 80, false, 1), (3, 184, 80, false, 1), (3, 184, 80, false, 1),
            (3, 480, 112, true, 1), (3, 672, 112, true, 1),
            (5, 672, 160, true, 2), (5, 960, 160, true, 1), (5, 960, 160, true, 1),
        ];
        var total = OfaMbv3.FixedCost();
        int inC = 16, size = 112;
        foreach (var l in cfg)
        {
            total += OfaMbv3.MbConv(inC, l.Out, l.Mid, l.K, l.S, size, l.Se);
            size = OfaMbv3.OutSize(size, l.S);
            inC = l.Out;
        }
        Assert.Equal(7, size);
        Assert.InRange(total.MMacs, 216.5, 219.5);
        Assert.InRange(total.MParams, 5.35, 5.5);
    }

    [Fact]
    public void LayerCost_HandComputedExample()
    {
        // stage 2 (40 ch, SE), first layer: in 24 @ 56x56, k5 e4, stride 2 -> 28x28; mid = 96, SE mid = make_divisible(24) = 24
        var c = OfaMbv3.LayerCost(1, 0, 5, 4);
        double macs = 56.0 * 56 * 96 * 24 + 28.0 * 28 * 96 * 25 + 96 * 24 + 24 * 96 + 28.0 * 28 * 40 * 96;
        double par = 24 * 96 + 192 + 96 * 25 + 192 + (96 * 24 + 24 + 24 * 96 + 96) + 96 * 40 + 80;
        Assert.Equal(macs, c.Macs);
        Assert.Equal(par, c.Params);
    }

    [Fact]
    public void BiggerChoices_CostMore()
    {
        for (int s = 0; s < 5; s++)
            for (int l = 0; l < 4; l++)
            {
                Assert.True(OfaMbv3.LayerCost(s, l, 5, 3).Macs > OfaMbv3.LayerCost(s, l, 3, 3).Macs);
                Assert.True(OfaMbv3.LayerCost(s, l, 3, 6).Macs > OfaMbv3.LayerCost(s, l, 3, 4).Macs);
            }
    }

    /// <summary>
    /// The MathNAS README lists MB1..MB4 at 257/289/336/669 MFLOPs. Counted as OFA counts MACs on the w1.0 super-network
    /// at 224 the published configs give about 202/184/269/449 M: they do NOT match, not even in order (MB2 &lt; MB1 here).
    /// MathNAS validates them on w1.2, where MB2 and MB4 match (OriginalFormatsTests); see docs/reference-defects.md.
    /// </summary>
    [SkippableFact]
    public void PublishedMathNasConfigs_OurCountsAndTheReadmeDisagree()
    {
        var dir = TestData.Require("mathnas-reference", "results", "mobilenetv3");
        double F(string n) => OfaConfig.Load(Path.Combine(dir, $"MathNAS-{n}.yml")).Cost().MMacs;
        double mb1 = F("MB1"), mb2 = F("MB2"), mb3 = F("MB3"), mb4 = F("MB4");
        var max = new OfaConfig(Enumerable.Repeat(7, 20).ToArray(), Enumerable.Repeat(6, 20).ToArray(), Enumerable.Repeat(4, 5).ToArray()).Cost().MMacs;
        var min = new OfaConfig(Enumerable.Repeat(3, 20).ToArray(), Enumerable.Repeat(3, 20).ToArray(), Enumerable.Repeat(2, 5).ToArray()).Cost().MMacs;
        Assert.All(new[] { mb1, mb2, mb3, mb4 }, f => Assert.InRange(f, min, max));
        Assert.True(mb2 < mb1 && mb1 < mb3 && mb3 < mb4);
        // README: MB1 257 < MB2 289: the order of MB1/MB2 disagrees, and MB4 (669) exceeds even the max net of the space here
        Assert.True(669 > max);
    }
}
