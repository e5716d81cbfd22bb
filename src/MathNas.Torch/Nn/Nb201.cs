using MathNas.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace MathNas.Torch.Nn;

/// <summary>
/// The NAS-Bench-201 cell space on a small network for 28x28 single-channel images and 10 classes
/// ("nb201-mini"). Architecture code: the op of each of the 6 cell edges in NAS-Bench-201's order
/// (1&lt;-0, 2&lt;-0, 2&lt;-1, 3&lt;-0, 3&lt;-1, 3&lt;-2), each op in the space's order none, skip_connect, nor_conv_1x1,
/// nor_conv_3x3, avg_pool_3x3. Macro skeleton as in NAS-Bench-201 (stem, 3 stages of cells separated by residual
/// reduction blocks, BN-ReLU, global pooling, classifier), with <see cref="Width"/> channels in stage 1 (2x, 4x after)
/// and <see cref="CellsPerStage"/> cells per stage.
/// </summary>
public sealed record Nb201Config(int Width = 8, int CellsPerStage = 1, int Classes = 10, int ImageSize = 28)
{
    public static readonly string[] Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
    /// <summary>(to, from) node of each edge, in code order.</summary>
    public static readonly (int To, int From)[] Edges = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];
    public const int None = 0, Skip = 1, Conv1 = 2, Conv3 = 3, Pool = 4;
}

internal sealed class ReluConvBn : nn.Module
{
    private readonly Conv _conv;
    private readonly Bn _bn;

    public ReluConvBn(long cin, long cout, int kernel, int stride) : base("ReluConvBn")
    {
        _conv = new Conv(cin, cout, kernel, stride);
        _bn = new Bn(cout);
        register_module("conv", _conv);
        register_module("bn", _bn);
    }

    public Tensor Forward(Tensor x) => _bn.Forward(_conv.Forward(nn.functional.relu(x)));
}

internal sealed class Nb201Cell : nn.Module
{
    // _ops[edge][op]: null when the op has no weights or is not part of this network.
    private readonly ReluConvBn?[][] _ops = new ReluConvBn?[6][];

    public Nb201Cell(long c, Architecture? only) : base("Nb201Cell")
    {
        for (int e = 0; e < 6; e++)
        {
            _ops[e] = new ReluConvBn?[5];
            foreach (var (op, k) in new[] { (Nb201Config.Conv1, 1), (Nb201Config.Conv3, 3) })
            {
                if (only is not null && only[e] != op) continue;
                var m = new ReluConvBn(c, c, k, 1);
                _ops[e][op] = m;
                register_module($"e{e}_{Nb201Config.Ops[op]}", m);
            }
        }
    }

    public Tensor Forward(Tensor x, Architecture a)
    {
        var nodes = new Tensor?[4];
        nodes[0] = x;
        for (int e = 0; e < 6; e++)
        {
            var (to, from) = Nb201Config.Edges[e];
            var input = nodes[from];
            Tensor? y = a[e] switch
            {
                Nb201Config.None => null,
                _ when input is null => null, // edges out of a node whose inputs are all "none" are skipped
                Nb201Config.Skip => input,
                Nb201Config.Conv1 or Nb201Config.Conv3 => _ops[e][a[e]]!.Forward(input),
                Nb201Config.Pool => nn.functional.avg_pool2d(input, 3, 1, 1, count_include_pad: false),
                _ => throw new MathNasException($"edge {e}: op {a[e]} is not one of 0..4"),
            };
            if (y is not null) nodes[to] = nodes[to] is null ? y : nodes[to]! + y;
        }
        return nodes[3] ?? zeros_like(x);
    }
}

internal sealed class ResBlock : nn.Module
{
    private readonly ReluConvBn _a, _b;
    private readonly Conv _shortcut;

    public ResBlock(long cin, long cout) : base("ResBlock")
    {
        _a = new ReluConvBn(cin, cout, 3, 2);
        _b = new ReluConvBn(cout, cout, 3, 1);
        _shortcut = new Conv(cin, cout, 1, 1);
        register_module("a", _a);
        register_module("b", _b);
        register_module("shortcut", _shortcut);
    }

    public Tensor Forward(Tensor x) =>
        _b.Forward(_a.Forward(x)) + _shortcut.Forward(nn.functional.avg_pool2d(x, 2, 2, 0, count_include_pad: false));
}

/// <summary>The nb201-mini supernet (one weight set per edge and op in every cell) or one of its networks.</summary>
public sealed class Nb201Network : SuperNetwork
{
    private readonly Conv _stem;
    private readonly Bn _stemBn, _lastBn;
    private readonly List<nn.Module> _layers = [];
    private readonly Dense _classifier;

    public Nb201Network(SearchSpace space, Nb201Config config, Architecture? fixedArchitecture = null)
        : base("Nb201Network", space, fixedArchitecture)
    {
        Config = config;
        long c = config.Width;
        _stem = new Conv(1, c, 3);
        _stemBn = new Bn(c);
        register_module("stem", _stem);
        register_module("stem_bn", _stemBn);
        for (int s = 0; s < 3; s++)
        {
            long cs = c << s;
            if (s > 0) Add($"reduce{s}", new ResBlock(cs / 2, cs));
            for (int k = 0; k < config.CellsPerStage; k++) Add($"cell{s}_{k}", new Nb201Cell(cs, fixedArchitecture));
        }
        _lastBn = new Bn(c * 4);
        register_module("last_bn", _lastBn);
        _classifier = new Dense(c * 4, config.Classes);
        register_module("classifier", _classifier);
    }

    public Nb201Config Config { get; }

    private void Add(string name, nn.Module m) { _layers.Add(m); register_module(name, m); }

    protected override Tensor ForwardCore(Tensor x, Architecture a)
    {
        var h = _stemBn.Forward(_stem.Forward(x));
        foreach (var m in _layers)
            h = m is Nb201Cell cell ? cell.Forward(h, a) : ((ResBlock)m).Forward(h);
        h = nn.functional.relu(_lastBn.Forward(h));
        h = nn.functional.adaptive_avg_pool2d(h, 1).flatten(1);
        return _classifier.Forward(h);
    }
}
