using System.Globalization;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Audit;

/// <summary>
/// Reads the NAS-Bench-201 ground truth (shared data README section 2) into a <see cref="GroundTruth"/>:
/// CIFAR-10 test accuracy ("accuracy") and the latency of every device column ("latency:DEV", ms).
/// Networks are keyed by the 6-digit op_code (edge order and op indices of README section 1.1).
/// </summary>
public static class Nb201Benchmark
{
    public const string AccuracyFile = "nb201_cifar10_test_acc_200ep.csv";
    public const string LatencyFile = "nb201_latency.csv";

    /// <summary>
    /// The NAS-Bench-201 space to audit: the registered built-in "nasbench201" when there is one,
    /// else a self-contained definition (6 edges x 5 ops, base nor_conv_3x3, per-edge MACs of the CIFAR macro network).
    /// </summary>
    public static SearchSpace Space()
    {
        if (SpaceRegistry.List().Any(s => string.Equals(s.Name, "nasbench201", StringComparison.OrdinalIgnoreCase)))
            return SpaceRegistry.Resolve("nasbench201");
        return FallbackSpace();
    }

    public static readonly string[] Ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
    public static readonly string[] Edges = ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"];

    /// <summary>
    /// Per-edge cost of each op summed over the 15 cells of the CIFAR macro network (3 stages of 5 cells;
    /// C = 16, 32, 64 channels at 32, 16, 8 pixels), in millions of multiply-accumulates:
    /// conv kxk = k*k*C*C*H*W, 3x3 average pool = 9*C*H*W, none and skip = 0.
    /// </summary>
    internal static SearchSpace FallbackSpace()
    {
        double conv1 = 0, pool = 0;
        foreach (var (c, hw) in new[] { (16, 32), (32, 16), (64, 8) })
        {
            conv1 += 5.0 * c * c * hw * hw / 1e6;
            pool += 5.0 * 9 * c * hw * hw / 1e6;
        }
        var blocks = new List<Block>
        {
            new(Ops[0], 0, 0), new(Ops[1], 0, 0), new(Ops[2], conv1, 0), new(Ops[3], 9 * conv1, 0), new(Ops[4], pool, 0),
        };
        var nodes = Edges.Select(e => new Node(e, blocks, baseIndex: 3)).ToList();
        return new SearchSpace("nasbench201", nodes, description: "NAS-Bench-201 cell: 6 edges x 5 ops (audit fallback definition)", flopsUnit: "MMACs");
    }

    /// <summary>Loads accuracy and every latency column from <paramref name="dir"/> (the nasbench201 data folder).</summary>
    public static GroundTruth Load(string dir, SearchSpace? space = null)
    {
        space ??= Space();
        if (space.NodeCount != 6 || space.Nodes.Any(n => n.Count != 5))
            throw new MathNasException($"space '{space.Name}' is not a NAS-Bench-201 cell (6 nodes of 5 blocks)");
        if (!Directory.Exists(dir)) throw new MathNasException($"benchmark folder '{dir}' does not exist");
        var accPath = Path.Combine(dir, AccuracyFile);
        var latPath = Path.Combine(dir, LatencyFile);
        if (!File.Exists(accPath)) throw new MathNasException($"benchmark file '{accPath}' is missing");
        if (!File.Exists(latPath)) throw new MathNasException($"benchmark file '{latPath}' is missing");

        var acc = ReadColumns(accPath, "op_code", ["cifar10_test_acc"]);
        var latHeader = File.ReadLines(latPath).FirstOrDefault() ?? throw new MathNasException($"benchmark file '{latPath}' is empty");
        var devices = latHeader.Split(',').Skip(2).Select(s => s.Trim()).ToArray();
        if (devices.Length == 0) throw new MathNasException($"benchmark file '{latPath}' has no device columns");
        var lat = ReadColumns(latPath, "op_code", devices);

        var nets = space.Enumerate().ToList();
        var metrics = new Dictionary<string, double[]> { [MetricNames.Accuracy] = new double[nets.Count] };
        foreach (var d in devices) metrics[MetricNames.Latency(d)] = new double[nets.Count];
        for (int k = 0; k < nets.Count; k++)
        {
            var code = string.Concat(nets[k].Select(c => c.ToString(CultureInfo.InvariantCulture)));
            if (!acc.TryGetValue(code, out var a)) throw new MathNasException($"'{accPath}' has no row for op_code {code}");
            if (!lat.TryGetValue(code, out var l)) throw new MathNasException($"'{latPath}' has no row for op_code {code}");
            metrics[MetricNames.Accuracy][k] = a[0];
            for (int d = 0; d < devices.Length; d++) metrics[MetricNames.Latency(devices[d])][k] = l[d];
        }
        return new GroundTruth(space, nets, metrics, "nasbench201-benchmark");
    }

    private static Dictionary<string, double[]> ReadColumns(string path, string keyColumn, string[] columns)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new MathNasException($"benchmark file '{path}' is empty");
        var names = header.Split(',').Select(s => s.Trim()).ToList();
        int key = names.IndexOf(keyColumn);
        if (key < 0) throw new MathNasException($"benchmark file '{path}' has no '{keyColumn}' column");
        var idx = columns.Select(c => names.IndexOf(c)).ToArray();
        for (int i = 0; i < idx.Length; i++)
            if (idx[i] < 0) throw new MathNasException($"benchmark file '{path}' has no '{columns[i]}' column");
        var rows = new Dictionary<string, double[]>();
        int line = 1;
        string? s;
        while ((s = reader.ReadLine()) is not null)
        {
            line++;
            if (s.Length == 0) continue;
            var f = s.Split(',');
            if (f.Length != names.Count) throw new MathNasException($"benchmark file '{path}', line {line}: {f.Length} fields, expected {names.Count}");
            var code = f[key].Trim();
            if (code.Length != 6 || code.Any(ch => ch < '0' || ch > '4'))
                throw new MathNasException($"benchmark file '{path}', line {line}: op_code '{code}' is not 6 op indices 0..4");
            var v = new double[idx.Length];
            for (int i = 0; i < idx.Length; i++)
            {
                if (!double.TryParse(f[idx[i]], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
                    throw new MathNasException($"benchmark file '{path}', line {line}: '{f[idx[i]]}' is not a finite number");
            }
            if (!rows.TryAdd(code, v)) throw new MathNasException($"benchmark file '{path}', line {line}: op_code {code} appears twice");
        }
        return rows;
    }
}
