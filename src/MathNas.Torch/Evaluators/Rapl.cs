using System.Globalization;

namespace MathNas.Torch.Evaluators;

/// <summary>
/// Reads the Linux RAPL energy counters (powercap): every top-level zone /sys/class/powercap/intel-rapl:N with an
/// energy_uj counter (microjoules) that wraps at max_energy_range_uj. The root folder is configurable for tests.
/// </summary>
public sealed class RaplReader
{
    public const string DefaultRoot = "/sys/class/powercap";

    public sealed record Zone(string Path, string Name, long MaxRangeUj);

    public RaplReader(string? root = null)
    {
        Root = root ?? DefaultRoot;
        var zones = new List<Zone>();
        if (Directory.Exists(Root))
        {
            foreach (var dir in Directory.EnumerateDirectories(Root, "intel-rapl:*").Order(StringComparer.Ordinal))
            {
                var leaf = System.IO.Path.GetFileName(dir);
                if (leaf.Count(c => c == ':') != 1) continue; // sub-zones (intel-rapl:0:0) are inside their package
                var energy = System.IO.Path.Combine(dir, "energy_uj");
                if (!File.Exists(energy)) continue;
                var nameFile = System.IO.Path.Combine(dir, "name");
                var name = File.Exists(nameFile) ? File.ReadAllText(nameFile).Trim() : leaf;
                var maxFile = System.IO.Path.Combine(dir, "max_energy_range_uj");
                long max = File.Exists(maxFile) ? ParseLong(File.ReadAllText(maxFile), maxFile) : 0;
                zones.Add(new Zone(dir, name, max));
            }
        }
        Zones = zones;
    }

    public string Root { get; }
    public IReadOnlyList<Zone> Zones { get; }
    public bool Available => Zones.Count > 0;

    /// <summary>Throws the "cannot be measured here" error when this machine has no RAPL counters.</summary>
    public void RequireAvailable()
    {
        if (!Available)
            throw new MathNasException($"energy cannot be measured here: no RAPL energy counters under {Root} (intel-rapl:*/energy_uj); use a machine with Linux powercap RAPL, or tables measured elsewhere");
    }

    /// <summary>The current counter of every zone, in microjoules.</summary>
    public long[] Read()
    {
        RequireAvailable();
        var r = new long[Zones.Count];
        for (int i = 0; i < r.Length; i++)
        {
            var f = System.IO.Path.Combine(Zones[i].Path, "energy_uj");
            string text;
            try { text = File.ReadAllText(f); }
            catch (UnauthorizedAccessException)
            {
                throw new MathNasException($"energy cannot be measured here: {f} is not readable by this user (RAPL counters need root or a relaxed permission)");
            }
            r[i] = ParseLong(text, f);
        }
        return r;
    }

    /// <summary>Energy between two readings (joules, summed over zones), counting one wrap-around per zone where the
    /// counter went down.</summary>
    public double JoulesBetween(long[] before, long[] after)
    {
        double uj = 0;
        for (int i = 0; i < Zones.Count; i++)
        {
            long d = after[i] - before[i];
            if (d < 0)
            {
                if (Zones[i].MaxRangeUj <= 0)
                    throw new MathNasException($"RAPL counter {Zones[i].Name} went down and its max_energy_range_uj is unknown: cannot account for the wrap-around");
                d += Zones[i].MaxRangeUj;
            }
            uj += d;
        }
        return uj / 1e6;
    }

    private static long ParseLong(string text, string file) =>
        long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new MathNasException($"'{file}' does not hold a counter value ('{text.Trim()}')");
}
