using MathNas.Data;
using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.Estimation;

/// <summary>An evaluator from a function, counting how often it is really called.</summary>
internal sealed class FuncEvaluator(Func<Architecture, double> acc, Func<Architecture, double> lat) : IEvaluator
{
    public int Calls;
    public string Name => "func";
    public IReadOnlyDictionary<string, string> Metrics { get; } = new Dictionary<string, string> { ["accuracy"] = "%", ["latency:dev"] = "ms" };

    public IReadOnlyDictionary<string, double> Evaluate(Architecture a)
    {
        Calls++;
        return new Dictionary<string, double> { ["accuracy"] = acc(a), ["latency:dev"] = lat(a) };
    }
}

public class EstimatorTests
{
    /// <summary>A random space (2..4 nodes of 2..4 blocks, random FLOPs and base blocks) and a non-additive metric pair.</summary>
    private static (SearchSpace Space, Func<Architecture, double> Acc, Func<Architecture, double> Lat) RandomProblem(int seed, bool additive = false)
    {
        var rng = new Random(seed);
        int m = rng.Next(2, 5);
        var nodes = new List<Node>();
        for (int i = 0; i < m; i++)
        {
            int n = rng.Next(2, 5);
            nodes.Add(new Node($"n{i}", Enumerable.Range(0, n).Select(j => new Block($"b{j}", Math.Round(rng.NextDouble() * 10, 1), 0)).ToList(), rng.Next(n)));
        }
        var space = new SearchSpace($"rand{seed}", nodes, fixedFlops: 5);
        var w = nodes.Select(n => Enumerable.Range(0, n.Count).Select(_ => rng.NextDouble() * 4 - 2).ToArray()).ToArray();
        var l = nodes.Select(n => Enumerable.Range(0, n.Count).Select(_ => rng.NextDouble() * 3).ToArray()).ToArray();
        double inter = additive ? 0 : 0.7;
        double Acc(Architecture a)
        {
            double s = 70;
            for (int i = 0; i < a.Count; i++) s += w[i][a[i]];
            return s + inter * Math.Sin(a[0] * 1.3 + a[1] * 0.7) * (a[a.Count - 1] + 1);
        }
        double Lat(Architecture a)
        {
            double s = 1;
            for (int i = 0; i < a.Count; i++) s += l[i][a[i]];
            return s + inter * (a[0] == a[1] ? 0.5 : 0);
        }
        return (space, Acc, Lat);
    }

    /// <summary>All networks by independent nested enumeration (not SearchSpace.Enumerate), filtered by the constraints.</summary>
    private static List<Architecture> AllNetworks(SearchSpace s)
    {
        var result = new List<int[]> { Array.Empty<int>() };
        foreach (var node in s.Nodes)
            result = result.SelectMany(prefix => Enumerable.Range(0, node.Count).Select(j => prefix.Append(j).ToArray())).ToList();
        return result.Select(c => new Architecture(c)).Where(s.IsValid).ToList();
    }

    /// <summary>Eq. 3 by brute force: mean over every valid pair (N with i = base, N with i = j).</summary>
    private static double DirectDelta(SearchSpace s, Func<Architecture, double> f, int i, int j)
    {
        var pairs = AllNetworks(s).Where(a => a[i] == s.Nodes[i].BaseIndex && s.IsValid(a.With(i, j))).ToList();
        return pairs.Average(a => f(a) - f(a.With(i, j)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void FullMatchesDirectEnumeration(int seed)
    {
        var (space, acc, lat) = RandomProblem(seed);
        var inner = new FuncEvaluator(acc, lat);
        var tables = new FullEstimator().Estimate(space, new CachingEvaluator(inner));
        int size = (int)space.Size;
        Assert.Equal(size, inner.Calls);
        Assert.Equal(size, tables["accuracy"].Provenance.Evaluations);
        Assert.Equal("full", tables["accuracy"].Provenance.Estimator);
        Assert.Equal("func", tables["accuracy"].Provenance.Evaluator);
        Assert.Equal(acc(space.BaseArchitecture), tables["accuracy"].BaseValue, 12);
        Assert.Equal(lat(space.BaseArchitecture), tables["latency:dev"].BaseValue, 12);
        Assert.Equal(AllNetworks(space).Average(space.Flops), tables["accuracy"].ReferenceFlops!.Value, 9);
        for (int i = 0; i < space.NodeCount; i++)
        {
            for (int j = 0; j < space.Nodes[i].Count; j++)
            {
                if (j == space.Nodes[i].BaseIndex)
                {
                    Assert.Equal(0, tables["accuracy"].Deltas[i][j]);
                    continue;
                }
                Assert.Equal(DirectDelta(space, acc, i, j), tables["accuracy"].Deltas[i][j], 9);
                Assert.Equal(DirectDelta(space, lat, i, j), tables["latency:dev"].Deltas[i][j], 9);
            }
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void SingleSampleFollowsAlgorithm1(int seed)
    {
        var (space, acc, lat) = RandomProblem(seed);
        var inner = new FuncEvaluator(acc, lat);
        var t = new SingleSampleEstimator().Estimate(space, new CachingEvaluator(inner));
        var avg = SingleSampleEstimator.AverageFlopsNetwork(space);
        int bound = 2 + space.Nodes.Sum(n => n.Count - 1);
        Assert.True(t["accuracy"].Provenance.Evaluations <= bound);
        Assert.Equal(inner.Calls, t["accuracy"].Provenance.Evaluations);
        Assert.Equal(avg.ToString(), t["accuracy"].Provenance.ReferenceNetwork);
        Assert.Equal(space.Flops(avg), t["accuracy"].ReferenceFlops!.Value, 12);
        Assert.Equal(acc(space.BaseArchitecture), t["accuracy"].BaseValue, 12);
        for (int i = 0; i < space.NodeCount; i++)
        {
            int b = space.Nodes[i].BaseIndex;
            // N^avg: per node the block closest to the mean FLOPs.
            var gaps = space.Nodes[i].Blocks.Select(x => Math.Abs(x.Flops - space.Nodes[i].MeanFlops)).ToList();
            Assert.Equal(gaps.IndexOf(gaps.Min()), avg[i]);
            for (int j = 0; j < space.Nodes[i].Count; j++)
            {
                Assert.Equal(acc(avg.With(i, b)) - acc(avg.With(i, j)), t["accuracy"].Deltas[i][j], 12);
                Assert.Equal(lat(avg.With(i, b)) - lat(avg.With(i, j)), t["latency:dev"].Deltas[i][j], 12);
            }
        }
    }

    [Fact]
    public void AverageFlopsNetworkBreaksTiesToTheLowerIndex()
    {
        var s = new SearchSpace("ties", [
            new Node("a", [new Block("x", 0, 0), new Block("y", 4, 0)]),          // mean 2: both 2 away -> 0
            new Node("b", [new Block("x", 0, 0), new Block("y", 2, 0), new Block("z", 4, 0)]), // mean 2 -> 1
            new Node("c", [new Block("x", 5, 0), new Block("y", 1, 0), new Block("z", 3, 0)]), // mean 3 -> 2
        ]);
        Assert.Equal(new Architecture(0, 1, 2), SingleSampleEstimator.AverageFlopsNetwork(s));
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void SampledWithEveryContextEqualsFull(int seed)
    {
        var (space, acc, lat) = RandomProblem(seed);
        var full = new FullEstimator().Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        var inner = new FuncEvaluator(acc, lat);
        var sampled = new SampledEstimator(1000, seed: 3).Estimate(space, new CachingEvaluator(inner));
        Assert.Equal(inner.Calls, sampled["accuracy"].Provenance.Evaluations);
        for (int i = 0; i < space.NodeCount; i++)
            for (int j = 0; j < space.Nodes[i].Count; j++)
                Assert.Equal(full["accuracy"].Deltas[i][j], sampled["accuracy"].Deltas[i][j], 9);
    }

    [Fact]
    public void SampledIsSeededAndBoundedAndDistinct()
    {
        var space = NasBench201Space.Instance;
        Func<Architecture, double> acc = a => a.Select((c, e) => Math.Sin(c + e) * (e + 1)).Sum() + a[0] * a[5] * 0.1;
        Func<Architecture, double> lat = a => a.Sum(c => c * c) + (a[1] == a[2] ? 1 : 0);
        var inner = new FuncEvaluator(acc, lat);
        var t1 = new SampledEstimator(10, seed: 7).Estimate(space, new CachingEvaluator(inner));
        var t2 = new SampledEstimator(10, seed: 7).Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        var t3 = new SampledEstimator(10, seed: 8).Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        Assert.Equal(inner.Calls, t1["accuracy"].Provenance.Evaluations);
        Assert.True(t1["accuracy"].Provenance.Evaluations <= 1 + 10 * 30);
        Assert.Equal("sampled:10", t1["accuracy"].Provenance.Estimator);
        Assert.Equal(t1["accuracy"].Deltas.SelectMany(r => r), t2["accuracy"].Deltas.SelectMany(r => r));
        Assert.NotEqual(t1["accuracy"].Deltas.SelectMany(r => r), t3["accuracy"].Deltas.SelectMany(r => r));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void RegressionRecoversAnAdditiveMetric(int seed)
    {
        var (space, acc, lat) = RandomProblem(seed, additive: true);
        var full = new FullEstimator().Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        var inner = new FuncEvaluator(acc, lat);
        int k = Math.Max(2, (int)space.Size - 1);
        // A negligible ridge term: the fit must then be exact (the default 1e-6 * K biases it by ~1e-3).
        var reg = new RegressionEstimator(k, seed: 1, ridge: 1e-12).Estimate(space, new CachingEvaluator(inner));
        Assert.Equal(inner.Calls, reg["accuracy"].Provenance.Evaluations);
        Assert.True(reg["accuracy"].Provenance.Evaluations <= k);
        Assert.Equal(acc(space.BaseArchitecture), reg["accuracy"].BaseValue, 6);
        for (int i = 0; i < space.NodeCount; i++)
            for (int j = 0; j < space.Nodes[i].Count; j++)
            {
                Assert.Equal(full["accuracy"].Deltas[i][j], reg["accuracy"].Deltas[i][j], 6);
                Assert.Equal(full["latency:dev"].Deltas[i][j], reg["latency:dev"].Deltas[i][j], 6);
            }
        foreach (var a in AllNetworks(space)) Assert.Equal(acc(a), reg["accuracy"].PredictAdditive(a), 6);
        // With the default ridge the fit is still close.
        var regDefault = new RegressionEstimator(k, seed: 1).Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        foreach (var a in AllNetworks(space)) Assert.Equal(acc(a), regDefault["accuracy"].PredictAdditive(a), 1);
    }

    /// <summary>Depth-like space: if layer 1 is absent, layer 2 must be absent too.</summary>
    private static SearchSpace DepthSpace(int baseOfLayer2 = 0) => new("depth",
        [
            new Node("width", [new Block("w1", 1, 0), new Block("w2", 2, 0), new Block("w3", 3, 0)]),
            new Node("layer1", [new Block("k3", 2, 0), new Block("k5", 3, 0), new Block("absent", 0, 0)]),
            new Node("layer2", [new Block("k3", 2, 0), new Block("k5", 3, 0), new Block("absent", 0, 0)], baseOfLayer2),
        ],
        fixedFlops: 1,
        constraints: [new LinearConstraint("layer2 needs layer1", [new ConstraintTerm(1, 2, 1), new ConstraintTerm(2, 2, -1)], 0)]);

    [Fact]
    public void EstimatorsHandleConsistencyConstraints()
    {
        var space = DepthSpace();
        Func<Architecture, double> acc = a => 60 + a[0] * 2 - (a[1] == 2 ? 5 : a[1]) - (a[2] == 2 ? 3 : 0.5 * a[2]) + (a[1] == 1 && a[2] == 1 ? 1 : 0);
        Func<Architecture, double> lat = a => space.Flops(a) * 1.5 + (a[0] == 2 && a[2] != 2 ? 0.3 : 0);
        var full = new FullEstimator().Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        Assert.Equal(AllNetworks(space).Count, full["accuracy"].Provenance.Evaluations);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (j != space.Nodes[i].BaseIndex)
                    Assert.Equal(DirectDelta(space, acc, i, j), full["accuracy"].Deltas[i][j], 9);

        foreach (var est in new IBlockEstimator[] { new SingleSampleEstimator(), new SampledEstimator(5, 1), new RegressionEstimator(12, 1) })
        {
            var inner = new FuncEvaluator(acc, lat);
            var t = est.Estimate(space, new CachingEvaluator(inner));
            Assert.Equal(inner.Calls, t["accuracy"].Provenance.Evaluations);
            t.CheckAgainst(space);
            // Every network the estimator evaluated is valid (the evaluator would otherwise see invalid ones).
            Assert.All(t.Tables.Values, tb => Assert.True(double.IsFinite(tb.BaseValue)));
        }
        // layer1 -> absent from base k3: only possible where layer2 is absent; single must find such a context.
        var single = new SingleSampleEstimator().Estimate(space, new CachingEvaluator(new FuncEvaluator(acc, lat)));
        var avg = SingleSampleEstimator.AverageFlopsNetwork(space);
        Assert.NotEqual(2, avg[2]);
        Assert.Contains("nearby valid network", single["accuracy"].Provenance.Notes);
    }

    [Fact]
    public void BaseNetworkOutsideTheConstraintsGetsAFittedBaseValue()
    {
        // Base of layer2 = absent with base of layer1 = k3 is valid; make the base invalid instead: layer1 base absent, layer2 base k3.
        var space = new SearchSpace("depth2",
            [
                new Node("layer1", [new Block("k3", 2, 0), new Block("absent", 0, 0)], 1),
                new Node("layer2", [new Block("k3", 2, 0), new Block("absent", 0, 0)], 0),
            ],
            constraints: [new LinearConstraint("layer2 needs layer1", [new ConstraintTerm(0, 1, 1), new ConstraintTerm(1, 1, -1)], 0)]);
        Assert.False(space.IsValid(space.BaseArchitecture));
        Func<Architecture, double> acc = a => 50 + (a[0] == 0 ? 3 : 0) + (a[1] == 0 ? 2 : 0);
        foreach (var est in new IBlockEstimator[] { new FullEstimator(), new SingleSampleEstimator(), new SampledEstimator(3, 0), new RegressionEstimator(3, 0) })
        {
            var inner = new FuncEvaluator(acc, acc);
            var t = est.Estimate(space, new CachingEvaluator(inner));
            // The additive model is exact here, so every valid network is predicted exactly.
            foreach (var a in AllNetworks(space)) Assert.Equal(acc(a), t["accuracy"].PredictAdditive(a), 3);
        }
    }

    [Fact]
    public void SharedCacheAvoidsReevaluation()
    {
        var (space, acc, lat) = RandomProblem(41);
        var inner = new FuncEvaluator(acc, lat);
        var cache = new CachingEvaluator(inner);
        new FullEstimator().Estimate(space, cache);
        int after = inner.Calls;
        var t = new SingleSampleEstimator().Estimate(space, cache);
        Assert.Equal(after, inner.Calls);
        Assert.True(t["accuracy"].Provenance.Evaluations > 0);
    }

    [Theory]
    [InlineData("single", "single")]
    [InlineData("full", "full")]
    [InlineData("sampled:25", "sampled:25")]
    [InlineData(" Regression:781 ", "regression:781")]
    public void ParsesEstimatorSpecs(string spec, string name) => Assert.Equal(name, BlockEstimators.Parse(spec).Name);

    [Theory]
    [InlineData("sampled", "needs a sample count")]
    [InlineData("sampled:0", "positive whole number")]
    [InlineData("regression:x", "positive whole number")]
    [InlineData("single:3", "takes no argument")]
    [InlineData("bogus", "unknown estimator")]
    public void RejectsBadEstimatorSpecs(string spec, string message)
    {
        var e = Assert.Throws<MathNasException>(() => BlockEstimators.Parse(spec));
        Assert.Contains(message, e.Message);
    }

    [SkippableFact]
    public void NasBench201SingleUses26EvaluationsAndMeasuresTheBase()
    {
        var dir = TestData.Require("nasbench201");
        var ev = NasBench201BenchmarkEvaluator.Load(dir);
        var t = new SingleSampleEstimator().Estimate(NasBench201Space.Instance, new CachingEvaluator(ev));
        Assert.Equal(26, t["accuracy"].Provenance.Evaluations);
        Assert.Equal(9, t.Tables.Count);
        var b = ev.Benchmark;
        Assert.Equal(b.Accuracy[b.IndexOf(new Architecture(3, 3, 3, 3, 3, 3))], t["accuracy"].BaseValue);
        // N^avg of NB201 is the all-nor_conv_1x1 cell (3.93 MFLOPs is closest to the mean 7.86 of an edge).
        Assert.Equal("2,2,2,2,2,2", t["accuracy"].Provenance.ReferenceNetwork);
    }

    [SkippableFact]
    public void NasBench201FullMatchesDirectEnumerationOfTheBenchmark()
    {
        var dir = TestData.Require("nasbench201");
        var ev = NasBench201BenchmarkEvaluator.Load(dir);
        var b = ev.Benchmark;
        var t = new FullEstimator().Estimate(NasBench201Space.Instance, new CachingEvaluator(ev));
        Assert.Equal(15625, t["accuracy"].Provenance.Evaluations);
        foreach (var metric in new[] { "accuracy", "latency:fpga", "latency:raspi4" })
        {
            var truth = b.Values(metric);
            for (int e = 0; e < 6; e++)
            {
                for (int op = 0; op < 5; op++)
                {
                    // Direct: over benchmark indices whose edge e is nor_conv_3x3, pair with the index where it is op.
                    double sum = 0;
                    int n = 0;
                    for (int i = 0; i < b.Count; i++)
                    {
                        var code = b.CodeAt(i);
                        if (code[e] != 3) continue;
                        sum += truth[i] - truth[b.IndexOf(code.With(e, op))];
                        n++;
                    }
                    Assert.Equal(3125, n);
                    Assert.Equal(sum / n, t[metric].Deltas[e][op], 9);
                }
            }
        }
    }
}
