namespace MathNas.Spaces.SuperViT;

/// <summary>How parameters are counted.</summary>
public enum SuperVitParamsConvention
{
    /// <summary>The weights the subnet uses: active widths, no unused shortcut convolutions.</summary>
    Active,
    /// <summary>
    /// NASViT's profiler (<c>misc/flops_counter.py</c> on <c>get_active_subnet()</c>): parameters of every leaf module,
    /// which includes the 1x1 shortcut convolution of every MBConv layer even where the shortcut is the identity, and
    /// the transformer layers at the stage's largest width (they are not sliced into the static subnet). This is how
    /// NASViT/MathNAS report "Param(M)".
    /// </summary>
    NasVitProfiler,
}

/// <summary>Multiply-accumulates and parameters of one node's layers.</summary>
public readonly record struct NodeCost(double Macs, double Params);

/// <summary>
/// FLOPs and parameters of a NASViT subnet, computed layer by layer from the architecture.
/// <para>FLOPs are multiply-accumulates, the convention of NASViT and OFA (their "MFLOPs" are MACs / 1e6).
/// Counted, as NASViT counts: every convolution (first conv; MBConv expand, depthwise, squeeze-excitation and
/// project convs; 1x1 shortcut convs where the channel count changes; head convs) and the classifier, plus the
/// transformer layers by their matmuls: q, k (C x C), v (C x 4C), the value depthwise 3x3, the output projection
/// (4C x C), two C x C MLPs of two layers each, Q K^T and attention x V (5 N^2 C in all) and the two head-mixing
/// projections (2 h^2 N^2), N = H*W tokens, h = C/8 heads: 14 N C^2 + 5 N^2 C + 36 N C + 2 h^2 N^2, which is
/// exactly NASViT's own formula in <c>misc/attentive_nas_eval.py</c>. Normalisation, activations, pooling and
/// additions count 0.</para>
/// <para>Spatial sizes: stride-2 layers give ceil(H/2) (3x3 and 5x5 convs with "same" padding).</para>
/// </summary>
public static class SuperVitCost
{
    private static double Conv(int cin, int cout, int k, int hout, int groups = 1) => (double)cin / groups * k * k * cout * hout * hout;

    public static int Down(int h, int stride) => stride == 1 ? h : (h + stride - 1) / stride;

    /// <summary>One MBConv layer (NASViT <c>MBInvertedConvLayer</c> + <c>ShortcutLayer</c>).</summary>
    public static NodeCost MbConv(int cin, int cout, int k, int expand, int stride, bool se, int hin, SuperVitParamsConvention conv)
    {
        int hout = Down(hin, stride);
        int mid = SuperVitSupernet.MakeDivisible(Math.Round(cin * (double)expand, MidpointRounding.ToEven));
        double macs = 0, prm = 0;
        if (expand != 1)
        {
            macs += Conv(cin, mid, 1, hin);
            prm += (double)cin * mid + 2 * mid;
        }
        macs += Conv(mid, mid, k, hout, mid);
        prm += (double)mid * k * k + 2 * mid;
        if (se)
        {
            int r = SuperVitSupernet.MakeDivisible(mid / SuperVitSupernet.SeReduction);
            macs += 2.0 * mid * r;
            prm += 2.0 * mid * r + r + mid;
        }
        macs += Conv(mid, cout, 1, hout);
        prm += (double)mid * cout + 2 * cout;
        if (cin != cout) macs += Conv(cin, cout, 1, hout);
        if (cin != cout || conv == SuperVitParamsConvention.NasVitProfiler) prm += (double)cin * cout;
        return new NodeCost(macs, prm);
    }

    /// <summary>One NASViT transformer layer at width <paramref name="c"/> on an h x h map.</summary>
    public static NodeCost Transformer(int c, int h, int paramsWidth)
    {
        double n = (double)h * h, C = c, heads = c / SuperVitSupernet.HeadDim;
        double macs = 14 * n * C * C + 5 * n * n * C + 9 * SuperVitSupernet.ValueExpand * n * C + 2 * heads * heads * n * n;
        double P = paramsWidth, hp = paramsWidth / SuperVitSupernet.HeadDim, v = SuperVitSupernet.ValueExpand;
        double prm = 3 * (2 * P)                  // three layer norms
                     + 2 * (P * P + P)            // q, k
                     + (P * v * P + v * P)        // v
                     + 9 * v * P                  // value depthwise 3x3, no bias
                     + (v * P * P + P)            // output projection
                     + 2 * (hp * hp + hp)         // head-mixing projections
                     + 2 * 2 * (P * P + P);       // two MLPs (hidden = C), two linears each
        return new NodeCost(macs, prm);
    }

    /// <summary>Spatial size after the first conv and after each stage, for an input of <paramref name="resolution"/>.</summary>
    public static int[] StageSizes(int resolution)
    {
        var st = SuperVitSupernet.Stages;
        var h = new int[st.Length + 1];
        h[0] = Down(resolution, SuperVitSupernet.FirstConvStride);
        for (int s = 0; s < st.Length; s++) h[s + 1] = Down(h[s], st[s].Stride);
        return h;
    }

    /// <summary>Node 0: the first conv (3x3, stride 2, BN).</summary>
    public static NodeCost FirstConv(int width, int resolution)
    {
        int h = Down(resolution, SuperVitSupernet.FirstConvStride);
        return new NodeCost(Conv(3, width, 3, h), 27.0 * width + 2 * width);
    }

    /// <summary>
    /// Nodes 1..7: stage s (0-based, mb1..mb7) with input width <paramref name="inWidth"/>; stage mb7 also holds the
    /// head's 1x1 expansion to 6x its width (it depends on that width only).
    /// </summary>
    public static NodeCost Stage(int s, int inWidth, int width, int depth, int kernel, int expand, int resolution, SuperVitParamsConvention conv)
    {
        var st = SuperVitSupernet.Stages[s];
        var sizes = StageSizes(resolution);
        int hin = sizes[s], hout = sizes[s + 1];
        var first = MbConv(inWidth, width, kernel, expand, st.Stride, st.Se, hin, conv);
        double macs = first.Macs, prm = first.Params;
        for (int i = 1; i < depth; i++)
        {
            var l = st.Transformer
                ? Transformer(width, hout, conv == SuperVitParamsConvention.NasVitProfiler ? st.Widths.Max() : width)
                : MbConv(width, width, kernel, expand, 1, st.Se, hout, conv);
            macs += l.Macs;
            prm += l.Params;
        }
        if (s == SuperVitSupernet.Stages.Length - 1)
        {
            int e = SuperVitSupernet.HeadExpand * width;
            macs += Conv(width, e, 1, hout);
            prm += (double)width * e + 2 * e;
        }
        return new NodeCost(macs, prm);
    }

    /// <summary>Node 8: the feature-mix 1x1 conv after pooling (no BN, no bias) and the classifier.</summary>
    public static NodeCost Head(int lastStageWidth, int width)
    {
        double e = SuperVitSupernet.HeadExpand * (double)lastStageWidth;
        return new NodeCost(e * width + (double)width * SuperVitSupernet.Classes, e * width + (double)width * SuperVitSupernet.Classes + SuperVitSupernet.Classes);
    }

    /// <summary>Per-node costs of a subnet (9 entries: first conv, mb1..mb7, head), at the config's resolution.</summary>
    public static NodeCost[] Nodes(SuperVitConfig c, SuperVitParamsConvention conv = SuperVitParamsConvention.Active)
    {
        var r = new NodeCost[SuperVitSupernet.Stages.Length + 2];
        r[0] = FirstConv(c.Width[0], c.Resolution);
        for (int s = 0; s < SuperVitSupernet.Stages.Length; s++)
            r[s + 1] = Stage(s, c.Width[s], c.Width[s + 1], c.Depth[s], c.KernelSize[s], c.ExpandRatio[s], c.Resolution, conv);
        r[^1] = Head(c.Width[^2], c.Width[^1]);
        return r;
    }

    /// <summary>Total MFLOPs (MACs / 1e6) of a subnet.</summary>
    public static double MFlops(SuperVitConfig c) => Nodes(c).Sum(n => n.Macs) / 1e6;

    /// <summary>Total parameters in millions.</summary>
    public static double MParams(SuperVitConfig c, SuperVitParamsConvention conv = SuperVitParamsConvention.Active) => Nodes(c, conv).Sum(n => n.Params) / 1e6;
}
