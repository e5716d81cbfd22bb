using MathNas.Estimation;
using MathNas.Spaces;

namespace MathNas.Tests.Estimation;

/// <summary>
/// Algorithm 1 on spaces with consistency constraints (optional decoder layers, elastic depth): every switch must be made
/// in a valid network, found exactly (nearest valid network by an integer program), and an additive metric must be
/// recovered exactly whatever context the switch is made in.
/// </summary>
public class ConstrainedSpaceEstimatorTests
{
    [Theory]
    [InlineData("supertransformer")]
    [InlineData("mobilenetv3")]
    public void SingleSampleRecoversAnAdditiveMetricOnAConstrainedBuiltInSpace(string name)
    {
        var space = SpaceRegistry.Resolve(name);
        Assert.NotEmpty(space.Constraints);
        // additive "accuracy" and "latency": functions of the blocks only
        var w = space.Nodes.Select((n, i) => n.Blocks.Select((b, j) => 0.01 * b.Flops + 0.1 * ((i * 7 + j * 3) % 5)).ToArray()).ToArray();
        double Sum(Architecture a) => Enumerable.Range(0, a.Count).Sum(i => w[i][a[i]]);
        var inner = new FuncEvaluator(a =>
        {
            Assert.True(space.IsValid(a), $"the estimator evaluated an invalid network {a}");
            return 100 - Sum(a);
        }, a => 5 + Sum(a));
        var cache = new CachingEvaluator(inner);
        var tables = new SingleSampleEstimator().Estimate(space, cache);
        Assert.Equal(inner.Calls, cache.Evaluations);
        var rng = new Random(1);
        for (int t = 0; t < 200; t++)
        {
            var a = space.Sample(rng);
            Assert.Equal(100 - Sum(a), tables["accuracy"].PredictAdditive(a), 6);
            Assert.Equal(5 + Sum(a), tables["latency:dev"].PredictAdditive(a), 6);
        }
    }

    [Fact]
    public void NearestValidNetworkIsExact()
    {
        // three optional layers: "absent" at layer k implies absent at k+1 (x[k=absent] - x[k+1=absent] <= 0)
        var blocks = new[] { new Block("small", 1, 0), new Block("big", 2, 0), new Block("absent", 0, 0) };
        var nodes = Enumerable.Range(0, 4).Select(i => new Node($"l{i}", blocks)).ToList();
        var cons = Enumerable.Range(0, 3).Select(k => new LinearConstraint($"depth{k}",
            [new ConstraintTerm(k, 2, 1), new ConstraintTerm(k + 1, 2, -1)], 0)).ToList();
        var space = new SearchSpace("depth", nodes, constraints: cons);
        var centre = new Architecture(1, 1, 1, 1);
        // hold node 1 at "big" and at "absent": the network must be valid both ways, so layers 2 and 3 must be absent
        var got = Neighbourhood.ClosestExact(space, centre, 1, [1, 2]);
        Assert.Equal(new Architecture(1, 1, 2, 2), got);
        // brute force: the fewest changed nodes among networks valid with node 1 at both blocks
        int best = space.Enumerate().Select(a => a.ToArray()).Select(c => { c[1] = 1; return new Architecture(c); })
            .Where(a => space.IsValid(a) && space.IsValid(a.With(1, 2)))
            .Min(a => Enumerable.Range(0, 4).Count(i => a[i] != centre[i]));
        Assert.Equal(best, Enumerable.Range(0, 4).Count(i => got![i] != centre[i]));
        // an impossible hold: layer 0 absent with layer 1 present
        var space2 = new SearchSpace("depth2", nodes, constraints: [.. cons, new LinearConstraint("l1-present", [new ConstraintTerm(1, 2, 1)], 0)]);
        Assert.Null(Neighbourhood.ClosestExact(space2, centre, 0, [2]));
    }
}
