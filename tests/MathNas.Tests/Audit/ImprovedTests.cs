using MathNas.Improved;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;

namespace MathNas.Tests.Audit;

public class ImprovedTests
{
    private static readonly CellGraph Nb201 = CellGraph.For(NasBench201Space.Instance)!;

    [Fact]
    public void Nb201ConnectivityMatchesThePathCondition()
    {
        // Output cut off exactly when none of the paths e3 ; e0-e4 ; e1-e5 ; e0-e2-e5 is whole (op 0 = none).
        int cut = 0;
        foreach (var a in NasBench201Space.Instance.Enumerate())
        {
            bool On(int e) => a[e] != 0;
            bool connected = On(3) || (On(0) && On(4)) || (On(1) && On(5)) || (On(0) && On(2) && On(5));
            Assert.Equal(connected, Nb201.IsConnected(a));
            if (!connected) cut++;
        }
        Assert.InRange(cut, 1, 15_624);
    }

    [Fact]
    public void CanonicalCellDropsOnlyDeadEdges()
    {
        // e0 = none: node 1 gets no input, so e2 and e4 (leaving node 1) carry nothing.
        Assert.Equal(new Architecture(0, 3, 0, 2, 0, 3), Nb201.Canonical(new Architecture(0, 3, 1, 2, 4, 3)));
        // e5 = none and e4 = none: nodes 1 and 2 do not reach the output; only e3 lives.
        Assert.Equal(new Architecture(0, 0, 0, 1, 0, 0), Nb201.Canonical(new Architecture(3, 3, 3, 1, 0, 0)));
        var full = new Architecture(3, 3, 3, 3, 3, 3);
        Assert.Equal(full, Nb201.Canonical(full));
        // Dead-end pruning alone keeps edges that only see zeros.
        Assert.Equal(new Architecture(0, 3, 1, 2, 4, 3), Nb201.Prune(new Architecture(0, 3, 1, 2, 4, 3), deadEnds: true, cutOff: false));
        Assert.Null(CellGraph.For(SyntheticTruth.Space()));
    }

    [Fact]
    public void PairwiseRidgeRecoversAPairwiseFunction()
    {
        var t = SyntheticTruth.Make(seed: 3, pairwise: 3, nodes: 4, blocks: 3);
        var rng = new Random(1);
        var sample = ImprovedModels.StratifiedSample(t.Space, 70, rng, null);
        Assert.Equal(70, sample.Distinct().Count());
        var y = t.Metric(Tables.MetricNames.Accuracy);
        var m = new PairwiseRidge(t.Space).Fit(sample, sample.Select(a => t.Value(Tables.MetricNames.Accuracy, a)).ToList());
        double worst = t.Networks.Select((a, k) => Math.Abs(m.Predict(a) - y[k])).Max();
        Assert.True(worst < 0.05, $"worst error {worst}");
        // An additive model cannot: its error stays large.
        var add = new PairwiseRidge(t.Space, pairwise: false).Fit(sample, sample.Select(a => t.Value(Tables.MetricNames.Accuracy, a)).ToList());
        Assert.True(t.Networks.Select((a, k) => Math.Abs(add.Predict(a) - y[k])).Max() > 0.3);
    }

    [Fact]
    public void StratifiedSampleBalancesEveryNode()
    {
        var space = SyntheticTruth.Space(nodes: 6, blocks: 4);
        var s = ImprovedModels.StratifiedSample(space, 40, new Random(2), null);
        Assert.Equal(40, s.Count);
        for (int i = 0; i < space.NodeCount; i++)
            foreach (var g in s.GroupBy(a => a[i]))
                Assert.InRange(g.Count(), 7, 13);
        var nb = ImprovedModels.StratifiedSample(NasBench201Space.Instance, 100, new Random(2), Nb201);
        Assert.All(nb, a => Assert.True(Nb201.IsConnected(a)));
    }
}
