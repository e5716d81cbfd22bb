using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;

namespace MathNas.Torch.Dynamic;

/// <summary>
/// Latency for the runtime's start-up table (Algorithm 1): like <see cref="TorchLatencyEvaluator"/> (stand-alone network,
/// warm-up, timed repeats) but the value is the minimum of the repeats instead of their median. On a machine shared with
/// other work the median of a few repeats carries the other work's load, which differs from one network to the next;
/// the minimum is the network's own cost, and the controller's rescaling (measured / predicted) supplies the load.
/// </summary>
public sealed class StartupLatencyEvaluator : IEvaluator
{
    public StartupLatencyEvaluator(TorchSearchSpace space, LatencyOptions options)
    {
        options.Check();
        Space = space;
        Options = options;
        Metric = MetricNames.Latency(options.Device);
    }

    public TorchSearchSpace Space { get; }
    public LatencyOptions Options { get; }
    public string Metric { get; }
    public string Name => "torch-latency-min";
    public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { [Metric] = "ms" };

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        Space.Validate(architecture);
        using var net = Space.CreateNetwork(architecture);
        var m = TorchLatencyEvaluator.Measure(net, Options);
        return new Dictionary<string, double> { [Metric] = m.MinMs };
    }
}
