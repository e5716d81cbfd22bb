namespace MathNas.Spaces.SuperViT;

/// <summary>The settings one block of a SuperViT node fixes (unused parts are 0).</summary>
public readonly record struct SuperVitBlock(int Width, int Depth, int Kernel, int Expand);

/// <summary>
/// The SuperViT (NASViT) space of MathNAS: 9 nodes (first conv, stages mb1..mb7, last conv) with
/// 2, 8, 36, 24, 24, 63, 24, 12, 2 blocks. A block fixes the node's width and, for a stage, its depth, kernel size and
/// expansion ratio. The block index is MathNAS's mixed-radix code (<c>utils.supervit_code</c>, data README 1.3):
/// least significant first the expansion-ratio index, the kernel index, the depth index, the width index, each
/// digit present only where the stage has more than one choice (node1 = k + 2d + 4w, node2 = e + 3k + 6d + 18w,
/// node3/4 = e + 3d + 12w, node5 = e + 3d + 21w, node6 = d + 6w, node7 = d + 4w; node0 and node8 = width index).
/// <para>Resolution is not a node: the space is built for one input resolution (default 224); the reference code
/// also leaves it out of the code.</para>
/// <para>Per-block FLOPs (MFLOPs = MACs / 1e6, NASViT's convention) and params (M) come from
/// <see cref="SuperVitCost"/>. A stage's first layer depends on the previous node's width, so costs are not exactly
/// additive. A block's cost is its node's own cost in the base network plus the exact change of the whole network
/// when that node alone switches to the block (the reference's <c>blockflops</c> definition: "base network with
/// only this block changed"). The fixed part is then 0 and the base network and every one-node switch of it are
/// exact; other networks differ by the width interaction of neighbouring nodes (see <see cref="AdditiveError"/>).
/// Base block: index 0 of every node (the reference differences subtract column 0).</para>
/// </summary>
public sealed class SuperVitSpace : SearchSpace, IConfigSpace, IExactCostSpace
{
    public const string SpaceName = "supervit";
    public const int DefaultResolution = 224;

    private SuperVitSpace(string name, int resolution, IReadOnlyList<Node> nodes)
        : base(name, nodes, 0, 0, null, "MFLOPs", "M",
            $"NASViT supernet (MathNAS SuperViT space) at {resolution}x{resolution}: first conv, mb1..mb7 (mb4..mb7 transformer), last conv")
    {
        Resolution = resolution;
    }

    public int Resolution { get; }

    public static readonly int[] ChoiceCountsPerNode = [2, 8, 36, 24, 24, 63, 24, 12, 2];

    /// <summary>Mixed-radix digits of node i: (choices, kind) least significant first.</summary>
    private static (int[] Radix, char[] Kind) Digits(int node)
    {
        var st = SuperVitSupernet.Stages;
        if (node == 0) return ([SuperVitSupernet.FirstConvWidths.Length], ['w']);
        if (node == st.Length + 1) return ([SuperVitSupernet.LastConvWidths.Length], ['w']);
        var s = st[node - 1];
        var r = new List<int>();
        var k = new List<char>();
        if (s.Expands.Length > 1) { r.Add(s.Expands.Length); k.Add('e'); }
        if (s.Kernels.Length > 1) { r.Add(s.Kernels.Length); k.Add('k'); }
        r.Add(s.Depths.Length); k.Add('d');
        r.Add(s.Widths.Length); k.Add('w');
        return (r.ToArray(), k.ToArray());
    }

    /// <summary>The settings of block <paramref name="j"/> of node <paramref name="node"/>.</summary>
    public static SuperVitBlock BlockOf(int node, int j)
    {
        if (node < 0 || node >= ChoiceCountsPerNode.Length) throw new MathNasException($"SuperViT has nodes 0..{ChoiceCountsPerNode.Length - 1}, not {node}");
        if (j < 0 || j >= ChoiceCountsPerNode[node]) throw new MathNasException($"SuperViT node {node} has blocks 0..{ChoiceCountsPerNode[node] - 1}, not {j}");
        var (radix, kind) = Digits(node);
        int rest = j, w = 0, d = 0, k = 0, e = 0;
        for (int i = 0; i < radix.Length; i++)
        {
            int digit = rest % radix[i];
            rest /= radix[i];
            switch (kind[i]) { case 'w': w = digit; break; case 'd': d = digit; break; case 'k': k = digit; break; default: e = digit; break; }
        }
        if (node == 0) return new SuperVitBlock(SuperVitSupernet.FirstConvWidths[w], 0, 0, 0);
        if (node == ChoiceCountsPerNode.Length - 1) return new SuperVitBlock(SuperVitSupernet.LastConvWidths[w], 0, 0, 0);
        var s = SuperVitSupernet.Stages[node - 1];
        return new SuperVitBlock(s.Widths[w], s.Depths[d], s.Kernels[k], s.Expands[e]);
    }

    /// <summary>Block index of node <paramref name="node"/> for the given settings.</summary>
    public static int IndexOf(int node, SuperVitBlock b)
    {
        var (radix, kind) = Digits(node);
        int code = 0, mult = 1;
        for (int i = 0; i < radix.Length; i++)
        {
            int digit = kind[i] switch
            {
                'w' => node == 0 ? Array.IndexOf(SuperVitSupernet.FirstConvWidths, b.Width)
                     : node == ChoiceCountsPerNode.Length - 1 ? Array.IndexOf(SuperVitSupernet.LastConvWidths, b.Width)
                     : Array.IndexOf(SuperVitSupernet.Stages[node - 1].Widths, b.Width),
                'd' => Array.IndexOf(SuperVitSupernet.Stages[node - 1].Depths, b.Depth),
                'k' => Array.IndexOf(SuperVitSupernet.Stages[node - 1].Kernels, b.Kernel),
                _ => Array.IndexOf(SuperVitSupernet.Stages[node - 1].Expands, b.Expand),
            };
            if (digit < 0) throw new MathNasException($"SuperViT node {node}: settings {b} are not in the space");
            code += digit * mult;
            mult *= radix[i];
        }
        return code;
    }

    public static SuperVitSpace Create(int resolution = DefaultResolution)
    {
        if (Array.IndexOf(SuperVitSupernet.Resolutions, resolution) < 0)
            throw new MathNasException($"SuperViT resolution {resolution} is not one of {string.Join(", ", SuperVitSupernet.Resolutions)}");
        int n = ChoiceCountsPerNode.Length;
        var baseCode = new Architecture(new int[n]);
        var baseConfig = DecodeAt(baseCode, resolution);
        var baseNodes = SuperVitCost.Nodes(baseConfig);
        double baseMacs = baseNodes.Sum(c => c.Macs), baseParams = baseNodes.Sum(c => c.Params);
        var nodes = new List<Node>();
        for (int i = 0; i < n; i++)
        {
            var blocks = new List<Block>();
            for (int j = 0; j < ChoiceCountsPerNode[i]; j++)
            {
                // The block's cost: its node's own cost in the base network plus the exact change of the whole
                // network when node i alone switches to block j (this includes the next node seeing a new width).
                var switched = SuperVitCost.Nodes(DecodeAt(baseCode.With(i, j), resolution));
                double macs = baseNodes[i].Macs + switched.Sum(c => c.Macs) - baseMacs;
                double prm = baseNodes[i].Params + switched.Sum(c => c.Params) - baseParams;
                blocks.Add(new Block(BlockName(i, BlockOf(i, j)), macs / 1e6, prm / 1e6));
            }
            nodes.Add(new Node(NodeName(i), blocks, 0));
        }
        return new SuperVitSpace(resolution == DefaultResolution ? SpaceName : $"{SpaceName}-{resolution}", resolution, nodes);
    }

    private static SuperVitConfig DecodeAt(Architecture a, int resolution)
    {
        int n = ChoiceCountsPerNode.Length;
        var blocks = Enumerable.Range(0, n).Select(i => BlockOf(i, a[i])).ToArray();
        var stages = blocks[1..^1];
        return new SuperVitConfig(resolution, blocks.Select(b => b.Width).ToArray(), stages.Select(b => b.Kernel).ToArray(),
            stages.Select(b => b.Expand).ToArray(), stages.Select(b => b.Depth).ToArray());
    }

    public static string NodeName(int i) => i == 0 ? "first_conv" : i == ChoiceCountsPerNode.Length - 1 ? "last_conv" : SuperVitSupernet.Stages[i - 1].Name;

    private static string BlockName(int node, SuperVitBlock b) => node == 0 || node == ChoiceCountsPerNode.Length - 1
        ? $"w{b.Width}"
        : $"w{b.Width}_d{b.Depth}_k{b.Kernel}_e{b.Expand}";

    /// <summary>MathNAS's code of a config (<c>utils.supervit_code</c>); the resolution is not part of it.</summary>
    public static Architecture Encode(SuperVitConfig c)
    {
        int n = ChoiceCountsPerNode.Length;
        var code = new int[n];
        code[0] = IndexOf(0, new SuperVitBlock(c.Width[0], 0, 0, 0));
        for (int s = 0; s < SuperVitSupernet.Stages.Length; s++)
            code[s + 1] = IndexOf(s + 1, new SuperVitBlock(c.Width[s + 1], c.Depth[s], c.KernelSize[s], c.ExpandRatio[s]));
        code[n - 1] = IndexOf(n - 1, new SuperVitBlock(c.Width[n - 1], 0, 0, 0));
        return new Architecture(code);
    }

    /// <summary>The config of an architecture at this space's resolution.</summary>
    public SuperVitConfig Decode(Architecture a)
    {
        Validate(a);
        return DecodeAt(a, Resolution);
    }

    /// <summary>Exact MFLOPs of an architecture (layer by layer, with the real neighbour widths).</summary>
    public double ExactFlops(Architecture a) => SuperVitCost.MFlops(Decode(a));

    /// <summary>Parameters (M) as NASViT's profiler counts them, the convention of the NASViT and MathNAS papers' "Param(M)".</summary>
    public double ReportedParams(Architecture a) => SuperVitCost.MParams(Decode(a), SuperVitParamsConvention.NasVitProfiler);

    public string ReportedParamsConvention => "NASViT's profiler, the papers' convention: unused 1x1 shortcut convs and transformer layers at the stage's largest width counted";

    public string BlockParamsConvention => "active weights only: the subnet's own widths, no unused shortcut convs";

    /// <summary>Additive-model FLOPs minus exact FLOPs of an architecture (MFLOPs): the neighbour-width interaction.</summary>
    public double AdditiveError(Architecture a) => Flops(a) - ExactFlops(a);

    public string FormatName => "NASViT config (resolution, width, kernel_size, expand_ratio, depth)";

    /// <summary>The config at this space's resolution, in the layout of MathNAS's result files.</summary>
    public string WriteConfig(Architecture a) => Decode(a).ToYaml();

    /// <summary>
    /// A NASViT config. Its resolution must be this space's (the FLOPs depend on it): a config at another
    /// resolution is refused with the name of the space that matches it.
    /// </summary>
    public Architecture ReadConfig(string yamlText, string source = "<config>")
    {
        var c = SuperVitConfig.Parse(yamlText, source);
        if (c.Resolution != Resolution)
        {
            var match = c.Resolution == DefaultResolution ? SpaceName : $"{SpaceName}-{c.Resolution}";
            throw new MathNasException($"SuperViT config '{source}' is at resolution {c.Resolution}, space '{Name}' at {Resolution}: use space '{match}'");
        }
        var a = Encode(c);
        Validate(a);
        return a;
    }


    /// <summary>A code, a config file, or the printed <c>resolution=R width=[..] depth=[..] kernel_size=[..] expand_ratio=[..]</c>.</summary>
    public override Architecture ParseArchitecture(string text)
    {
        if (NativeConfigs.IsConfigPath(text) || !ArchNotation.IsNotation(text)) return base.ParseArchitecture(text);
        const string what = "SuperViT architecture";
        var items = ArchNotation.KeyLists(text.Trim(), [SuperVitConfig.KeyResolution, SuperVitConfig.KeyWidth, SuperVitConfig.KeyDepth, SuperVitConfig.KeyKernel, SuperVitConfig.KeyExpand], what);
        int res = ArchNotation.Scalar(items, SuperVitConfig.KeyResolution, what, text) ?? Resolution;
        if (res != Resolution)
            throw new MathNasException($"{what} '{text}' is at resolution {res}, space '{Name}' at {Resolution}: use space '{(res == DefaultResolution ? SpaceName : $"{SpaceName}-{res}")}'");
        SuperVitConfig c;
        try
        {
            c = new SuperVitConfig(res, ArchNotation.Require(items, SuperVitConfig.KeyWidth, what, text), ArchNotation.Require(items, SuperVitConfig.KeyKernel, what, text),
                ArchNotation.Require(items, SuperVitConfig.KeyExpand, what, text), ArchNotation.Require(items, SuperVitConfig.KeyDepth, what, text));
        }
        catch (MathNasException e) when (!e.Message.Contains(text, StringComparison.Ordinal)) { throw new MathNasException($"{what} '{text}': {e.Message}"); }
        var a = Encode(c);
        Validate(a);
        return a;
    }

    public override string Describe(Architecture a)
    {
        var c = Decode(a);
        return $"resolution={c.Resolution} width=[{string.Join(",", c.Width)}] depth=[{string.Join(",", c.Depth)}] " +
               $"kernel_size=[{string.Join(",", c.KernelSize)}] expand_ratio=[{string.Join(",", c.ExpandRatio)}]";
    }
}
