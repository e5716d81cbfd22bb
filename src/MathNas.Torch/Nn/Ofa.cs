using MathNas.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace MathNas.Torch.Nn;

/// <summary>
/// A small MobileNetV3 / Once-for-All-style space ("ofa-mini") for 28x28 single-channel images and 10 classes:
/// a stride-2 3x3 stem, <see cref="StageChannels"/>.Length stages of inverted-residual (MBConv) layers, a 1x1 head
/// convolution, global pooling and a classifier. Every stage chooses its depth (number of layers), and one kernel
/// size and one expand ratio for all its layers. No squeeze-excite, ReLU activations.
/// </summary>
public sealed record OfaConfig
{
    public int StemChannels { get; init; } = 8;
    public int[] StageChannels { get; init; } = [16, 24, 32];
    public int[] StageStrides { get; init; } = [1, 2, 2];
    public int HeadChannels { get; init; } = 64;
    public int Classes { get; init; } = 10;
    public int[] Depths { get; init; } = [2, 3, 4];
    public int[] Kernels { get; init; } = [3, 5, 7];
    public int[] Expands { get; init; } = [3, 4, 6];

    public int Stages => StageChannels.Length;
    public int BlocksPerStage => Depths.Length * Kernels.Length * Expands.Length;

    /// <summary>Block index (within a stage) of (depth, kernel, expand): depth slowest, expand fastest.</summary>
    public int BlockIndex(int depth, int kernel, int expand) =>
        (Array.IndexOf(Depths, depth) * Kernels.Length + Array.IndexOf(Kernels, kernel)) * Expands.Length + Array.IndexOf(Expands, expand);

    public (int Depth, int Kernel, int Expand) Decode(int block) =>
        (Depths[block / (Kernels.Length * Expands.Length)], Kernels[block / Expands.Length % Kernels.Length], Expands[block % Expands.Length]);

    public static string BlockName(int depth, int kernel, int expand) => $"d{depth}_k{kernel}_e{expand}";
}

internal sealed class MbLayer : nn.Module
{
    private readonly Conv _expand, _dw, _project;
    private readonly Bn _bn1, _bn2, _bn3;
    private readonly long _cin, _cout;
    private readonly bool _residual;

    public MbLayer(long cin, long cout, int stride, int maxKernel, int maxExpand) : base("MbLayer")
    {
        _cin = cin; _cout = cout; _residual = stride == 1 && cin == cout;
        long mid = cin * maxExpand;
        _expand = new Conv(cin, mid, 1);
        _bn1 = new Bn(mid);
        _dw = new Conv(mid, mid, maxKernel, stride, depthwise: true);
        _bn2 = new Bn(mid);
        _project = new Conv(mid, cout, 1);
        _bn3 = new Bn(cout);
        register_module("expand", _expand);
        register_module("bn1", _bn1);
        register_module("dw", _dw);
        register_module("bn2", _bn2);
        register_module("project", _project);
        register_module("bn3", _bn3);
    }

    public Tensor Forward(Tensor x, int kernel, int expand)
    {
        var h = nn.functional.relu(_bn1.Forward(_expand.Forward(x, _cin * expand)));
        h = nn.functional.relu(_bn2.Forward(_dw.Forward(h, -1, kernel)));
        h = _bn3.Forward(_project.Forward(h, _cout));
        return _residual ? h + x : h;
    }
}

/// <summary>The ofa-mini supernet (elastic depth = first layers, kernel = centre crop of 7x7, expand = first channels)
/// or one of its networks.</summary>
public sealed class OfaNetwork : SuperNetwork
{
    private readonly Conv _stem, _head;
    private readonly Bn _stemBn, _headBn;
    private readonly MbLayer[][] _stages;
    private readonly Dense _classifier;

    public OfaNetwork(SearchSpace space, OfaConfig config, Architecture? fixedArchitecture = null)
        : base("OfaNetwork", space, fixedArchitecture)
    {
        Config = config;
        _stem = new Conv(1, config.StemChannels, 3, 2);
        _stemBn = new Bn(config.StemChannels);
        register_module("stem", _stem);
        register_module("stem_bn", _stemBn);
        _stages = new MbLayer[config.Stages][];
        long cin = config.StemChannels;
        for (int s = 0; s < config.Stages; s++)
        {
            int depth = config.Depths.Max(), kernel = config.Kernels.Max(), expand = config.Expands.Max();
            if (fixedArchitecture is not null) (depth, kernel, expand) = config.Decode(fixedArchitecture[s]);
            _stages[s] = new MbLayer[depth];
            for (int l = 0; l < depth; l++)
            {
                _stages[s][l] = new MbLayer(l == 0 ? cin : config.StageChannels[s], config.StageChannels[s],
                    l == 0 ? config.StageStrides[s] : 1, kernel, expand);
                register_module($"stage{s}_{l}", _stages[s][l]);
            }
            cin = config.StageChannels[s];
        }
        _head = new Conv(cin, config.HeadChannels, 1);
        _headBn = new Bn(config.HeadChannels);
        register_module("head", _head);
        register_module("head_bn", _headBn);
        _classifier = new Dense(config.HeadChannels, config.Classes);
        register_module("classifier", _classifier);
    }

    public OfaConfig Config { get; }

    protected override Tensor ForwardCore(Tensor x, Architecture a)
    {
        var h = nn.functional.relu(_stemBn.Forward(_stem.Forward(x)));
        for (int s = 0; s < _stages.Length; s++)
        {
            var (d, k, e) = Config.Decode(a[s]);
            for (int l = 0; l < d; l++) h = _stages[s][l].Forward(h, k, e);
        }
        h = nn.functional.relu(_headBn.Forward(_head.Forward(h)));
        h = nn.functional.adaptive_avg_pool2d(h, 1).flatten(1);
        return _classifier.Forward(h);
    }
}
