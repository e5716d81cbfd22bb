namespace MathNas.Spaces;

/// <summary>
/// A space whose per-block FLOPs and params are an additive model of the network's cost (e.g. SuperViT, where a
/// stage's first layer depends on the previous node's width), with the exact count of a whole network next to it.
/// Reports show the exact count as the network's FLOPs and params and the block sum only as the model's prediction.
/// </summary>
public interface IExactCostSpace
{
    /// <summary>The exact FLOPs of the network, layer by layer (in <see cref="SearchSpace.FlopsUnit"/>).</summary>
    double ExactFlops(Architecture a);

    /// <summary>The network's parameters as the original project reports them (in <see cref="SearchSpace.ParamsUnit"/>).</summary>
    double ReportedParams(Architecture a);

    /// <summary>How <see cref="ReportedParams"/> counts, in words.</summary>
    string ReportedParamsConvention { get; }

    /// <summary>How the block params (<see cref="SearchSpace.Params"/>) count, in words.</summary>
    string BlockParamsConvention { get; }
}
