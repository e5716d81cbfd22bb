namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// The OFA MobileNetV3 search space (resolution 224, width 1.0) in three views:
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

    private static readonly Lazy<OfaLayerSpace> Layer = new(() => new OfaLayerSpace());
    private static readonly Lazy<OfaStageSpace> Stage = new(() => new OfaStageSpace());

    public static OfaLayerSpace LayerView => Layer.Value;

    /// <summary>Registers the four views (called from BuiltIn.RegisterAll).</summary>
    internal static void Register()
    {
        SpaceRegistry.Register(LayerViewName, "OFA MobileNetV3 (ImageNet 224, w1.0): a node per layer, kernel x expand, depth 2-4 by consistency constraints", () => LayerView);
        SpaceRegistry.Register(StageViewName, "OFA MobileNetV3 (ImageNet 224, w1.0): a node per stage, every (depth, kernels, expands) a block", () => StageView);
        SpaceRegistry.Register(CandidateCpuName, "OFA MobileNetV3: the MathNAS reference's 5 candidate blocks per stage, CPU set (needs the shared data)", () => CandidateView("cpu"));
        SpaceRegistry.Register(CandidateGpuName, "OFA MobileNetV3: the MathNAS reference's 5 candidate blocks per stage, GPU set (needs the shared data)", () => CandidateView("gpu"));
    }
    public static OfaStageSpace StageView => Stage.Value;

    internal static LayerCost Fixed => OfaMbv3.FixedCost();

    /// <summary>
    /// The reference project's candidate-block view for a block set ("cpu" or "gpu"), read from
    /// mathnas-reference/mobilenetv3/blocks_{cpu,gpu}.csv under the data folder; a clear error when the data is absent.
    /// </summary>
    public static OfaCandidateSpace CandidateView(string set, string? dataDir = null)
    {
        if (set is not ("cpu" or "gpu")) throw new MathNasException($"candidate block set '{set}' is not cpu or gpu");
        var name = set == "cpu" ? CandidateCpuName : CandidateGpuName;
        var root = MathNas.Reference.ReferenceData.FindRoot(dataDir);
        var path = root is null ? null : Path.Combine(root, "mobilenetv3", $"blocks_{set}.csv");
        if (path is null || !File.Exists(path))
            throw new MathNasException($"space '{name}' is unavailable: it needs the reference project's candidate blocks (mathnas-reference/mobilenetv3/blocks_{set}.csv under the data folder), which were not found; set MATHNAS_DATA to the shared data folder");
        return new OfaCandidateSpace(name, MathNas.Reference.ReferenceData.LoadBlocks(path), $"blocks_{set}");
    }
}

/// <summary>The layer view: 20 layer nodes, "absent" on layers 3 and 4 of each stage, depth as consistency constraints.</summary>
public sealed class OfaLayerSpace : SearchSpace, IConfigSpace
{
    internal OfaLayerSpace() : base(
        MobileNetV3Spaces.LayerViewName, BuildNodes(), MobileNetV3Spaces.Fixed.MMacs, MobileNetV3Spaces.Fixed.MParams,
        BuildConstraints(), MobileNetV3Spaces.FlopsUnit, "M",
        "OFA MobileNetV3 (224, w1.0), a node per layer: kernel {3,5,7} x expand {3,4,6}, layers 3-4 optional (depth 2-4)")
    { }

    public static int NodeOf(int stage, int layer) => stage * OfaMbv3.MaxDepth + layer;

    private static List<Node> BuildNodes()
    {
        var nodes = new List<Node>();
        int baseIndex = MobileNetV3Spaces.LayerChoiceIndex(7, 6);
        for (int s = 0; s < OfaMbv3.Stages; s++)
            for (int l = 0; l < OfaMbv3.MaxDepth; l++)
            {
                var blocks = MobileNetV3Spaces.LayerChoices.Select(c =>
                {
                    var cost = OfaMbv3.LayerCost(s, l, c.Kernel, c.Expand);
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

    public string FormatName => "OFA MobileNetV3 config (ks, e, d)";

    /// <summary>OFA's ks/e/d YAML; inactive layers are written as k3 e3 (OFA ignores them).</summary>
    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    /// <summary>An OFA ks/e/d config (an optional MathNAS <c>encodearch</c> is accepted and ignored in this view).</summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>") => FromConfig(OfaConfig.Parse(yamlText, source));

}

/// <summary>The stage view: 5 stage nodes, every (depth, kernels, expands) combination a block (7371 per stage).</summary>
public sealed class OfaStageSpace : SearchSpace, IConfigSpace
{
    /// <summary>Blocks per stage: sum over depth d of 9^d.</summary>
    public static readonly int BlocksPerStage = OfaMbv3.DepthChoices.Sum(d => (int)Math.Pow(9, d));

    internal OfaStageSpace() : base(
        MobileNetV3Spaces.StageViewName, BuildNodes(), MobileNetV3Spaces.Fixed.MMacs, MobileNetV3Spaces.Fixed.MParams,
        null, MobileNetV3Spaces.FlopsUnit, "M",
        $"OFA MobileNetV3 (224, w1.0), a node per stage: every (depth, kernels, expands) combination a block ({BlocksPerStage} per stage)")
    { }

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

    private static List<Node> BuildNodes()
    {
        var nodes = new List<Node>();
        for (int s = 0; s < OfaMbv3.Stages; s++)
        {
            // per-layer costs, then sums: cheap even for 7371 blocks
            var blocks = new List<Block>(BlocksPerStage);
            for (int j = 0; j < BlocksPerStage; j++)
            {
                var cfg = BlockConfig(j);
                var cost = cfg.Cost(s);
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

    public string FormatName => "OFA MobileNetV3 config (ks, e, d)";

    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    public Architecture ReadConfig(string yamlText, string source = "<config>") => FromConfig(OfaConfig.Parse(yamlText, source));

}

/// <summary>The reference project's candidate-block view: 5 stages x 5 candidate stage configs (blocks_cpu / blocks_gpu).</summary>
public sealed class OfaCandidateSpace : SearchSpace, IConfigSpace
{
    public OfaCandidateSpace(string name, IReadOnlyList<IReadOnlyList<OfaStageConfig>> candidates, string source) : base(
        name, BuildNodes(candidates), MobileNetV3Spaces.Fixed.MMacs, MobileNetV3Spaces.Fixed.MParams, null,
        MobileNetV3Spaces.FlopsUnit, "M",
        $"OFA MobileNetV3 (224, w1.0), the reference project's 5 candidate blocks per stage ({source}); base: candidate 4")
    {
        Candidates = candidates;
    }

    public IReadOnlyList<IReadOnlyList<OfaStageConfig>> Candidates { get; }

    private static List<Node> BuildNodes(IReadOnlyList<IReadOnlyList<OfaStageConfig>> candidates)
    {
        if (candidates.Count != OfaMbv3.Stages) throw new MathNasException($"candidate view needs {OfaMbv3.Stages} stages, got {candidates.Count}");
        return candidates.Select((row, s) => new Node($"stage{s + 1}",
            row.Select((c, j) => { var cost = c.Cost(s); return new Block($"c{j}:{c.Name}", cost.MMacs, cost.MParams); }).ToList(),
            baseIndex: row.Count - 1)).ToList();
    }

    /// <summary>utils.mobilenetv3_decode: the chosen candidates concatenated, with the code as encodearch.</summary>
    public OfaConfig ToConfig(Architecture a)
    {
        Validate(a);
        return OfaStageConfig.Concat(Enumerable.Range(0, OfaMbv3.Stages).Select(s => Candidates[s][a[s]]).ToList(), a.ToArray());
    }

    public override string Describe(Architecture a) => ToConfig(a).ToString();

    public string FormatName => "OFA MobileNetV3 config (ks, e, d) with MathNAS's encodearch";

    /// <summary>utils.mobilenetv3_decode's config: the chosen candidates' ks/e/d and the code as <c>encodearch</c>.</summary>
    public string WriteConfig(Architecture a) => ToConfig(a).ToYaml();

    /// <summary>
    /// An OFA config whose every stage is one of this view's candidates (same depth, same kernel and expand on the
    /// active layers). With <c>encodearch</c>, the candidates it names must be those stages; without it, each stage's
    /// matching candidate is looked up.
    /// </summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>")
    {
        var cfg = OfaConfig.Parse(yamlText, source);
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
