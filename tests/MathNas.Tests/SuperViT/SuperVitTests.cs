using System.Globalization;
using MathNas.Spaces;
using MathNas.Spaces.SuperViT;
using MathNas.Tests.Support;
using Xunit.Abstractions;

namespace MathNas.Tests.SuperViT;

public class SuperVitTests(ITestOutputHelper output)
{
    [Fact]
    public void Space_has_the_papers_node_sizes()
    {
        var s = SuperVitSpace.Create();
        Assert.Equal(new[] { 2, 8, 36, 24, 24, 63, 24, 12, 2 }, s.ChoiceCounts);
        Assert.Equal(195, s.TotalBlocks);
        Assert.All(s.Nodes, n => Assert.Equal(0, n.BaseIndex));
        Assert.Equal("supervit", s.Name);
        Assert.Equal(224, s.Resolution);
        Assert.Equal(9, SpaceRegistry.Resolve("supervit").NodeCount);
    }

    [Fact]
    public void Block_index_and_settings_are_inverse_over_every_block()
    {
        for (int i = 0; i < 9; i++)
        {
            var seen = new HashSet<SuperVitBlock>();
            for (int j = 0; j < SuperVitSpace.ChoiceCountsPerNode[i]; j++)
            {
                var b = SuperVitSpace.BlockOf(i, j);
                Assert.True(seen.Add(b), $"node {i} block {j} repeats {b}");
                Assert.Equal(j, SuperVitSpace.IndexOf(i, b));
            }
        }
    }

    /// <summary>MathNAS utils.supervit_code, written out independently from the data README section 1.3.</summary>
    private static int[] ReferenceCode(SuperVitConfig c)
    {
        int K(int k) => (k - 3) / 2;
        return
        [
            c.Width[0] / 8 - 2,
            K(c.KernelSize[0]) + 2 * (c.Depth[0] - 1) + 4 * (c.Width[1] / 8 - 2),
            (c.ExpandRatio[1] - 4) + 3 * K(c.KernelSize[1]) + 6 * (c.Depth[1] - 3) + 18 * (c.Width[2] / 8 - 3),
            (c.ExpandRatio[2] - 4) + 3 * (c.Depth[2] - 3) + 12 * (c.Width[3] / 8 - 4),
            (c.ExpandRatio[3] - 4) + 3 * (c.Depth[3] - 3) + 12 * (c.Width[4] / 8 - 8),
            (c.ExpandRatio[4] - 4) + 3 * (c.Depth[4] - 3) + 21 * (c.Width[5] / 8 - 14),
            (c.Depth[5] - 3) + 6 * (c.Width[6] / 8 - 20),
            (c.Depth[6] - 3) + 4 * (c.Width[7] / 8 - 26),
            (c.Width[8] - 1792) / 192,
        ];
    }

    /// <summary>MathNAS README table 3.3 (MathNAS-T1..T5): FLOPs (M) and Param (M) as published.</summary>
    public static TheoryData<string, double, double> Published() => new()
    {
        { "MathNAS-T1.yml", 200, 8.9 },
        { "MathNAS-T2.yml", 325, 9.3 },
        { "MathNAS-T3.yml", 671, 13.6 },
        { "MathNAS-T4.yml", 1101, 14.4 },
        { "MathNAS-T5.yml", 1476, 14.8 },
    };

    /// <summary>
    /// The published FLOPs are whole MFLOPs (NASViT's profiler plus its transformer formula, at the config's own
    /// resolution): we allow 1 MFLOP (under 0.5%), the rounding of the table (T2 computes to 325.6, published 325).
    /// Params are published to 0.1 M; we count them as NASViT's profiler does (see SuperVitParamsConvention) and
    /// allow 0.1 M, again the table's rounding (T1 computes to 8.96, published 8.9).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Published))]
    public void Flops_and_params_of_the_published_networks_match(string file, double mflops, double mparams)
    {
        var c = SuperVitConfig.Load(TestData.Require("mathnas-reference", "results", "supervit", file));
        double f = SuperVitCost.MFlops(c), p = SuperVitCost.MParams(c, SuperVitParamsConvention.NasVitProfiler);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: {f:F2} MFLOPs (published {mflops}), {p:F3} M params (published {mparams}), active params {SuperVitCost.MParams(c):F3} M"));
        Assert.InRange(f, mflops - 1, mflops + 1);
        Assert.InRange(p, mparams - 0.1, mparams + 0.1);
        Assert.True(SuperVitCost.MParams(c) < p, "active-weight params are fewer than the profiler's count");
    }

    [SkippableFact]
    public void Published_configs_round_trip_byte_for_byte_and_encode_as_the_reference()
    {
        var dir = TestData.Require("mathnas-reference", "results", "supervit");
        var files = Directory.GetFiles(dir, "*.yml").Order().ToList();
        Assert.Equal(5, files.Count);
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            var c = SuperVitConfig.Parse(text, f);
            Assert.Equal(text, c.ToYaml());
            var a = SuperVitSpace.Encode(c);
            Assert.Equal(ReferenceCode(c), a.ToArray());
            var s = SuperVitSpace.Create(c.Resolution);
            Assert.Equal(c, s.Decode(a));
            Assert.Equal(SuperVitCost.MFlops(c), s.ExactFlops(a), 9);
        }
    }

    /// <summary>
    /// The reference's blockflops table (4 chunks x 195 values) holds, per node and block, the FLOPs of the base
    /// network with only that block changed. Our layer-by-layer count reproduces every one of the 780 values when
    /// chunk k is read as resolution 192, 224, 256, 288 (the data README's unverified guess, confirmed here): 779 to
    /// 1e-6 MFLOPs, and one (chunk 3, node 2, block 35) 32 MACs below the reference, whose cause we could not find;
    /// so do our spaces' additive block costs (exact for one-node switches by construction).
    /// </summary>
    [SkippableFact]
    public void Layer_count_reproduces_all_780_reference_block_flops()
    {
        var path = TestData.Require("mathnas-reference", "supervit", "blocktable_raw.csv");
        var lines = File.ReadAllLines(path);
        Assert.Equal("flat_index,chunk,node,choice,acc_top1,flops_M", lines[0]);
        var spaces = SuperVitSupernet.Resolutions.Select(r => SuperVitSpace.Create(r)).ToArray();
        double worst = 0;
        int n = 0, off = 0;
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            int chunk = int.Parse(f[1], CultureInfo.InvariantCulture), node = int.Parse(f[2], CultureInfo.InvariantCulture), choice = int.Parse(f[3], CultureInfo.InvariantCulture);
            double flops = double.Parse(f[5], CultureInfo.InvariantCulture);
            var s = spaces[chunk];
            var a = s.BaseArchitecture.With(node, choice);
            double d = Math.Abs(s.ExactFlops(a) - flops);
            worst = Math.Max(worst, d);
            if (d > 1e-6)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chunk {chunk} node {node} choice {choice} {s.Describe(a)}: ours {s.ExactFlops(a)} reference {flops}"));
                off++;
            }
            Assert.True(d < 1e-4, $"chunk {chunk} node {node} choice {choice}: {s.ExactFlops(a)} vs {flops}");
            Assert.Equal(s.ExactFlops(a), s.Flops(a), 6);
            n++;
        }
        Assert.Equal(780, n);
        Assert.True(off <= 1, $"{off} values differ by more than 1e-6 MFLOPs");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"780 values, largest difference {worst:E2} MFLOPs"));
    }

    /// <summary>
    /// Additive block FLOPs ignore the width interaction of neighbouring nodes beyond one switch. Measured over 500
    /// random networks at 224 the largest error was 3.2% of the exact count (printed); the bound is 5%. Budgets that
    /// must hold exactly should be checked with SuperVitSpace.ExactFlops on the found network.
    /// </summary>
    [Fact]
    public void Additive_flops_stay_close_to_the_exact_count()
    {
        var s = SuperVitSpace.Create();
        var rng = new Random(11);
        double worst = 0;
        for (int i = 0; i < 500; i++)
        {
            var a = s.Sample(rng);
            double rel = Math.Abs(s.AdditiveError(a)) / s.ExactFlops(a);
            worst = Math.Max(worst, rel);
            var c = s.Decode(a);
            Assert.Equal(a, SuperVitSpace.Encode(c));
            Assert.Equal(c, SuperVitConfig.Parse(c.ToYaml()));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest relative additive error over 500 networks: {100 * worst:F3}%"));
        Assert.True(worst < 0.05, $"additive FLOPs off by {100 * worst:F2}%");
        Assert.Equal(0, s.AdditiveError(s.BaseArchitecture), 9);
    }

    [Fact]
    public void Transformer_flops_equal_NASViTs_own_formula()
    {
        // misc/attentive_nas_eval.py: x[0]^2 (14 x[1]^2 + 5 x[0]^2 x[1] + 36 x[1]) + 2 (x[1]/8)^2 x[0]^4, x = [H, C].
        foreach (var (h, c) in new[] { (14, 64), (7, 120), (9, 184), (4, 224), (3, 208) })
        {
            double f = (double)h * h * (c * c * 6.0 + c * c * 8.0 + (double)h * h * c * 5 + 3 * 3 * c * 4) + Math.Pow(c / 8, 2) * Math.Pow(h, 4) * 2;
            Assert.Equal(f, SuperVitCost.Transformer(c, h, c).Macs, 6);
        }
    }

    private const string Good = """
        depth:
        - 1
        - 3
        - 3
        - 3
        - 3
        - 3
        - 3
        expand_ratio:
        - 1
        - 4
        - 4
        - 6
        - 4
        - 6
        - 6
        kernel_size:
        - 3
        - 3
        - 3
        - 3
        - 3
        - 3
        - 3
        resolution: 192
        width:
        - 16
        - 16
        - 24
        - 32
        - 64
        - 112
        - 176
        - 208
        - 1792
        """;

    [Theory]
    [InlineData("resolution: 192", "resolution: 200", "'resolution' is 200")]
    [InlineData("resolution: 192", "resolution: 192\nsupernet: x", "unknown key 'supernet'")]
    [InlineData("- 1792", "- 1792\n- 1792", "'width' has 10 values; expected 9")]
    [InlineData("kernel_size:\n- 3\n", "kernel_size:\n", "'kernel_size' has 6 values")]
    [InlineData("- 208", "- 232", "'width[7] (mb7)' is 232")]
    [InlineData("depth:\n- 1", "depth:\n- 3", "'depth[0] (mb1)' is 3")]
    [InlineData("expand_ratio:\n- 1", "expand_ratio:\n- 4", "'expand_ratio[0] (mb1)' is 4")]
    [InlineData("resolution: 192", "resolution: big", "must be an integer")]
    [InlineData("resolution: 192\n", "", "'resolution' is missing")]
    public void Broken_configs_are_rejected_with_a_clear_message(string from, string to, string expected) =>
        ConfigAssert.RejectsEdit(SuperVitConfig.Parse, Good, from, to, expected);

    [Fact]
    public void Stage_kinds_follow_the_NASViT_supernet()
    {
        var st = SuperVitSupernet.Stages;
        Assert.Equal(new[] { false, false, false, true, true, true, true }, st.Select(s => s.Transformer));
        Assert.Equal(new[] { 112, 112, 56, 28, 14, 7, 7, 4 }, SuperVitCost.StageSizes(224));
        Assert.Equal(new[] { 144, 144, 72, 36, 18, 9, 9, 5 }, SuperVitCost.StageSizes(288));
        // Depth adds transformer layers in mb4..mb7 and MBConv layers in mb1..mb3.
        var s = SuperVitSpace.Create();
        var a = s.BaseArchitecture;
        var deeper = a.With(4, SuperVitSpace.IndexOf(4, new SuperVitBlock(64, 4, 3, 4)));
        double layer = SuperVitCost.Transformer(64, 14, 64).Macs / 1e6;
        Assert.Equal(layer, s.ExactFlops(deeper) - s.ExactFlops(a), 6);
    }
}

public class SuperVitRegistryTests
{
    [SkippableFact]
    public void Resolution_variants_are_registered_and_config_files_parse_as_architectures()
    {
        foreach (var r in new[] { 192, 256, 288 })
        {
            var s = (SuperVitSpace)SpaceRegistry.Resolve($"supervit-{r}");
            Assert.Equal(r, s.Resolution);
        }
        var f = TestData.Require("mathnas-reference", "results", "supervit", "MathNAS-T1.yml");
        Assert.Contains("use space 'supervit-192'", Assert.Throws<MathNasException>(() => SpaceRegistry.Resolve("supervit").ParseArchitecture(f)).Message);
        var space = SpaceRegistry.Resolve("supervit-192");
        var a = space.ParseArchitecture(f);
        Assert.Equal(SuperVitSpace.Encode(SuperVitConfig.Load(f)), a);
        Assert.Equal(a, space.ParseArchitecture(a.ToString()));
        Assert.Throws<MathNasException>(() => space.ParseArchitecture("missing.yml"));
    }
}
