namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// The OFA MobileNetV3 search space in three views, each on a super-network (<see cref="OfaMbv3Net"/>: width multiplier
/// and resolution; the plain names are w1.0 at 224, <c>-w1.2</c> is OFA's <c>ofa_mbv3_d234_e346_k357_w1.2</c>, the one
/// MathNAS validates its published networks on, and <c>-rNNN</c> another resolution, 128..224 in steps of 4):
/// <list type="bullet">
/// <item><b>layer view</b> (<c>mobilenetv3</c>): 20 nodes, one per layer slot; each has the 9 (kernel, expand)
/// blocks, and layers 3 and 4 of every stage also an "absent" block, with the linear consistency constraint
/// "layer 4 present =&gt; layer 3 present" per stage. Base block: k7e6 (the OFA max net).</item>
/// <item><b>stage view</b> (<c>mobilenetv3-stage</c>): 5 nodes, one per stage; a block is a whole
/// (depth, kernels, expands) combination: 9^2 + 9^3 + 9^4 = 7371 blocks per stage. Base: depth 4, all k7e6.</item>
/// <item><b>candidate view</b> (<c>mobilenetv3-blocks-cpu</c>, <c>-gpu</c>): the reference project's 5 candidate
/// blocks per stage, read from the data at run time (no data, no view). Base: candidate 4.</item>
/// </list>
/// FLOPs are multiply-accumulates counted as OFA's <c>profile</c> does, in millions; params in millions.
/// </summary>
public static class MobileNetV3Spaces
{
    public const string LayerViewName = "mobilenetv3";
    public const string StageViewName = "mobilenetv3-stage";
    public const string CandidateCpuName = "mobilenetv3-blocks-cpu";
    public const string CandidateGpuName = "mobilenetv3-blocks-gpu";
    public const string FlopsUnit = "MFLOPs (MACs)";

    /// <summary>The 9 (kernel, expand) pairs in block order: kernel major, expand minor.</summary>
    public static IReadOnlyList<(int Kernel, int Expand)> LayerChoices { get; } =
        OfaMbv3.KernelChoices.SelectMany(k => OfaMbv3.ExpandChoices.Select(e => (k, e))).ToArray();

    public const int AbsentBlock = 9;

    public static int LayerChoiceIndex(int kernel, int expand)
    {
        for (int i = 0; i < LayerChoices.Count; i++) if (LayerChoices[i] == (kernel, expand)) return i;
        throw new MathNasException($"kernel {kernel} / expand {expand} is not a layer choice of the OFA MobileNetV3 space");
    }

    private static readonly Lazy<OfaLayerSpace> Layer = new(() => new OfaLayerSpace(OfaMbv3Net.Default));
    private static readonly Lazy<OfaStageSpace> Stage = new(() => new OfaStageSpace(OfaMbv3Net.Default));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<OfaMbv3Net, Lazy<OfaStageSpace>> Stages = new();

    public static OfaLayerSpace LayerView => Layer.Value;

    /// <summary>The layer view on a super-network.</summary>
    public static OfaLayerSpace LayerViewOf(OfaMbv3Net net) => net.Equals(OfaMbv3Net.Default) ? LayerView : new OfaLayerSpace(net);

    /// <summary>The stage view on a super-network (built once per network: 5 x 7371 blocks).</summary>
    public static OfaStageSpace StageViewOf(OfaMbv3Net net) =>
        net.Equals(OfaMbv3Net.Default) ? StageView : Stages.GetOrAdd(net, n => new Lazy<OfaStageSpace>(() => new OfaStageSpace(n))).Value;

    /// <summary>Registers the four views at w1.0 and w1.2 (called from BuiltIn.RegisterAll), and the -rNNN resolution names.</summary>
    internal static void Register()
    {
        foreach (var w in OfaMbv3Net.WidthChoices)
        {
            var net = new OfaMbv3Net(w);
            SpaceRegistry.Register(LayerViewName + net.Suffix, $"OFA MobileNetV3 (ImageNet 224, w{net.WidthText}): a node per layer, kernel x expand, depth 2-4 by consistency constraints", () => LayerViewOf(net));
            SpaceRegistry.Register(StageViewName + net.Suffix, $"OFA MobileNetV3 (ImageNet 224, w{net.WidthText}): a node per stage, every (depth, kernels, expands) a block", () => StageViewOf(net));
            SpaceRegistry.Register(CandidateCpuName + net.Suffix, $"OFA MobileNetV3 (224, w{net.WidthText}): the MathNAS reference's 5 candidate blocks per stage, CPU set (needs the shared data)", () => CandidateView("cpu", null, net));
            SpaceRegistry.Register(CandidateGpuName + net.Suffix, $"OFA MobileNetV3 (224, w{net.WidthText}): the MathNAS reference's 5 candidate blocks per stage, GPU set (needs the shared data)", () => CandidateView("gpu", null, net));
        }
        SpaceRegistry.RegisterResolver(TryResolve);
    }

    /// <summary>
    /// A view name with a resolution suffix: <c>VIEW[-w1.2]-rNNN</c> (NNN in 128..224, a multiple of 4), e.g.
    /// <c>mobilenetv3-w1.2-r192</c>; null when the name is not of that form.
    /// </summary>
    public static SearchSpace? TryResolve(string name)
    {
        var m = System.Text.RegularExpressions.Regex.Match(name,
            $"^(?<view>{LayerViewName}|{StageViewName}|{CandidateCpuName}|{CandidateGpuName})(?:-w(?<w>[0-9]+\\.[0-9]+))?-r(?<r>[0-9]{{2,4}})$",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) return null;
        double w = m.Groups["w"].Success ? double.Parse(m.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture) : 1.0;
        int r = int.Parse(m.Groups["r"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (Array.IndexOf(OfaMbv3Net.WidthChoices, w) < 0)
            throw new MathNasException($"space '{name}': width multiplier {m.Groups["w"].Value} is not one of OFA's super-networks ({string.Join(", ", OfaMbv3Net.WidthChoices.Select(x => x.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))})");
        if (r < OfaMbv3Net.MinResolution || r > OfaMbv3Net.MaxResolution || r % OfaMbv3Net.ResolutionStep != 0)
            throw new MathNasException($"space '{name}': resolution {r} is not one of OFA's ({OfaMbv3Net.MinResolution}..{OfaMbv3Net.MaxResolution} in steps of {OfaMbv3Net.ResolutionStep})");
        var net = new OfaMbv3Net(w, r);
        return m.Groups["view"].Value.ToLowerInvariant() switch
        {
            LayerViewName => LayerViewOf(net),
            StageViewName => StageViewOf(net),
            CandidateCpuName => CandidateView("cpu", null, net),
            _ => CandidateView("gpu", null, net),
        };
    }

    /// <summary>The name of the given view on a super-network (the registered name, or with -rNNN).</summary>
    public static string NameOf(string view, OfaMbv3Net net) => view + net.Suffix;

    public static OfaStageSpace StageView => Stage.Value;

    internal static LayerCost Fixed => OfaMbv3.FixedCost();

    /// <summary>Format names of the MobileNetV3 configs: MathNAS's result-file layout and OFA's arch dict (JSON).</summary>
    public const string FormatMathNas = "mathnas";
    public const string FormatOfa = "ofa";
    internal static readonly string[] Formats = [FormatMathNas, FormatOfa];

    /// <summary>
    /// The printed notation of the views (<c>ks=[..] e=[..] d=[..]</c>, what <c>Describe</c> writes; an <c>r=N</c> item is
    /// checked against the space's resolution) as a config.
    /// </summary>
    internal static OfaConfig ParseNotation(string view, OfaMbv3Net net, string text)
    {
        const string what = "OFA MobileNetV3 architecture";
        var items = ArchNotation.KeyLists(text.Trim(), ["ks", "e", "d", "r"], what);
        OfaConfig cfg;
        try
        {
            cfg = new OfaConfig(ArchNotation.Require(items, "ks", what, text), ArchNotation.Require(items, "e", what, text),
                ArchNotation.Require(items, "d", what, text), null, ArchNotation.Scalar(items, "r", what, text));
        }
        catch (MathNasException e) when (!e.Message.Contains(text, StringComparison.Ordinal)) { throw new MathNasException($"{what} '{text}': {e.Message}"); }
        if (cfg.MismatchWith(net) is { } why)
            throw new MathNasException($"{what} '{text}': {why}; use space '{NameOf(view, new OfaMbv3Net(net.WidthMult, cfg.R ?? net.Resolution))}'");
        return cfg;
    }

    /// <summary>Parses a config and checks its own r / wid against the space's super-network (naming the space that fits).</summary>
    internal static OfaConfig ParseFor(string view, OfaMbv3Net net, string yamlText, string source)
    {
        var cfg = OfaConfig.Parse(yamlText, source);
        if (cfg.MismatchWith(net) is { } why)
        {
            var fit = new OfaMbv3Net(cfg.Wid ?? net.WidthMult, cfg.R ?? net.Resolution);
            throw new MathNasException($"OFA MobileNetV3 config '{source}': {why}; use space '{NameOf(view, fit)}'");
        }
        return cfg;
    }

    /// <summary>
    /// The reference project's candidate-block view for a block set ("cpu" or "gpu"), read from
    /// mathnas-reference/mobilenetv3/blocks_{cpu,gpu}.csv under the data folder; a clear error when the data is absent.
    /// </summary>
    public static OfaCandidateSpace CandidateView(string set, string? dataDir = null, OfaMbv3Net? net = null)
    {
        if (set is not ("cpu" or "gpu")) throw new MathNasException($"candidate block set '{set}' is not cpu or gpu");
        net ??= OfaMbv3Net.Default;
        var name = (set == "cpu" ? CandidateCpuName : CandidateGpuName) + net.Suffix;
        var root = MathNas.Reference.ReferenceData.FindRoot(dataDir);
        var path = root is null ? null : Path.Combine(root, "mobilenetv3", $"blocks_{set}.csv");
        if (path is null || !File.Exists(path))
            throw new MathNasException($"space '{name}' is unavailable: it needs the reference project's candidate blocks (mathnas-reference/mobilenetv3/blocks_{set}.csv under the data folder), which were not found; set MATHNAS_DATA to the shared data folder");
        return new OfaCandidateSpace(name, MathNas.Reference.ReferenceData.LoadBlocks(path), $"blocks_{set}", net);
    }
}

/// <summary>The layer view: 20 layer nodes, "absent" on layers 3 and 4 of each stage, depth as consistency constraints.</summary>
public sealed class OfaLayerSpace : SearchSpace, IConfigSpace
{
    internal OfaLayerSpace(OfaMbv3Net net) : base(
        MobileNetV3Spaces.LayerViewName + net.Suffix, BuildNodes(net), net.FixedCost().MMacs, net.FixedCost().MParams,
        BuildConstraints(), MobileNetV3Spaces.FlopsUnit, "M",
        $"OFA MobileNetV3 ({net.Resolution}, w{net.WidthText}), a node per layer: kernel {{3,5,7}} x expand {{3,4,6}}, layers 3-4 optional (depth 2-4)")
    {
        Net = net;
    }

    /// <summary>The super-network (width multiplier, resolution) the costs are counted on.</summary>
    public OfaMbv3Net Net { get; }

    public static int NodeOf(int stage, int layer) => stage * OfaMbv3.MaxDepth + layer;

    private static List<Node> BuildNodes(OfaMbv3Net net)
    {
        var nodes = new List<Node>();
        int baseIndex = MobileNetV3Spaces.LayerChoiceIndex(7, 6);
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < OfaMbv3.MaxDepth; l++)
            {
                var blocks = MobileNetV3Spaces.LayerChoices.Select(c =>
                {
                    var cost = net.LayerCost(s, l, c.Kernel, c.Expand);
                    return new Block($"k{c.Kernel}e{c.Expand}", cost.MMacs, cost.MParams);
                }).ToList();
                if (l >= 2) blocks.Add(new Block("absent", 0, 0));
                nodes.Add(new Node($"s{s + 1}.l{l + 1}", blocks, baseIndex));
            }
        return nodes;
    }

    private static List<LinearConstraint> BuildConstraints()
    {
        var list = new List<LinearConstraint>();
        for (int s = 0; s < OfaMbv3.Stages; s++)
        {
            // x[l3, absent] - x[l4, absent] <= 0 : if layer 3 is absent, layer 4 is absent too.
            list.Add(new LinearConstraint($"s{s + 1}: layer 4 present => layer 3 present",
                [new ConstraintTerm(NodeOf(s, 2), MobileNetV3Spaces.AbsentBlock, 1), new ConstraintTerm(NodeOf(s, 3), MobileNetV3Spaces.AbsentBlock, -1)], 0));
        }
        return list;
    }

    public OfaConfig ToConfig(Architecture a)
    {
        Validate(a);
        var ks = new int[OfaMbv3.Layers];
        var e = new int[OfaMbv3.Layers];
        var d = new int[OfaMbv3.Stages];
        for (int s = 0; s < OfaMbv3.Stages; s++)
        {
            d[s] = OfaMbv3.MaxDepth;
            for (int l = 0; l < OfaMbv3.MaxDepth; l++)
            {
                int c = a[NodeOf(s, l)];
                if (c == MobileNetV3Spaces.AbsentBlock)
                {
                    d[s] = Math.Min(d[s], l);
                    ks[NodeOf(s, l)] = 3; e[NodeOf(s, l)] = 3;
                }
                else (ks[NodeOf(s, l)], e[NodeOf(s, l)]) = MobileNetV3Spaces.LayerChoices[c];
            }
        }
        return new OfaConfig(ks, e, d);
    }

    public Architecture FromConfig(OfaConfig cfg)
    {
        var c = new int[OfaMbv3.Layers];
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < OfaMbv3.MaxDepth; l++)
                c[NodeOf(s, l)] = cfg.IsActive(s, l) ? MobileNetV3Spaces.LayerChoiceIndex(cfg.Ks[NodeOf(s, l)], cfg.E[NodeOf(s, l)]) : MobileNetV3Spaces.AbsentBlock;
        var a = new Architecture(c);
        Validate(a);
        return a;
    }

    public override string Describe(Architecture a) => ToConfig(a).ToString();

    /// <summary>A code, a config file, or the printed <c>ks=[..] e=[..] d=[..]</c>.</summary>
    public override Architecture ParseArchitecture(string text) =>
        !NativeConfigs.IsConfigPath(text) && ArchNotation.IsNotation(text)
            ? FromConfig(MobileNetV3Spaces.ParseNotation(MobileNetV3Spaces.LayerViewName, Net, text))
            : base.ParseArchitecture(text);

    public string FormatName => "OFA MobileNetV3 config (ks, e, d; OFA's wid and r)";

    public IReadOnlyList<string> ConfigFormats => MobileNetV3Spaces.Formats;

    public bool ConfigTakesComments(string format) => format != MobileNetV3Spaces.FormatOfa;

    /// <summary>OFA's ks/e/d YAML; inactive layers are written as k3 e3 (OFA ignores them).</summary>
    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    /// <summary><c>mathnas</c> (default; sorted block lists) or <c>ofa</c> (OFA's arch dict as JSON, with <c>wid</c> null and <c>r</c>).</summary>
    public string WriteConfig(Architecture a, string format) =>
        NativeConfigs.CheckFormat(this, format) == MobileNetV3Spaces.FormatOfa ? ToConfig(a).ToOfaJson(Net.Resolution) : WriteConfig(a);

    /// <summary>An OFA ks/e/d config (an optional MathNAS <c>encodearch</c> is accepted and ignored in this view; <c>r</c> and a numeric <c>wid</c> must be this space's).</summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>") =>
        FromConfig(MobileNetV3Spaces.ParseFor(MobileNetV3Spaces.LayerViewName, Net, yamlText, source));

}

/// <summary>The stage view: 5 stage nodes, every (depth, kernels, expands) combination a block (7371 per stage).</summary>
public sealed class OfaStageSpace : SearchSpace, IConfigSpace
{
    /// <summary>Blocks per stage: sum over depth d of 9^d.</summary>
    public static readonly int BlocksPerStage = OfaMbv3.DepthChoices.Sum(d => (int)Math.Pow(9, d));

    internal OfaStageSpace(OfaMbv3Net net) : base(
        MobileNetV3Spaces.StageViewName + net.Suffix, BuildNodes(net), net.FixedCost().MMacs, net.FixedCost().MParams,
        null, MobileNetV3Spaces.FlopsUnit, "M",
        $"OFA MobileNetV3 ({net.Resolution}, w{net.WidthText}), a node per stage: every (depth, kernels, expands) combination a block ({BlocksPerStage} per stage)")
    {
        Net = net;
    }

    /// <summary>The super-network (width multiplier, resolution) the costs are counted on.</summary>
    public OfaMbv3Net Net { get; }

    /// <summary>Block index -> stage config. Order: depth 2, 3, 4; within a depth, mixed radix over layers (last layer fastest), layer choice = kernel-major (k,e) index.</summary>
    public static OfaStageConfig BlockConfig(int index)
    {
        if (index < 0 || index >= BlocksPerStage) throw new MathNasException($"stage block {index} is out of range 0..{BlocksPerStage - 1}");
        foreach (var d in OfaMbv3.DepthChoices)
        {
            int n = (int)Math.Pow(9, d);
            if (index < n)
            {
                var k = new int[4];
                var e = new int[4];
                Array.Fill(k, 3); Array.Fill(e, 3);
                for (int l = d - 1; l >= 0; l--)
                {
                    (k[l], e[l]) = MobileNetV3Spaces.LayerChoices[index % 9];
                    index /= 9;
                }
                return new OfaStageConfig(d, e, k);
            }
            index -= n;
        }
        throw new InvalidOperationException("unreachable");
    }

    public static int BlockIndex(OfaStageConfig c)
    {
        int offset = 0;
        foreach (var d in OfaMbv3.DepthChoices)
        {
            if (d == c.Depth)
            {
                int idx = 0;
                for (int l = 0; l < d; l++) idx = idx * 9 + MobileNetV3Spaces.LayerChoiceIndex(c.Kernel[l], c.Expand[l]);
                return offset + idx;
            }
            offset += (int)Math.Pow(9, d);
        }
        throw new MathNasException($"stage depth {c.Depth} is not one of {string.Join(", ", OfaMbv3.DepthChoices)}");
    }

    private static List<Node> BuildNodes(OfaMbv3Net net)
    {
        var nodes = new List<Node>();
        for (int s = 0; s < OfaMbv3.Stages; s++)
        {
            // per-layer costs, then sums: cheap even for 7371 blocks
            var blocks = new List<Block>(BlocksPerStage);
            for (int j = 0; j < BlocksPerStage; j++)
            {
                var cfg = BlockConfig(j);
                var cost = cfg.Cost(s, net);
                blocks.Add(new Block(cfg.Name, cost.MMacs, cost.MParams));
            }
            nodes.Add(new Node($"stage{s + 1}", blocks, BlocksPerStage - 1));
        }
        return nodes;
    }

    public OfaConfig ToConfig(Architecture a)
    {
        Validate(a);
        return OfaStageConfig.Concat(Enumerable.Range(0, OfaMbv3.Stages).Select(s => BlockConfig(a[s])).ToList());
    }

    public Architecture FromConfig(OfaConfig cfg)
    {
        var c = new int[OfaMbv3.Stages];
        for (int s = 0; s < OfaMbv3.Stages; s++)
            c[s] = BlockIndex(cfg.Stage(s));
        return new Architecture(c);
    }

    public override string Describe(Architecture a) => ToConfig(a).ToString();

    /// <summary>A code, a config file, or the printed <c>ks=[..] e=[..] d=[..]</c>.</summary>
    public override Architecture ParseArchitecture(string text) =>
        !NativeConfigs.IsConfigPath(text) && ArchNotation.IsNotation(text)
            ? FromConfig(MobileNetV3Spaces.ParseNotation(MobileNetV3Spaces.StageViewName, Net, text))
            : base.ParseArchitecture(text);

    public string FormatName => "OFA MobileNetV3 config (ks, e, d; OFA's wid and r)";

    public IReadOnlyList<string> ConfigFormats => MobileNetV3Spaces.Formats;

    public bool ConfigTakesComments(string format) => format != MobileNetV3Spaces.FormatOfa;

    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    /// <summary><c>mathnas</c> (default; sorted block lists) or <c>ofa</c> (OFA's arch dict as JSON, with <c>wid</c> null and <c>r</c>).</summary>
    public string WriteConfig(Architecture a, string format) =>
        NativeConfigs.CheckFormat(this, format) == MobileNetV3Spaces.FormatOfa ? ToConfig(a).ToOfaJson(Net.Resolution) : WriteConfig(a);

    public Architecture ReadConfig(string yamlText, string source = "<config>") =>
        FromConfig(MobileNetV3Spaces.ParseFor(MobileNetV3Spaces.StageViewName, Net, yamlText, source));

}

/// <summary>The reference project's candidate-block view: 5 stages x 5 candidate stage configs (blocks_cpu / blocks_gpu).</summary>
public sealed class OfaCandidateSpace : SearchSpace, IConfigSpace
{
    public OfaCandidateSpace(string name, IReadOnlyList<IReadOnlyList<OfaStageConfig>> candidates, string source, OfaMbv3Net? net = null) : base(
        name, BuildNodes(candidates, net ?? OfaMbv3Net.Default), (net ?? OfaMbv3Net.Default).FixedCost().MMacs, (net ?? OfaMbv3Net.Default).FixedCost().MParams, null,
        MobileNetV3Spaces.FlopsUnit, "M",
        $"OFA MobileNetV3 ({(net ?? OfaMbv3Net.Default).Resolution}, w{(net ?? OfaMbv3Net.Default).WidthText}), the reference project's 5 candidate blocks per stage ({source}); base: candidate 4")
    {
        Candidates = candidates;
        Net = net ?? OfaMbv3Net.Default;
    }

    /// <summary>The super-network (width multiplier, resolution) the costs are counted on.</summary>
    public OfaMbv3Net Net { get; }

    public IReadOnlyList<IReadOnlyList<OfaStageConfig>> Candidates { get; }

    private static List<Node> BuildNodes(IReadOnlyList<IReadOnlyList<OfaStageConfig>> candidates, OfaMbv3Net net)
    {
        if (candidates.Count != OfaMbv3.Stages) throw new MathNasException($"candidate view needs {OfaMbv3.Stages} stages, got {candidates.Count}");
        return candidates.Select((row, s) => new Node($"stage{s + 1}",
            row.Select((c, j) => { var cost = c.Cost(s, net); return new Block($"c{j}:{c.Name}", cost.MMacs, cost.MParams); }).ToList(),
            baseIndex: row.Count - 1)).ToList();
    }

    /// <summary>utils.mobilenetv3_decode: the chosen candidates concatenated, with the code as encodearch.</summary>
    public OfaConfig ToConfig(Architecture a)
    {
        Validate(a);
        return OfaStageConfig.Concat(Enumerable.Range(0, OfaMbv3.Stages).Select(s => Candidates[s][a[s]]).ToList(), a.ToArray());
    }

    public override string Describe(Architecture a) => ToConfig(a).ToString();

    private string ViewName => Name.StartsWith(MobileNetV3Spaces.CandidateCpuName, StringComparison.Ordinal) ? MobileNetV3Spaces.CandidateCpuName : MobileNetV3Spaces.CandidateGpuName;

    /// <summary>A code, a config file, or the printed <c>ks=[..] e=[..] d=[..]</c> (whose stages must be candidates of this view).</summary>
    public override Architecture ParseArchitecture(string text) =>
        !NativeConfigs.IsConfigPath(text) && ArchNotation.IsNotation(text)
            ? FromConfig(MobileNetV3Spaces.ParseNotation(ViewName, Net, text), text)
            : base.ParseArchitecture(text);

    public string FormatName => "OFA MobileNetV3 config (ks, e, d) with MathNAS's encodearch";

    public IReadOnlyList<string> ConfigFormats => MobileNetV3Spaces.Formats;

    public bool ConfigTakesComments(string format) => format != MobileNetV3Spaces.FormatOfa;

    /// <summary>utils.mobilenetv3_decode's config: the chosen candidates' ks/e/d and the code as <c>encodearch</c>.</summary>
    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    /// <summary><c>mathnas</c> (default: ks/e/d + encodearch, MathNAS's layout) or <c>ofa</c> (OFA's arch dict as JSON; no encodearch).</summary>
    public string WriteConfig(Architecture a, string format) =>
        NativeConfigs.CheckFormat(this, format) == MobileNetV3Spaces.FormatOfa ? ToConfig(a).ToOfaJson(Net.Resolution) : WriteConfig(a);

    /// <summary>
    /// An OFA config whose every stage is one of this view's candidates (same depth, same kernel and expand on the
    /// active layers). With <c>encodearch</c>, the candidates it names must be those stages; without it, each stage's
    /// matching candidate is looked up.
    /// </summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>")
    {
        var cfg = MobileNetV3Spaces.ParseFor(ViewName, Net, yamlText, source);
        return FromConfig(cfg, source);
    }

    /// <summary>The code of a parsed config (see <see cref="ReadConfig"/>).</summary>
    public Architecture FromConfig(OfaConfig cfg, string source = "<config>")
    {
        var code = new int[OfaMbv3.Stages];
        for (int s = 0; s < OfaMbv3.Stages; s++)
        {
            var stage = cfg.Stage(s);
            bool Same(OfaStageConfig c) => c.Depth == stage.Depth && Enumerable.Range(0, c.Depth).All(l => c.Kernel[l] == stage.Kernel[l] && c.Expand[l] == stage.Expand[l]);
            if (cfg.EncodeArch is { } enc)
            {
                if (!Same(Candidates[s][enc[s]]))
                    throw new MathNasException($"config '{source}': encodearch[{s}] = {enc[s]} names candidate {Candidates[s][enc[s]].Name} of space '{Name}', but stage {s + 1} of ks/e/d is {stage.Name}");
                code[s] = enc[s];
            }
            else
            {
                int j = Enumerable.Range(0, Candidates[s].Count).FirstOrDefault(j => Same(Candidates[s][j]), -1);
                if (j < 0)
                    throw new MathNasException($"config '{source}': stage {s + 1} ({stage.Name}) is not one of the candidates of space '{Name}' ({string.Join("; ", Candidates[s].Select(c => c.Name))}); use space {MobileNetV3Spaces.LayerViewName} for any OFA network");
                code[s] = j;
            }
        }
        var a = new Architecture(code);
        Validate(a);
        return a;
    }

}
