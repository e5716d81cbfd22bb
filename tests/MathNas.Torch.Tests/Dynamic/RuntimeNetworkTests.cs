using MathNas.Dynamic;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Dynamic;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using static TorchSharp.torch;

namespace MathNas.Torch.Tests.Dynamic;

public class RuntimeNetworkTests
{
    public RuntimeNetworkTests() => TorchRuntime.SetThreads(1);

    public static TheoryData<string> Spaces => new() { Nb201MiniSpace.SpaceName, OfaMiniSpace.SpaceName };

    private static TorchSearchSpace Space(string name) => name == Nb201MiniSpace.SpaceName ? Nb201MiniSpace.Create() : OfaMiniSpace.Create();

    /// <summary>K random blocks per node (always including the blocks of the given architectures).</summary>
    private static int[][] Loaded(SearchSpace space, Random rng, int k, params Architecture[] must) =>
        space.Nodes.Select((n, i) => must.Select(a => a[i])
            .Concat(Enumerable.Range(0, n.Count).OrderBy(_ => rng.Next()).Take(k)).Distinct().Order().ToArray()).ToArray();

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Switched_and_rebuilt_networks_compute_what_the_supernet_computes(string name)
    {
        var space = Space(name);
        manual_seed(7);
        using var super = space.CreateNetwork();
        var rng = new Random(11);
        // non-trivial batch-norm statistics, so that the copied buffers matter
        super.Recalibrate(space.Sample(rng), [randn(16, 1, 28, 28)]);
        var start = space.Sample(rng);
        var loaded = Loaded(space, rng, 3, start);
        using var net = TorchRuntimeNetwork.Create(space, super, loaded, start);
        using var x = randn(3, 1, 28, 28);
        using var _ = no_grad();
        void Check(string what)
        {
            var y1 = super.Forward(x, net.Current);
            var y2 = net.Forward(x);
            Assert.True(allclose(y1, y2, 1e-4, 1e-5), $"{what} {net.Current}: outputs differ by {(y1 - y2).abs().max().item<float>()}");
        }
        Check("start");
        for (int t = 0; t < 6; t++)
        {
            var target = new Architecture(loaded.Select(b => b[rng.Next(b.Length)]));
            var changes = BlockChanges.Between(net.Current, target);
            net.Switch(changes);
            Assert.Equal(target, net.Current);
            Assert.False(net.RunsRebuilt);
            Check("switched");
        }
        var any = space.Sample(rng);
        net.Rebuild(any);
        Assert.True(net.RunsRebuilt);
        Assert.Equal(any, net.Current);
        Check("rebuilt");
        // back to block mode from the rebuilt network: every node of the new network must be loaded
        var back = new Architecture(loaded.Select(b => b[0]));
        net.Switch(BlockChanges.Between(net.Current, back));
        Assert.False(net.RunsRebuilt);
        Check("back to blocks");
        Assert.True(net.RunOnce() > 0);
        // the loaded blocks hold fewer weights than the supernet
        Assert.True(net.LoadedParameterCount < super.ParameterCount());
    }

    [Fact]
    public void Switching_to_a_block_that_is_not_loaded_is_refused()
    {
        var space = OfaMiniSpace.Create();
        using var super = space.CreateNetwork();
        var start = new Architecture(0, 0, 0);
        using var net = TorchRuntimeNetwork.Create(space, super, [[0, 1], [0], [0, 5]], start);
        Assert.Throws<MathNasException>(() => net.Switch([new BlockChange(1, 0, 3)]));
        Assert.Throws<MathNasException>(() => net.Switch([new BlockChange(0, 1, 0)])); // node 0 runs block 0, not 1
        Assert.Equal(start, net.Current);
        Assert.Throws<MathNasException>(() => TorchRuntimeNetwork.Create(space, super, [[1], [0], [0]], start));
        using var single = space.CreateNetwork(start);
        Assert.Throws<MathNasException>(() => TorchRuntimeNetwork.Create(space, single, [[0], [0], [0]], start));
    }

    /// <summary>
    /// A latency table whose predictions are valid for every network (0.3 ms plus 1 ms times the share of the FLOPs range
    /// a network spans: positive, larger for bigger blocks), not one measured under whatever load the machine has now.
    /// </summary>
    internal static BlockTable FlopsLatency(SearchSpace space)
    {
        // deltas are what a block saves against the node's base block (prediction = base value - sum of deltas)
        var raw = space.Nodes.Select(n => n.Blocks.Select(b => n.Blocks[n.BaseIndex].Flops - b.Flops).ToArray()).ToArray();
        double span = raw.Sum(d => d.Max() - d.Min());
        double scale = span > 0 ? 1.0 / span : 0;
        return new BlockTable
        {
            Metric = "latency:cpu", Unit = "ms", BaseValue = 0.3 + scale * raw.Sum(d => d.Max()),
            Deltas = raw.Select(d => d.Select(v => v * scale).ToArray()).ToArray(),
        };
    }

    /// <summary>A block switch changes only the differing nodes in place and ends where it began; how much faster it is
    /// than a rebuild is a timing, measured by `mathnas bench` and `mathnas run`, not asserted here.</summary>
    [Fact]
    public void A_block_switch_is_compared_with_a_whole_rebuild()
    {
        var space = OfaMiniSpace.Create();
        using var super = space.CreateNetwork();
        var a = new Architecture(0, 0, 0);
        var b = new Architecture(26, 26, 26);
        using var net = TorchRuntimeNetwork.Create(space, super, [[0, 26], [0, 26], [0, 26]], a);
        var cmp = SwitchComparison.Measure(net, a, b, repeats: 9);
        Assert.Equal(3, cmp.ChangedNodes);
        Assert.Equal(9, cmp.Repeats);
        Assert.True(cmp.SwitchMedianMs >= 0 && cmp.RebuildMedianMs > 0, $"switch {cmp.SwitchMedianMs} ms, rebuild {cmp.RebuildMedianMs} ms");
        Assert.Equal(a, net.Current);
        Assert.False(net.RunsRebuilt);
    }

    /// <summary>
    /// A short real run: a latency table made up for the test whose predictions are valid (FLOPs-proportional, positive;
    /// a table measured now would depend on the machine's load), an accuracy table made up too (accuracy loss
    /// proportional to the FLOPs a block saves), the Pareto blocks loaded, then 3 s of the controller under a load step.
    /// On a shared machine the latency it sees is not predictable, so the test checks what must hold whatever the load:
    /// the loop ran for its duration and stopped with the load, every switch changed exactly the nodes whose block
    /// differs, the networks run are made of loaded blocks. Re-solve times are measured by `mathnas bench`.
    /// </summary>
    [Fact]
    public void A_short_real_run_under_load()
    {
        var space = OfaMiniSpace.Create(new OfaConfig { Depths = [2, 3], Kernels = [3, 5], Expands = [3, 6] });
        var lat = FlopsLatency(space);
        var acc = new BlockTable
        {
            Metric = MetricNames.Accuracy, Unit = "%", BaseValue = 80,
            Deltas = space.Nodes.Select(n => n.Blocks.Select(b => (n.Blocks[n.BaseIndex].Flops - b.Flops) * 0.5).ToArray()).ToArray(),
        };
        var loaded = ParetoBlockSelection.Select(acc, lat, 3);
        Assert.All(loaded, b => Assert.InRange(b.Length, 1, 3));
        var (lo, hi) = lat.Range();
        var options = new ControllerOptions { BandMin = Math.Max(0.01, lo), BandMax = Math.Max(0.02, hi) * 1.2, Window = 7 };
        var start = DynamicController.InitialArchitecture(acc, lat, loaded, options, RuntimeSearch.Solve);
        using var super = space.CreateNetwork();
        using var net = TorchRuntimeNetwork.Create(space, super, loaded, start);
        var ctl = new DynamicController(net, acc, lat, loaded, options, RuntimeSearch.Solve);
        var r = DynamicRunner.Run(ctl, TimeSpan.FromSeconds(3), LoadProfile.Parse("0:1s,2:1s,0:1s"));
        Assert.True(r.Timeline[^1].TimeS >= 3, $"the run stopped at {r.Timeline[^1].TimeS} s, before its 3 s");
        Assert.True(r.LoadStoppedInTime);
        Assert.True(r.Timeline.Count > 20);
        Assert.All(r.Timeline, s => Assert.True(s.LatencyMs > 0));
        Assert.Equal(r.Events.Count, r.EventTimesS.Count);
        foreach (var e in r.Events)
        {
            Assert.Equal(BlockChanges.Between(e.From, e.To), e.Changes);
            for (int i = 0; i < e.To.Count; i++) Assert.Contains(e.To[i], loaded[i]);
            Assert.True(e.ResolveMs >= 0);
        }
        Assert.Equal(r.End, net.Current);
        Assert.Equal(3, r.Steps.Count + (r.Timeline[^1].TimeS < 3 ? 1 : 0));
    }
}
