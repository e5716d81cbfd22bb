using System.Diagnostics;
using MathNas.Audit;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Nn;
using static TorchSharp.torch;

namespace MathNas.Torch.Evaluators;

/// <summary>How latency is measured.</summary>
public sealed record LatencyOptions
{
    /// <summary>Device name in the metric: latency:DEVICE.</summary>
    public string Device { get; init; } = "cpu";
    public int Batch { get; init; } = 1;
    public int Warmup { get; init; } = 10;
    /// <summary>Timed runs per network (evaluator option runs=, or its synonym repeats=).</summary>
    public int Repeats { get; init; } = 100;
    /// <summary>torch.set_num_threads while measuring.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>When several networks are measured together (<see cref="TorchLatencyEvaluator.MeasureMany"/>), the
    /// timed runs are split into this many interleaved rounds, so that a burst of other load on the machine hits
    /// every network alike instead of a few.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>
    /// The statistic of the timed runs that is the network's latency: "min" (the fastest run, the default: the
    /// statistic of the built-in tables, tables/README.md; on a machine shared with other work the least moved by
    /// it), "median", "p25" or "p75".
    /// </summary>
    public string Statistic { get; init; } = "min";

    /// <summary>The statistics <see cref="Statistic"/> may name.</summary>
    public static readonly IReadOnlyList<string> Statistics = ["min", "median", "p25", "p75"];

    /// <summary>The evaluator options <see cref="FromDictionary"/> reads (torch-latency; torch-energy reads them but statistic).</summary>
    public static readonly IReadOnlyList<string> Keys = ["device", "batch", "warmup", "runs", "repeats", "threads", "rounds", "statistic"];

    /// <summary>The latency of a measurement under <see cref="Statistic"/>.</summary>
    public double ValueOf(LatencyMeasurement m) => Statistic switch
    {
        "min" => m.MinMs,
        "median" => m.MedianMs,
        "p25" => m.P25Ms,
        "p75" => m.P75Ms,
        _ => throw new MathNasException($"unknown latency statistic '{Statistic}': use {string.Join(", ", Statistics)}"),
    };

    public void Check()
    {
        if (!Statistics.Contains(Statistic)) throw new MathNasException($"unknown latency statistic '{Statistic}': use {string.Join(", ", Statistics)}");
        if (Batch <= 0) throw new MathNasException($"latency batch must be positive, not {Batch}");
        if (Warmup < 0) throw new MathNasException($"latency warm-up must be 0 or more, not {Warmup}");
        if (Repeats < 3) throw new MathNasException($"latency repeats must be at least 3, not {Repeats}");
        if (Threads <= 0) throw new MathNasException($"latency threads must be positive, not {Threads}");
        if (Rounds <= 0) throw new MathNasException($"latency rounds must be positive, not {Rounds}");
        if (string.IsNullOrWhiteSpace(Device) || Device.Contains(':')) throw new MathNasException($"'{Device}' is not a device name");
        if (!Statistics.Contains(Statistic)) throw new MathNasException($"unknown latency statistic '{Statistic}': use {string.Join(", ", Statistics)}");
    }

    public static LatencyOptions FromDictionary(IReadOnlyDictionary<string, string> o)
    {
        foreach (var k in o.Keys)
            if (!Keys.Contains(k, StringComparer.OrdinalIgnoreCase))
                throw new MathNasException($"latency has no option '{k}' (options: {string.Join(", ", Keys)})");
        if (o.ContainsKey("runs") && o.ContainsKey("repeats")) throw new MathNasException("give the number of timed runs once: runs= or repeats=, not both");
        var dflt = new LatencyOptions();
        var r = new LatencyOptions
        {
            Device = o.TryGetValue("device", out var d) ? d : dflt.Device,
            Batch = Int(o, "batch", dflt.Batch), Warmup = Int(o, "warmup", dflt.Warmup),
            Repeats = Int(o, "runs", Int(o, "repeats", dflt.Repeats)), Threads = Int(o, "threads", dflt.Threads), Rounds = Int(o, "rounds", dflt.Rounds),
            Statistic = o.TryGetValue("statistic", out var st) ? st.Trim().ToLowerInvariant() : dflt.Statistic,
        };
        r.Check();
        return r;
    }

    internal static int Int(IReadOnlyDictionary<string, string> o, string key, int dflt) =>
        !o.TryGetValue(key, out var v) ? dflt
        : int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i
        : throw new MathNasException($"evaluator option {key}={v} is not an integer");
}

/// <summary>A latency measurement: median and spread of the repeats, in milliseconds per batch.</summary>
public sealed record LatencyMeasurement(double MedianMs, double P25Ms, double P75Ms, double MinMs, double MaxMs, int Repeats)
{
    /// <summary>Interquartile range relative to the median.</summary>
    public double RelativeSpread => MedianMs > 0 ? (P75Ms - P25Ms) / MedianMs : 0;

    public static LatencyMeasurement FromSamples(IReadOnlyList<double> ms)
    {
        var s = ms.Order().ToArray();
        return new LatencyMeasurement(Budgets.Percentile(s, 50), Budgets.Percentile(s, 25), Budgets.Percentile(s, 75), s[0], s[^1], s.Length);
    }
}

/// <summary>
/// Measures whole-network inference latency on this CPU with TorchSharp: the stand-alone network of the architecture
/// (weights do not change the time), evaluation mode, no gradients, <see cref="LatencyOptions.Warmup"/> unmeasured
/// runs, then <see cref="LatencyOptions.Repeats"/> timed runs; the value is their <see cref="LatencyOptions.Statistic"/>
/// (ms; by default the fastest run, as in the built-in tables), with the spread kept in <see cref="Measurements"/>.
/// The thread count is pinned with torch.set_num_threads.
/// </summary>
public sealed class TorchLatencyEvaluator : IEvaluator
{
    public TorchLatencyEvaluator(TorchSearchSpace space, LatencyOptions? options = null)
    {
        Space = space;
        Options = options ?? new LatencyOptions();
        Options.Check();
        Metric = MetricNames.Latency(Options.Device);
    }

    public TorchSearchSpace Space { get; }
    public LatencyOptions Options { get; }
    public string Metric { get; }
    public string Name => "torch-latency";
    public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { [Metric] = "ms" };

    /// <summary>Measurements made so far, by architecture.</summary>
    public Dictionary<Architecture, LatencyMeasurement> Measurements { get; } = new();
    public LatencyMeasurement? Last { get; private set; }

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture) =>
        new Dictionary<string, double> { [Metric] = Options.ValueOf(MeasurementOf(architecture)) };

    /// <summary>The measurement of <paramref name="a"/> made so far, else a new one.</summary>
    public LatencyMeasurement MeasurementOf(Architecture a)
    {
        LatencyMeasurement? m;
        lock (Measurements) Measurements.TryGetValue(a, out m);
        return m ?? Measure(a);
    }

    public LatencyMeasurement Measure(Architecture a)
    {
        Space.Validate(a);
        using var net = Space.CreateNetwork(a);
        var m = Measure(net, Options);
        lock (Measurements) Measurements[a] = m;
        Last = m;
        return m;
    }

    /// <summary>
    /// Measures several networks together (those not measured yet): each is built and warmed up, then the timed runs
    /// are made in <see cref="LatencyOptions.Rounds"/> rounds, every round timing each network in turn. The results are
    /// kept in <see cref="Measurements"/>, where <see cref="Evaluate"/> finds them.
    /// </summary>
    public void MeasureMany(IEnumerable<Architecture> architectures, IProgress<ProgressInfo>? progress = null, string stage = "measuring latency")
    {
        List<Architecture> todo;
        lock (Measurements) todo = architectures.Distinct().Where(a => !Measurements.ContainsKey(a)).ToList();
        if (todo.Count == 0) return;
        foreach (var a in todo) Space.Validate(a);
        TorchRuntime.SetThreads(Options.Threads);
        var nets = todo.Select(a => Space.CreateNetwork(a)).ToList();
        try
        {
            using var _ = no_grad();
            using var x = randn(Options.Batch, 1, 28, 28);
            foreach (var n in nets)
            {
                n.eval();
                WarmUp(n, x, Options.Warmup);
            }
            var samples = nets.Select(_ => new List<double>(Options.Repeats)).ToList();
            int rounds = Math.Min(Options.Rounds, Options.Repeats); // more rounds than runs would leave rounds empty
            int perRound = (Options.Repeats + rounds - 1) / rounds;
            long done = 0, total = (long)Options.Repeats * nets.Count;
            for (int r = 0; r < rounds; r++)
            {
                for (int k = 0; k < nets.Count; k++)
                {
                    int runs = Math.Min(perRound, Options.Repeats - samples[k].Count);
                    for (int i = 0; i < runs; i++) samples[k].Add(TimedRun(nets[k], x));
                    done += runs;
                }
                progress?.Report(new ProgressInfo(stage, done, total, $"{nets.Count} networks, round {r + 1}/{rounds}"));
            }
            lock (Measurements)
                for (int k = 0; k < nets.Count; k++) Measurements[todo[k]] = LatencyMeasurement.FromSamples(samples[k]);
        }
        finally { foreach (var n in nets) n.Dispose(); }
    }

    /// <summary>Times <paramref name="net"/> (a stand-alone network) as described above.</summary>
    public static LatencyMeasurement Measure(SuperNetwork net, LatencyOptions o)
    {
        TorchRuntime.SetThreads(o.Threads);
        net.eval();
        using var _ = no_grad();
        using var x = randn(o.Batch, 1, 28, 28);
        WarmUp(net, x, o.Warmup);
        var samples = new double[o.Repeats];
        for (int i = 0; i < o.Repeats; i++) samples[i] = TimedRun(net, x);
        return LatencyMeasurement.FromSamples(samples);
    }

    /// <summary>Untimed runs of <paramref name="net"/> on <paramref name="x"/>.</summary>
    internal static void WarmUp(SuperNetwork net, Tensor x, int runs)
    {
        for (int i = 0; i < runs; i++)
        {
            using var scope = NewDisposeScope();
            net.Forward(x);
        }
    }

    /// <summary>One timed run in ms; reading the result makes sure the work is done.</summary>
    private static double TimedRun(SuperNetwork net, Tensor x)
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        var y = net.Forward(x);
        y.data<float>()[0].ToString(); // touch the result
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
}
