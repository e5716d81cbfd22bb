using System.Diagnostics;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Nn;
using static TorchSharp.torch;

namespace MathNas.Torch.Evaluators;

/// <summary>
/// Energy per inference (millijoules) from the RAPL counters: runs the stand-alone network repeatedly for at least
/// <see cref="MinSeconds"/> (after a warm-up) and divides the counters' increase by the number of runs. The counters
/// measure the whole package, so other load on the machine adds to the value. Where RAPL is absent it throws
/// "energy cannot be measured here"; it never invents a number.
/// </summary>
public sealed class TorchEnergyEvaluator : IEvaluator
{
    public TorchEnergyEvaluator(TorchSearchSpace space, LatencyOptions? options = null, string? raplRoot = null, double minSeconds = 1.0)
    {
        Space = space;
        Options = options ?? new LatencyOptions();
        Options.Check();
        Rapl = new RaplReader(raplRoot);
        MinSeconds = minSeconds;
        Metric = MetricNames.Energy(Options.Device);
    }

    public TorchSearchSpace Space { get; }
    public LatencyOptions Options { get; }
    public RaplReader Rapl { get; }
    public double MinSeconds { get; }
    public string Metric { get; }
    public string Name => "torch-energy";
    public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { [Metric] = "mJ" };

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        Rapl.RequireAvailable();
        Space.Validate(architecture);
        TorchRuntime.SetThreads(Options.Threads);
        using var net = Space.CreateNetwork(architecture);
        net.eval();
        using var _ = no_grad();
        using var x = randn(Options.Batch, 1, 28, 28);
        TorchLatencyEvaluator.WarmUp(net, x, Options.Warmup);
        var before = Rapl.Read();
        var sw = Stopwatch.StartNew();
        long runs = 0;
        while (runs < Options.Repeats || sw.Elapsed.TotalSeconds < MinSeconds)
        {
            using var s = NewDisposeScope();
            net.Forward(x);
            runs++;
        }
        var after = Rapl.Read();
        return new Dictionary<string, double> { [Metric] = Rapl.JoulesBetween(before, after) * 1e3 / runs };
    }
}
