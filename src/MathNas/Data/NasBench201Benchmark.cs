using System.Globalization;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;

namespace MathNas.Data;

/// <summary>
/// The NAS-Bench-201 ground truth of the shared data (README §2): CIFAR-10 test accuracy (200 epochs) and measured
/// latency on eight device settings for all 15,625 networks, read with strict validation (header, row count, field
/// count, numbers, arch string vs op_code, duplicates, index order, agreement of the two files).
/// </summary>
public sealed class NasBench201Benchmark
{
    public const string AccuracyFile = "nb201_cifar10_test_acc_200ep.csv";
    public const string LatencyFile = "nb201_latency.csv";
    public const string SubFolder = "nasbench201";

    /// <summary>Device columns of the latency file, in file order.</summary>
    public static IReadOnlyList<string> KnownDevices { get; } = ["fpga", "eyeriss", "pixel3", "raspi4", "titanxp_1", "gold_6226", "samsung_a50", "2080ti_1"];

    private static readonly string[] AccuracyHeader = ["arch_index", "arch_str", "op_code", "cifar10_test_acc"];

    private readonly Dictionary<Architecture, int> _indexOf;
    private readonly Dictionary<string, double[]> _latency;

    private NasBench201Benchmark(string folder, Architecture[] codes, string[] archStrings, double[] accuracy, Dictionary<string, double[]> latency)
    {
        Folder = folder;
        Codes = codes;
        ArchStrings = archStrings;
        Accuracy = accuracy;
        _latency = latency;
        _indexOf = new Dictionary<Architecture, int>(codes.Length);
        for (int i = 0; i < codes.Length; i++) _indexOf[codes[i]] = i;
    }

    /// <summary>The folder the files were read from.</summary>
    public string Folder { get; }
    public int Count => Codes.Count;
    /// <summary>Code of the network with NB201 index i.</summary>
    public IReadOnlyList<Architecture> Codes { get; }
    public IReadOnlyList<string> ArchStrings { get; }
    /// <summary>CIFAR-10 test accuracy (%) by NB201 index.</summary>
    public IReadOnlyList<double> Accuracy { get; }
    public IReadOnlyList<string> Devices => KnownDevices;

    /// <summary>Latency (ms) on a device, by NB201 index.</summary>
    public IReadOnlyList<double> Latency(string device) =>
        _latency.TryGetValue(device, out var v) ? v
        : throw new MathNasException($"NAS-Bench-201 benchmark has no latency for device '{device}' (devices: {string.Join(", ", KnownDevices)})");

    /// <summary>The metric names this benchmark measures: accuracy and latency:DEVICE.</summary>
    public IReadOnlyList<string> Metrics => [Tables.MetricNames.Accuracy, .. KnownDevices.Select(Tables.MetricNames.Latency)];

    /// <summary>True values of a metric ("accuracy" or "latency:DEVICE") by NB201 index.</summary>
    public IReadOnlyList<double> Values(string metric)
    {
        if (metric == Tables.MetricNames.Accuracy) return Accuracy;
        if (metric.StartsWith("latency:", StringComparison.Ordinal)) return Latency(metric["latency:".Length..]);
        throw new MathNasException($"NAS-Bench-201 benchmark has no metric '{metric}' (it has: {string.Join(", ", Metrics)})");
    }

    /// <summary>NB201 index of a code.</summary>
    public int IndexOf(Architecture a) =>
        _indexOf.TryGetValue(a, out var i) ? i : throw new MathNasException($"architecture '{a}' is not a NAS-Bench-201 network");

    /// <summary>Code of NB201 index i.</summary>
    public Architecture CodeAt(int index) =>
        index >= 0 && index < Count ? Codes[index] : throw new MathNasException($"NAS-Bench-201 index {index} is out of range 0..{Count - 1}");

    // ---------------------------------------------------------------- loading

    private static readonly Dictionary<string, (DateTime, DateTime, NasBench201Benchmark)> Cache = new();
    private static readonly object CacheLock = new();

    /// <summary>
    /// Resolves a benchmark folder: the folder holding the two CSV files, or a data root holding nasbench201/;
    /// null means the shared data folder (<see cref="DataLocator"/>: $MATHNAS_DATA or ../shared/data).
    /// </summary>
    public static string ResolveFolder(string? dir)
    {
        if (dir is null)
        {
            var root = DataLocator.Find() ?? throw new MathNasException(
                "the NAS-Bench-201 ground truth was not found: set MATHNAS_DATA to the shared data folder (with nasbench201/ inside), place it at ../shared/data, or pass --benchmark DIR");
            dir = Path.Combine(root, SubFolder);
        }
        if (!Directory.Exists(dir)) throw new MathNasException($"NAS-Bench-201 benchmark folder '{dir}' does not exist");
        if (!File.Exists(Path.Combine(dir, AccuracyFile)) && File.Exists(Path.Combine(dir, SubFolder, AccuracyFile)))
            dir = Path.Combine(dir, SubFolder);
        foreach (var f in new[] { AccuracyFile, LatencyFile })
        {
            if (!File.Exists(Path.Combine(dir, f))) throw new MathNasException($"NAS-Bench-201 benchmark folder '{dir}' has no {f}");
        }
        return Path.GetFullPath(dir);
    }

    /// <summary>Loads (and caches per folder, until the files change) the benchmark from a folder, or from the shared data when null.</summary>
    public static NasBench201Benchmark Load(string? dir = null)
    {
        var folder = ResolveFolder(dir);
        var accPath = Path.Combine(folder, AccuracyFile);
        var latPath = Path.Combine(folder, LatencyFile);
        var stamps = (File.GetLastWriteTimeUtc(accPath), File.GetLastWriteTimeUtc(latPath));
        lock (CacheLock)
        {
            if (Cache.TryGetValue(folder, out var c) && c.Item1 == stamps.Item1 && c.Item2 == stamps.Item2) return c.Item3;
        }
        var b = Read(accPath, latPath);
        lock (CacheLock) Cache[folder] = (stamps.Item1, stamps.Item2, b);
        return b;
    }

    /// <summary>Reads and validates the two files (no caching).</summary>
    public static NasBench201Benchmark Read(string accuracyPath, string latencyPath)
    {
        int n = NasBench201Space.NetworkCount;
        var codes = new Architecture[n];
        var strings = new string[n];
        var acc = new double[n];
        var seen = new Dictionary<Architecture, int>(n);
        ReadCsv(accuracyPath, AccuracyHeader, (row, f, where) =>
        {
            int index = ParseIndex(f[0], row, n, where);
            var fromString = ParseArch(() => NasBench201Space.ParseArchString(f[1]), where);
            var fromCode = ParseArch(() => NasBench201Space.ParseOpCode(f[2]), where);
            if (!fromString.Equals(fromCode))
                throw new MathNasException($"{where}: arch_str and op_code '{f[2]}' describe different networks");
            if (seen.TryGetValue(fromCode, out var other))
                throw new MathNasException($"{where}: network {f[2]} appears twice (also at index {other})");
            seen[fromCode] = index;
            codes[index] = fromCode;
            strings[index] = f[1];
            acc[index] = ParseNumber(f[3], "cifar10_test_acc", where);
            if (acc[index] < 0 || acc[index] > 100) throw new MathNasException($"{where}: cifar10_test_acc {f[3]} is not a percentage 0..100");
        }, n);

        string[] latHeader = ["arch_index", "op_code", .. KnownDevices];
        var lat = KnownDevices.ToDictionary(d => d, _ => new double[n]);
        ReadCsv(latencyPath, latHeader, (row, f, where) =>
        {
            int index = ParseIndex(f[0], row, n, where);
            var code = ParseArch(() => NasBench201Space.ParseOpCode(f[1]), where);
            if (!code.Equals(codes[index]))
                throw new MathNasException($"{where}: op_code {f[1]} differs from {NasBench201Space.ToOpCode(codes[index])} at the same index in {AccuracyFile}");
            for (int d = 0; d < KnownDevices.Count; d++)
            {
                var v = ParseNumber(f[2 + d], KnownDevices[d], where);
                if (v <= 0) throw new MathNasException($"{where}: latency {KnownDevices[d]} = {f[2 + d]} is not positive");
                lat[KnownDevices[d]][index] = v;
            }
        }, n);
        var folder = Path.GetDirectoryName(Path.GetFullPath(accuracyPath)) ?? ".";
        return new NasBench201Benchmark(folder, codes, strings, acc, lat);
    }

    private static Architecture ParseArch(Func<Architecture> parse, string where)
    {
        try { return parse(); }
        catch (MathNasException e) { throw new MathNasException($"{where}: {e.Message}"); }
    }

    private static int ParseIndex(string s, int row, int n, string where)
    {
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            throw new MathNasException($"{where}: arch_index '{s}' is not a whole number");
        if (i != row) throw new MathNasException($"{where}: arch_index {s} out of order (expected {row}; duplicate or missing rows?)");
        if (i >= n) throw new MathNasException($"{where}: arch_index {s} is out of range 0..{n - 1}");
        return i;
    }

    private static double ParseNumber(string s, string column, string where)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new MathNasException($"{where}: {column} '{s}' is not a number");
        if (!double.IsFinite(v)) throw new MathNasException($"{where}: {column} is {s}, not a finite number");
        return v;
    }

    /// <summary>Reads a comma-separated file with one exact header and exactly <paramref name="rows"/> data rows.</summary>
    private static void ReadCsv(string path, string[] header, Action<int, string[], string> onRow, int rows)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new MathNasException($"NAS-Bench-201 file '{path}' does not exist");
        using var reader = new StreamReader(path);
        var first = reader.ReadLine();
        if (first is null) throw new MathNasException($"{name}: file is empty");
        var h = first.TrimEnd('\r').Split(',');
        if (!h.SequenceEqual(header))
            throw new MathNasException($"{name}: header is '{first.TrimEnd('\r')}', expected '{string.Join(",", header)}'");
        int row = 0, line = 1;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            text = text.TrimEnd('\r');
            if (text.Length == 0)
            {
                // Allow blank lines only at the very end of the file.
                string? rest;
                while ((rest = reader.ReadLine()) is not null)
                {
                    line++;
                    if (rest.Trim().Length > 0) throw new MathNasException($"{name} line {line}: data after a blank line");
                }
                break;
            }
            var where = $"{name} line {line}";
            var f = text.Split(',');
            if (f.Length != header.Length)
                throw new MathNasException($"{where}: {f.Length} fields, expected {header.Length} ({string.Join(",", header)})");
            if (row >= rows) throw new MathNasException($"{where}: more than {rows} data rows");
            onRow(row, f, where);
            row++;
        }
        if (row != rows) throw new MathNasException($"{name}: {row} data rows, expected {rows} (truncated file?)");
    }
}
