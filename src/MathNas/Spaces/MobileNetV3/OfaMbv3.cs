namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// The Once-for-All MobileNetV3 super-network (the constants below are width 1.0; <see cref="OfaMbv3Net"/> applies a width multiplier and a resolution), as defined in OFA's
/// <c>ofa/imagenet_classification/elastic_nn/networks/ofa_mbv3.py</c>: a 3x3 stride-2 stem conv (16 channels,
/// h_swish), a fixed first MBConv (16 -> 16, kernel 3, expand 1, relu), five elastic stages of up to 4 MBConv
/// layers, a final 1x1 expand conv (160 -> 960, h_swish), global average pooling, a 1x1 feature-mix conv
/// (960 -> 1280, no BN, no bias, h_swish) and a linear classifier (1280 -> 1000). These are published
/// architecture constants of OFA, not data.
/// </summary>
public static class OfaMbv3
{
    public const int Resolution = 224;
    public const int Classes = 1000;
    public const int StemWidth = 16;
    public const int FirstBlockWidth = 16;
    public const int FinalExpandWidth = 960;
    public const int FeatureMixWidth = 1280;
    public const int Stages = 5;
    public const int MaxDepth = 4;
    public const int Layers = Stages * MaxDepth;

    public static readonly int[] StageWidths = [24, 40, 80, 112, 160];
    public static readonly int[] StageStrides = [2, 2, 2, 1, 2];
    public static readonly string[] StageActivations = ["relu", "relu", "h_swish", "h_swish", "h_swish"];
    public static readonly bool[] StageSe = [false, true, false, true, true];

    public static readonly int[] KernelChoices = [3, 5, 7];
    public static readonly int[] ExpandChoices = [3, 4, 6];
    public static readonly int[] DepthChoices = [2, 3, 4];

    /// <summary>OFA's <c>make_divisible(v, divisor)</c> (from the TF MobileNet code).</summary>
    public static int MakeDivisible(double v, int divisor = 8, int? minValue = null)
    {
        int min = minValue ?? divisor;
        int nv = Math.Max(min, (int)(v + divisor / 2.0) / divisor * divisor);
        if (nv < 0.9 * v) nv += divisor;
        return nv;
    }

    /// <summary>Output size of a "same"-padded convolution: ceil(size / stride).</summary>
    public static int OutSize(int size, int stride) => (size - 1) / stride + 1;

    /// <summary>Spatial size at the input of stage <paramref name="stage"/> (0-based) for an input resolution.</summary>
    public static int StageInputSize(int stage, int resolution = Resolution) => new OfaMbv3Net(1.0, resolution).StageInputSize(stage);

    public static int StageInputChannels(int stage) => OfaMbv3Net.Default.StageInputChannels(stage);

    /// <summary>Cost of layer <paramref name="layer"/> (0..3) of stage <paramref name="stage"/> (0..4) with kernel k and expand ratio e (w1.0).</summary>
    public static LayerCost LayerCost(int stage, int layer, int kernel, int expand, int resolution = Resolution) =>
        new OfaMbv3Net(1.0, resolution).LayerCost(stage, layer, kernel, expand);

    /// <summary>
    /// MACs and parameters of one MBConv layer, counted as OFA's <c>profile</c> counts them: convolutions
    /// (out elements x in/groups x k x k) and linear layers (in x out); BN, activations and pooling count 0 MACs;
    /// parameters are every weight and bias, BN affine parameters included.
    /// </summary>
    public static LayerCost MbConv(int inC, int outC, int mid, int kernel, int stride, int inSize, bool se, bool hasExpandConv = true)
    {
        int outSize = OutSize(inSize, stride);
        double macs = 0, par = 0;
        if (hasExpandConv)
        {
            macs += (double)inSize * inSize * mid * inC;          // 1x1 expand conv
            par += (double)inC * mid + 2.0 * mid;                // weight + BN
        }
        macs += (double)outSize * outSize * mid * kernel * kernel; // depthwise conv
        par += (double)mid * kernel * kernel + 2.0 * mid;
        if (se)
        {
            int seMid = MakeDivisible(mid / 4);                  // SEModule.REDUCTION = 4, integer division
            macs += (double)mid * seMid + (double)seMid * mid;     // reduce and expand 1x1 convs on a 1x1 map
            par += (double)mid * seMid + seMid + (double)seMid * mid + mid;
        }
        macs += (double)outSize * outSize * outC * mid;           // 1x1 point-linear conv
        par += (double)mid * outC + 2.0 * outC;
        return new LayerCost(macs, par);
    }

    /// <summary>The part no choice changes (w1.0): stem conv, first block, final expand, feature mix, classifier.</summary>
    public static LayerCost FixedCost(int resolution = Resolution) => new OfaMbv3Net(1.0, resolution).FixedCost();
}

/// <summary>
/// One OFA MobileNetV3 super-network: its width multiplier (OFA's <c>width_mult</c>: <c>ofa_mbv3_d234_e346_k357_w1.0</c> and
/// <c>_w1.2</c> are the published ones) and the input resolution. Every channel count is OFA's
/// <c>make_divisible(base * width_mult, 8)</c> of the base widths 16, 16, 24, 40, 80, 112, 160, 960, 1280
/// (<c>ofa_mbv3.py</c>); at w1.2 that is 24, 24, 32, 48, 96, 136, 192, 1152, 1536. The MBConv middle width is
/// <c>make_divisible(round(in * e), 8)</c> and the SE width <c>make_divisible(mid // 4, 8)</c>, as in OFA's dynamic layers.
/// </summary>
public sealed record OfaMbv3Net
{
    /// <summary>The widths with a registered space (OFA's published super-networks).</summary>
    public static readonly double[] WidthChoices = [1.0, 1.2];
    /// <summary>Resolutions a space name may carry: OFA's elastic training range, 128..224 in steps of 4.</summary>
    public const int MinResolution = 128, MaxResolution = 224, ResolutionStep = 4;

    public static OfaMbv3Net Default { get; } = new(1.0, OfaMbv3.Resolution);

    public OfaMbv3Net(double widthMult = 1.0, int resolution = OfaMbv3.Resolution)
    {
        if (!(widthMult > 0 && widthMult <= 4)) throw new MathNasException($"OFA MobileNetV3 width multiplier {widthMult.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not in (0, 4]");
        if (resolution < 32 || resolution > 1024) throw new MathNasException($"OFA MobileNetV3 resolution {resolution} is not in 32..1024");
        WidthMult = widthMult;
        Resolution = resolution;
        int W(int b) => OfaMbv3.MakeDivisible(b * widthMult);
        StemWidth = W(OfaMbv3.StemWidth);
        FirstBlockWidth = W(OfaMbv3.FirstBlockWidth);
        StageWidths = OfaMbv3.StageWidths.Select(W).ToArray();
        FinalExpandWidth = W(OfaMbv3.FinalExpandWidth);
        FeatureMixWidth = W(OfaMbv3.FeatureMixWidth);
    }

    public double WidthMult { get; }
    public int Resolution { get; }
    public int StemWidth { get; }
    public int FirstBlockWidth { get; }
    public IReadOnlyList<int> StageWidths { get; }
    public int FinalExpandWidth { get; }
    public int FeatureMixWidth { get; }

    /// <summary>"1.0", "1.2": the multiplier as OFA's network names write it.</summary>
    public string WidthText => WidthMult.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Space-name suffix: "" for w1.0 at 224, else "-w1.2" and/or "-r192".</summary>
    public string Suffix => (WidthMult == 1.0 ? "" : $"-w{WidthText}") + (Resolution == OfaMbv3.Resolution ? "" : $"-r{Resolution}");

    /// <summary>"w1.2, 224": for descriptions.</summary>
    public string Label => $"w{WidthText}, {Resolution}";

    public bool Equals(OfaMbv3Net? o) => o is not null && o.WidthMult == WidthMult && o.Resolution == Resolution;
    public override int GetHashCode() => HashCode.Combine(WidthMult, Resolution);

    /// <summary>Spatial size at the input of stage <paramref name="stage"/> (0-based; 5 = after the last stage).</summary>
    public int StageInputSize(int stage)
    {
        int s = OfaMbv3.OutSize(Resolution, 2); // stem, stride 2; first block stride 1
        for (int i = 0; i < stage; i++) s = OfaMbv3.OutSize(s, OfaMbv3.StageStrides[i]);
        return s;
    }

    public int StageInputChannels(int stage) => stage == 0 ? FirstBlockWidth : StageWidths[stage - 1];

    /// <summary>Cost of layer <paramref name="layer"/> (0..3) of stage <paramref name="stage"/> (0..4) with kernel k and expand ratio e.</summary>
    public LayerCost LayerCost(int stage, int layer, int kernel, int expand)
    {
        int inC = layer == 0 ? StageInputChannels(stage) : StageWidths[stage];
        int stride = layer == 0 ? OfaMbv3.StageStrides[stage] : 1;
        int size = StageInputSize(stage);
        if (layer > 0) size = OfaMbv3.OutSize(size, OfaMbv3.StageStrides[stage]);
        int mid = OfaMbv3.MakeDivisible(Math.Round(inC * (double)expand, MidpointRounding.ToEven));
        return OfaMbv3.MbConv(inC, StageWidths[stage], mid, kernel, stride, size, OfaMbv3.StageSe[stage], expand != 1);
    }

    /// <summary>The part no choice changes: stem conv, first block, final expand, feature mix, classifier.</summary>
    public LayerCost FixedCost()
    {
        int s1 = OfaMbv3.OutSize(Resolution, 2);
        double macs = (double)s1 * s1 * StemWidth * 3 * 9;
        double par = StemWidth * 3 * 9 + 2.0 * StemWidth;
        var first = OfaMbv3.MbConv(StemWidth, FirstBlockWidth, StemWidth, 3, 1, s1, se: false, hasExpandConv: false);
        macs += first.Macs;
        par += first.Params;
        int last = StageInputSize(OfaMbv3.Stages);
        macs += (double)last * last * FinalExpandWidth * StageWidths[^1];
        par += (double)StageWidths[^1] * FinalExpandWidth + 2.0 * FinalExpandWidth;
        macs += (double)FinalExpandWidth * FeatureMixWidth;       // after global pooling: 1x1 map
        par += (double)FinalExpandWidth * FeatureMixWidth;
        macs += (double)FeatureMixWidth * OfaMbv3.Classes;
        par += (double)FeatureMixWidth * OfaMbv3.Classes + OfaMbv3.Classes;
        return new LayerCost(macs, par);
    }
}

/// <summary>Multiply-accumulates and parameter count of a part of a network (raw counts, not millions).</summary>
public readonly record struct LayerCost(double Macs, double Params)
{
    public static LayerCost operator +(LayerCost a, LayerCost b) => new(a.Macs + b.Macs, a.Params + b.Params);
    public double MMacs => Macs / 1e6;
    public double MParams => Params / 1e6;
}
