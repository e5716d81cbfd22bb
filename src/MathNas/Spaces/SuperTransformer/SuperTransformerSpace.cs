namespace MathNas.Spaces.SuperTransformer;

/// <summary>
/// The MathNAS SuperTransformer space (HAT, WMT'14 En-De): embed 512 for encoder and decoder, 6 encoder layers
/// (FFN {1024, 2048, 3072} x heads {4, 8}: 6 blocks per layer), 1-6 decoder layers (FFN x self heads x
/// encoder-decoder heads x arbitrary attention {-1, 1, 2}: 36 blocks per layer).
/// <para>Nodes 0-5 are the encoder layers, block index 2m + n with FFN (m+1)*1024 and heads (n+1)*4.
/// Nodes 6-11 are the decoder layers, block index 12w + 6p + 3n + m (w: arbitrary attention -1/1/2 as 0/1/2,
/// p: encoder-decoder heads (p+1)*4, n: self heads (n+1)*4, m: FFN (m+1)*1024), the reference's layout
/// (data README section 1.4). Decoder layers 2-6 have a 37th block, index 36 = <see cref="AbsentBlock"/>:
/// "this layer is not there". Linear consistency constraints x[dec k, absent] - x[dec k+1, absent] &lt;= 0 make
/// "layer k absent" imply "layer k+1 absent", so the valid networks are exactly decoders of depth 1..6.</para>
/// <para>Base blocks: the reference tables take encoder block 5 (FFN 3072, 8 heads) and decoder block 35
/// (FFN 3072, 8 + 8 heads, attention to the last three encoder layers) as the zero of every row, so those are the base.</para>
/// <para>FLOPs (MFLOPs, 2 x MACs) and params (M) per block come from <see cref="SubTransformerCost"/> for a 30-token
/// source and target; they are exactly additive (a layer's cost depends only on its own choice at embed 512).
/// The fixed part is the embedding scaling; the vocabulary embedding table and output projection are left out of
/// both counts, as HAT's published figures do.</para>
/// </summary>
public sealed class SuperTransformerSpace : SearchSpace, IConfigSpace
{
    public const string SpaceName = "supertransformer";
    public const int Embed = 512;
    public const int EncoderNodes = 6;
    public const int DecoderNodes = 6;
    public const int EncoderBlocks = 6;
    public const int DecoderBlocks = 36;
    /// <summary>Block index of "decoder layer absent" in decoder nodes 2..6.</summary>
    public const int AbsentBlock = 36;
    public const int EncoderBase = 5;
    public const int DecoderBase = 35;

    public static readonly int[] Ffns = [1024, 2048, 3072];
    public static readonly int[] Heads = [4, 8];
    public static readonly int[] Arbitrary = [-1, 1, 2];

    private SuperTransformerSpace(IReadOnlyList<Node> nodes, double fixedFlops, IReadOnlyList<LinearConstraint> constraints)
        : base(SpaceName, nodes, fixedFlops, 0, constraints, "MFLOPs", "M",
            "HAT SuperTransformer, WMT'14 En-De (embed 512; 6 encoder layers; 1-6 decoder layers)")
    { }

    public static SuperTransformerSpace Create()
    {
        var nodes = new List<Node>();
        for (int i = 0; i < EncoderNodes; i++)
        {
            var blocks = Enumerable.Range(0, EncoderBlocks).Select(j =>
            {
                var l = EncoderLayerOf(j);
                return new Block($"ffn{l.Ffn}_h{l.Heads}",
                    2 * SubTransformerCost.EncoderLayerMacs(Embed, l) / 1e6, SubTransformerCost.EncoderLayerParams(Embed, l) / 1e6);
            }).ToList();
            nodes.Add(new Node($"enc{i + 1}", blocks, EncoderBase));
        }
        for (int i = 0; i < DecoderNodes; i++)
        {
            var blocks = Enumerable.Range(0, DecoderBlocks).Select(j =>
            {
                var l = DecoderLayerOf(j);
                return new Block($"ffn{l.Ffn}_sh{l.SelfHeads}_eh{l.EndeHeads}_arb{l.ArbitraryEndeAttn}",
                    2 * SubTransformerCost.DecoderLayerMacs(Embed, Embed, l) / 1e6, SubTransformerCost.DecoderLayerParams(Embed, Embed, l) / 1e6);
            }).ToList();
            if (i > 0) blocks.Add(new Block("absent", 0, 0));
            nodes.Add(new Node($"dec{i + 1}", blocks, DecoderBase));
        }
        var constraints = new List<LinearConstraint>();
        for (int k = 1; k < DecoderNodes - 1; k++)
        {
            int a = EncoderNodes + k, b = EncoderNodes + k + 1;
            constraints.Add(new LinearConstraint($"dec{k + 1}_absent_implies_dec{k + 2}_absent",
                [new ConstraintTerm(a, AbsentBlock, 1), new ConstraintTerm(b, AbsentBlock, -1)], 0));
        }
        return new SuperTransformerSpace(nodes, 2 * SubTransformerCost.FixedMacs(Embed, Embed) / 1e6, constraints);
    }

    /// <summary>Encoder block index j = 2m + n as a layer.</summary>
    public static EncoderLayer EncoderLayerOf(int j)
    {
        if (j < 0 || j >= EncoderBlocks) throw new MathNasException($"encoder block index {j} is out of range 0..{EncoderBlocks - 1}");
        return new EncoderLayer(Ffns[j / 2], Heads[j % 2]);
    }

    /// <summary>Decoder block index j = 12w + 6p + 3n + m as a layer.</summary>
    public static DecoderLayer DecoderLayerOf(int j)
    {
        if (j < 0 || j >= DecoderBlocks) throw new MathNasException($"decoder block index {j} is out of range 0..{DecoderBlocks - 1}");
        int w = j / 12, p = j / 6 % 2, n = j / 3 % 2, m = j % 3;
        return new DecoderLayer(Ffns[m], Heads[n], Heads[p], Arbitrary[w]);
    }

    public static int EncoderIndex(EncoderLayer l) => 2 * Index(Ffns, l.Ffn, "encoder FFN dim") + Index(Heads, l.Heads, "encoder self-attention heads");

    public static int DecoderIndex(DecoderLayer l) =>
        12 * Index(Arbitrary, l.ArbitraryEndeAttn, "decoder arbitrary encoder-decoder attention") +
        6 * Index(Heads, l.EndeHeads, "decoder encoder-decoder heads") +
        3 * Index(Heads, l.SelfHeads, "decoder self-attention heads") +
        Index(Ffns, l.Ffn, "decoder FFN dim");

    private static int Index(int[] choices, int value, string what)
    {
        int i = Array.IndexOf(choices, value);
        if (i < 0) throw new MathNasException($"{what} {value} is outside the MathNAS SuperTransformer space (allowed: {string.Join(", ", choices)})");
        return i;
    }

    /// <summary>The architecture of a SubTransformer config; throws when the config lies outside this sub-space.</summary>
    public static Architecture Encode(SubTransformerConfig c)
    {
        if (c.EncoderEmbedDim != Embed || c.DecoderEmbedDim != Embed)
            throw new MathNasException($"embed dims {c.EncoderEmbedDim}/{c.DecoderEmbedDim} are outside the MathNAS SuperTransformer space (embed {Embed})");
        var code = new int[EncoderNodes + DecoderNodes];
        for (int i = 0; i < EncoderNodes; i++) code[i] = EncoderIndex(c.Encoder[i]);
        for (int i = 0; i < DecoderNodes; i++) code[EncoderNodes + i] = i < c.DecoderLayerCount ? DecoderIndex(c.Decoder[i]) : AbsentBlock;
        return new Architecture(code);
    }

    /// <summary>The SubTransformer config of an architecture of this space.</summary>
    public SubTransformerConfig Decode(Architecture a)
    {
        Validate(a);
        var enc = Enumerable.Range(0, EncoderNodes).Select(i => EncoderLayerOf(a[i])).ToList();
        var dec = new List<DecoderLayer>();
        for (int i = 0; i < DecoderNodes && a[EncoderNodes + i] != AbsentBlock; i++) dec.Add(DecoderLayerOf(a[EncoderNodes + i]));
        return new SubTransformerConfig(Embed, Embed, enc, dec);
    }

    /// <summary>
    /// Networks that meet the consistency constraints: encoder choices ^ encoder layers x sum over depths L = 1..D of
    /// decoder choices ^ L (the constraint-free <see cref="SearchSpace.Size"/> also counts the inconsistent codes).
    /// </summary>
    public static System.Numerics.BigInteger CountValid(int encoderChoices = EncoderBlocks, int encoderLayers = EncoderNodes,
        int decoderChoices = DecoderBlocks, int decoderLayers = DecoderNodes)
    {
        var total = System.Numerics.BigInteger.Zero;
        for (int l = 1; l <= decoderLayers; l++) total += System.Numerics.BigInteger.Pow(decoderChoices, l);
        return System.Numerics.BigInteger.Pow(encoderChoices, encoderLayers) * total;
    }

    /// <summary>
    /// MathNAS's own code of a network (<c>utils.supertransformer_code</c>): the 6 encoder indices, one index per
    /// present decoder layer, then 36 when the decoder has fewer than 6 layers (length 7..12).
    /// </summary>
    public static int[] ToReferenceCode(Architecture a)
    {
        int depth = DecoderDepth(a);
        var code = Enumerable.Range(0, EncoderNodes + depth).Select(i => a[i]).ToList();
        if (depth < DecoderNodes) code.Add(AbsentBlock);
        return code.ToArray();
    }

    /// <summary>The architecture of a MathNAS code (inverse of <see cref="ToReferenceCode"/>).</summary>
    public static Architecture FromReferenceCode(IReadOnlyList<int> code)
    {
        if (code.Count < EncoderNodes + 1 || code.Count > EncoderNodes + DecoderNodes)
            throw new MathNasException($"a MathNAS SuperTransformer code has {EncoderNodes + 1}..{EncoderNodes + DecoderNodes} entries, not {code.Count}");
        var a = Enumerable.Repeat(AbsentBlock, EncoderNodes + DecoderNodes).ToArray();
        int n = code.Count;
        if (code[n - 1] == AbsentBlock) n--; // fewer than 6 decoder layers
        else if (n < EncoderNodes + DecoderNodes)
            throw new MathNasException($"a MathNAS SuperTransformer code with fewer than 6 decoder layers must end with {AbsentBlock}");
        for (int i = 0; i < n; i++)
        {
            int limit = i < EncoderNodes ? EncoderBlocks : DecoderBlocks;
            if (code[i] < 0 || code[i] >= limit) throw new MathNasException($"MathNAS SuperTransformer code entry {i} is {code[i]}; allowed 0..{limit - 1}");
            a[i] = code[i];
        }
        if (n <= EncoderNodes) throw new MathNasException("a MathNAS SuperTransformer code needs at least one decoder layer");
        return new Architecture(a);
    }

    /// <summary>Decoder depth (1..6) of an architecture.</summary>
    public static int DecoderDepth(Architecture a)
    {
        int d = 0;
        while (d < DecoderNodes && a[EncoderNodes + d] != AbsentBlock) d++;
        return d;
    }

    public string FormatName => "HAT SubTransformer config (*-subtransformer keys)";

    /// <summary>Format name of HAT's own layout (what HAT's configargparse loader reads): HAT's key order, flow lists.</summary>
    public const string FormatHat = "hat";
    /// <summary>Format name of MathNAS's result files: sorted keys, block lists (PyYAML's dump); HAT's loader cannot read it.</summary>
    public const string FormatMathNas = "mathnas";

    public IReadOnlyList<string> ConfigFormats => [FormatHat, FormatMathNas];

    /// <summary>HAT's own layout (flow lists, HAT's key order), the form HAT's <c>--configs</c> loader reads.</summary>
    public string WriteConfig(Architecture a) => Decode(a).ToYaml(SubTransformerYamlStyle.Hat);

    /// <summary><c>hat</c> (default, HAT's layout) or <c>mathnas</c> (the sorted block-list layout of MathNAS's result files).</summary>
    public string WriteConfig(Architecture a, string format) =>
        NativeConfigs.CheckFormat(this, format) == FormatMathNas ? Decode(a).ToYaml(SubTransformerYamlStyle.Sorted) : WriteConfig(a);

    /// <summary>A HAT SubTransformer config (either layout); values outside the MathNAS sub-space are refused by name.</summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>")
    {
        Architecture a;
        try { a = Encode(SubTransformerConfig.Parse(yamlText, source)); }
        catch (MathNasException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            throw new MathNasException($"SubTransformer config '{source}': {e.Message}");
        }
        Validate(a);
        return a;
    }


    /// <summary>
    /// A code, a config file, or the printed <c>enc ffn=[..] heads=[..]; dec layers=N ffn=[..] self=[..] ende=[..] arb=[..]</c>.
    /// </summary>
    public override Architecture ParseArchitecture(string text)
    {
        if (NativeConfigs.IsConfigPath(text) || !ArchNotation.IsNotation(text)) return base.ParseArchitecture(text);
        const string what = "SuperTransformer architecture";
        var t = text.Trim();
        var parts = t.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !parts[0].StartsWith("enc ", StringComparison.Ordinal) || !parts[1].StartsWith("dec ", StringComparison.Ordinal))
            throw new MathNasException($"{what} '{text}': expected 'enc ffn=[..] heads=[..]; dec layers=N ffn=[..] self=[..] ende=[..] arb=[..]'");
        var enc = ArchNotation.KeyLists(parts[0][4..], ["ffn", "heads"], what);
        var dec = ArchNotation.KeyLists(parts[1][4..], ["layers", "ffn", "self", "ende", "arb"], what);
        Architecture a;
        try
        {
            var ef = ArchNotation.Require(enc, "ffn", what, text);
            var eh = ArchNotation.Require(enc, "heads", what, text);
            int layers = ArchNotation.Scalar(dec, "layers", what, text) ?? throw new MathNasException("'layers=' is missing");
            var df = ArchNotation.Require(dec, "ffn", what, text);
            var ds = ArchNotation.Require(dec, "self", what, text);
            var de = ArchNotation.Require(dec, "ende", what, text);
            var da = ArchNotation.Require(dec, "arb", what, text);
            if (ef.Length != eh.Length) throw new MathNasException($"the encoder has {ef.Length} ffn but {eh.Length} heads values");
            if (new[] { df.Length, ds.Length, de.Length, da.Length }.Any(n => n != layers))
                throw new MathNasException($"layers={layers}, but the decoder lists have {df.Length}/{ds.Length}/{de.Length}/{da.Length} values");
            a = Encode(new SubTransformerConfig(Embed, Embed,
                Enumerable.Range(0, ef.Length).Select(i => new EncoderLayer(ef[i], eh[i])).ToArray(),
                Enumerable.Range(0, layers).Select(i => new DecoderLayer(df[i], ds[i], de[i], da[i])).ToArray()));
        }
        catch (MathNasException e) when (!e.Message.Contains(text, StringComparison.Ordinal)) { throw new MathNasException($"{what} '{text}': {e.Message}"); }
        Validate(a);
        return a;
    }

    public override string Describe(Architecture a)
    {
        var c = Decode(a);
        return $"enc ffn=[{string.Join(",", c.Encoder.Select(e => e.Ffn))}] heads=[{string.Join(",", c.Encoder.Select(e => e.Heads))}]; " +
               $"dec layers={c.DecoderLayerCount} ffn=[{string.Join(",", c.Decoder.Select(d => d.Ffn))}] self=[{string.Join(",", c.Decoder.Select(d => d.SelfHeads))}] " +
               $"ende=[{string.Join(",", c.Decoder.Select(d => d.EndeHeads))}] arb=[{string.Join(",", c.Decoder.Select(d => d.ArbitraryEndeAttn))}]";
    }
}
