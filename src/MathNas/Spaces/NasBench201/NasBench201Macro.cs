namespace MathNas.Spaces.NasBench201;

/// <summary>
/// FLOPs and parameter counts of the NAS-Bench-201 macro network (Dong &amp; Yang, ICLR 2020), computed from its
/// definition the way NAS-Bench-201 counts them (xautodl utils/flop_benchmark.py, get_model_infos):
/// FLOPs are multiply-adds of Conv2d and Linear layers only (k*k*Cin*Cout/groups per output position, plus one per
/// output for a bias; pooling, BatchNorm, ReLU and additions are not counted), reported in millions (MFLOPs);
/// parameters are all trainable tensors (BatchNorm affine weight and bias included), reported in millions.
/// </summary>
/// <remarks>
/// Network: stem Conv3x3(3→C, no bias) + BN; three stages of <see cref="CellsPerStage"/> cells with C, 2C, 4C
/// channels; between stages a ResNet basic block with stride 2 (ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN,
/// shortcut AvgPool2d(2) + Conv1x1, no bias); then BN + ReLU, global average pooling and Linear(4C → classes).
/// Cell ops (channels in = out, stride 1): none and skip_connect have no layers, nor_conv_KxK = ReLU-Conv(KxK, no
/// bias)-BN, avg_pool_3x3 = AvgPool2d(3, stride 1, padding 1) only.
/// </remarks>
public sealed record NasBench201Macro(int InputSize = 32, int InputChannels = 3, int StemChannels = 16, int CellsPerStage = 5, int Classes = 10)
{
    /// <summary>The CIFAR-10 setting of the benchmark: 32x32x3 input, C = 16, 5 cells per stage, 10 classes.</summary>
    public static NasBench201Macro Cifar10 { get; } = new();
    public static NasBench201Macro Cifar100 { get; } = new(Classes: 100);
    public static NasBench201Macro ImageNet16_120 { get; } = new(InputSize: 16, Classes: 120);

    /// <summary>Exact counts of one layer or a sum of layers (FLOPs as multiply-adds, parameters as a count).</summary>
    public readonly record struct Cost(double Flops, double Params)
    {
        public static Cost operator +(Cost a, Cost b) => new(a.Flops + b.Flops, a.Params + b.Params);
        public static Cost operator *(int k, Cost a) => new(k * a.Flops, k * a.Params);
        public static readonly Cost Zero = new(0, 0);
    }

    /// <summary>Output size of a convolution or pooling window.</summary>
    public static int OutSize(int size, int kernel, int stride, int padding) => (size + 2 * padding - kernel) / stride + 1;

    /// <summary>Conv2d as counted by NAS-Bench-201's hook: k*k*Cin*Cout/groups per output position (+Cout per position for a bias).</summary>
    public static Cost Conv(int cin, int cout, int kernel, int outSize, bool bias = false, int groups = 1)
    {
        double positions = (double)outSize * outSize;
        double flops = (double)kernel * kernel * cin * cout / groups * positions + (bias ? cout * positions : 0);
        double parameters = (double)kernel * kernel * cin / groups * cout + (bias ? cout : 0);
        return new Cost(flops, parameters);
    }

    /// <summary>Linear layer: in*out multiply-adds plus out for the bias.</summary>
    public static Cost Linear(int inFeatures, int outFeatures, bool bias = true) =>
        new((double)inFeatures * outFeatures + (bias ? outFeatures : 0), (double)inFeatures * outFeatures + (bias ? outFeatures : 0));

    /// <summary>Affine BatchNorm: no counted FLOPs, 2C parameters (weight and bias).</summary>
    public static Cost BatchNorm(int channels) => new(0, 2.0 * channels);

    /// <summary>Channels and spatial size of each stage's cells.</summary>
    public IReadOnlyList<(int Channels, int Size)> Stages
    {
        get
        {
            var s = new List<(int, int)>();
            int c = StemChannels, size = InputSize;
            for (int stage = 0; stage < 3; stage++)
            {
                s.Add((c, size));
                size = OutSize(size, 3, 2, 1);
                c *= 2;
            }
            return s;
        }
    }

    /// <summary>Cost of one cell edge with op <paramref name="op"/> (index into <see cref="NasBench201Space.Ops"/>) at C channels and size x size.</summary>
    public static Cost EdgeCost(int op, int channels, int size) => op switch
    {
        0 => Cost.Zero,                                                         // none
        1 => Cost.Zero,                                                         // skip_connect (identity)
        2 => Conv(channels, channels, 1, size) + BatchNorm(channels),           // nor_conv_1x1
        3 => Conv(channels, channels, 3, OutSize(size, 3, 1, 1)) + BatchNorm(channels), // nor_conv_3x3
        4 => Cost.Zero,                                                         // avg_pool_3x3: pooling is not counted, no parameters
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Cost of op <paramref name="op"/> on one edge summed over every cell of the network (the block's cost).</summary>
    public Cost BlockCost(int op)
    {
        var total = Cost.Zero;
        foreach (var (c, size) in Stages) total += CellsPerStage * EdgeCost(op, c, size);
        return total;
    }

    /// <summary>ResNet basic block with stride 2 between stages.</summary>
    public static Cost Reduction(int cin, int cout, int inSize)
    {
        int o = OutSize(inSize, 3, 2, 1);
        var convA = Conv(cin, cout, 3, o) + BatchNorm(cout);
        var convB = Conv(cout, cout, 3, OutSize(o, 3, 1, 1)) + BatchNorm(cout);
        var shortcut = Conv(cin, cout, 1, OutSize(inSize, 2, 2, 0)); // AvgPool2d(2) (not counted) then Conv1x1
        return convA + convB + shortcut;
    }

    /// <summary>F0 and P0: stem, the two reduction blocks, the last BN, and the classifier.</summary>
    public Cost FixedCost
    {
        get
        {
            var stem = Conv(InputChannels, StemChannels, 3, OutSize(InputSize, 3, 1, 1)) + BatchNorm(StemChannels);
            var total = stem;
            var st = Stages;
            for (int s = 0; s + 1 < st.Count; s++) total += Reduction(st[s].Channels, st[s + 1].Channels, st[s].Size);
            int last = st[^1].Channels;
            total += BatchNorm(last) + Linear(last, Classes);
            return total;
        }
    }

    /// <summary>Total cost of a network given its six edge ops.</summary>
    public Cost NetworkCost(IReadOnlyList<int> ops)
    {
        var total = FixedCost;
        foreach (var op in ops) total += BlockCost(op);
        return total;
    }
}
