using MathNas.Spaces;
using MathNas.Spaces.NasBench201;

namespace MathNas.Tests.NasBench201;

/// <summary>
/// FLOPs and params of the macro network against totals that NAS-Bench-201 publishes through its benchmark file
/// (NAS-Bench-201-v1_1-096897, per-network cost info 'flop' in MFLOPs and 'params' in MB = 1e6 parameters).
/// Sources (public, read with the search tool; numbers copied by hand):
/// - min/max over all 15,625 networks per dataset, printed by the HPOBench/MO-HPOBench NAS-Bench-201 bounds script
///   ("Get Bounds for Nasbench benchmarks": CIFAR 10 VALID min_params 0.073306, max_params 1.531546,
///   min_flop 7.78305, max_flop 220.11969; CIFAR 100: 0.079156, 1.537396, 7.7889, 220.12554; IMAGE NET:
///   min_params 0.080456, max_params 1.538696, min_flop 1.9534, max_flop 55.03756), the same CIFAR-10 values are the
///   ideal/nadir points of the EvoXBench C10/MOP problems; the NAS-Bench-201 paper rounds them to 7.8..220.1 MFLOPs
///   and 0.07..1.53 MB. The maximum is the all-nor_conv_3x3 cell, the minimum any cell without convolutions.
/// - one cost_info example {'flops': 78.56193, 'params': 0.559386} quoted in a public NB201 evaluator (pplib
///   NB201Evaluator); the only op counts that give these FLOPs are two nor_conv_3x3 and no nor_conv_1x1 edges,
///   i.e. the ResNet-like cell |nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|.
/// </summary>
public class NasBench201FlopsTests
{
    private static double Flops(NasBench201Macro m, params int[] ops) => m.NetworkCost(ops).Flops / 1e6;
    private static double Params(NasBench201Macro m, params int[] ops) => m.NetworkCost(ops).Params / 1e6;

    [Theory]
    // dataset, min FLOPs, max FLOPs, min params, max params (published, see class comment)
    [InlineData("cifar10", 7.78305, 220.11969, 0.073306, 1.531546)]
    [InlineData("cifar100", 7.7889, 220.12554, 0.079156, 1.537396)]
    [InlineData("imagenet16-120", 1.9534, 55.03756, 0.080456, 1.538696)]
    public void MinAndMaxMatchPublishedTotals(string dataset, double minF, double maxF, double minP, double maxP)
    {
        var m = dataset switch
        {
            "cifar10" => NasBench201Macro.Cifar10,
            "cifar100" => NasBench201Macro.Cifar100,
            _ => NasBench201Macro.ImageNet16_120,
        };
        var space = new NasBench201Space(m);
        var flops = space.Enumerate().Select(space.Flops).ToList();
        var prms = space.Enumerate().Select(space.Params).ToList();
        Assert.Equal(minF, flops.Min(), 5);
        Assert.Equal(maxF, flops.Max(), 5);
        Assert.Equal(minP, prms.Min(), 6);
        Assert.Equal(maxP, prms.Max(), 6);
        // The extremes are the cells the benchmark's counting implies.
        Assert.Equal(maxF, Flops(m, 3, 3, 3, 3, 3, 3), 5);
        Assert.Equal(maxP, Params(m, 3, 3, 3, 3, 3, 3), 6);
        Assert.Equal(minF, Flops(m, 0, 1, 4, 0, 1, 4), 5);
        Assert.Equal(minP, Params(m, 4, 4, 4, 4, 4, 4), 6);
    }

    [Fact]
    public void ResNetCellMatchesPublishedCostInfo()
    {
        var space = NasBench201Space.Instance;
        var resnet = NasBench201Space.ParseArchString("|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|");
        Assert.Equal(78.56193, space.Flops(resnet), 5);
        Assert.Equal(0.559386, space.Params(resnet), 6);
    }

    [Fact]
    public void NodeCostsAreAdditiveOverEdgesAndCells()
    {
        var m = NasBench201Macro.Cifar10;
        var space = NasBench201Space.Instance;
        // F0 = stem + two reduction blocks + classifier: the all-none network.
        Assert.Equal(m.FixedCost.Flops / 1e6, space.FixedFlops, 9);
        Assert.Equal(Flops(m, 0, 0, 0, 0, 0, 0), space.FixedFlops, 9);
        // A 3x3 conv edge costs the same in every stage (channels double, area quarters): 9*16*16*32*32 per cell.
        Assert.Equal(15 * 9.0 * 16 * 16 * 32 * 32 / 1e6, space.Nodes[0].Blocks[3].Flops, 9);
        Assert.Equal(15 * 16.0 * 16 * 32 * 32 / 1e6, space.Nodes[0].Blocks[2].Flops, 9);
        var rng = new Random(5);
        for (int t = 0; t < 200; t++)
        {
            var a = space.Sample(rng);
            Assert.Equal(Flops(m, a.ToArray()), space.Flops(a), 9);
            Assert.Equal(Params(m, a.ToArray()), space.Params(a), 9);
        }
    }
}
