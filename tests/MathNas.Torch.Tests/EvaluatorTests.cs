using MathNas.Audit;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Data;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Pipeline;
using MathNas.Torch.Training;
using MathNas.Validation;

namespace MathNas.Torch.Tests;

public class EvaluatorTests
{
    public EvaluatorTests() => TorchRuntime.SetThreads(1);

    [Fact]
    public void LatencyIsAMedianWithItsSpread()
    {
        var space = Nb201MiniSpace.Create();
        var ev = new TorchLatencyEvaluator(space, new LatencyOptions { Warmup = 3, Repeats = 25 });
        Assert.Equal("latency:cpu", ev.Metric);
        var big = ev.Measure(new Architecture(3, 3, 3, 3, 3, 3));
        var empty = ev.Measure(new Architecture(0, 0, 0, 0, 0, 0));
        Assert.InRange(big.MedianMs, big.P25Ms, big.P75Ms);
        Assert.True(big.MinMs > 0 && big.MinMs <= big.P25Ms && big.P75Ms <= big.MaxMs);
        Assert.Equal(25, big.Repeats);
        // Which network is faster is not asserted: under unknown load a single measurement can invert it.
        Assert.True(empty.MinMs > 0 && empty.MinMs <= empty.MedianMs && empty.MedianMs <= empty.MaxMs);
        Assert.Equal(big.MedianMs, LatencyMeasurement.FromSamples([big.MedianMs]).MedianMs);
        Assert.Equal(2.5, LatencyMeasurement.FromSamples([4, 1, 2, 3]).MedianMs);
    }

    [Fact]
    public void MeasuringManyNetworksInRoundsKeepsEveryRepeatAndEvaluateUsesTheResults()
    {
        var space = OfaMiniSpace.Create();
        var ev = new TorchLatencyEvaluator(space, new LatencyOptions { Warmup = 1, Repeats = 7, Rounds = 3 });
        var small = SupernetTrainer.Extreme(space, false);
        var big = SupernetTrainer.Extreme(space, true);
        ev.MeasureMany([small, big, small]);
        Assert.Equal(2, ev.Measurements.Count);
        Assert.All(ev.Measurements.Values, m => Assert.Equal(7, m.Repeats));
        Assert.Equal(ev.Measurements[big].MinMs, ev.Evaluate(big)["latency:cpu"]); // the default statistic: the fastest run
        Assert.Equal(ev.Measurements[small].MinMs, ev.Evaluate(small)["latency:cpu"]);
        var few = new TorchLatencyEvaluator(space, new LatencyOptions { Warmup = 0, Repeats = 3, Rounds = 10 });
        few.MeasureMany([small]);
        Assert.Equal(3, few.Measurements[small].Repeats);
    }

    [Fact]
    public void BadLatencyOptionsAreUserErrors()
    {
        Assert.Throws<MathNasException>(() => LatencyOptions.FromDictionary(new Dictionary<string, string> { ["repeats"] = "2" }));
        Assert.Throws<MathNasException>(() => LatencyOptions.FromDictionary(new Dictionary<string, string> { ["batch"] = "x" }));
        Assert.Throws<MathNasException>(() => LatencyOptions.FromDictionary(new Dictionary<string, string> { ["device"] = "a:b" }));
        Assert.Equal("gpu0", LatencyOptions.FromDictionary(new Dictionary<string, string> { ["device"] = "gpu0" }).Device);
    }

    [Fact]
    public void TorchLatencyUsesTheStatisticOfTheBuiltInTablesByDefaultAndAnOptionChoosesAnother()
    {
        TorchModule.Register();
        var space = SpaceRegistry.Resolve("ofa-mini");
        // tables/README.md: 10 warm-up + 100 timed runs in 10 interleaved rounds, the fastest run.
        var d = new LatencyOptions();
        Assert.Equal(("min", 100, 10, 10), (d.Statistic, d.Repeats, d.Warmup, d.Rounds));
        var dflt = Assert.IsType<TorchLatencyEvaluator>(EvaluatorRegistry.Resolve("torch-latency", space));
        Assert.Equal("min", dflt.Options.Statistic);
        Assert.Equal(100, dflt.Options.Repeats);
        var med = Assert.IsType<TorchLatencyEvaluator>(EvaluatorRegistry.Resolve("torch-latency:statistic=median,runs=5,warmup=1", space));
        Assert.Equal(("median", 5, 1), (med.Options.Statistic, med.Options.Repeats, med.Options.Warmup));
        var a = SupernetTrainer.Extreme(space, false);
        var m = med.Measure(a);
        Assert.Equal(m.MedianMs, med.Evaluate(a)["latency:cpu"]);
        var p25 = new LatencyOptions { Statistic = "p25" };
        Assert.Equal(2, p25.ValueOf(LatencyMeasurement.FromSamples([1, 2, 3, 4, 5])));
        Assert.Equal(1, new LatencyOptions().ValueOf(LatencyMeasurement.FromSamples([3, 1, 2])));
    }

    [Theory]
    [InlineData("torch-latency:foo=1", "has no option 'foo'")]
    [InlineData("torch-latency:statistic=mean", "unknown latency statistic 'mean'")]
    [InlineData("torch-latency:runs=5,repeats=5", "not both")]
    [InlineData("torch-latency:runs=5,runs=6", "given twice")]
    [InlineData("torch-energy:statistic=min", "has no option 'statistic'")]
    [InlineData("supernet-accuracy:supernet=nowhere,foo=1", "has no option 'foo'")]
    public void UnknownOrConflictingEvaluatorOptionsAreRefusedBeforeAnyWork(string spec, string message)
    {
        TorchModule.Register();
        var space = SpaceRegistry.Resolve("ofa-mini");
        var e = Assert.Throws<MathNasException>(() => EvaluatorRegistry.Resolve(spec, space));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TheEvaluatorsAreRegisteredForTheTorchSpacesOnly()
    {
        TorchModule.Register();
        var space = SpaceRegistry.Resolve("ofa-mini");
        Assert.IsType<OfaMiniSpace>(space);
        var ev = EvaluatorRegistry.Resolve("torch-latency:repeats=5,warmup=1,device=here", space);
        Assert.Equal("latency:here", ev.Metrics.Keys.Single());
        Assert.Contains("supernet=DIR", Assert.Throws<MathNasException>(() => EvaluatorRegistry.Resolve("supernet-accuracy", space)).Message);
        var plain = new SearchSpace("plain", [new Node("n", [new Block("a", 1, 1), new Block("b", 2, 1)])]);
        Assert.Contains("does not support", Assert.Throws<MathNasException>(() => EvaluatorRegistry.Resolve("torch-latency", plain)).Message);
    }

    private sealed class Additive(SearchSpace space) : IEvaluator
    {
        public string Name => "flops";
        public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { ["cost:flops"] = "M" };
        public IReadOnlyDictionary<string, double> Evaluate(Architecture a) => new Dictionary<string, double> { ["cost:flops"] = space.Flops(a) };
    }

    [Fact]
    public void AlgorithmOneOfTheCoreRecoversAnAdditiveMetricOnTheTorchSpacesAndThePreMeasuredNetworksAreExactlyItsNetworks()
    {
        foreach (TorchSearchSpace space in new TorchSearchSpace[] { Nb201MiniSpace.Create(), OfaMiniSpace.Create() })
        {
            var cache = new CachingEvaluator(new Additive(space));
            var t = new SingleSampleEstimator().Estimate(space, cache)["cost:flops"];
            Assert.Equal(MathNas.Torch.Pipeline.Estimation.AlgorithmOneNetworks(space).Count, cache.Evaluations);
            Assert.True(cache.Evaluations <= 2 + space.Nodes.Sum(n => n.Count - 1));
            var rng = new Random(4);
            for (int k = 0; k < 50; k++)
            {
                var a = space.Sample(rng);
                Assert.Equal(space.Flops(a), t.PredictAdditive(a), 9);
            }
            var avg = SingleSampleEstimator.AverageFlopsNetwork(space);
            Assert.Equal(space.Flops(avg), t.ReferenceFlops);
            for (int i = 0; i < space.NodeCount; i++)
            {
                Assert.Equal(0, t.Deltas[i][space.Nodes[i].BaseIndex]);
                double mean = space.Nodes[i].MeanFlops;
                Assert.All(space.Nodes[i].Blocks, b => Assert.True(Math.Abs(space.Nodes[i].Blocks[avg[i]].Flops - mean) <= Math.Abs(b.Flops - mean)));
            }
        }
    }

    [Fact]
    public void StatisticsAgreeWithHandComputedValues()
    {
        Assert.Equal(1.0, RankCorrelation.Spearman([1, 2, 3, 4], [10, 20, 30, 40]), 12);
        Assert.Equal(-1.0, RankCorrelation.KendallTauB([1, 2, 3], [3, 2, 1]), 12);
        Assert.Equal(1.0 / 3, RankCorrelation.KendallTauB([1, 2, 3], [1, 3, 2]), 12);
        Assert.Equal(15.0, Stats.Mape([10, 20], [11, 16]), 12);
        Assert.Equal(2.5, Budgets.Median([4, 1, 3, 2]));
    }
}
