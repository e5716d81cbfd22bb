using System.Globalization;
using System.Text;

namespace MathNas.Spaces.NasBench201;

/// <summary>
/// The NAS-Bench-201 cell space: 6 edges x 5 ops, in the edge order of the NB201 arch string
/// <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c> (e0 = node1←0, e1 = node2←0, e2 = node2←1, e3 = node3←0,
/// e4 = node3←1, e5 = node3←2) and op indices 0..4 = none, skip_connect, nor_conv_1x1, nor_conv_3x3,
/// avg_pool_3x3 (the convention of the shared data README §1.1 and of MathNAS). The base block of every edge is
/// nor_conv_3x3. Block FLOPs/params are the op's cost summed over the 15 cells of the CIFAR-10 macro network
/// (<see cref="NasBench201Macro"/>), so F(N) = F0 + Σ edge costs is NAS-Bench-201's own FLOPs count.
/// Architectures are written as arch strings; <see cref="ParseArchitecture"/> also takes codes ("3,3,4,1,3,1")
/// and the 6-digit op_code form of the data files ("334131").
/// </summary>
public sealed class NasBench201Space : SearchSpace, IConfigSpace
{
    public const string SpaceName = "nasbench201";
    public const int EdgeCount = 6;
    public const int OpCount = 5;
    public const int NetworkCount = 15_625;
    /// <summary>Index of nor_conv_3x3, the base block of every edge.</summary>
    public const int BaseOp = 3;

    public static IReadOnlyList<string> Ops { get; } = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];

    /// <summary>(target node, source node) of each edge, in code order.</summary>
    public static IReadOnlyList<(int To, int From)> Edges { get; } = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];

    private static readonly Lazy<NasBench201Space> LazyInstance = new(() => new NasBench201Space(NasBench201Macro.Cifar10));

    /// <summary>The built-in space (CIFAR-10 macro network).</summary>
    public static NasBench201Space Instance => LazyInstance.Value;

    public NasBench201Space(NasBench201Macro macro)
        : base(macro == NasBench201Macro.Cifar10 ? SpaceName : $"{SpaceName}-{macro.InputSize}px-{macro.Classes}c", BuildNodes(macro), macro.FixedCost.Flops / 1e6, macro.FixedCost.Params / 1e6, null, "MFLOPs", "M",
            $"NAS-Bench-201 cell space (6 edges x 5 ops, 15,625 networks), {macro.InputSize}x{macro.InputSize} input, {macro.Classes} classes; base op nor_conv_3x3")
    {
        Macro = macro;
        Connectivity = [ConnectivityConstraint.ForCell("cell output reached from its input", Edges.Select(e => e.From).ToArray(),
            Edges.Select(e => e.To).ToArray(), Enumerable.Repeat(0, EdgeCount).ToArray())];
    }

    public NasBench201Macro Macro { get; }

    private static List<Node> BuildNodes(NasBench201Macro macro)
    {
        var nodes = new List<Node>();
        for (int e = 0; e < EdgeCount; e++)
        {
            var blocks = new List<Block>();
            for (int op = 0; op < OpCount; op++)
            {
                var c = macro.BlockCost(op);
                blocks.Add(new Block(Ops[op], c.Flops / 1e6, c.Params / 1e6));
            }
            nodes.Add(new Node($"e{e}:{Edges[e].To}<-{Edges[e].From}", blocks, BaseOp));
        }
        return nodes;
    }

    /// <summary>Index of an op name, or -1.</summary>
    public static int OpIndex(string name)
    {
        for (int i = 0; i < Ops.Count; i++) if (Ops[i] == name) return i;
        return -1;
    }

    /// <summary>The NB201 arch string of a code.</summary>
    public static string ToArchString(Architecture a)
    {
        CheckCode(a);
        var sb = new StringBuilder();
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            if (node > 1) sb.Append('+');
            sb.Append('|');
            for (int from = 0; from < node; from++, e++)
            {
                sb.Append(Ops[a[e]]).Append('~').Append(from.ToString(CultureInfo.InvariantCulture)).Append('|');
            }
        }
        return sb.ToString();
    }

    /// <summary>Parses an NB201 arch string strictly (three '+'-separated node groups, node k holding ops from 0..k-1 in order).</summary>
    public static Architecture ParseArchString(string text)
    {
        var s = text.Trim();
        var groups = s.Split('+');
        if (groups.Length != 3) throw new MathNasException($"arch string '{text}': expected 3 node groups separated by '+', found {groups.Length}");
        var code = new int[EdgeCount];
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            var g = groups[node - 1];
            if (g.Length < 2 || g[0] != '|' || g[^1] != '|')
                throw new MathNasException($"arch string '{text}': node group '{g}' must start and end with '|'");
            var items = g[1..^1].Split('|');
            if (items.Length != node)
                throw new MathNasException($"arch string '{text}': node {node} must have {node} input edge(s), found {items.Length}");
            for (int from = 0; from < node; from++, e++)
            {
                var item = items[from];
                var tilde = item.LastIndexOf('~');
                if (tilde <= 0) throw new MathNasException($"arch string '{text}': '{item}' is not 'op~input'");
                var op = item[..tilde];
                var src = item[(tilde + 1)..];
                if (src != from.ToString(CultureInfo.InvariantCulture))
                    throw new MathNasException($"arch string '{text}': edge '{item}' of node {node} should come from node {from}");
                int idx = OpIndex(op);
                if (idx < 0) throw new MathNasException($"arch string '{text}': unknown op '{op}' (ops: {string.Join(", ", Ops)})");
                code[e] = idx;
            }
        }
        return new Architecture(code);
    }

    /// <summary>The 6-digit op_code of the data files, e.g. "334131".</summary>
    public static string ToOpCode(Architecture a)
    {
        CheckCode(a);
        return string.Concat(a.Select(c => (char)('0' + c)));
    }

    /// <summary>Parses a 6-digit op_code ("334131").</summary>
    public static Architecture ParseOpCode(string text)
    {
        var s = text.Trim();
        if (s.Length != EdgeCount || s.Any(ch => ch < '0' || ch > '4'))
            throw new MathNasException($"op code '{text}' must be {EdgeCount} digits 0..4");
        return new Architecture(s.Select(ch => ch - '0'));
    }

    /// <summary>Mixed-radix position 0..15624 of a code in <see cref="SearchSpace.Enumerate"/> order (last edge fastest). Not the NB201 benchmark index (that order comes from the benchmark files).</summary>
    public static int ToOrdinal(Architecture a)
    {
        CheckCode(a);
        int k = 0;
        for (int e = 0; e < EdgeCount; e++) k = k * OpCount + a[e];
        return k;
    }

    public static Architecture FromOrdinal(int ordinal)
    {
        if (ordinal < 0 || ordinal >= NetworkCount) throw new MathNasException($"NAS-Bench-201 ordinal {ordinal} is out of range 0..{NetworkCount - 1}");
        var c = new int[EdgeCount];
        for (int e = EdgeCount - 1; e >= 0; e--)
        {
            c[e] = ordinal % OpCount;
            ordinal /= OpCount;
        }
        return new Architecture(c);
    }

    private static void CheckCode(Architecture a)
    {
        if (a.Count != EdgeCount) throw new MathNasException($"a NAS-Bench-201 code has {EdgeCount} op indices, not {a.Count}");
        for (int e = 0; e < EdgeCount; e++)
        {
            if (a[e] < 0 || a[e] >= OpCount) throw new MathNasException($"NAS-Bench-201 edge {e}: op index {a[e]} is out of range 0..{OpCount - 1}");
        }
    }

    public override string Describe(Architecture a) => ToArchString(a);

    /// <summary>The config key of a NAS-Bench-201 config file: the arch string NB201's API takes.</summary>
    public const string ConfigKey = "arch";
    /// <summary>MathNAS's keys (<c>utils.nasbench201_decode</c>): the arch string and the 6 op indices.</summary>
    public const string MathNasStringKey = "archstr";
    public const string MathNasCodeKey = "archcode";
    /// <summary>Format names: <c>arch</c> (one key, the arch string) and <c>mathnas</c> (<c>{archcode, archstr}</c>, as MathNAS's search writes it).</summary>
    public const string FormatArch = "arch";
    public const string FormatMathNas = "mathnas";

    public string FormatName => "NAS-Bench-201 arch string (YAML key 'arch', or MathNAS's archstr/archcode)";

    public IReadOnlyList<string> ConfigFormats => [FormatArch, FormatMathNas];

    /// <summary><c>arch: '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'</c> (single-quoted: the string starts with '|').</summary>
    public string WriteConfig(Architecture a)
    {
        Validate(a);
        return $"{ConfigKey}: '{ToArchString(a)}'\n";
    }

    /// <summary>
    /// <c>arch</c> (default) or <c>mathnas</c>: MathNAS's <c>{archstr, archcode}</c> in PyYAML's <c>dump</c> layout (sorted keys,
    /// block list, the arch string single-quoted), what MathNAS's <c>main.py --mode nas</c> writes and <c>predict.py</c> reads.
    /// </summary>
    public string WriteConfig(Architecture a, string format)
    {
        if (NativeConfigs.CheckFormat(this, format) != FormatMathNas) return WriteConfig(a);
        Validate(a);
        var sb = new StringBuilder();
        sb.Append(MathNasCodeKey).Append(":\n");
        foreach (var c in a) sb.Append("- ").Append(c.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(MathNasStringKey).Append(": '").Append(ToArchString(a)).Append("'\n");
        return sb.ToString();
    }

    /// <summary>
    /// Either the single key 'arch' holding an arch string, or MathNAS's 'archstr' and/or 'archcode' (6 op indices; with
    /// both, they must name the same network). Arch strings are parsed strictly.
    /// </summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>")
    {
        string Where(string s) => $"NAS-Bench-201 config '{source}': {s}";
        var map = ConfigYaml.ReadMapping(yamlText, source);
        foreach (var k in map.Keys)
            if (k is not (ConfigKey or MathNasStringKey or MathNasCodeKey))
                throw new MathNasException(Where($"unknown key '{k}' (the keys are '{ConfigKey}', or MathNAS's '{MathNasStringKey}' and '{MathNasCodeKey}')"));
        if (map.ContainsKey(ConfigKey) && map.Count > 1)
            throw new MathNasException(Where($"'{ConfigKey}' cannot be combined with '{MathNasStringKey}'/'{MathNasCodeKey}'"));
        if (map.Count == 0) throw new MathNasException(Where($"key '{ConfigKey}' (or '{MathNasStringKey}'/'{MathNasCodeKey}') is missing"));
        try
        {
            Architecture? fromString = null, fromCode = null;
            foreach (var key in new[] { ConfigKey, MathNasStringKey })
            {
                if (!map.TryGetValue(key, out var v)) continue;
                if (v is not YamlDotNet.RepresentationModel.YamlScalarNode { Value: { } text })
                    throw new MathNasException($"'{key}' must be an arch string");
                fromString = ParseArchString(text);
            }
            if (map.ContainsKey(MathNasCodeKey))
            {
                fromCode = new Architecture(ConfigYaml.IntList(map, MathNasCodeKey, EdgeCount));
                CheckCode(fromCode);
            }
            if (fromString is not null && fromCode is not null && !fromString.Equals(fromCode))
                throw new MathNasException($"'{MathNasStringKey}' is {ToArchString(fromString)} but '{MathNasCodeKey}' [{fromCode}] is {ToArchString(fromCode)}");
            var a = fromString ?? fromCode!;
            Validate(a);
            return a;
        }
        catch (MathNasException e) when (!e.Message.StartsWith("NAS-Bench-201 config", StringComparison.Ordinal)) { throw new MathNasException(Where(e.Message)); }
    }

    /// <summary>Accepts an arch string, a code ("3,3,4,1,3,1" or "3 3 4 1 3 1") or a 6-digit op_code ("334131").</summary>
    public override Architecture ParseArchitecture(string text)
    {
        var s = text.Trim();
        if (NativeConfigs.IsConfigPath(s)) return NativeConfigs.Load(this, s);
        Architecture a;
        if (s.Contains('|') || s.Contains('~')) a = ParseArchString(s);
        else if (s.Length == EdgeCount && s.All(char.IsAsciiDigit)) a = ParseOpCode(s);
        else a = Architecture.Parse(s);
        Validate(a);
        return a;
    }
}
