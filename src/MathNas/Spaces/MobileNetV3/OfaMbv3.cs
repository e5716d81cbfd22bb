namespace MathNas.Spaces.MobileNetV3;

/// <summary>
/// The Once-for-All MobileNetV3 (width 1.0) super-network, as defined in OFA's
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
    public static int StageInputSize(int stage, int resolution = Resolution)
    {
        int s = OutSize(resolution, 2); // stem, stride 2; first block stride 1
        for (int i = 0; i < stage; i++) s = OutSize(s, StageStrides[i]);
        return s;
    }

    public static int StageInputChannels(int stage) => stage == 0 ? FirstBlockWidth : StageWidths[stage - 1];

    /// <summary>Cost of layer <paramref name="layer"/> (0..3) of stage <paramref name="stage"/> (0..4) with kernel k and expand ratio e.</summary>
    public static LayerCost LayerCost(int stage, int layer, int kernel, int expand, int resolution = Resolution)
    {
        int inC = layer == 0 ? StageInputChannels(stage) : StageWidths[stage];
        int stride = layer == 0 ? StageStrides[stage] : 1;
        int size = StageInputSize(stage, resolution);
        if (layer > 0) size = OutSize(size, StageStrides[stage]);
        int mid = MakeDivisible(Math.Round(inC * (double)expand, MidpointRounding.ToEven));
        return MbConv(inC, StageWidths[stage], mid, kernel, stride, size, StageSe[stage], expand != 1);
    }

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

    /// <summary>The part no choice changes: stem conv, first block, final expand, feature mix, classifier.</summary>
    public static LayerCost FixedCost(int resolution = Resolution)
    {
        int s1 = OutSize(resolution, 2);
        double macs = (double)s1 * s1 * StemWidth * 3 * 9;
        double par = StemWidth * 3 * 9 + 2.0 * StemWidth;
        var first = MbConv(StemWidth, FirstBlockWidth, StemWidth, 3, 1, s1, se: false, hasExpandConv: false);
        macs += first.Macs;
        par += first.Params;
        int last = StageInputSize(Stages, resolution);
        macs += (double)last * last * FinalExpandWidth * StageWidths[^1];
        par += (double)StageWidths[^1] * FinalExpandWidth + 2.0 * FinalExpandWidth;
        macs += (double)FinalExpandWidth * FeatureMixWidth;       // after global pooling: 1x1 map
        par += (double)FinalExpandWidth * FeatureMixWidth;
        macs += (double)FeatureMixWidth * Classes;
        par += (double)FeatureMixWidth * Classes + Classes;
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
