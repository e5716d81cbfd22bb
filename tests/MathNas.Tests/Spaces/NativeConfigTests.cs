using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.NasBench201;
using MathNas.Spaces.SuperTransformer;
using MathNas.Spaces.SuperViT;
using MathNas.Tests.Support;

namespace MathNas.Tests.Spaces;

/// <summary>Native configs (<see cref="IConfigSpace"/>): round trips over every published config and over sampled networks; broken configs.</summary>
public class NativeConfigTests
{
    private static string[] Published(string space)
    {
        var dir = TestData.Require("mathnas-reference", "results", space);
        var files = Directory.GetFiles(dir, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        return files;
    }

    [SkippableFact]
    public void PublishedMobileNetV3Configs_RoundTripInTheirCandidateViewByteForByte_AndInTheLayerAndStageViews()
    {
        var files = Published("mobilenetv3"); // skips the test when the shared data is absent
        var views = new[] { MobileNetV3Spaces.CandidateView("cpu"), MobileNetV3Spaces.CandidateView("gpu") };
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            var published = OfaConfig.Parse(text, f);
            int readers = 0;
            foreach (var v in views)
            {
                Architecture a;
                try { a = v.ReadConfig(text, f); }
                catch (MathNasException) { continue; }
                readers++;
                Assert.Equal(published.EncodeArch, a.ToArray());
                Assert.Equal(text, v.WriteConfig(a)); // config -> code -> config, byte for byte (encodearch included)
            }
            Assert.True(readers >= 1, $"{f}: no candidate view reads it");

            foreach (var view in new IConfigSpace[] { MobileNetV3Spaces.LayerView, MobileNetV3Spaces.StageView })
            {
                var a = view.ReadConfig(text, f);
                var back = OfaConfig.Parse(view.WriteConfig(a));
                Assert.Equal(published.Canonical(), back); // same network; inactive layers written as k3 e3
                Assert.True(published.SameNetwork(back));
                Assert.Equal(a, view.ReadConfig(view.WriteConfig(a)));
            }
        }
    }

    [SkippableFact]
    public void PublishedSuperVitConfigs_RoundTripByteForByte_InTheSpaceOfTheirResolution()
    {
        foreach (var f in Published("supervit"))
        {
            var text = File.ReadAllText(f);
            var res = SuperVitConfig.Parse(text, f).Resolution;
            var space = (SuperVitSpace)SpaceRegistry.Resolve(res == SuperVitSpace.DefaultResolution ? "supervit" : $"supervit-{res}");
            var a = space.ReadConfig(text, f);
            Assert.Equal(text, space.WriteConfig(a));
            var other = SuperVitSpace.Create(res == 288 ? 192 : 288);
            var e = Assert.Throws<MathNasException>(() => other.ReadConfig(text, f));
            Assert.Contains("resolution", e.Message);
        }
    }

    [SkippableFact]
    public void PublishedSuperTransformerConfigs_RoundTripByteForByte()
    {
        var space = SuperTransformerSpace.Create();
        var files = Published("supertransformer");
        Assert.Equal(9, files.Length);
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            var a = space.ReadConfig(text, f);
            Assert.True(space.IsValid(a));
            Assert.Equal(text, space.WriteConfig(a, SuperTransformerSpace.FormatMathNas));
            Assert.Equal(a, space.ParseArchitecture(f));
        }
    }

    [Fact]
    public void EveryNasBench201Network_RoundTrips()
    {
        var s = NasBench201Space.Instance;
        int n = 0;
        foreach (var a in s.Enumerate())
        {
            Assert.Equal(a, s.ReadConfig(s.WriteConfig(a)));
            n++;
        }
        Assert.Equal(NasBench201Space.NetworkCount, n);
    }

    [Fact]
    public void SampledNetworksOfEveryConfigSpace_RoundTrip()
    {
        var rng = new Random(5);
        var spaces = new SearchSpace[] { MobileNetV3Spaces.LayerView, MobileNetV3Spaces.StageView, SuperVitSpace.Create(), SuperVitSpace.Create(288), SuperTransformerSpace.Create() };
        foreach (var s in spaces)
        {
            var c = (IConfigSpace)s;
            for (int k = 0; k < 300; k++)
            {
                var a = s.Sample(rng);
                var text = c.WriteConfig(a);
                Assert.Equal(a, c.ReadConfig(text));
                Assert.Equal(text, c.WriteConfig(c.ReadConfig(text)));
            }
            Assert.Equal(s.BaseArchitecture, c.ReadConfig(c.WriteConfig(s.BaseArchitecture)));
        }
    }

    [Fact]
    public void BrokenConfigsAreRejectedWithAClearMessage()
    {
        var nb = NasBench201Space.Instance;
        Assert.Contains("unknown key 'op'", Assert.Throws<MathNasException>(() => nb.ReadConfig("arch: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'\nop: 1\n")).Message);
        Assert.Contains("unknown op", Assert.Throws<MathNasException>(() => nb.ReadConfig("arch: '|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|'\n")).Message);
        Assert.Contains("missing", Assert.Throws<MathNasException>(() => nb.ReadConfig("{}\n")).Message);

        var layer = MobileNetV3Spaces.LayerView;
        var good = layer.WriteConfig(layer.BaseArchitecture);
        Assert.Contains("unknown key", Assert.Throws<MathNasException>(() => layer.ReadConfig(good + "w: 1\n")).Message);
        Assert.Contains("'d' must list 5", Assert.Throws<MathNasException>(() => layer.ReadConfig(good.Replace("d:\n- 4\n", "d:\n"))).Message);

        var st = SuperTransformerSpace.Create();
        var text = st.WriteConfig(st.BaseArchitecture);
        var e = Assert.Throws<MathNasException>(() => st.ReadConfig(text.Replace("encoder-embed-dim-subtransformer: 512", "encoder-embed-dim-subtransformer: 640"), "x.yml"));
        Assert.Contains("x.yml", e.Message);
        Assert.Contains("outside the MathNAS SuperTransformer space", e.Message);

        var vit = SuperVitSpace.Create();
        var v = vit.WriteConfig(vit.BaseArchitecture);
        Assert.Contains("use space 'supervit-256'", Assert.Throws<MathNasException>(() => vit.ReadConfig(v.Replace("resolution: 224", "resolution: 256"))).Message);

        var file = new SearchSpace("plain", [new Node("n", [new Block("a", 1, 1)])]);
        Assert.Contains("no native config", Assert.Throws<MathNasException>(() => NativeConfigs.Require(file)).Message);
    }

    [SkippableFact]
    public void CandidateView_RefusesAStageThatIsNoCandidate_AndAnEncodeArchThatContradictsKsED()
    {
        TestData.Require("mathnas-reference", "mobilenetv3", "blocks_cpu.csv");
        var cpu = MobileNetV3Spaces.CandidateView("cpu");
        var a = new Architecture(0, 1, 2, 3, 4);
        var cfg = cpu.ToConfig(a);
        // without encodearch: looked up
        var plain = new OfaConfig(cfg.Ks, cfg.E, cfg.D).ToYaml();
        Assert.Equal(a, cpu.ReadConfig(plain));
        // encodearch naming another candidate
        var wrong = new OfaConfig(cfg.Ks, cfg.E, cfg.D, [1, 1, 2, 3, 4]).ToYaml();
        Assert.Contains("encodearch[0]", Assert.Throws<MathNasException>(() => cpu.ReadConfig(wrong)).Message);
        // the OFA max net is (almost surely) not a combination of the candidates: refused unless it is
        var max = MobileNetV3Spaces.LayerView.WriteConfig(MobileNetV3Spaces.LayerView.BaseArchitecture);
        bool isCandidate = Enumerable.Range(0, 5).All(s => cpu.Candidates[s].Any(c => c.Depth == 4 && c.Kernel.All(k => k == 7) && c.Expand.All(x => x == 6)));
        if (!isCandidate) Assert.Contains("not one of the candidates", Assert.Throws<MathNasException>(() => cpu.ReadConfig(max)).Message);
    }
}
