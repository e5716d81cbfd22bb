using MathNas.Spaces;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;

namespace MathNas.Torch.Tests;

public sealed class RaplTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("powercap").FullName;
    public void Dispose() => Directory.Delete(_root, true);

    private void Zone(string dir, string name, long energy, long max)
    {
        var d = Path.Combine(_root, dir);
        Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(d, "name"), name + "\n");
        File.WriteAllText(Path.Combine(d, "energy_uj"), energy + "\n");
        File.WriteAllText(Path.Combine(d, "max_energy_range_uj"), max + "\n");
    }

    [Fact]
    public void ReadsTopLevelZonesAndHandlesWrapAround()
    {
        Zone("intel-rapl:0", "package-0", 1_000_000, 262_143_328_850);
        Zone("intel-rapl:0:0", "core", 5, 100); // a sub-zone: counted inside its package, not again
        Zone("intel-rapl:1", "package-1", 262_143_000_000, 262_143_328_850);
        Directory.CreateDirectory(Path.Combine(_root, "intel-rapl-mmio:0")); // other powercap trees are not RAPL packages here
        var r = new RaplReader(_root);
        Assert.Equal(["package-0", "package-1"], r.Zones.Select(z => z.Name));
        var before = r.Read();
        Assert.Equal([1_000_000L, 262_143_000_000L], before);
        Zone("intel-rapl:0", "package-0", 3_500_000, 262_143_328_850);
        Zone("intel-rapl:1", "package-1", 671_150, 262_143_328_850); // wrapped: 328,850 to the top, then 671,150
        var after = r.Read();
        Assert.Equal(2.5 + 1.0, r.JoulesBetween(before, after), 9);
    }

    [Fact]
    public void WithoutRaplItSaysEnergyCannotBeMeasuredHere()
    {
        var r = new RaplReader(Path.Combine(_root, "absent"));
        Assert.False(r.Available);
        Assert.Contains("energy cannot be measured here", Assert.Throws<MathNasException>(() => r.Read()).Message);
        var ev = new TorchEnergyEvaluator(Nb201MiniSpace.Create(), raplRoot: _root);
        Assert.Contains("energy cannot be measured here", Assert.Throws<MathNasException>(() => ev.Evaluate(new Architecture(3, 3, 3, 3, 3, 3))).Message);
    }

    [Fact]
    public void ADecreasingCounterWithoutAKnownRangeIsAnErrorNotANumber()
    {
        Zone("intel-rapl:0", "package-0", 500, 0);
        var r = new RaplReader(_root);
        var before = r.Read();
        Zone("intel-rapl:0", "package-0", 100, 0);
        Assert.Contains("wrap-around", Assert.Throws<MathNasException>(() => r.JoulesBetween(before, r.Read())).Message);
        File.WriteAllText(Path.Combine(_root, "intel-rapl:0", "energy_uj"), "garbage");
        Assert.Contains("counter value", Assert.Throws<MathNasException>(() => r.Read()).Message);
    }

    [Fact]
    public void TheEnergyEvaluatorReportsOnlyWhatTheCountersSay()
    {
        // Static fake counters: the network runs, but the counters do not move, so the energy is exactly 0, not a guess.
        Zone("intel-rapl:0", "package-0", 42, 1000);
        TorchRuntime.SetThreads(1);
        var ev = new TorchEnergyEvaluator(Nb201MiniSpace.Create(), new LatencyOptions { Warmup = 1, Repeats = 3 }, _root, minSeconds: 0.01);
        var v = ev.Evaluate(new Architecture(3, 3, 3, 3, 3, 3));
        Assert.Equal(0.0, v["energy:cpu"]);
        Assert.Equal("mJ", ev.Metrics["energy:cpu"]);
    }
}
