using System.Diagnostics;
using MathNas.Dynamic;
using MathNas.Spaces;
using MathNas.Torch.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace MathNas.Torch.Dynamic;

/// <summary>
/// A live TorchSharp network for the dynamic runtime (METHOD.md section 5): the fixed parts of the space's network
/// plus, at every node, the weights of the loaded blocks only, taken from a weight-sharing supernet. Exactly one block
/// per node is active; <see cref="Switch"/> activates other loaded blocks at the nodes that change, in place, and touches
/// nothing else (no allocation, no weight copy). <see cref="Rebuild"/> is the
/// baseline: build the stand-alone network of the architecture from scratch (space.CreateNetwork) and copy its weights
/// out of the supernet, as a deployment without block switching would; that network then runs until the next switch.
/// </summary>
public abstract class TorchRuntimeNetwork : IRuntimeNetwork, IDisposable
{
    private readonly Tensor _input;
    private SuperNetwork? _rebuilt;
    // The modules a subclass built for its loaded blocks and fixed parts (see Own): counted and disposed here.
    private readonly List<nn.Module> _owned = [];

    protected TorchRuntimeNetwork(TorchSearchSpace space, SuperNetwork supernet, int[][] loadedBlocks, Architecture start, int batch, int threads)
    {
        if (supernet.Fixed is not null) throw new MathNasException("the runtime network needs the weight-sharing supernet, not a stand-alone network");
        if (supernet.Space.Name != space.Name) throw new MathNasException($"the supernet is of space '{supernet.Space.Name}', not '{space.Name}'");
        if (batch < 1) throw new MathNasException($"batch must be positive, not {batch}");
        space.Validate(start);
        if (loadedBlocks.Length != space.NodeCount) throw new MathNasException($"loaded blocks name {loadedBlocks.Length} nodes but space '{space.Name}' has {space.NodeCount}");
        for (int i = 0; i < loadedBlocks.Length; i++)
        {
            if (loadedBlocks[i].Length == 0) throw new MathNasException($"node {i} has no loaded block");
            foreach (var j in loadedBlocks[i])
                if (j < 0 || j >= space.Nodes[i].Count) throw new MathNasException($"node {i} has no block {j}");
            if (!loadedBlocks[i].Contains(start[i])) throw new MathNasException($"the start network uses block {start[i]} at node {i}, which is not loaded");
        }
        TorchRuntime.SetThreads(threads);
        Space = space;
        Supernet = supernet;
        LoadedBlocks = loadedBlocks;
        Current = start;
        Batch = batch;
        _input = randn(batch, 1, 28, 28);
    }

    public TorchSearchSpace Space { get; }
    public SuperNetwork Supernet { get; }
    public int[][] LoadedBlocks { get; }
    public int Batch { get; }
    public Architecture Current { get; private set; }
    /// <summary>True after <see cref="Rebuild"/> until the next <see cref="Switch"/>: the rebuilt stand-alone network runs.</summary>
    public bool RunsRebuilt => _rebuilt is not null;

    /// <summary>Parameters held by the loaded blocks and the fixed parts (what the device keeps in memory).</summary>
    public long LoadedParameterCount => _owned.Sum(Count);

    /// <summary>Logits of the running network for <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x)
    {
        if (_rebuilt is not null) return _rebuilt.Forward(x);
        return ForwardBlocks(x);
    }

    protected abstract Tensor ForwardBlocks(Tensor x);

    /// <summary>Makes loaded block <paramref name="block"/> the active one at <paramref name="node"/>.</summary>
    protected abstract void Activate(int node, int block);

    public double RunOnce()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long t0 = Stopwatch.GetTimestamp();
        var y = Forward(_input);
        y.data<float>()[0].ToString(); // touch the result
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    public void Switch(IReadOnlyList<BlockChange> changes)
    {
        var next = BlockChanges.Apply(Current, changes);
        foreach (var c in changes)
            if (!LoadedBlocks[c.Node].Contains(c.To)) throw new MathNasException($"block {c.To} of node {c.Node} is not loaded");
        if (_rebuilt is not null)
        {
            // back to the loaded blocks: every node of the new architecture must be loaded
            for (int i = 0; i < next.Count; i++)
                if (!LoadedBlocks[i].Contains(next[i])) throw new MathNasException($"block {next[i]} of node {i} is not loaded");
            for (int i = 0; i < next.Count; i++) Activate(i, next[i]);
            _rebuilt.Dispose();
            _rebuilt = null;
        }
        else
        {
            foreach (var c in changes) Activate(c.Node, c.To);
        }
        Current = next;
    }

    public void Rebuild(Architecture architecture)
    {
        Space.Validate(architecture);
        var net = Space.CreateNetwork(architecture);
        net.CopyFrom(Supernet);
        net.eval();
        _rebuilt?.Dispose();
        _rebuilt = net;
        Current = architecture;
    }

    /// <summary>Copies every parameter and buffer of <paramref name="target"/> from the supernet's weights named
    /// <paramref name="prefix"/> + name, cut to the target's shapes (first channels, kernel centre).</summary>
    protected static void CopyWeights(nn.Module target, IReadOnlyDictionary<string, Tensor> supernetState, string prefix)
    {
        using var _ = no_grad();
        foreach (var (name, t) in target.state_dict())
        {
            if (!supernetState.TryGetValue(prefix + name, out var s))
                throw new MathNasException($"the supernet has no weight '{prefix + name}'");
            t.copy_(Slicing.Fit(s, t.shape));
        }
        target.eval();
    }

    protected static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>Copies <paramref name="m"/>'s weights from the supernet (<see cref="CopyWeights"/>) and keeps it: it counts in
    /// <see cref="LoadedParameterCount"/> and is disposed with this network.</summary>
    protected T Own<T>(T m, IReadOnlyDictionary<string, Tensor> sd, string prefix) where T : nn.Module
    {
        CopyWeights(m, sd, prefix);
        _owned.Add(m);
        return m;
    }

    /// <summary>The runtime network of a space built by MathNas.Torch (nb201-mini or ofa-mini).</summary>
    public static TorchRuntimeNetwork Create(TorchSearchSpace space, SuperNetwork supernet, int[][] loadedBlocks, Architecture start, int batch = 1, int threads = 1) =>
        space switch
        {
            OfaMiniSpace ofa => new OfaRuntimeNetwork(ofa, supernet, loadedBlocks, start, batch, threads),
            Nb201MiniSpace nb => new Nb201RuntimeNetwork(nb, supernet, loadedBlocks, start, batch, threads),
            _ => throw new MathNasException($"space '{space.Name}' has no runtime network (use nb201-mini or ofa-mini)"),
        };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var m in _owned) m.Dispose();
        _owned.Clear();
        _rebuilt?.Dispose();
        _rebuilt = null;
        _input.Dispose();
    }
}

/// <summary>
/// The ofa-mini runtime network: stem, head and, per stage, the union of its loaded blocks as in the supernet (as many
/// layers as the deepest loaded block, kernels and expand ratios as large as the largest loaded ones), weights taken from
/// the supernet; a loaded block runs as the supernet runs it (first layers, kernel centre, first channels). Memory is
/// that of the loaded blocks' union, never more than the supernet's.
/// </summary>
public sealed class OfaRuntimeNetwork : TorchRuntimeNetwork
{
    private readonly OfaConfig _c;
    private readonly Conv _stem, _head;
    private readonly Bn _stemBn, _headBn;
    private readonly Dense _classifier;
    private readonly MbLayer[][] _stages;
    private readonly (int D, int K, int E)[] _active;

    internal OfaRuntimeNetwork(OfaMiniSpace space, SuperNetwork supernet, int[][] loadedBlocks, Architecture start, int batch, int threads)
        : base(space, supernet, loadedBlocks, start, batch, threads)
    {
        _c = space.Config;
        var sd = supernet.state_dict();
        _stem = Own(new Conv(1, _c.StemChannels, 3, 2), sd, "stem.");
        _stemBn = Own(new Bn(_c.StemChannels), sd, "stem_bn.");
        _stages = new MbLayer[_c.Stages][];
        long cin = _c.StemChannels;
        for (int s = 0; s < _c.Stages; s++)
        {
            var blocks = loadedBlocks[s].Select(_c.Decode).ToArray();
            int d = blocks.Max(x => x.Depth), k = blocks.Max(x => x.Kernel), e = blocks.Max(x => x.Expand);
            _stages[s] = new MbLayer[d];
            for (int l = 0; l < d; l++)
                _stages[s][l] = Own(new MbLayer(l == 0 ? cin : _c.StageChannels[s], _c.StageChannels[s], l == 0 ? _c.StageStrides[s] : 1, k, e), sd, $"stage{s}_{l}.");
            cin = _c.StageChannels[s];
        }
        _head = Own(new Conv(cin, _c.HeadChannels, 1), sd, "head.");
        _headBn = Own(new Bn(_c.HeadChannels), sd, "head_bn.");
        _classifier = Own(new Dense(_c.HeadChannels, _c.Classes), sd, "classifier.");
        _active = new (int, int, int)[_c.Stages];
        for (int s = 0; s < _c.Stages; s++) Activate(s, start[s]);
    }

    protected override void Activate(int node, int block)
    {
        if (!LoadedBlocks[node].Contains(block)) throw new MathNasException($"block {block} of stage {node} is not loaded");
        _active[node] = _c.Decode(block);
    }

    protected override Tensor ForwardBlocks(Tensor x)
    {
        var h = nn.functional.relu(_stemBn.Forward(_stem.Forward(x)));
        for (int s = 0; s < _stages.Length; s++)
        {
            var (d, k, e) = _active[s];
            for (int l = 0; l < d; l++) h = _stages[s][l].Forward(h, k, e);
        }
        h = nn.functional.relu(_headBn.Forward(_head.Forward(h)));
        h = nn.functional.adaptive_avg_pool2d(h, 1).flatten(1);
        return _classifier.Forward(h);
    }
}

/// <summary>
/// The nb201-mini runtime network: stem, cells and reduction blocks as in <see cref="Nb201Network"/>; every node (cell
/// edge, shared by all cells) holds, per loaded convolution op, one module per cell; none, skip and pooling have no weights.
/// </summary>
public sealed class Nb201RuntimeNetwork : TorchRuntimeNetwork
{
    private readonly Nb201Config _c;
    private readonly Conv _stem;
    private readonly Bn _stemBn, _lastBn;
    private readonly Dense _classifier;
    // per stage s > 0: the reduction block; cells: (stage, index) in order
    private readonly ResBlock?[] _reduce = new ResBlock?[3];
    private readonly int _cells;
    // _ops[edge][op][cell]: the op's module in every cell (null for ops without weights or not loaded)
    private readonly ReluConvBn[]?[][] _ops;
    private readonly int[] _activeOp;

    internal Nb201RuntimeNetwork(Nb201MiniSpace space, SuperNetwork supernet, int[][] loadedBlocks, Architecture start, int batch, int threads)
        : base(space, supernet, loadedBlocks, start, batch, threads)
    {
        _c = space.Config;
        var sd = supernet.state_dict();
        long c = _c.Width;
        _stem = Own(new Conv(1, c, 3), sd, "stem.");
        _stemBn = Own(new Bn(c), sd, "stem_bn.");
        for (int s = 1; s < 3; s++) _reduce[s] = Own(new ResBlock((c << s) / 2, c << s), sd, $"reduce{s}.");
        _cells = 3 * _c.CellsPerStage;
        _ops = new ReluConvBn[]?[6][];
        for (int e = 0; e < 6; e++)
        {
            _ops[e] = new ReluConvBn[]?[5];
            foreach (var op in loadedBlocks[e])
            {
                if (op is not (Nb201Config.Conv1 or Nb201Config.Conv3)) continue;
                var mods = new ReluConvBn[_cells];
                for (int s = 0, q = 0; s < 3; s++)
                    for (int k = 0; k < _c.CellsPerStage; k++, q++)
                        mods[q] = Own(new ReluConvBn(c << s, c << s, op == Nb201Config.Conv1 ? 1 : 3, 1), sd, $"cell{s}_{k}.e{e}_{Nb201Config.Ops[op]}.");
                _ops[e][op] = mods;
            }
        }
        _lastBn = Own(new Bn(c * 4), sd, "last_bn.");
        _classifier = Own(new Dense(c * 4, _c.Classes), sd, "classifier.");
        _activeOp = new int[6];
        for (int e = 0; e < 6; e++) Activate(e, start[e]);
    }

    protected override void Activate(int node, int block)
    {
        if (!LoadedBlocks[node].Contains(block)) throw new MathNasException($"op {block} of edge {node} is not loaded");
        _activeOp[node] = block;
    }

    private Tensor Cell(Tensor x, int cell)
    {
        var nodes = new Tensor?[4];
        nodes[0] = x;
        for (int e = 0; e < 6; e++)
        {
            var (to, from) = Nb201Config.Edges[e];
            var input = nodes[from];
            int op = _activeOp[e];
            Tensor? y = op switch
            {
                Nb201Config.None => null,
                _ when input is null => null,
                Nb201Config.Skip => input,
                Nb201Config.Conv1 or Nb201Config.Conv3 => _ops[e][op]![cell].Forward(input),
                _ => nn.functional.avg_pool2d(input, 3, 1, 1, count_include_pad: false),
            };
            if (y is not null) nodes[to] = nodes[to] is null ? y : nodes[to]! + y;
        }
        return nodes[3] ?? zeros_like(x);
    }

    protected override Tensor ForwardBlocks(Tensor x)
    {
        var h = _stemBn.Forward(_stem.Forward(x));
        for (int s = 0, q = 0; s < 3; s++)
        {
            if (s > 0) h = _reduce[s]!.Forward(h);
            for (int k = 0; k < _c.CellsPerStage; k++, q++) h = Cell(h, q);
        }
        h = nn.functional.relu(_lastBn.Forward(h));
        h = nn.functional.adaptive_avg_pool2d(h, 1).flatten(1);
        return _classifier.Forward(h);
    }
}
