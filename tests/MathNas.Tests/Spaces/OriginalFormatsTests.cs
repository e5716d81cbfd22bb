using System.Globalization;
using MathNas.Data;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.NasBench201;
using MathNas.Spaces.SuperTransformer;
using MathNas.Spaces.SuperViT;
using MathNas.Tests.Support;

namespace MathNas.Tests.Spaces;

/// <summary>
/// Issue 13, faithful to the original projects: OFA width multiplier and resolution, OFA's own keys, HAT-readable
/// SubTransformer configs, MathNAS's NAS-Bench-201 format, printed architectures read back, SuperViT exact counts.
/// </summary>
public class OriginalFormatsTests
{
    private static string Example(string name) => Path.Combine(DataLocator.RepositoryRoot()!, "examples", "configs", name);

    private static OfaConfig Published(string mb) =>
        OfaConfig.Load(Path.Combine(TestData.Require("mathnas-reference", "results", "mobilenetv3"), $"MathNAS-{mb}.yml"));

    // ---------------- 1. MobileNetV3 width multiplier and resolution ----------------

    [Fact]
    public void OfaW12_ChannelsAreMakeDivisibleOfTheBaseWidths()
    {
        var net = new OfaMbv3Net(1.2);
        Assert.Equal(24, net.StemWidth);        // make_divisible(19.2, 8): 16 would lose more than 10 %
        Assert.Equal(24, net.FirstBlockWidth);
        Assert.Equal([32, 48, 96, 136, 192], net.StageWidths);
        Assert.Equal(1152, net.FinalExpandWidth);
        Assert.Equal(1536, net.FeatureMixWidth);
        var w10 = OfaMbv3Net.Default;
        Assert.Equal(OfaMbv3.StageWidths, w10.StageWidths);
        Assert.Equal(OfaMbv3.FixedCost().Macs, w10.FixedCost().Macs);
        Assert.Equal(OfaMbv3.FixedCost(192).Macs, new OfaMbv3Net(1.0, 192).FixedCost().Macs);
    }

    [Fact]
    public void DefaultSpaceNamesAndCountsAreUnchanged_W12AndResolutionsAreNewSpaces()
    {
        var layer = (OfaLayerSpace)SpaceRegistry.Resolve("mobilenetv3");
        Assert.Equal(OfaMbv3Net.Default, layer.Net);
        Assert.Equal(OfaMbv3.FixedCost().MMacs, layer.FixedFlops);
        var max = new OfaConfig(Enumerable.Repeat(7, 20).ToArray(), Enumerable.Repeat(6, 20).ToArray(), Enumerable.Repeat(4, 5).ToArray());
        Assert.Equal(max.Cost().MMacs, layer.Flops(layer.BaseArchitecture), 9);

        var w12 = (OfaLayerSpace)SpaceRegistry.Resolve("mobilenetv3-w1.2");
        Assert.Equal(new OfaMbv3Net(1.2), w12.Net);
        Assert.Equal(max.Cost(new OfaMbv3Net(1.2)).MMacs, w12.Flops(w12.BaseArchitecture), 9);
        Assert.True(w12.Flops(w12.BaseArchitecture) > layer.Flops(layer.BaseArchitecture) * 1.3);
        var r192 = (OfaStageSpace)SpaceRegistry.Resolve("mobilenetv3-stage-w1.2-r192");
        Assert.Equal("mobilenetv3-stage-w1.2-r192", r192.Name);
        Assert.Equal(max.Cost(new OfaMbv3Net(1.2, 192)).MMacs, r192.Flops(r192.BaseArchitecture), 9);
        Assert.Equal("mobilenetv3-r160", SpaceRegistry.Resolve("mobilenetv3-r160").Name);
        Assert.Contains("resolution 100", Assert.Throws<MathNasException>(() => SpaceRegistry.Resolve("mobilenetv3-r100")).Message);
        Assert.Contains("width multiplier 1.5", Assert.Throws<MathNasException>(() => SpaceRegistry.Resolve("mobilenetv3-w1.5-r192")).Message);
    }

    [SkippableFact]
    public void PublishedMb2AndMb4_AtW12And224_MatchTheMathNasReadmeWithin0_2Percent_AndTheW12SpacesAgree()
    {
        var net = new OfaMbv3Net(1.2);
        foreach (var (mb, readme) in new[] { ("MB2", 289.0), ("MB4", 669.0) })
        {
            var c = Published(mb);
            double f = c.Cost(net).MMacs;
            Assert.True(Math.Abs(f - readme) / readme <= 0.002, $"{mb}: {f} vs README {readme}");
            var cpu = MobileNetV3Spaces.CandidateView("cpu", null, net);
            Assert.Equal("mobilenetv3-blocks-cpu-w1.2", cpu.Name);
            var text = File.ReadAllText(Path.Combine(TestData.Require("mathnas-reference", "results", "mobilenetv3"), $"MathNAS-{mb}.yml"));
            var a = cpu.ReadConfig(text, mb);
            Assert.Equal(f, cpu.Flops(a), 6);
            Assert.Equal(text, cpu.WriteConfig(a)); // byte for byte in the w1.2 view too
            var layer = MobileNetV3Spaces.LayerViewOf(net);
            Assert.Equal(f, layer.Flops(layer.ReadConfig(text, mb)), 6);
        }
        Assert.Equal(289.56, Published("MB2").Cost(net).MMacs, 2);
        Assert.Equal(669.44, Published("MB4").Cost(net).MMacs, 2);
    }

    /// <summary>What docs/reference-defects.md says about MB1 and MB3, number by number.</summary>
    [SkippableFact]
    public void PublishedMb1AndMb3_AreNotReproducedByOfasSuperNetworks()
    {
        var mb1 = Published("MB1");
        var mb3 = Published("MB3");
        // at 224, the resolution MathNAS validates at, on both published super-networks
        Assert.Equal(201.77, mb1.Cost(new OfaMbv3Net(1.0)).MMacs, 2);
        Assert.Equal(309.83, mb1.Cost(new OfaMbv3Net(1.2)).MMacs, 2);
        Assert.Equal(268.74, mb3.Cost(new OfaMbv3Net(1.0)).MMacs, 2);
        Assert.Equal(408.84, mb3.Cost(new OfaMbv3Net(1.2)).MMacs, 2);
        // every OFA resolution (128..224 step 4) on w1.0 and w1.2
        var grid = OfaMbv3Net.WidthChoices.SelectMany(w => Enumerable.Range(0, 25).Select(i => new OfaMbv3Net(w, 128 + 4 * i))).ToList();
        (double Err, OfaMbv3Net Net) Closest(OfaConfig c, double readme) =>
            grid.Select(n => (Math.Abs(c.Cost(n).MMacs - readme) / readme, n)).MinBy(x => x.Item1);
        var c3 = Closest(mb3, 336);
        Assert.True(c3.Err > 0.039, $"MB3 closest {c3.Net}: {c3.Err}");
        Assert.Equal(335.4, Math.Round(mb3.Cost(new OfaMbv3Net(1.15, 200)).MMacs, 1)); // a free width and resolution match anything
        Assert.Equal(new OfaMbv3Net(1.2, 196), c3.Net);
        Assert.Equal(349.44, mb3.Cost(c3.Net).MMacs, 2);
        // MB1 meets 257 only on w1.2 at 196 (not a resolution MathNAS's script uses); MB3 at that setting is 349.4
        var c1 = Closest(mb1, 257);
        Assert.Equal(new OfaMbv3Net(1.2, 196), c1.Net);
        Assert.Equal(257.23, mb1.Cost(c1.Net).MMacs, 2);
        Assert.True(grid.Where(n => n.Resolution == 224).All(n => Math.Abs(mb1.Cost(n).MMacs - 257) / 257 > 0.2));
    }

    [Fact]
    public void OfaOwnKeys_WidAndR_AreRead_AndTheArchDictRoundTripsByteForByte()
    {
        var text = File.ReadAllText(Example("ofa-mbv3-arch.json"));
        var c = OfaConfig.Parse(text, "ofa-mbv3-arch.json");
        Assert.Equal(192, c.R);
        Assert.Null(c.Wid);
        Assert.Equal(text, c.ToOfaJson());                       // byte for byte, inactive layers included
        // the space of that resolution reads it; another resolution is refused with the space that fits
        var r192 = (OfaLayerSpace)SpaceRegistry.Resolve("mobilenetv3-w1.2-r192");
        var a = r192.ReadConfig(text, "s.json");
        Assert.True(r192.ToConfig(a).SameNetwork(c));
        Assert.True(c.SameNetwork(OfaConfig.Parse(r192.WriteConfig(a, MobileNetV3Spaces.FormatOfa))));
        Assert.Equal(a, r192.ReadConfig(r192.WriteConfig(a, MobileNetV3Spaces.FormatOfa)));
        var e = Assert.Throws<MathNasException>(() => MobileNetV3Spaces.LayerView.ReadConfig(text, "s.json"));
        Assert.Contains("r = 192", e.Message);
        Assert.Contains("'mobilenetv3-r192'", e.Message);
        // OFA's printed dict (Python repr) reads too: 'wid': None, 'r': [224]
        var py = "{'wid': None, 'ks': [" + string.Join(", ", c.Ks) + "], 'e': [" + string.Join(", ", c.E) + "], 'd': [" + string.Join(", ", c.D) + "], 'r': [224]}";
        var p = OfaConfig.Parse(py, "py");
        Assert.Equal(224, p.R);
        Assert.True(p.SameNetwork(c));
        Assert.Equal(MobileNetV3Spaces.LayerView.ReadConfig(py), MobileNetV3Spaces.LayerView.FromConfig(c));
        // a numeric wid is the width multiplier
        var w = OfaConfig.Parse(py.Replace("None", "1.2"));
        Assert.Equal(1.2, w.Wid);
        Assert.Contains("'mobilenetv3-w1.2'", Assert.Throws<MathNasException>(() => MobileNetV3Spaces.LayerView.ReadConfig(py.Replace("None", "1.2"))).Message);
        Assert.Contains("wid", Assert.Throws<MathNasException>(() => OfaConfig.Parse(py.Replace("None", "wide"))).Message);
        Assert.Contains("one resolution", Assert.Throws<MathNasException>(() => OfaConfig.Parse(py.Replace("[224]", "[224, 192]"))).Message);
        Assert.False(MobileNetV3Spaces.LayerView.ConfigTakesComments(MobileNetV3Spaces.FormatOfa));
    }

    // ---------------- 2. HAT configs ----------------

    [Fact]
    public void SuperTransformerWritesHatsLayoutByDefault_WhichConfigArgParseReadsToTheIntendedValues()
    {
        var st = SuperTransformerSpace.Create();
        Assert.Equal(["hat", "mathnas"], ((IConfigSpace)st).ConfigFormats);
        var rng = new Random(13);
        for (int i = 0; i < 50; i++)
        {
            var a = st.Sample(rng);
            var c = st.Decode(a);
            var items = ConfigArgParseRules.Parse(st.WriteConfig(a));
            Assert.Equal(10, items.Count);
            Assert.Equal([512], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderEmbed));
            Assert.Equal([c.DecoderLayerCount], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderLayers));
            Assert.Equal([6], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderLayers));
            Assert.Equal(c.Encoder.Select(x => x.Ffn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderFfn));
            Assert.Equal(c.Encoder.Select(x => x.Heads), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEncoderHeads));
            Assert.Equal(c.Decoder.Select(x => x.Ffn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderFfn));
            Assert.Equal(c.Decoder.Select(x => x.SelfHeads), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderHeads));
            Assert.Equal(c.Decoder.Select(x => x.EndeHeads), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyEndeHeads));
            Assert.Equal(c.Decoder.Select(x => x.ArbitraryEndeAttn), ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyArbitrary));
            Assert.Equal(a, st.ReadConfig(st.WriteConfig(a)));
            Assert.Equal(a, st.ReadConfig(st.WriteConfig(a, SuperTransformerSpace.FormatMathNas)));
        }
        // MathNAS's block-list layout is what HAT's loader cannot read: keys with "" and a stray key "-"
        var sorted = ConfigArgParseRules.Parse(st.WriteConfig(st.BaseArchitecture, SuperTransformerSpace.FormatMathNas));
        Assert.Equal("", sorted[SubTransformerConfig.KeyEncoderFfn].Text);
        Assert.True(sorted.ContainsKey("-"));
        Assert.Contains("not", Assert.Throws<MathNasException>(() => NativeConfigs.CheckFormat(st, "yaml")).Message);
    }

    [Fact]
    public void HatSample_RoundTripsByteForByte()
    {
        var text = File.ReadAllText(Example("hat-subtransformer.yml"));
        var st = SuperTransformerSpace.Create();
        var a = st.ReadConfig(text, "hat-subtransformer.yml");
        Assert.Equal(text, st.WriteConfig(a));
        var items = ConfigArgParseRules.Parse(text);
        Assert.Equal([2, -1, 1], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyArbitrary));
        Assert.Equal([3], ConfigArgParseRules.Ints(items, SubTransformerConfig.KeyDecoderLayers));
    }

    // ---------------- 3. NAS-Bench-201 MathNAS format ----------------

    [Fact]
    public void Nb201_ReadsAndWritesMathNasArchstrArchcode_ForEveryNetwork()
    {
        var nb = NasBench201Space.Instance;
        Assert.Equal(["arch", "mathnas"], ((IConfigSpace)nb).ConfigFormats);
        foreach (var a in nb.Enumerate())
        {
            var m = nb.WriteConfig(a, NasBench201Space.FormatMathNas);
            Assert.Equal(a, nb.ReadConfig(m));
            Assert.Equal(a, nb.ReadConfig(nb.WriteConfig(a)));
        }
        var sample = File.ReadAllText(Example("nb201-mathnas.yml"));
        var s = nb.ReadConfig(sample, "nb201-mathnas.yml");
        Assert.Equal(new Architecture(3, 2, 1, 3, 0, 4), s);
        Assert.Equal(sample, nb.WriteConfig(s, NasBench201Space.FormatMathNas));
        // either key alone, both must agree, no mixing with 'arch'
        Assert.Equal(s, nb.ReadConfig("archcode: [3, 2, 1, 3, 0, 4]\n"));
        Assert.Equal(s, nb.ReadConfig("archstr: '" + NasBench201Space.ToArchString(s) + "'\n"));
        Assert.Contains("archcode", Assert.Throws<MathNasException>(() => nb.ReadConfig(sample.Replace("- 4", "- 2"), "b.yml")).Message);
        Assert.Contains("cannot be combined", Assert.Throws<MathNasException>(() => nb.ReadConfig(sample + "arch: x\n", "b.yml")).Message);
        Assert.Contains("6", Assert.Throws<MathNasException>(() => nb.ReadConfig("archcode: [3, 2]\n", "b.yml")).Message);
        Assert.Contains("out of range", Assert.Throws<MathNasException>(() => nb.ReadConfig("archcode: [3, 2, 1, 3, 0, 7]\n", "b.yml")).Message);
    }

    // ---------------- 4. parity from config files ----------------

    [SkippableFact]
    public void ReferenceCodesOfThePublishedConfigs_AreTheCodesOfReferencePredictions()
    {
        var root = TestData.Require("mathnas-reference");
        var lines = File.ReadAllLines(Path.Combine(root, "reference_predictions.csv")).Skip(1).Where(l => l.StartsWith("supervit,results/") || l.Contains(",results/")).ToList();
        Assert.Equal(26, lines.Count);
        foreach (var line in lines)
        {
            var f = line.Split(',');
            var code = ReferenceConfigs.Load(f[0], f[2], Path.Combine(root, f[1]));
            Assert.Equal(f[3], string.Join(" ", code));
        }
        // a MobileNetV3 config without encodearch: its stages are looked up among the device's candidates
        var mb3 = OfaConfig.Load(Path.Combine(root, "results", "mobilenetv3", "MathNAS-MB3.yml"));
        Assert.Equal([0, 0, 3, 2, 3], ReferenceConfigs.Code("mobilenetv3", "tx2cpu", new OfaConfig(mb3.Ks, mb3.E, mb3.D).ToYaml()));
        Assert.Contains("not one of the candidates", Assert.Throws<MathNasException>(() => ReferenceConfigs.Code("mobilenetv3", "tx2gpu", new OfaConfig(mb3.Ks, mb3.E, mb3.D).ToYaml(), "x.yml")).Message);
        Assert.Equal([3, 2, 1, 3, 0, 4], ReferenceConfigs.Code("nasbench201", "fpga", File.ReadAllText(Example("nb201-mathnas.yml"))));
    }

    // ---------------- 5. printed architectures read back ----------------

    [Fact]
    public void EveryBuiltInSpace_ParsesWhatItPrints()
    {
        int checkedSpaces = 0;
        foreach (var (name, _) in SpaceRegistry.List())
        {
            SearchSpace space;
            try { space = SpaceRegistry.Resolve(name); }
            catch (MathNasException e) when (e.Message.Contains("unavailable")) { continue; } // candidate views without the shared data
            var rng = new Random(5);
            foreach (var a in new[] { space.BaseArchitecture }.Concat(Enumerable.Range(0, 25).Select(_ => space.Sample(rng))))
            {
                var printed = space.Describe(a);
                Assert.Equal(a, space.ParseArchitecture(printed));
                Assert.Equal(a, space.ParseArchitecture(a.ToString()));
                Assert.Equal(a, space.ParseArchitecture("[" + string.Join(", ", a) + "]")); // the code as --json prints it
            }
            checkedSpaces++;
        }
        Assert.True(checkedSpaces >= 12, $"{checkedSpaces} spaces checked");
    }

    [Fact]
    public void PrintedForms_AreCheckedStrictly()
    {
        var file = SpaceFile.Load(Path.Combine(DataLocator.RepositoryRoot()!, "examples", "tiny-space.yml"));
        var a = file.Sample(new Random(1));
        Assert.Equal(a, file.ParseArchitecture(file.Describe(a)));
        Assert.Contains("is not a block of node", Assert.Throws<MathNasException>(() => file.ParseArchitecture(file.Describe(a).Replace("=", "=zz"))).Message);
        var vit = SuperVitSpace.Create();
        var printed = vit.Describe(vit.BaseArchitecture);
        Assert.Contains("'supervit-192'", Assert.Throws<MathNasException>(() => vit.ParseArchitecture(printed.Replace("resolution=224", "resolution=192"))).Message);
        Assert.Contains("unknown item", Assert.Throws<MathNasException>(() => vit.ParseArchitecture(printed + " colour=[1]")).Message);
        var st = SuperTransformerSpace.Create();
        var sp = st.Describe(st.BaseArchitecture);
        Assert.Contains("layers=", Assert.Throws<MathNasException>(() => st.ParseArchitecture(sp.Replace("layers=6", "layers=5"))).Message);
        var mb = MobileNetV3Spaces.LayerView;
        var mp = mb.Describe(mb.BaseArchitecture);
        Assert.Contains("'mobilenetv3-r192'", Assert.Throws<MathNasException>(() => mb.ParseArchitecture(mp + " r=192")).Message);
        Assert.Equal(mb.BaseArchitecture, ((OfaLayerSpace)SpaceRegistry.Resolve("mobilenetv3-r192")).ParseArchitecture(mp + " r=192"));
    }

    // ---------------- 6. SuperViT exact counts ----------------

    [SkippableFact]
    public void SuperVit_ExactFlopsOfT1ToT5_AndThePapersParams()
    {
        var dir = TestData.Require("mathnas-reference", "results", "supervit");
        var expected = new[] { 199.7, 325.6, 670.9, 1101.4, 1476.0 };
        for (int t = 1; t <= 5; t++)
        {
            var c = SuperVitConfig.Load(Path.Combine(dir, $"MathNAS-T{t}.yml"));
            var space = SuperVitSpace.Create(c.Resolution);
            var a = space.ReadConfig(File.ReadAllText(Path.Combine(dir, $"MathNAS-T{t}.yml")));
            IExactCostSpace x = space;
            Assert.Equal(expected[t - 1], Math.Round(x.ExactFlops(a), 1));
            Assert.Equal(SuperVitCost.MParams(c, SuperVitParamsConvention.NasVitProfiler), x.ReportedParams(a), 9);
            Assert.True(Math.Abs(SuperVitCost.MParams(c) - space.Params(a)) / SuperVitCost.MParams(c) < 0.01); // block params: the additive model of the active-weight count
        }
        Assert.Contains("profiler", ((IExactCostSpace)SuperVitSpace.Create()).ReportedParamsConvention);
    }

    // ---------------- 7. the docs' NAS-Bench-201 statement ----------------

    [Fact]
    public void EvidenceDoc_Nb201BaseFlopsAndFactor_AreWhatTheCodeComputes()
    {
        var nb = NasBench201Space.Instance;
        double f0 = nb.Flops(nb.BaseArchitecture);
        Assert.Equal(220.12, Math.Round(f0, 2));
        var doc = File.ReadAllText(Path.Combine(DataLocator.RepositoryRoot()!, "docs", "evidence-spaces.md"));
        Assert.DoesNotContain("184.7 MFLOPs", doc);
        Assert.Contains($"{f0.ToString("0.00", CultureInfo.InvariantCulture)} MFLOPs", doc);
        // the fpga <= 1000 network of the doc's flops-scaled row: factor F_ref / F(N)
        var small = nb.ParseArchitecture("2,1,1,2,2,2");
        var factor = f0 / nb.Flops(small);
        Assert.Contains($"= {factor.ToString("0.00", CultureInfo.InvariantCulture)} (predicted", doc);
    }
}
