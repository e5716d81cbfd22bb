using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Tests.Support;

namespace MathNas.Tests.MobileNetV3;

public class OfaConfigTests
{
    private static string[] PublishedConfigs()
    {
        var dir = TestData.Require("mathnas-reference", "results", "mobilenetv3");
        var files = Directory.GetFiles(dir, "*.yml").Order().ToArray();
        Assert.Equal(4, files.Length);
        return files;
    }

    [SkippableFact]
    public void PublishedConfigs_RoundTripByteForByte()
    {
        foreach (var f in PublishedConfigs())
        {
            var text = File.ReadAllText(f);
            var c = OfaConfig.Parse(text, f);
            Assert.Equal(text, c.ToYaml());
            Assert.Equal(c, OfaConfig.Parse(c.ToYaml()));
            Assert.NotNull(c.EncodeArch);
        }
    }

    [SkippableFact]
    public void PublishedConfigs_RoundTripThroughEveryView()
    {
        PublishedConfigs();
        var data = ReferenceData.Load();
        foreach (var f in PublishedConfigs())
        {
            var c = OfaConfig.Load(f);
            var layer = MobileNetV3Spaces.LayerView;
            var a = layer.FromConfig(c);
            Assert.True(c.SameNetwork(layer.ToConfig(a)));
            Assert.Equal(c.Canonical(), layer.ToConfig(a));
            Assert.Equal(c.Cost().MMacs, layer.Flops(a), 9);
            Assert.Equal(c.Cost().MParams, layer.Params(a), 9);

            var stage = MobileNetV3Spaces.StageView;
            var b = stage.FromConfig(c);
            Assert.True(c.SameNetwork(stage.ToConfig(b)));
            Assert.Equal(c.Cost().MMacs, stage.Flops(b), 9);

            // candidate view: the encodearch code expands (utils.mobilenetv3_decode) to this very network with one
            // of the two block sets (MB1: GPU set, MB2-4: CPU set, data README 1.2)
            var code = new Architecture(c.EncodeArch!);
            var matches = new[] { data.BlocksCpu, data.BlocksGpu }
                .Where(bs => new OfaCandidateSpace("x", bs, "test").ToConfig(code).SameNetwork(c)).Count();
            Assert.True(matches >= 1, Path.GetFileName(f));
        }
    }

    [Theory]
    [InlineData("ks: [3]\ne: [3]\nd: [2]\n", "'ks' must list 20")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\ne: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\nd: [2,2,2,2]\n", "'d' must list 5")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,9]\ne: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\nd: [2,2,2,2,2]\n", "ks[19] = 9")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\ne: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,5]\nd: [2,2,2,2,2]\n", "e[19] = 5")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\ne: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\nd: [2,2,2,2,1]\n", "d[4] = 1")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\ne: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\nd: [2,2,2,2,2]\nwidth: [1]\n", "unknown key 'width'")]
    [InlineData("ks: [3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]\nd: [2,2,2,2,2]\n", "'e' is missing")]
    [InlineData("ks: 3\ne: [3]\nd: [2]\n", "'ks' must be a list")]
    [InlineData("ks: [a]\ne: [3]\nd: [2]\n", "ks[0] is not an integer")]
    [InlineData("", "empty")]
    [InlineData("ks: [3, 3\n", "line")]
    [InlineData("- 1\n- 2\n", "mapping")]
    public void BrokenConfigs_AreRejectedWithAClearMessage(string yaml, string expected)
    {
        var e = Assert.Throws<MathNasException>(() => OfaConfig.Parse(yaml, "bad.yml"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void EncodeArch_IsCheckedForShape()
    {
        var ks = string.Join(",", Enumerable.Repeat(3, 20));
        var e = Assert.Throws<MathNasException>(() => OfaConfig.Parse($"ks: [{ks}]\ne: [{ks}]\nd: [2,2,2,2,2]\nencodearch: [0,0,0]\n"));
        Assert.Contains("encodearch", e.Message);
    }

    [Fact]
    public void RandomLayerArchitectures_RoundTripThroughConfigAndYaml()
    {
        var rng = new Random(7);
        var layer = MobileNetV3Spaces.LayerView;
        var stage = MobileNetV3Spaces.StageView;
        for (int t = 0; t < 300; t++)
        {
            var a = layer.Sample(rng);
            var c = layer.ToConfig(a);
            Assert.Equal(a, layer.FromConfig(OfaConfig.Parse(c.ToYaml())));
            var b = stage.FromConfig(c);
            Assert.Equal(layer.Flops(a), stage.Flops(b), 9);
            Assert.Equal(layer.Params(a), stage.Params(b), 9);
            Assert.Equal(c.Cost().MMacs, layer.Flops(a), 9);
        }
    }
}
