using System.Globalization;
using System.Text;

namespace MathNas.Spaces.SuperTransformer;

/// <summary>One encoder layer of a SubTransformer: FFN hidden size and self-attention heads.</summary>
public readonly record struct EncoderLayer(int Ffn, int Heads);

/// <summary>
/// One decoder layer: FFN hidden size, self-attention heads, encoder-decoder attention heads and HAT's
/// arbitrary encoder-decoder attention (-1: attend to the last encoder layer; 1: the last two; 2: the last three).
/// </summary>
public readonly record struct DecoderLayer(int Ffn, int SelfHeads, int EndeHeads, int ArbitraryEndeAttn);

/// <summary>
/// A HAT SubTransformer (WMT'14 En-De SuperTransformer "space0"), as written in HAT's <c>*-subtransformer</c> YAML keys.
/// Values are checked against HAT's whole SuperTransformer space (embed {512, 640}, FFN {512, 1024, 2048, 3072},
/// heads {2, 4, 8}, arbitrary attention {-1, 1, 2}, 6 encoder layers, 1-6 decoder layers); the MathNAS sub-space
/// is narrower and <see cref="SuperTransformerSpace.Encode"/> says which value falls outside it.
/// </summary>
public sealed class SubTransformerConfig
{
    public static readonly int[] EmbedChoices = [512, 640];
    public static readonly int[] FfnChoices = [512, 1024, 2048, 3072];
    public static readonly int[] HeadChoices = [2, 4, 8];
    public static readonly int[] ArbitraryChoices = [-1, 1, 2];
    public const int EncoderLayerCount = 6;
    public const int MaxDecoderLayers = 6;

    public SubTransformerConfig(int encoderEmbedDim, int decoderEmbedDim, IReadOnlyList<EncoderLayer> encoder, IReadOnlyList<DecoderLayer> decoder)
    {
        Check("encoder-embed-dim-subtransformer", encoderEmbedDim, EmbedChoices);
        Check("decoder-embed-dim-subtransformer", decoderEmbedDim, EmbedChoices);
        if (encoder.Count != EncoderLayerCount)
            throw new MathNasException($"a SubTransformer has {EncoderLayerCount} encoder layers, not {encoder.Count}");
        if (decoder.Count < 1 || decoder.Count > MaxDecoderLayers)
            throw new MathNasException($"a SubTransformer has 1..{MaxDecoderLayers} decoder layers, not {decoder.Count}");
        for (int i = 0; i < encoder.Count; i++)
        {
            Check($"encoder layer {i + 1} FFN dim", encoder[i].Ffn, FfnChoices);
            Check($"encoder layer {i + 1} self-attention heads", encoder[i].Heads, HeadChoices);
        }
        for (int i = 0; i < decoder.Count; i++)
        {
            Check($"decoder layer {i + 1} FFN dim", decoder[i].Ffn, FfnChoices);
            Check($"decoder layer {i + 1} self-attention heads", decoder[i].SelfHeads, HeadChoices);
            Check($"decoder layer {i + 1} encoder-decoder attention heads", decoder[i].EndeHeads, HeadChoices);
            Check($"decoder layer {i + 1} arbitrary encoder-decoder attention", decoder[i].ArbitraryEndeAttn, ArbitraryChoices);
        }
        EncoderEmbedDim = encoderEmbedDim;
        DecoderEmbedDim = decoderEmbedDim;
        Encoder = encoder.ToArray();
        Decoder = decoder.ToArray();
    }

    public int EncoderEmbedDim { get; }
    public int DecoderEmbedDim { get; }
    public IReadOnlyList<EncoderLayer> Encoder { get; }
    public IReadOnlyList<DecoderLayer> Decoder { get; }
    public int DecoderLayerCount => Decoder.Count;

    private static void Check(string what, int value, int[] allowed)
    {
        if (Array.IndexOf(allowed, value) < 0)
            throw new MathNasException($"{what} is {value}; allowed: {string.Join(", ", allowed)}");
    }

    public override bool Equals(object? obj) =>
        obj is SubTransformerConfig o && o.EncoderEmbedDim == EncoderEmbedDim && o.DecoderEmbedDim == DecoderEmbedDim &&
        o.Encoder.SequenceEqual(Encoder) && o.Decoder.SequenceEqual(Decoder);

    public override int GetHashCode() => Seeds.HashCode([EncoderEmbedDim, DecoderEmbedDim, Encoder.Count, Decoder.Count]);

    // ---------------- HAT YAML ----------------
    public const string KeyEncoderEmbed = "encoder-embed-dim-subtransformer";
    public const string KeyDecoderEmbed = "decoder-embed-dim-subtransformer";
    public const string KeyEncoderFfn = "encoder-ffn-embed-dim-all-subtransformer";
    public const string KeyDecoderFfn = "decoder-ffn-embed-dim-all-subtransformer";
    public const string KeyEncoderLayers = "encoder-layer-num-subtransformer";
    public const string KeyDecoderLayers = "decoder-layer-num-subtransformer";
    public const string KeyEncoderHeads = "encoder-self-attention-heads-all-subtransformer";
    public const string KeyDecoderHeads = "decoder-self-attention-heads-all-subtransformer";
    public const string KeyEndeHeads = "decoder-ende-attention-heads-all-subtransformer";
    public const string KeyArbitrary = "decoder-arbitrary-ende-attn-all-subtransformer";

    private static readonly string[] AllKeys =
        [KeyEncoderEmbed, KeyDecoderEmbed, KeyEncoderFfn, KeyDecoderFfn, KeyEncoderLayers, KeyDecoderLayers, KeyEncoderHeads, KeyDecoderHeads, KeyEndeHeads, KeyArbitrary];

    public static SubTransformerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"SubTransformer config '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses HAT's SubTransformer YAML. Every key above is required; unknown keys are rejected.</summary>
    public static SubTransformerConfig Parse(string text, string source = "<config>")
    {
        var map = ConfigYaml.ReadMapping(text, source);
        string Where(string s) => $"SubTransformer config '{source}': {s}";
        ConfigYaml.RequireExactKeys(map, AllKeys, Where);
        try
        {
            int encEmbed = ConfigYaml.Int(map, KeyEncoderEmbed);
            int decEmbed = ConfigYaml.Int(map, KeyDecoderEmbed);
            int encLayers = ConfigYaml.Int(map, KeyEncoderLayers);
            int decLayers = ConfigYaml.Int(map, KeyDecoderLayers);
            if (encLayers != EncoderLayerCount) throw new MathNasException($"'{KeyEncoderLayers}' is {encLayers}; the WMT'14 En-De SuperTransformer has {EncoderLayerCount} encoder layers");
            if (decLayers < 1 || decLayers > MaxDecoderLayers) throw new MathNasException($"'{KeyDecoderLayers}' is {decLayers}; allowed: 1..{MaxDecoderLayers}");
            var encFfn = ConfigYaml.IntList(map, KeyEncoderFfn, encLayers);
            var encHeads = ConfigYaml.IntList(map, KeyEncoderHeads, encLayers);
            var decFfn = ConfigYaml.IntList(map, KeyDecoderFfn, decLayers);
            var decHeads = ConfigYaml.IntList(map, KeyDecoderHeads, decLayers);
            var endeHeads = ConfigYaml.IntList(map, KeyEndeHeads, decLayers);
            var arb = ConfigYaml.IntList(map, KeyArbitrary, decLayers);
            return new SubTransformerConfig(encEmbed, decEmbed,
                Enumerable.Range(0, encLayers).Select(i => new EncoderLayer(encFfn[i], encHeads[i])).ToArray(),
                Enumerable.Range(0, decLayers).Select(i => new DecoderLayer(decFfn[i], decHeads[i], endeHeads[i], arb[i])).ToArray());
        }
        catch (MathNasException e) when (!e.Message.StartsWith("SubTransformer config", StringComparison.Ordinal))
        {
            throw new MathNasException(Where(e.Message));
        }
    }

    /// <summary>
    /// YAML text: <see cref="SubTransformerYamlStyle.Hat"/> writes HAT's key order and flow lists (HAT's own config files);
    /// <see cref="SubTransformerYamlStyle.Sorted"/> writes sorted keys and block lists (PyYAML's <c>dump</c>, the form of
    /// MathNAS's result files).
    /// </summary>
    public string ToYaml(SubTransformerYamlStyle style = SubTransformerYamlStyle.Hat)
    {
        if (style == SubTransformerYamlStyle.Sorted) return ToSortedYaml();
        static string L(IEnumerable<int> v) => "[" + string.Join(", ", v.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]";
        var sb = new StringBuilder();
        sb.Append(KeyEncoderEmbed).Append(": ").Append(EncoderEmbedDim.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(KeyDecoderEmbed).Append(": ").Append(DecoderEmbedDim.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append('\n');
        sb.Append(KeyEncoderFfn).Append(": ").Append(L(Encoder.Select(e => e.Ffn))).Append('\n');
        sb.Append(KeyDecoderFfn).Append(": ").Append(L(Decoder.Select(d => d.Ffn))).Append('\n');
        sb.Append('\n');
        sb.Append(KeyEncoderLayers).Append(": ").Append(Encoder.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(KeyDecoderLayers).Append(": ").Append(Decoder.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append('\n');
        sb.Append(KeyEncoderHeads).Append(": ").Append(L(Encoder.Select(e => e.Heads))).Append('\n');
        sb.Append(KeyDecoderHeads).Append(": ").Append(L(Decoder.Select(d => d.SelfHeads))).Append('\n');
        sb.Append(KeyEndeHeads).Append(": ").Append(L(Decoder.Select(d => d.EndeHeads))).Append('\n');
        sb.Append('\n');
        sb.Append("# for arbitrary encoder decoder attention. -1 means attending to last one encoder layer\n");
        sb.Append("# 1 means last two encoder layers, 2 means last three encoder layers\n");
        sb.Append(KeyArbitrary).Append(": ").Append(L(Decoder.Select(d => d.ArbitraryEndeAttn))).Append('\n');
        return sb.ToString();
    }

    private string ToSortedYaml()
    {
        var entries = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            [KeyEncoderEmbed] = EncoderEmbedDim,
            [KeyDecoderEmbed] = DecoderEmbedDim,
            [KeyEncoderFfn] = Encoder.Select(e => e.Ffn).ToArray(),
            [KeyDecoderFfn] = Decoder.Select(d => d.Ffn).ToArray(),
            [KeyEncoderLayers] = Encoder.Count,
            [KeyDecoderLayers] = Decoder.Count,
            [KeyEncoderHeads] = Encoder.Select(e => e.Heads).ToArray(),
            [KeyDecoderHeads] = Decoder.Select(d => d.SelfHeads).ToArray(),
            [KeyEndeHeads] = Decoder.Select(d => d.EndeHeads).ToArray(),
            [KeyArbitrary] = Decoder.Select(d => d.ArbitraryEndeAttn).ToArray(),
        };
        var sb = new StringBuilder();
        foreach (var (k, v) in entries)
        {
            if (v is int[] list)
            {
                sb.Append(k).Append(":\n");
                foreach (var x in list) sb.Append("- ").Append(x.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            else sb.Append(k).Append(": ").Append(((int)v).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary>Layout of written SubTransformer YAML.</summary>
public enum SubTransformerYamlStyle
{
    /// <summary>HAT's key order with flow lists, as in HAT's <c>configs/**/subtransformer/*.yml</c>.</summary>
    Hat,
    /// <summary>Sorted keys with block lists, as PyYAML's <c>dump</c> writes (MathNAS's <c>results/supertransformer</c>).</summary>
    Sorted,
}
