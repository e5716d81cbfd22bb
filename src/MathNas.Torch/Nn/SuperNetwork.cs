using MathNas.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace MathNas.Torch.Nn;

/// <summary>
/// A network family of a search space: the weight-sharing supernet (every block's weights), or, when built for one
/// architecture (<see cref="Fixed"/>), that stand-alone network with exactly its own weights. Parameter names are
/// the same in both, so <see cref="CopyFrom"/> takes a sub-network's weights out of a supernet.
/// </summary>
public abstract class SuperNetwork : nn.Module
{
    protected SuperNetwork(string name, SearchSpace space, Architecture? fixedArchitecture) : base(name)
    {
        Space = space;
        if (fixedArchitecture is not null) space.Validate(fixedArchitecture);
        Fixed = fixedArchitecture;
    }

    public SearchSpace Space { get; }
    /// <summary>Null for the supernet; the architecture of a stand-alone network.</summary>
    public Architecture? Fixed { get; }

    /// <summary>Logits (batch x 10) of the sub-network <paramref name="a"/> for a batch of 1x28x28 images.</summary>
    public Tensor Forward(Tensor x, Architecture a)
    {
        if (Fixed is not null && !Fixed.Equals(a))
            throw new MathNasException($"this stand-alone network is {Fixed}, not {a}");
        Space.Validate(a);
        return ForwardCore(x, a);
    }

    /// <summary>Logits of the stand-alone network (a supernet needs the architecture: <see cref="Forward(Tensor, Architecture)"/>).</summary>
    public Tensor Forward(Tensor x) => Forward(x, Fixed ?? throw new MathNasException("a supernet needs an architecture to run"));

    protected abstract Tensor ForwardCore(Tensor x, Architecture a);

    public IEnumerable<Bn> BatchNorms() => modules().OfType<Bn>();

    /// <summary>Copies every parameter and buffer of this network from the same-named one of <paramref name="source"/>,
    /// cut to this network's shapes (first channels, kernel centre).</summary>
    public void CopyFrom(SuperNetwork source)
    {
        var src = source.state_dict();
        using var _ = no_grad();
        foreach (var (name, t) in state_dict())
        {
            if (!src.TryGetValue(name, out var s))
                throw new MathNasException($"the source network has no weight '{name}'");
            t.copy_(Slicing.Fit(s, t.shape));
        }
    }

    /// <summary>Recalibrates the batch-norm statistics of sub-network <paramref name="a"/> on the given batches
    /// (cumulative average), then leaves the network in evaluation mode.</summary>
    public void Recalibrate(Architecture a, IEnumerable<Tensor> batches)
    {
        foreach (var bn in BatchNorms()) { bn.ResetStatistics(); bn.Cumulative = true; }
        train();
        using (no_grad())
        {
            foreach (var b in batches)
            {
                using var scope = NewDisposeScope();
                Forward(b, a);
            }
        }
        foreach (var bn in BatchNorms()) bn.Cumulative = false;
        eval();
    }

    /// <summary>Multiply-accumulates of one image through sub-network <paramref name="a"/>, counted while running it.</summary>
    public double CountMacs(Architecture a)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var was = training;
        eval();
        MacCounter.Start();
        try { Forward(zeros(1, 1, 28, 28), a); }
        finally { var m = MacCounter.Stop(); if (was) train(); _lastMacs = m; }
        return _lastMacs;
    }

    private double _lastMacs;

    public long ParameterCount() => parameters().Sum(p => p.numel());
}
