using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// An OFA MobileNetV3 sub-network in OFA's own keys: <c>ks</c> (20 kernel sizes), <c>e</c> (20 expand ratios),
/// <c>d</c> (5 stage depths). Layer <c>4*s + l</c> of stage <c>s</c> is active when <c>l &lt; d[s]</c>; inactive
/// layers keep their ks/e values (OFA ignores them). The MathNAS result files add <c>encodearch</c> (the
/// candidate-block code, 5 values); it is read, checked for shape and written back unchanged. OFA's own arch dict
/// (<c>ofa/tutorial/evolution_finder.py</c>: <c>{'wid': None, 'ks': [...], 'e': [...], 'd': [...], 'r': [224]}</c>) adds
/// <c>wid</c> (None for MobileNetV3; a number here is read as the width multiplier) and <c>r</c> (the input resolution,
/// a one-element list or a number); both are kept as read (<see cref="Wid"/>, <see cref="R"/>).
/// </summary>
public sealed class OfaConfig : IEquatable<OfaConfig>
{
    public OfaConfig(IReadOnlyList<int> ks, IReadOnlyList<int> e, IReadOnlyList<int> d, IReadOnlyList<int>? encodeArch = null, int? r = null, double? wid = null)
    {
        Ks = ks.ToArray();
        E = e.ToArray();
        D = d.ToArray();
        EncodeArch = encodeArch?.ToArray();
        R = r;
        Wid = wid;
        var why = Check();
        if (why is not null) throw new MathNasException($"OFA MobileNetV3 config: {why}");
    }

    public int[] Ks { get; }
    public int[] E { get; }
    public int[] D { get; }
    public int[]? EncodeArch { get; }
    /// <summary>OFA's <c>r</c> (input resolution) when the config has one.</summary>
    public int? R { get; }
    /// <summary>OFA's <c>wid</c> when it is a number (OFA writes None for MobileNetV3: the super-network fixes the width).</summary>
    public double? Wid { get; }

    private string? Check()
    {
        if (Ks.Length != OfaMbv3.Layers) return $"'ks' must list {OfaMbv3.Layers} kernel sizes, found {Ks.Length}";
        if (E.Length != OfaMbv3.Layers) return $"'e' must list {OfaMbv3.Layers} expand ratios, found {E.Length}";
        if (D.Length != OfaMbv3.Stages) return $"'d' must list {OfaMbv3.Stages} stage depths, found {D.Length}";
        for (int i = 0; i < Ks.Length; i++)
            if (!OfaMbv3.KernelChoices.Contains(Ks[i])) return $"ks[{i}] = {Ks[i]} is not a kernel size of the space ({string.Join(", ", OfaMbv3.KernelChoices)})";
        for (int i = 0; i < E.Length; i++)
            if (!OfaMbv3.ExpandChoices.Contains(E[i])) return $"e[{i}] = {E[i]} is not an expand ratio of the space ({string.Join(", ", OfaMbv3.ExpandChoices)})";
        for (int i = 0; i < D.Length; i++)
            if (!OfaMbv3.DepthChoices.Contains(D[i])) return $"d[{i}] = {D[i]} is not a stage depth of the space ({string.Join(", ", OfaMbv3.DepthChoices)})";
        if (EncodeArch is not null)
        {
            if (EncodeArch.Length != OfaMbv3.Stages) return $"'encodearch' must list {OfaMbv3.Stages} candidate indices, found {EncodeArch.Length}";
            for (int i = 0; i < EncodeArch.Length; i++)
                if (EncodeArch[i] < 0 || EncodeArch[i] > 4) return $"encodearch[{i}] = {EncodeArch[i]} is not a candidate index 0..4";
        }
        if (R is { } r && (r < 32 || r > 1024)) return $"r = {r} is not an input resolution (32..1024)";
        if (Wid is { } w && !(w > 0 && w <= 4)) return $"wid = {w.ToString(CultureInfo.InvariantCulture)} is not a width multiplier (0..4)";
        return null;
    }

    public bool IsActive(int stage, int layer) => layer < D[stage];

    /// <summary>Stage <paramref name="s"/> as a stage config (its depth and its 4 layers' ks/e; the inverse of <see cref="OfaStageConfig.Concat"/>).</summary>
    public OfaStageConfig Stage(int s)
    {
        var layers = new Range(OfaMbv3.MaxDepth * s, OfaMbv3.MaxDepth * (s + 1));
        return new(D[s], E[layers], Ks[layers]);
    }

    /// <summary>The same network with the inactive layers' ks/e set to 3/3 (OFA ignores them), and no encodearch.</summary>
    public OfaConfig Canonical()
    {
        var ks = (int[])Ks.Clone();
        var e = (int[])E.Clone();
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = D[s]; l < OfaMbv3.MaxDepth; l++) { ks[s * 4 + l] = 3; e[s * 4 + l] = 3; }
        return new OfaConfig(ks, e, D);
    }

    /// <summary>Same network: same depths and the same ks/e on every active layer.</summary>
    public bool SameNetwork(OfaConfig other)
    {
        if (!D.SequenceEqual(other.D)) return false;
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < D[s]; l++)
                if (Ks[s * 4 + l] != other.Ks[s * 4 + l] || E[s * 4 + l] != other.E[s * 4 + l]) return false;
        return true;
    }

    /// <summary>MACs and parameters of the whole network on the w1.0 super-network at the given resolution (OFA's counting).</summary>
    public LayerCost Cost(int resolution = OfaMbv3.Resolution) => Cost(new OfaMbv3Net(1.0, resolution));

    /// <summary>MACs and parameters of the whole network on a super-network (width multiplier and resolution), OFA's counting.</summary>
    public LayerCost Cost(OfaMbv3Net net)
    {
        var c = net.FixedCost();
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < D[s]; l++)
                c += net.LayerCost(s, l, Ks[s * 4 + l], E[s * 4 + l]);
        return c;
    }

    /// <summary>
    /// Null when the config's own <c>r</c> and <c>wid</c> (where present) fit the super-network; otherwise why not.
    /// </summary>
    public string? MismatchWith(OfaMbv3Net net)
    {
        if (R is { } r && r != net.Resolution) return $"its resolution r = {r} differs from the space's {net.Resolution}";
        if (Wid is { } w && w != net.WidthMult) return $"its width multiplier wid = {w.ToString(CultureInfo.InvariantCulture)} differs from the space's {net.WidthText}";
        return null;
    }

    // ---- YAML ----

    public static OfaConfig Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"config file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    public static OfaConfig Parse(string text, string source = "<config>")
    {
        string Where(string s) => $"OFA MobileNetV3 config '{source}': {s}";
        var map = ConfigYaml.ReadMapping(text, source); // the shared strict reader (one mapping, no repeated key)
        int[]? ks = null, e = null, d = null, enc = null;
        int? r = null;
        double? wid = null;
        foreach (var (key, v) in map)
        {
            switch (key)
            {
                case "ks": ks = Ints(v, key); break;
                case "e": e = Ints(v, key); break;
                case "d": d = Ints(v, key); break;
                case "encodearch": enc = Ints(v, key); break;
                case "r":
                    // OFA's arch dict: a one-element list ('r': [224]); a plain number is accepted too
                    var rs = v is YamlSequenceNode ? Ints(v, key) : [Int(v, key)];
                    if (rs.Length != 1) throw new MathNasException(Where($"'r' must hold one resolution, found {rs.Length}"));
                    r = rs[0];
                    break;
                case "wid":
                    // OFA writes None (Python) / null (JSON) for MobileNetV3; a number is the width multiplier
                    if (v is not YamlScalarNode ws) throw new MathNasException(Where("'wid' must be null or a width multiplier"));
                    if (ws.Value is null or "" or "~" or "null" or "Null" or "NULL" or "None") break;
                    if (!double.TryParse(ws.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var wv))
                        throw new MathNasException(Where($"'wid' is '{ws.Value}', not null or a width multiplier"));
                    wid = wv;
                    break;
                default: throw new MathNasException(Where($"unknown key '{key}' (expected ks, e, d and optionally encodearch, r, wid)"));
            }
        }
        if (ks is null) throw new MathNasException(Where("key 'ks' is missing"));
        if (e is null) throw new MathNasException(Where("key 'e' is missing"));
        if (d is null) throw new MathNasException(Where("key 'd' is missing"));
        try { return new OfaConfig(ks, e, d, enc, r, wid); }
        catch (MathNasException x) { throw new MathNasException($"{source}: {x.Message}"); }

        int Int(YamlNode node, string key) =>
            node is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
            : throw new MathNasException(Where($"'{key}' is not an integer"));

        int[] Ints(YamlNode node, string key)
        {
            if (node is not YamlSequenceNode seq) throw new MathNasException(Where($"'{key}' must be a list of integers"));
            return seq.Children.Select((c, i) =>
                c is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
                : throw new MathNasException(Where($"{key}[{i}] is not an integer"))).ToArray();
        }
    }

    /// <summary>
    /// OFA's arch dict as Python's <c>json.dumps</c> writes it, one line: <c>{"wid": null, "ks": [..], "e": [..], "d": [..], "r": [R]}</c>
    /// (R: the config's own <see cref="R"/>, else <paramref name="resolution"/>; <c>wid</c>: the config's own number, else null as OFA
    /// writes it for MobileNetV3), then a newline. Inactive layers keep their values, so OFA's samples round-trip byte for byte.
    /// </summary>
    public string ToOfaJson(int resolution = OfaMbv3.Resolution)
    {
        static string L(IEnumerable<int> v) => "[" + string.Join(", ", v.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]";
        var wid = Wid is { } w ? w.ToString("R", CultureInfo.InvariantCulture) : "null";
        return $"{{\"wid\": {wid}, \"ks\": {L(Ks)}, \"e\": {L(E)}, \"d\": {L(D)}, \"r\": [{(R ?? resolution).ToString(CultureInfo.InvariantCulture)}]}}\n";
    }

    /// <summary>YAML in the layout of the published result files (keys sorted, block lists; no r or wid).</summary>
    public string ToYaml()
    {
        var sb = new StringBuilder();
        void List(string key, int[] v)
        {
            sb.Append(key).Append(":\n");
            foreach (var x in v) sb.Append("- ").Append(x.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        List("d", D);
        List("e", E);
        if (EncodeArch is not null) List("encodearch", EncodeArch);
        List("ks", Ks);
        return sb.ToString();
    }

    public bool Equals(OfaConfig? o) => o is not null && Ks.SequenceEqual(o.Ks) && E.SequenceEqual(o.E) && D.SequenceEqual(o.D) && R == o.R && Wid == o.Wid
        && ((EncodeArch is null && o.EncodeArch is null) || (EncodeArch is not null && o.EncodeArch is not null && EncodeArch.SequenceEqual(o.EncodeArch)));
    public override bool Equals(object? obj) => Equals(obj as OfaConfig);
    public override int GetHashCode() => Seeds.HashCode([.. Ks, -1, .. E, -1, .. D]);
    public override string ToString() => $"ks=[{string.Join(",", Ks)}] e=[{string.Join(",", E)}] d=[{string.Join(",", D)}]";
}

/// <summary>One stage's sub-configuration: depth and the 4 kernel sizes / expand ratios (the reference's candidate blocks).</summary>
public sealed record OfaStageConfig(int Depth, int[] Expand, int[] Kernel)
{
    public string Name => $"d{Depth}:" + string.Join(",", Enumerable.Range(0, Depth).Select(l => $"k{Kernel[l]}e{Expand[l]}"));

    /// <summary>MACs and params of this stage's active layers (w1.0).</summary>
    public LayerCost Cost(int stage, int resolution = OfaMbv3.Resolution) => Cost(stage, new OfaMbv3Net(1.0, resolution));

    /// <summary>MACs and params of this stage's active layers on a super-network.</summary>
    public LayerCost Cost(int stage, OfaMbv3Net net)
    {
        var c = new LayerCost(0, 0);
        for (int l = 0; l < Depth; l++) c += net.LayerCost(stage, l, Kernel[l], Expand[l]);
        return c;
    }

    /// <summary>Concatenates one stage config per stage into a whole-network config (utils.mobilenetv3_decode).</summary>
    public static OfaConfig Concat(IReadOnlyList<OfaStageConfig> stages, IReadOnlyList<int>? encodeArch = null)
    {
        if (stages.Count != OfaMbv3.Stages) throw new MathNasException($"a network needs {OfaMbv3.Stages} stage configs, got {stages.Count}");
        return new OfaConfig(stages.SelectMany(s => s.Kernel).ToArray(), stages.SelectMany(s => s.Expand).ToArray(), stages.Select(s => s.Depth).ToArray(), encodeArch);
    }
}
