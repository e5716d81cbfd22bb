using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Torch.Data;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Training;

namespace MathNas.Torch;

/// <summary>
/// Registers MathNas.Torch's spaces (nb201-mini, ofa-mini) and evaluators (torch-latency, torch-energy,
/// supernet-accuracy) with the core registries. The CLI calls it at start-up; it loads no native code.
/// </summary>
public static class TorchModule
{
    private static int _done;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        SpaceRegistry.Register(Nb201MiniSpace.SpaceName, "NAS-Bench-201 cell space, small network for Fashion-MNIST (TorchSharp)", () => Nb201MiniSpace.Create());
        SpaceRegistry.Register(OfaMiniSpace.SpaceName, "Once-for-All-style MBConv space (depth/kernel/expand per stage) for Fashion-MNIST (TorchSharp)", () => OfaMiniSpace.Create());
        EvaluatorRegistry.Register(new EvaluatorRegistry.Entry("torch-latency",
            "measured inference latency on this CPU (options: device, batch, warmup, repeats, threads, rounds, statistic=median|min)",
            s => s is TorchSearchSpace, (s, o) => new TorchLatencyEvaluator((TorchSearchSpace)s, LatencyOptions.FromDictionary(o))));
        EvaluatorRegistry.Register(new EvaluatorRegistry.Entry("torch-energy",
            "energy per inference from Linux RAPL counters (options: device, batch, warmup, repeats, threads, rapl=ROOT)",
            s => s is TorchSearchSpace, (s, o) => new TorchEnergyEvaluator((TorchSearchSpace)s, LatencyOptions.FromDictionary(
                o.Where(kv => !kv.Key.Equals("rapl", StringComparison.OrdinalIgnoreCase)).ToDictionary()), o.GetValueOrDefault("rapl"))));
        EvaluatorRegistry.Register(new EvaluatorRegistry.Entry("supernet-accuracy",
            "shared-weight accuracy of a trained supernet on held-out Fashion-MNIST (options: supernet=DIR, heldout, recal, seed, data)",
            s => s is TorchSearchSpace, (s, o) => CreateAccuracy((TorchSearchSpace)s, o)));
    }

    private static IEvaluator CreateAccuracy(TorchSearchSpace space, IReadOnlyDictionary<string, string> o)
    {
        if (!o.TryGetValue("supernet", out var dir))
            throw new MathNasException("evaluator supernet-accuracy needs supernet=DIR (a folder written by 'mathnas pipeline', e.g. out/nb201-mini/supernet)");
        TorchRuntime.EnsureLoaded();
        var net = space.CreateNetwork();
        var state = SupernetTrainer.Load(net, dir);
        int heldOut = LatencyOptions.Int(o, "heldout", state.HeldOutImages() ?? 1000), seed = LatencyOptions.Int(o, "seed", state.Seed);
        var data = FashionMnist.Splits(FashionMnist.Locate(o.GetValueOrDefault("data")), heldOut, seed, state.TrainImages);
        return new SupernetAccuracyEvaluator(net, data.Train, data.HeldOut, LatencyOptions.Int(o, "recal", 1000), seed);
    }
}
