using MathNas.Spaces;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tests.Support;

namespace MathNas.Tests.SuperTransformer;

public class SuperTransformerTests
{
    private static string Hat(string encFfn, string decFfn, int decLayers, string encHeads, string decHeads, string endeHeads, string arb, int embed = 512) => $"""
        encoder-embed-dim-subtransformer: {embed}
        decoder-embed-dim-subtransformer: {embed}

        encoder-ffn-embed-dim-all-subtransformer: [{encFfn}]
        decoder-ffn-embed-dim-all-subtransformer: [{decFfn}]

        encoder-layer-num-subtransformer: 6
        decoder-layer-num-subtransformer: {decLayers}

        encoder-self-attention-heads-all-subtransformer: [{encHeads}]
        decoder-self-attention-heads-all-subtransformer: [{decHeads}]
        decoder-ende-attention-heads-all-subtransformer: [{endeHeads}]

        # for arbitrary encoder decoder attention. -1 means attending to last one encoder layer
        decoder-arbitrary-ende-attn-all-subtransformer: [{arb}]
        """;

    /// <summary>
    /// Named SubTransformers of HAT (configs/wmt14.en-de/subtransformer/*.yml) with the #Params (M) and FLOPs (G)
    /// HAT's README table publishes for them (without embeddings and output layer, 30-token sentences).
    /// </summary>
    public static TheoryData<string, string, double, double> Named() => new()
    {
        { "raspberrypi@3.5s", Hat("1024, 3072, 3072, 2048, 2048, 2048", "3072", 1, "4, 8, 4, 4, 4, 8", "8", "8", "-1"), 25.22, 1.53 },
        { "raspberrypi@4.5s", Hat("3072, 3072, 3072, 3072, 3072, 3072", "3072, 3072", 2, "4, 8, 8, 4, 8, 8", "8, 8", "8, 8", "-1, 1"), 35.72, 2.19 },
        { "raspberrypi@6.9s", Hat("3072, 3072, 3072, 3072, 3072, 3072", "2048, 2048, 3072, 3072, 2048", 5, "8, 4, 8, 8, 8, 8", "8, 8, 8, 4, 8", "4, 8, 8, 8, 8", "-1, 1, 1, 1, -1"), 48.33, 3.02 },
        { "xeon@137.9ms", Hat("3072, 3072, 3072, 3072, 3072, 3072", "3072", 1, "4, 8, 8, 8, 8, 8", "8", "8", "1"), 30.47, 1.87 },
        { "xeon@450.9ms", Hat("3072, 3072, 3072, 3072, 3072, 3072", "3072, 3072, 3072, 3072, 3072, 3072", 6, "4, 4, 8, 8, 8, 4", "8, 8, 8, 4, 4, 4", "4, 8, 8, 8, 8, 8", "-1, 1, 1, 1, -1, -1"), 56.73, 3.53 },
        { "titanxp@146.7ms", Hat("3072, 3072, 3072, 3072, 3072, 3072", "3072, 3072, 3072", 3, "4, 8, 8, 8, 4, 4", "8, 8, 8", "4, 8, 8", "-1, 1, 1", 640), 51.20, 3.17 },
    };

    /// <summary>
    /// Params must agree to HAT's 2 decimals (0.005 M: the count is exact). FLOPs are published to 2 decimals of a
    /// GFLOP; we allow 0.01 G (under 0.7%) because torchprofile's element-wise terms (layer norms, scalings), which
    /// we count as HAT's torchprofile version does, are a few hundred kFLOPs and the rounding is HAT's.
    /// </summary>
    [Theory]
    [MemberData(nameof(Named))]
    public void Flops_and_params_of_named_subtransformers_match_HAT(string name, string yaml, double paramsM, double flopsG)
    {
        var c = SubTransformerConfig.Parse(yaml, name);
        Assert.InRange(SubTransformerCost.Params(c) / 1e6, paramsM - 0.005, paramsM + 0.005);
        Assert.InRange(SubTransformerCost.Flops(c) / 1e9, flopsG - 0.01, flopsG + 0.01);
    }

    [Fact]
    public void Space_has_the_published_shape_and_bases()
    {
        var s = SuperTransformerSpace.Create();
        Assert.Equal(new[] { 6, 6, 6, 6, 6, 6, 36, 37, 37, 37, 37, 37 }, s.ChoiceCounts);
        Assert.All(s.Nodes.Take(6), n => Assert.Equal("ffn3072_h8", n.Blocks[n.BaseIndex].Name));
        Assert.All(s.Nodes.Skip(6), n => Assert.Equal("ffn3072_sh8_eh8_arb2", n.Blocks[n.BaseIndex].Name));
        Assert.Equal(4, s.Constraints.Count);
        Assert.Equal(6, SuperTransformerSpace.DecoderDepth(s.BaseArchitecture));
    }

    [Fact]
    public void Block_codes_follow_the_reference_layout()
    {
        for (int j = 0; j < 6; j++)
        {
            var l = SuperTransformerSpace.EncoderLayerOf(j);
            Assert.Equal(j, 2 * (l.Ffn / 1024 - 1) + (l.Heads / 4 - 1));
            Assert.Equal(j, SuperTransformerSpace.EncoderIndex(l));
        }
        for (int j = 0; j < 36; j++)
        {
            var l = SuperTransformerSpace.DecoderLayerOf(j);
            int w = l.ArbitraryEndeAttn == -1 ? 0 : l.ArbitraryEndeAttn;
            Assert.Equal(j, 12 * w + 6 * (l.EndeHeads / 4 - 1) + 3 * (l.SelfHeads / 4 - 1) + (l.Ffn / 1024 - 1));
            Assert.Equal(j, SuperTransformerSpace.DecoderIndex(l));
        }
    }

    [Fact]
    public void Consistency_constraints_admit_exactly_the_suffix_absent_patterns()
    {
        // Exhaustive over the 2^5 absent patterns of decoder layers 2..6 in the real space.
        var s = SuperTransformerSpace.Create();
        var depths = new List<int>();
        for (int mask = 0; mask < 32; mask++)
        {
            var a = s.BaseArchitecture;
            for (int k = 0; k < 5; k++) if ((mask >> k & 1) == 1) a = a.With(7 + k, SuperTransformerSpace.AbsentBlock);
            bool suffix = true;
            for (int k = 0; k < 4; k++) if ((mask >> k & 1) == 1 && (mask >> (k + 1) & 1) == 0) suffix = false;
            Assert.Equal(suffix, s.IsValid(a));
            if (suffix) depths.Add(SuperTransformerSpace.DecoderDepth(a));
        }
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, depths.Order());
    }

    [Fact]
    public void Enumerating_a_reduced_space_yields_each_decoder_depth_once()
    {
        // The decoder nodes of the real space cut to {block 0, absent} (layer 1: block 0 only), with the real constraints.
        var s = SuperTransformerSpace.Create();
        var nodes = new List<Node>();
        for (int k = 0; k < 6; k++)
        {
            var n = s.Nodes[6 + k];
            var keep = k == 0 ? new[] { n.Blocks[0] } : new[] { n.Blocks[0], n.Blocks[SuperTransformerSpace.AbsentBlock] };
            nodes.Add(new Node(n.Name, keep));
        }
        var constraints = s.Constraints.Select(c => new LinearConstraint(c.Name,
            c.Terms.Select(t => new ConstraintTerm(t.Node - 6, t.Block == SuperTransformerSpace.AbsentBlock ? 1 : throw new InvalidOperationException(), t.Coefficient)).ToList(), c.Rhs)).ToList();
        var reduced = new SearchSpace("reduced-decoder", nodes, constraints: constraints);
        var all = reduced.Enumerate().ToList();
        Assert.Equal(6, all.Count);
        var depths = all.Select(a => Enumerable.Range(0, 6).TakeWhile(k => a[k] == 0).Count()).Order().ToArray();
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, depths);
        Assert.All(all, a => Assert.True(Enumerable.Range(0, 6).SkipWhile(k => a[k] == 0).All(k => a[k] == 1)));
    }

    [Fact]
    public void Valid_network_count_matches_enumeration_of_a_reduced_space()
    {
        // Real space cut to 2 encoder layers x 2 blocks and 3 decoder layers x 2 blocks (+ absent), real constraint shape.
        var s = SuperTransformerSpace.Create();
        var nodes = new List<Node>
        {
            new("e1", s.Nodes[0].Blocks.Take(2).ToList()), new("e2", s.Nodes[1].Blocks.Take(2).ToList()),
            new("d1", s.Nodes[6].Blocks.Take(2).ToList()),
            new("d2", [.. s.Nodes[7].Blocks.Take(2), s.Nodes[7].Blocks[SuperTransformerSpace.AbsentBlock]]),
            new("d3", [.. s.Nodes[8].Blocks.Take(2), s.Nodes[8].Blocks[SuperTransformerSpace.AbsentBlock]]),
        };
        var reduced = new SearchSpace("reduced", nodes, constraints: [new LinearConstraint("d2-d3", [new ConstraintTerm(3, 2, 1), new ConstraintTerm(4, 2, -1)], 0)]);
        Assert.Equal(SuperTransformerSpace.CountValid(2, 2, 2, 3), reduced.Enumerate().Count());
        Assert.Equal(new System.Numerics.BigInteger(104_461_669_668_096), SuperTransformerSpace.CountValid());
    }

    [Fact]
    public void Block_costs_add_up_to_the_layer_by_layer_count()
    {
        var s = SuperTransformerSpace.Create();
        var rng = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var a = s.Sample(rng);
            var c = s.Decode(a);
            Assert.Equal(SubTransformerCost.Flops(c) / 1e6, s.Flops(a), 6);
            Assert.Equal(SubTransformerCost.Params(c) / 1e6, s.Params(a), 9);
            Assert.Equal(a, SuperTransformerSpace.Encode(c));
            Assert.Equal(c, SubTransformerConfig.Parse(c.ToYaml()));
            Assert.Equal(c, SubTransformerConfig.Parse(c.ToYaml(SubTransformerYamlStyle.Sorted)));
        }
    }

    [SkippableFact]
    public void Published_result_configs_round_trip()
    {
        var dir = TestData.Require("mathnas-reference", "results", "supertransformer");
        var files = Directory.GetFiles(dir, "*.yml", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(9, files.Count);
        var s = SuperTransformerSpace.Create();
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            var c = SubTransformerConfig.Parse(text, f);
            Assert.Equal(text, c.ToYaml(SubTransformerYamlStyle.Sorted)); // byte for byte: PyYAML's layout
            var a = SuperTransformerSpace.Encode(c);
            Assert.True(s.IsValid(a), f);
            Assert.Equal(c, s.Decode(a));
            Assert.Equal(c, SubTransformerConfig.Parse(c.ToYaml()));
            // MathNAS's utils.supertransformer_code: 6 encoder codes, one per decoder layer, then 36 if fewer than 6.
            var reference = Enumerable.Range(0, 6).Select(i => a[i]).Concat(Enumerable.Range(0, c.DecoderLayerCount).Select(k => a[6 + k])).ToList();
            if (c.DecoderLayerCount < 6) reference.Add(36);
            Assert.Equal(reference.Take(Math.Min(12, reference.Count)), a.Take(reference.Count));
            Assert.Equal(reference, SuperTransformerSpace.ToReferenceCode(a));
            Assert.Equal(a, SuperTransformerSpace.FromReferenceCode(reference));
        }
    }

    private const string Good = """
        decoder-arbitrary-ende-attn-all-subtransformer: [2]
        decoder-embed-dim-subtransformer: 512
        decoder-ende-attention-heads-all-subtransformer: [4]
        decoder-ffn-embed-dim-all-subtransformer: [3072]
        decoder-layer-num-subtransformer: 1
        decoder-self-attention-heads-all-subtransformer: [4]
        encoder-embed-dim-subtransformer: 512
        encoder-ffn-embed-dim-all-subtransformer: [3072, 3072, 3072, 2048, 3072, 3072]
        encoder-layer-num-subtransformer: 6
        encoder-self-attention-heads-all-subtransformer: [8, 8, 4, 8, 4, 8]
        """;

    [Theory]
    [InlineData("decoder-ffn-embed-dim-all-subtransformer: [3072]", "decoder-ffn-embed-dim-all-subtransformer: [4096]", "4096")]
    [InlineData("decoder-layer-num-subtransformer: 1", "decoder-layer-num-subtransformer: 2", "has 1 values; expected 2")]
    [InlineData("encoder-ffn-embed-dim-all-subtransformer: [3072, 3072, 3072, 2048, 3072, 3072]", "encoder-ffn-embed-dim-all-subtransformer: [3072, 3072, 3072, 2048, 3072]", "has 5 values; expected 6")]
    [InlineData("encoder-layer-num-subtransformer: 6", "encoder-layer-num-subtransformer: 6\nencoder-layers: 6", "unknown key 'encoder-layers'")]
    [InlineData("decoder-arbitrary-ende-attn-all-subtransformer: [2]", "decoder-arbitrary-ende-attn-all-subtransformer: [3]", "arbitrary")]
    [InlineData("encoder-self-attention-heads-all-subtransformer: [8, 8, 4, 8, 4, 8]", "encoder-self-attention-heads-all-subtransformer: [8, 8, 4, 8, x, 8]", "must be an integer")]
    [InlineData("decoder-layer-num-subtransformer: 1", "decoder-layer-num-subtransformer: 7", "1..6")]
    [InlineData("encoder-embed-dim-subtransformer: 512\n", "", "'encoder-embed-dim-subtransformer' is missing")]
    public void Broken_configs_are_rejected_with_a_clear_message(string from, string to, string expected)
    {
        var e = ConfigAssert.RejectsEdit(SubTransformerConfig.Parse, Good, from, to, expected);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Configs_outside_the_MathNAS_sub_space_are_refused_by_Encode()
    {
        var c640 = SubTransformerConfig.Parse(Good.Replace("encoder-embed-dim-subtransformer: 512", "encoder-embed-dim-subtransformer: 640"));
        Assert.Contains("embed", Assert.Throws<MathNasException>(() => SuperTransformerSpace.Encode(c640)).Message);
        var ffn512 = SubTransformerConfig.Parse(Good.Replace("decoder-ffn-embed-dim-all-subtransformer: [3072]", "decoder-ffn-embed-dim-all-subtransformer: [512]"));
        Assert.Contains("decoder FFN dim 512", Assert.Throws<MathNasException>(() => SuperTransformerSpace.Encode(ffn512)).Message);
        var heads2 = SubTransformerConfig.Parse(Good.Replace("decoder-self-attention-heads-all-subtransformer: [4]", "decoder-self-attention-heads-all-subtransformer: [2]"));
        Assert.Contains("heads 2", Assert.Throws<MathNasException>(() => SuperTransformerSpace.Encode(heads2)).Message);
    }

    [Fact]
    public void Reference_codes_round_trip_and_bad_ones_are_refused()
    {
        var s = SuperTransformerSpace.Create();
        var rng = new Random(2);
        for (int i = 0; i < 200; i++)
        {
            var a = s.Sample(rng);
            var code = SuperTransformerSpace.ToReferenceCode(a);
            Assert.Equal(6 + SuperTransformerSpace.DecoderDepth(a) + (SuperTransformerSpace.DecoderDepth(a) < 6 ? 1 : 0), code.Length);
            Assert.Equal(a, SuperTransformerSpace.FromReferenceCode(code));
        }
        Assert.Throws<MathNasException>(() => SuperTransformerSpace.FromReferenceCode([5, 5, 5, 5, 5, 5, 36]));
        Assert.Throws<MathNasException>(() => SuperTransformerSpace.FromReferenceCode([5, 5, 5, 5, 5, 5, 35, 2]));
        Assert.Throws<MathNasException>(() => SuperTransformerSpace.FromReferenceCode([6, 5, 5, 5, 5, 5, 35, 36]));
    }

    [Fact]
    public void Registered_as_a_built_in_space()
    {
        var s = SpaceRegistry.Resolve("supertransformer");
        Assert.Equal(12, s.NodeCount);
        Assert.Contains(SpaceRegistry.List(), x => x.Name == "supertransformer");
    }
}

public class SuperTransformerParseTests
{
    [SkippableFact]
    public void Config_files_parse_as_architectures()
    {
        var f = TestData.Require("mathnas-reference", "results", "supertransformer", "xeon", "136ms.yml");
        var space = SpaceRegistry.Resolve("supertransformer");
        var a = space.ParseArchitecture(f);
        Assert.Equal(SuperTransformerSpace.Encode(SubTransformerConfig.Load(f)), a);
        Assert.Contains("dec layers=", space.Describe(a));
    }
}
