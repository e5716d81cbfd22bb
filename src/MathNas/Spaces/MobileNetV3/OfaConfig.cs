using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// An OFA MobileNetV3 sub-network in OFA's own keys: <c>ks</c> (20 kernel sizes), <c>e</c> (20 expand ratios),
/// <c>d</c> (5 stage depths). Layer <c>4*s + l</c> of stage <c>s</c> is active when <c>l &lt; d[s]</c>; inactive
/// layers keep their ks/e values (OFA ignores them). The MathNAS result files add <c>encodearch</c> (the
/// candidate-block code, 5 values); it is read, checked for shape and written back unchanged.
/// </summary>
public sealed class OfaConfig : IEquatable<OfaConfig>
{
    public OfaConfig(IReadOnlyList<int> ks, IReadOnlyList<int> e, IReadOnlyList<int> d, IReadOnlyList<int>? encodeArch = null)
    {
        Ks = ks.ToArray();
        E = e.ToArray();
        D = d.ToArray();
        EncodeArch = encodeArch?.ToArray();
        var why = Check();
        if (why is not null) throw new MathNasException($"OFA MobileNetV3 config: {why}");
    }

    public int[] Ks { get; }
    public int[] E { get; }
    public int[] D { get; }
    public int[]? EncodeArch { get; }

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

    /// <summary>MACs and parameters of the whole network at the given resolution (OFA's counting).</summary>
    public LayerCost Cost(int resolution = OfaMbv3.Resolution)
    {
        var c = OfaMbv3.FixedCost(resolution);
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < D[s]; l++)
                c += OfaMbv3.LayerCost(s, l, Ks[s * 4 + l], E[s * 4 + l], resolution);
        return c;
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
        // Guarded load (shared with every config reader): nesting depth, size, aliases, one document, no repeated key.
        var root = SafeYaml.LoadRoot(text, $"OFA MobileNetV3 config '{source}'", SafeYaml.Config);
        if (root is not YamlMappingNode map) throw new MathNasException(Where("expected a mapping with keys ks, e, d"));
        int[]? ks = null, e = null, d = null, enc = null;
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            switch (key)
            {
                case "ks": ks = Ints(v, key); break;
                case "e": e = Ints(v, key); break;
                case "d": d = Ints(v, key); break;
                case "encodearch": enc = Ints(v, key); break;
                default: throw new MathNasException(Where($"unknown key '{key}' (expected ks, e, d and optionally encodearch)"));
            }
        }
        if (ks is null) throw new MathNasException(Where("key 'ks' is missing"));
        if (e is null) throw new MathNasException(Where("key 'e' is missing"));
        if (d is null) throw new MathNasException(Where("key 'd' is missing"));
        try { return new OfaConfig(ks, e, d, enc); }
        catch (MathNasException x) { throw new MathNasException($"{source}: {x.Message}"); }

        int[] Ints(YamlNode node, string key)
        {
            if (node is not YamlSequenceNode seq) throw new MathNasException(Where($"'{key}' must be a list of integers"));
            return seq.Children.Select((c, i) =>
                c is YamlScalarNode s && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
                : throw new MathNasException(Where($"{key}[{i}] is not an integer"))).ToArray();
        }
    }

    /// <summary>YAML in the layout of the published result files (keys sorted, block lists).</summary>
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

    public bool Equals(OfaConfig? o) => o is not null && Ks.SequenceEqual(o.Ks) && E.SequenceEqual(o.E) && D.SequenceEqual(o.D)
        && ((EncodeArch is null && o.EncodeArch is null) || (EncodeArch is not null && o.EncodeArch is not null && EncodeArch.SequenceEqual(o.EncodeArch)));
    public override bool Equals(object? obj) => Equals(obj as OfaConfig);
    public override int GetHashCode() => Seeds.HashCode([.. Ks, -1, .. E, -1, .. D]);
    public override string ToString() => $"ks=[{string.Join(",", Ks)}] e=[{string.Join(",", E)}] d=[{string.Join(",", D)}]";
}

/// <summary>One stage's sub-configuration: depth and the 4 kernel sizes / expand ratios (the reference's candidate blocks).</summary>
public sealed record OfaStageConfig(int Depth, int[] Expand, int[] Kernel)
{
    public string Name => $"d{Depth}:" + string.Join(",", Enumerable.Range(0, Depth).Select(l => $"k{Kernel[l]}e{Expand[l]}"));

    /// <summary>MACs and params of this stage's active layers.</summary>
    public LayerCost Cost(int stage, int resolution = OfaMbv3.Resolution)
    {
        var c = new LayerCost(0, 0);
        for (int l = 0; l < Depth; l++) c += OfaMbv3.LayerCost(stage, l, Kernel[l], Expand[l], resolution);
        return c;
    }

    /// <summary>Concatenates one stage config per stage into a whole-network config (utils.mobilenetv3_decode).</summary>
    public static OfaConfig Concat(IReadOnlyList<OfaStageConfig> stages, IReadOnlyList<int>? encodeArch = null)
    {
        if (stages.Count != OfaMbv3.Stages) throw new MathNasException($"a network needs {OfaMbv3.Stages} stage configs, got {stages.Count}");
        return new OfaConfig(stages.SelectMany(s => s.Kernel).ToArray(), stages.SelectMany(s => s.Expand).ToArray(), stages.Select(s => s.Depth).ToArray(), encodeArch);
    }
}
