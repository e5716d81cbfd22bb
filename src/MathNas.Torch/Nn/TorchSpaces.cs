using MathNas.Spaces;

namespace MathNas.Torch.Nn;

/// <summary>A search space whose networks MathNas.Torch can build and run.</summary>
public abstract class TorchSearchSpace : SearchSpace
{
    protected TorchSearchSpace(string name, IReadOnlyList<Node> nodes, double fixedFlops, double fixedParams, string description)
        : base(name, nodes, fixedFlops, fixedParams, null, "MFLOPs", "K", description) { }

    /// <summary>The weight-sharing supernet (null) or the stand-alone network of one architecture.</summary>
    public abstract SuperNetwork CreateNetwork(Architecture? architecture = null);

    /// <summary>Settings of the network family, as JSON-friendly key/values (saved with exported networks).</summary>
    public abstract object ConfigObject { get; }
}

/// <summary>
/// "nb201-mini": the NAS-Bench-201 cell space (6 edges x 5 ops) on a network sized for 28x28x1 inputs.
/// FLOPs are multiply-accumulates (MACs) of the convolutions and the classifier, in millions; params in thousands
/// (convolution weights, batch-norm scale and shift, classifier). Both are computed from the network definition
/// (<see cref="Nb201Network"/>; the tests cross-check them against the built networks).
/// </summary>
public sealed class Nb201MiniSpace : TorchSearchSpace
{
    public const string SpaceName = "nb201-mini";

    private Nb201MiniSpace(Nb201Config config, IReadOnlyList<Node> nodes, double f0, double p0)
        : base(SpaceName, nodes, f0, p0,
            $"NAS-Bench-201 cell space on a {config.Width}-channel network for Fashion-MNIST (28x28x1), built and measured with TorchSharp")
    {
        Config = config;
        int none = Array.IndexOf(Nb201Config.Ops, "none");
        Connectivity = [ConnectivityConstraint.ForCell("cell output reached from its input", Nb201Config.Edges.Select(e => e.From).ToArray(),
            Nb201Config.Edges.Select(e => e.To).ToArray(), Enumerable.Repeat(none, Nb201Config.Edges.Length).ToArray())];
    }

    public Nb201Config Config { get; }
    public override object ConfigObject => Config;

    public static Nb201MiniSpace Create(Nb201Config? config = null)
    {
        var c = config ?? new Nb201Config();
        double img = c.ImageSize;
        double macs0 = 1.0 * c.Width * 9 * img * img, params0 = 9.0 * c.Width + 2 * c.Width;
        var opMacs = new double[5];
        var opParams = new double[5];
        for (int s = 0; s < 3; s++)
        {
            double cs = c.Width << s, h = Math.Ceiling(img / (1 << s));
            if (s > 0)
            {
                double cin = cs / 2;
                macs0 += (cin * cs * 9 + cs * cs * 9 + cin * cs) * h * h;
                params0 += cin * cs * 9 + 2 * cs + cs * cs * 9 + 2 * cs + cin * cs;
            }
            opMacs[Nb201Config.Conv1] += c.CellsPerStage * cs * cs * h * h;
            opMacs[Nb201Config.Conv3] += c.CellsPerStage * cs * cs * 9 * h * h;
            opParams[Nb201Config.Conv1] += c.CellsPerStage * (cs * cs + 2 * cs);
            opParams[Nb201Config.Conv3] += c.CellsPerStage * (cs * cs * 9 + 2 * cs);
        }
        double last = 4.0 * c.Width;
        macs0 += last * c.Classes;
        params0 += 2 * last + last * c.Classes + c.Classes;
        var nodes = Nb201Config.Edges.Select((e, i) => new Node($"edge{e.To}<-{e.From}",
            Enumerable.Range(0, 5).Select(j => new Block(Nb201Config.Ops[j], opMacs[j] / 1e6, opParams[j] / 1e3)).ToList(),
            baseIndex: Nb201Config.Conv3)).ToList();
        return new Nb201MiniSpace(c, nodes, macs0 / 1e6, params0 / 1e3);
    }

    public override SuperNetwork CreateNetwork(Architecture? architecture = null) => new Nb201Network(this, Config, architecture);

    /// <summary>The NAS-Bench-201 arch string, e.g. |nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|.</summary>
    public override string Describe(Architecture a)
    {
        Validate(a);
        string E(int e) => $"{Nb201Config.Ops[a[e]]}~{Nb201Config.Edges[e].From}";
        return $"|{E(0)}|+|{E(1)}|{E(2)}|+|{E(3)}|{E(4)}|{E(5)}|";
    }

    public override Architecture ParseArchitecture(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith('|')) return base.ParseArchitecture(t);
        var ops = t.Split(['|', '+'], StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('~')[0]).ToArray();
        if (ops.Length != 6) throw new MathNasException($"'{text}' is not a NAS-Bench-201 arch string (6 edges)");
        var code = ops.Select(o =>
        {
            int j = Array.IndexOf(Nb201Config.Ops, o);
            return j >= 0 ? j : throw new MathNasException($"'{o}' in '{text}' is not a NAS-Bench-201 op ({string.Join(", ", Nb201Config.Ops)})");
        }).ToArray();
        return base.ParseArchitecture(string.Join(",", code));
    }
}

/// <summary>
/// "ofa-mini": a Once-for-All-style space; one node per stage, whose blocks are (depth, kernel, expand) with the
/// stage's layers all sharing the kernel and expand ratio. FLOPs (MACs, millions) and params (thousands) computed from
/// the network definition (<see cref="OfaNetwork"/>).
/// </summary>
public sealed class OfaMiniSpace : TorchSearchSpace
{
    public const string SpaceName = "ofa-mini";

    private OfaMiniSpace(OfaConfig config, IReadOnlyList<Node> nodes, double f0, double p0)
        : base(SpaceName, nodes, f0, p0,
            $"Once-for-All-style MBConv space (depth {string.Join("/", config.Depths)}, kernel {string.Join("/", config.Kernels)}, expand {string.Join("/", config.Expands)} per stage) for Fashion-MNIST, built and measured with TorchSharp")
    {
        Config = config;
    }

    public OfaConfig Config { get; }
    public override object ConfigObject => Config;

    private static int Down(int h, int stride) => stride == 1 ? h : (h - 1) / stride + 1;

    public static OfaMiniSpace Create(OfaConfig? config = null)
    {
        var c = config ?? new OfaConfig();
        int h = Down(28, 2);
        double macs0 = 9.0 * c.StemChannels * h * h, params0 = 9.0 * c.StemChannels + 2 * c.StemChannels;
        var nodes = new List<Node>();
        int cin = c.StemChannels;
        for (int s = 0; s < c.Stages; s++)
        {
            int cout = c.StageChannels[s], hout = Down(h, c.StageStrides[s]);
            var blocks = new List<Block>();
            for (int b = 0; b < c.BlocksPerStage; b++)
            {
                var (d, k, e) = c.Decode(b);
                double macs = 0, pars = 0;
                for (int l = 0; l < d; l++)
                {
                    double ci = l == 0 ? cin : cout, hi = l == 0 ? h : hout, mid = ci * e;
                    macs += ci * mid * hi * hi + mid * k * k * hout * hout + mid * cout * hout * hout;
                    pars += ci * mid + 2 * mid + mid * k * k + 2 * mid + mid * cout + 2 * cout;
                }
                blocks.Add(new Block(OfaConfig.BlockName(d, k, e), macs / 1e6, pars / 1e3));
            }
            nodes.Add(new Node($"stage{s + 1}", blocks));
            cin = cout;
            h = hout;
        }
        macs0 += (double)cin * c.HeadChannels * h * h + c.HeadChannels * c.Classes;
        params0 += (double)cin * c.HeadChannels + 2 * c.HeadChannels + c.HeadChannels * c.Classes + c.Classes;
        return new OfaMiniSpace(c, nodes, macs0 / 1e6, params0 / 1e3);
    }

    public override SuperNetwork CreateNetwork(Architecture? architecture = null) => new OfaNetwork(this, Config, architecture);
}
