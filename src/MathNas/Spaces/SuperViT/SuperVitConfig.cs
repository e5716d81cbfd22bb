using System.Globalization;
using System.Text;

namespace MathNas.Spaces.SuperViT;

/// <summary>One searchable stage of the NASViT supernet (NASViT <c>misc/config.py</c>, <c>supernet_config.mbN</c>).</summary>
/// <param name="Name">mb1..mb7.</param>
/// <param name="Widths">Output channel choices (<c>c</c>).</param>
/// <param name="Depths">Layer count choices (<c>d</c>).</param>
/// <param name="Kernels">Depthwise kernel choices of the MBConv layers (<c>k</c>).</param>
/// <param name="Expands">Expansion ratio choices of the MBConv layers (<c>t</c>).</param>
/// <param name="Stride">Stride of the stage's first layer (<c>s</c>).</param>
/// <param name="Se">Whether its MBConv layers have squeeze-and-excitation (<c>se</c>).</param>
/// <param name="Transformer">Whether layers 2..d are transformer layers (stages mb4..mb7; NASViT: <c>stage_id &gt;= 3 and i &gt;= 1</c>).</param>
public sealed record SuperVitStage(string Name, int[] Widths, int[] Depths, int[] Kernels, int[] Expands, int Stride, bool Se, bool Transformer);

/// <summary>The NASViT supernet definition (facebookresearch/NASViT <c>misc/config.py</c> and the dynamic model).</summary>
public static class SuperVitSupernet
{
    public static readonly int[] Resolutions = [192, 224, 256, 288];
    public static readonly int[] FirstConvWidths = [16, 24];
    public static readonly int[] LastConvWidths = [1792, 1984];
    public const int FirstConvStride = 2;
    public const int Classes = 1000;
    /// <summary>Channels per attention head in NASViT's transformer layers (<c>head_dim = 8</c>).</summary>
    public const int HeadDim = 8;
    /// <summary>Value expansion of NASViT's attention (<c>expan_ratio = 4</c>).</summary>
    public const int ValueExpand = 4;
    /// <summary>Expansion of the last stage's features before pooling (the "v3 head": <c>f_dim * 6</c>).</summary>
    public const int HeadExpand = 6;
    /// <summary>Squeeze-and-excitation reduction (<c>SELayer.REDUCTION</c>).</summary>
    public const int SeReduction = 4;

    public static readonly SuperVitStage[] Stages =
    [
        new("mb1", [16, 24], [1, 2], [3, 5], [1], 1, false, false),
        new("mb2", [24, 32], [3, 4, 5], [3, 5], [4, 5, 6], 2, false, false),
        new("mb3", [32, 40], [3, 4, 5, 6], [3], [4, 5, 6], 2, true, false),
        new("mb4", [64, 72], [3, 4, 5, 6], [3], [4, 5, 6], 2, false, true),
        new("mb5", [112, 120, 128], [3, 4, 5, 6, 7, 8, 9], [3], [4, 5, 6], 2, true, true),
        new("mb6", [160, 168, 176, 184], [3, 4, 5, 6, 7, 8], [3], [6], 1, true, true),
        new("mb7", [208, 216, 224], [3, 4, 5, 6], [3], [6], 2, true, true),
    ];

    /// <summary>OFA/NASViT <c>make_divisible(v, 8, min_value=1)</c>.</summary>
    public static int MakeDivisible(double v, int divisor = 8, int minValue = 1)
    {
        int newV = Math.Max(minValue, (int)(v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) newV += divisor;
        return newV;
    }
}

/// <summary>
/// A NASViT subnet in the keys NASViT's <c>set_active_subnet</c> and MathNAS's result files use:
/// <c>resolution</c>, <c>width</c> (9: first conv, mb1..mb7, last conv), <c>kernel_size</c>, <c>expand_ratio</c>,
/// <c>depth</c> (7 each, one per stage). Every value is checked against the supernet's choices.
/// </summary>
public sealed class SuperVitConfig
{
    public const string KeyResolution = "resolution";
    public const string KeyWidth = "width";
    public const string KeyKernel = "kernel_size";
    public const string KeyExpand = "expand_ratio";
    public const string KeyDepth = "depth";
    private static readonly string[] AllKeys = [KeyDepth, KeyExpand, KeyKernel, KeyResolution, KeyWidth];

    public SuperVitConfig(int resolution, IReadOnlyList<int> width, IReadOnlyList<int> kernelSize, IReadOnlyList<int> expandRatio, IReadOnlyList<int> depth)
    {
        var stages = SuperVitSupernet.Stages;
        if (Array.IndexOf(SuperVitSupernet.Resolutions, resolution) < 0)
            throw new MathNasException($"'{KeyResolution}' is {resolution}; allowed: {string.Join(", ", SuperVitSupernet.Resolutions)}");
        if (width.Count != stages.Length + 2) throw new MathNasException($"'{KeyWidth}' has {width.Count} values; expected {stages.Length + 2} (first conv, mb1..mb7, last conv)");
        if (kernelSize.Count != stages.Length) throw new MathNasException($"'{KeyKernel}' has {kernelSize.Count} values; expected {stages.Length} (mb1..mb7)");
        if (expandRatio.Count != stages.Length) throw new MathNasException($"'{KeyExpand}' has {expandRatio.Count} values; expected {stages.Length} (mb1..mb7)");
        if (depth.Count != stages.Length) throw new MathNasException($"'{KeyDepth}' has {depth.Count} values; expected {stages.Length} (mb1..mb7)");
        Check($"{KeyWidth}[0] (first conv)", width[0], SuperVitSupernet.FirstConvWidths);
        Check($"{KeyWidth}[{stages.Length + 1}] (last conv)", width[stages.Length + 1], SuperVitSupernet.LastConvWidths);
        for (int s = 0; s < stages.Length; s++)
        {
            Check($"{KeyWidth}[{s + 1}] ({stages[s].Name})", width[s + 1], stages[s].Widths);
            Check($"{KeyKernel}[{s}] ({stages[s].Name})", kernelSize[s], stages[s].Kernels);
            Check($"{KeyExpand}[{s}] ({stages[s].Name})", expandRatio[s], stages[s].Expands);
            Check($"{KeyDepth}[{s}] ({stages[s].Name})", depth[s], stages[s].Depths);
        }
        Resolution = resolution;
        Width = width.ToArray();
        KernelSize = kernelSize.ToArray();
        ExpandRatio = expandRatio.ToArray();
        Depth = depth.ToArray();
    }

    public int Resolution { get; }
    public IReadOnlyList<int> Width { get; }
    public IReadOnlyList<int> KernelSize { get; }
    public IReadOnlyList<int> ExpandRatio { get; }
    public IReadOnlyList<int> Depth { get; }

    private static void Check(string what, int value, int[] allowed)
    {
        if (Array.IndexOf(allowed, value) < 0) throw new MathNasException($"'{what}' is {value}; allowed: {string.Join(", ", allowed)}");
    }

    public SuperVitConfig WithResolution(int resolution) => new(resolution, Width, KernelSize, ExpandRatio, Depth);

    public override bool Equals(object? obj) => obj is SuperVitConfig o && o.Resolution == Resolution && o.Width.SequenceEqual(Width) &&
        o.KernelSize.SequenceEqual(KernelSize) && o.ExpandRatio.SequenceEqual(ExpandRatio) && o.Depth.SequenceEqual(Depth);

    public override int GetHashCode() => Seeds.HashCode([Resolution, Width.Sum(), Depth.Sum(), ExpandRatio.Sum(), KernelSize.Sum()]);

    public static SuperVitConfig Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"SuperViT config '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the YAML (all five keys required; unknown keys rejected).</summary>
    public static SuperVitConfig Parse(string text, string source = "<config>")
    {
        var map = ConfigYaml.ReadMapping(text, source);
        string Where(string s) => $"SuperViT config '{source}': {s}";
        ConfigYaml.RequireExactKeys(map, AllKeys, Where);
        try
        {
            int n = SuperVitSupernet.Stages.Length;
            return new SuperVitConfig(ConfigYaml.Int(map, KeyResolution), ConfigYaml.IntList(map, KeyWidth, n + 2),
                ConfigYaml.IntList(map, KeyKernel, n), ConfigYaml.IntList(map, KeyExpand, n), ConfigYaml.IntList(map, KeyDepth, n));
        }
        catch (MathNasException e) when (!e.Message.StartsWith("SuperViT config", StringComparison.Ordinal))
        {
            throw new MathNasException(Where(e.Message));
        }
    }

    /// <summary>YAML in the layout of MathNAS's result files (keys sorted, block lists), which PyYAML's dump writes.</summary>
    public string ToYaml()
    {
        var sb = new StringBuilder();
        void List(string key, IEnumerable<int> v)
        {
            sb.Append(key).Append(":\n");
            foreach (var x in v) sb.Append("- ").Append(x.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        List(KeyDepth, Depth);
        List(KeyExpand, ExpandRatio);
        List(KeyKernel, KernelSize);
        sb.Append(KeyResolution).Append(": ").Append(Resolution.ToString(CultureInfo.InvariantCulture)).Append('\n');
        List(KeyWidth, Width);
        return sb.ToString();
    }
}
