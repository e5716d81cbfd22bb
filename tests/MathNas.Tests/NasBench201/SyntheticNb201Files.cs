using System.Globalization;
using System.Text;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;

namespace MathNas.Tests.NasBench201;

/// <summary>
/// Writes a well-formed pair of NAS-Bench-201 benchmark files with made-up values (not the real data) to a temp
/// folder, so readers and estimators can be tested without the shared data and corrupted on purpose.
/// Row i holds the network of mixed-radix ordinal i.
/// </summary>
public sealed class SyntheticNb201Files : IDisposable
{
    public static readonly string[] Devices = ["fpga", "eyeriss", "pixel3", "raspi4", "titanxp_1", "gold_6226", "samsung_a50", "2080ti_1"];

    public SyntheticNb201Files()
    {
        Dir = Path.Combine(Path.GetTempPath(), "mathnas-nb201-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        AccuracyLines = new List<string>(Template.Value.Acc);
        LatencyLines = new List<string>(Template.Value.Lat);
        Write();
    }

    private static readonly Lazy<(string[] Acc, string[] Lat)> Template = new(() =>
    {
        var acc = new List<string> { "arch_index,arch_str,op_code,cifar10_test_acc" };
        var lat = new List<string> { "arch_index,op_code," + string.Join(",", Devices) };
        for (int i = 0; i < NasBench201Space.NetworkCount; i++)
        {
            var a = NasBench201Space.FromOrdinal(i);
            var code = NasBench201Space.ToOpCode(a);
            acc.Add($"{i},{NasBench201Space.ToArchString(a)},{code},{F(Accuracy(a))}");
            var sb = new StringBuilder($"{i},{code}");
            for (int d = 0; d < Devices.Length; d++) sb.Append(',').Append(F(Latency(a, d)));
            lat.Add(sb.ToString());
        }
        return (acc.ToArray(), lat.ToArray());
    });

    /// <summary>A made-up accuracy: additive per-edge effects plus an interaction (so estimators differ).</summary>
    public static double Accuracy(Architecture a)
    {
        double[] op = [-20, -3, -1, 0, -2];
        double acc = 90;
        for (int e = 0; e < 6; e++) acc += op[a[e]] * (1 + 0.1 * e);
        if (a[0] == 3 && a[5] == 3) acc += 1.5;
        if (a[1] == 0 && a[2] == 0) acc -= 4;
        return Math.Round(Math.Clamp(acc, 10, 100), 6);
    }

    /// <summary>A made-up latency: FLOPs-like additive part per device, plus an interaction on some devices.</summary>
    public static double Latency(Architecture a, int device)
    {
        double[] op = [0, 0.05, 0.4, 2.5, 0.3];
        double lat = 1 + device * 0.5;
        for (int e = 0; e < 6; e++) lat += op[a[e]] * (1 + 0.2 * device);
        if (device % 2 == 1 && a[3] == 3 && a[4] == 3) lat += 0.7;
        return Math.Round(lat, 6);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public string Dir { get; }
    public List<string> AccuracyLines { get; }
    public List<string> LatencyLines { get; }
    public string AccuracyPath => Path.Combine(Dir, "nb201_cifar10_test_acc_200ep.csv");
    public string LatencyPath => Path.Combine(Dir, "nb201_latency.csv");

    public void Write()
    {
        File.WriteAllText(AccuracyPath, AccuracyLines.Count == 0 ? "" : string.Join("\n", AccuracyLines) + "\n");
        File.WriteAllText(LatencyPath, LatencyLines.Count == 0 ? "" : string.Join("\n", LatencyLines) + "\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
