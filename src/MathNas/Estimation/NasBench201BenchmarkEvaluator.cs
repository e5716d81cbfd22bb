using MathNas.Data;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// Ground-truth evaluator of the NAS-Bench-201 space: looks a network up in <see cref="NasBench201Benchmark"/>
/// (CIFAR-10 test accuracy in %, latency in ms on every device of the data). Registered as "nasbench201-benchmark";
/// option dir=FOLDER reads another benchmark folder (default: the shared data folder).
/// </summary>
public sealed class NasBench201BenchmarkEvaluator : IEvaluator
{
    public const string EvaluatorName = "nasbench201-benchmark";

    public NasBench201BenchmarkEvaluator(NasBench201Benchmark benchmark)
    {
        Benchmark = benchmark;
        var m = new Dictionary<string, string> { [MetricNames.Accuracy] = "%" };
        foreach (var d in benchmark.Devices) m[MetricNames.Latency(d)] = "ms";
        Metrics = m;
    }

    /// <summary>Loads the benchmark from a folder, or from the shared data folder when null.</summary>
    public static NasBench201BenchmarkEvaluator Load(string? dir = null) => new(NasBench201Benchmark.Load(dir));

    public NasBench201Benchmark Benchmark { get; }
    public string Name => EvaluatorName;
    public IReadOnlyDictionary<string, string> Metrics { get; }

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        int i = Benchmark.IndexOf(architecture);
        var r = new Dictionary<string, double>(Metrics.Count) { [MetricNames.Accuracy] = Benchmark.Accuracy[i] };
        foreach (var d in Benchmark.Devices) r[MetricNames.Latency(d)] = Benchmark.Latency(d)[i];
        return r;
    }

    /// <summary>The registry entry: supports the built-in NAS-Bench-201 space; option dir=FOLDER.</summary>
    internal static EvaluatorRegistry.Entry RegistryEntry => new(
        EvaluatorName,
        "NAS-Bench-201 ground truth: CIFAR-10 test accuracy (200 epochs) and latency on 8 devices (option dir=FOLDER; default $MATHNAS_DATA/nasbench201)",
        space => space is NasBench201Space,
        (space, options) =>
        {
            foreach (var k in options.Keys)
                if (!k.Equals("dir", StringComparison.OrdinalIgnoreCase))
                    throw new MathNasException($"evaluator '{EvaluatorName}' has no option '{k}' (options: dir=FOLDER)");
            return Load(options.TryGetValue("dir", out var d) ? d : null);
        },
        ["dir"]);
}
