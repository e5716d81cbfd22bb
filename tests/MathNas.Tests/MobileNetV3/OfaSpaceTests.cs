using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;

namespace MathNas.Tests.MobileNetV3;

public class OfaSpaceTests
{
    [Fact]
    public void LayerView_HasTheDocumentedShape()
    {
        var s = MobileNetV3Spaces.LayerView;
        Assert.Equal(20, s.NodeCount);
        for (int st = 0; st < 5; st++)
            for (int l = 0; l < 4; l++)
                Assert.Equal(l < 2 ? 9 : 10, s.Nodes[OfaLayerSpace.NodeOf(st, l)].Count);
        Assert.Equal(5, s.Constraints.Count);
        Assert.Equal("k7e6", s.Nodes[0].Blocks[s.Nodes[0].BaseIndex].Name);
        var max = s.ToConfig(s.BaseArchitecture);
        Assert.All(max.D, d => Assert.Equal(4, d));
    }

    [Fact]
    public void StageView_HasSumOf9PowDBlocksPerStage()
    {
        Assert.Equal(81 + 729 + 6561, OfaStageSpace.BlocksPerStage);
        var s = MobileNetV3Spaces.StageView;
        Assert.Equal(5, s.NodeCount);
        Assert.All(s.Nodes, n => Assert.Equal(OfaStageSpace.BlocksPerStage, n.Count));
        for (int j = 0; j < OfaStageSpace.BlocksPerStage; j += 37)
            Assert.Equal(j, OfaStageSpace.BlockIndex(OfaStageSpace.BlockConfig(j)));
        Assert.Equal(System.Numerics.BigInteger.Pow(7371, 5), s.Size);
    }

    /// <summary>
    /// Brute force against exhaustive enumeration on one stage: every layer-view choice of the stage's 4 layer nodes
    /// that meets the consistency constraint is exactly one stage-view block, with the same FLOPs and params.
    /// </summary>
    [Fact]
    public void OneStage_LayerViewEnumeration_EqualsTheStageViewBlocks()
    {
        var layer = MobileNetV3Spaces.LayerView;
        var stage = MobileNetV3Spaces.StageView;
        for (int st = 0; st < 5; st += 2)
        {
            var nodes = Enumerable.Range(0, 4).Select(l => layer.Nodes[OfaLayerSpace.NodeOf(st, l)]).ToList();
            var c = layer.Constraints[st];
            var shifted = new LinearConstraint(c.Name, c.Terms.Select(t => t with { Node = t.Node - 4 * st }).ToList(), c.Rhs);
            var sub = new SearchSpace("one-stage", nodes, constraints: [shifted]);
            var seen = new HashSet<int>();
            int count = 0;
            foreach (var a in sub.Enumerate())
            {
                count++;
                int d = a[2] == MobileNetV3Spaces.AbsentBlock ? 2 : a[3] == MobileNetV3Spaces.AbsentBlock ? 3 : 4;
                var k = new int[4]; var e = new int[4];
                Array.Fill(k, 3); Array.Fill(e, 3);
                for (int l = 0; l < d; l++) (k[l], e[l]) = MobileNetV3Spaces.LayerChoices[a[l]];
                int j = OfaStageSpace.BlockIndex(new OfaStageConfig(d, e, k));
                Assert.True(seen.Add(j));
                Assert.Equal(stage.Nodes[st].Blocks[j].Flops, sub.Flops(a), 9);
                Assert.Equal(stage.Nodes[st].Blocks[j].Params, sub.Params(a), 9);
            }
            Assert.Equal(OfaStageSpace.BlocksPerStage, count);
            Assert.Equal(9 * 9 * 10 * 10, (int)sub.Size); // the constraint removes exactly "l3 absent, l4 present"
        }
    }

    [Fact]
    public void LayerView_RejectsLayer4WithoutLayer3()
    {
        var s = MobileNetV3Spaces.LayerView;
        var c = s.BaseArchitecture.ToArray();
        c[2] = MobileNetV3Spaces.AbsentBlock; // stage 1, layer 3 absent, layer 4 present
        var e = Assert.Throws<MathNasException>(() => s.Validate(new Architecture(c)));
        Assert.Contains("layer 4 present", e.Message);
    }

    [Fact]
    public void Registered_UnderTheDocumentedNames()
    {
        var names = SpaceRegistry.List().Select(x => x.Name).ToList();
        Assert.Contains("mobilenetv3", names);
        Assert.Contains("mobilenetv3-stage", names);
        Assert.Contains("mobilenetv3-blocks-cpu", names);
        Assert.Contains("mobilenetv3-blocks-gpu", names);
        Assert.Equal(20, SpaceRegistry.Resolve("mobilenetv3").NodeCount);
    }

    [Fact]
    public void CandidateView_WithoutData_IsUnavailableWithAClearMessage()
    {
        var empty = Directory.CreateTempSubdirectory("mathnas-nodata").FullName;
        try
        {
            var e = Assert.Throws<MathNasException>(() => MobileNetV3Spaces.CandidateView("cpu", empty));
            Assert.Contains("unavailable", e.Message);
            Assert.Contains("blocks_cpu.csv", e.Message);
            Assert.Contains("not found", Assert.Throws<MathNasException>(() => MathNas.Reference.ReferenceData.Load(empty)).Message);
            Assert.Throws<MathNasException>(() => MobileNetV3Spaces.CandidateView("tpu", empty));
        }
        finally { Directory.Delete(empty, true); }
    }
}
