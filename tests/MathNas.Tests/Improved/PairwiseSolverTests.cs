using MathNas.Estimation;
using MathNas.Improved;
using MathNas.Spaces;
using MathNas.Spaces.NasBench201;

namespace MathNas.Tests.Improved;

public class PairwiseSolverTests
{
    /// <summary>A random space: nodes x blocks with random FLOPs/params; optional "absent implies absent" constraints.</summary>
    internal static SearchSpace RandomSpace(int seed, int nodes, int blocks, bool constraints = false)
    {
        var rng = new Random(seed);
        var ns = Enumerable.Range(0, nodes).Select(i => new Node($"n{i}",
            Enumerable.Range(0, blocks).Select(j => new Block($"b{j}", 1 + 10 * rng.NextDouble(), 0.1 + rng.NextDouble())).ToList(), rng.Next(blocks))).ToList();
        var cons = new List<LinearConstraint>();
        if (constraints)
            for (int i = 1; i + 1 < nodes; i++)
                cons.Add(new LinearConstraint($"c{i}", [new ConstraintTerm(i, 0, 1), new ConstraintTerm(i + 1, 0, -1)], 0));
        return new SearchSpace($"random{seed}", ns, 5, 0.5, cons);
    }

    internal static PairwiseModel RandomModel(PairwiseLayout layout, Random rng, double scale = 1, double pairScale = 0.5) =>
        new(layout, 10 * rng.NextDouble(), Enumerable.Range(0, layout.Columns).Select(c => (c < layout.MainColumns ? scale : pairScale) * (2 * rng.NextDouble() - 1)).ToArray());

    private static Architecture? Enumerated(PairwiseProblem p) => GuidedSearch.EnumeratedOptimum(p, p.Space.Enumerate().ToList());

    private static void AssertSameOptimum(PairwiseProblem p, Architecture? expected)
    {
        var s = PairwiseSolver.Solve(p);
        if (expected is null) { Assert.Null(s.Best); return; }
        Assert.NotNull(s.Best);
        Assert.True(p.IsFeasible(s.Best!), $"solver answer {s.Best} is not feasible");
        Assert.Equal(p.Objective.Predict(expected), p.Objective.Predict(s.Best!), 9);
        Assert.Equal(p.Objective.Predict(s.Best!), s.Objective, 9);
    }

    [Theory]
    [InlineData(1, 5, 4, false)]
    [InlineData(2, 6, 3, true)]
    [InlineData(3, 4, 6, true)]
    public void OptimumEqualsEnumerationUnderBudgetsConstraintsAndExclusions(int seed, int nodes, int blocks, bool constraints)
    {
        var space = RandomSpace(seed, nodes, blocks, constraints);
        var layout = new PairwiseLayout(space);
        var rng = new Random(seed);
        var all = space.Enumerate().ToList();
        for (int trial = 0; trial < 6; trial++)
        {
            var obj = RandomModel(layout, rng);
            var c1 = RandomModel(layout, rng, 1, 0.3);
            var c2 = RandomModel(layout, rng, 1, 0.3);
            var v1 = all.Select(c1.Predict).Order().ToArray();
            var v2 = all.Select(c2.Predict).Order().ToArray();
            var budgets = new List<PairwiseBudget> { new("c1", c1, v1[(int)(v1.Length * (0.1 + 0.15 * trial))]) };
            if (trial % 2 == 1) budgets.Add(new("c2", c2, v2[v2.Length / 2]));
            var excluded = all.OrderByDescending(obj.Predict).Take(trial * 3).ToHashSet();
            var p = new PairwiseProblem { Space = space, Objective = obj, Budgets = budgets, Excluded = excluded };
            AssertSameOptimum(p, Enumerated(p));
        }
        // A budget nothing meets: no answer.
        var none = new PairwiseProblem { Space = space, Objective = RandomModel(layout, rng), Budgets = [new("c", RandomModel(layout, rng), -1e6)] };
        Assert.Null(PairwiseSolver.Solve(none).Best);
    }

    [Fact]
    public void OptimumEqualsOrToolsMilpWithProductVariables()
    {
        for (int seed = 10; seed < 14; seed++)
        {
            var space = RandomSpace(seed, 5, 4, constraints: seed % 2 == 0);
            var layout = new PairwiseLayout(space);
            var rng = new Random(seed);
            var obj = RandomModel(layout, rng);
            var cost = RandomModel(layout, rng, 1, 0.3);
            var values = space.Enumerate().Select(cost.Predict).Order().ToArray();
            var p = new PairwiseProblem
            {
                Space = space, Objective = obj, Budgets = [new("c", cost, values[values.Length / 3])],
                Excluded = space.Enumerate().OrderByDescending(obj.Predict).Take(2).ToHashSet(),
            };
            var (milp, milpValue) = PairwiseMilp.Solve(p);
            var s = PairwiseSolver.Solve(p);
            Assert.NotNull(milp);
            Assert.NotNull(s.Best);
            Assert.Equal(milpValue, s.Objective, 6);
        }
    }

    [Fact]
    public void DescriptorNodesAndBilinearPairsAreSolvedExactly()
    {
        // 3 nodes x 40 blocks: main effects from FLOPs/params descriptors, pairs as products of descriptors (bounded over hulls).
        var space = RandomSpace(21, 3, 40);
        var layout = new PairwiseLayout(space, new PairwiseLayoutOptions { OneHotMaxBlocks = 10 });
        Assert.All(layout.Pairs, p => Assert.False(p.Table));
        var rng = new Random(5);
        var all = space.Enumerate().ToList();
        for (int trial = 0; trial < 5; trial++)
        {
            var obj = RandomModel(layout, rng, 1, 1);
            var cost = RandomModel(layout, rng, 1, 0.5);
            var v = all.Select(cost.Predict).Order().ToArray();
            var p = new PairwiseProblem { Space = space, Objective = obj, Budgets = [new("c", cost, v[v.Length * (trial + 1) / 7])] };
            AssertSameOptimum(p, Enumerated(p));
        }
    }

    [Fact]
    public void DeclaredConnectivityIsHonouredAsAConstraint()
    {
        var space = NasBench201Space.Instance;
        var layout = new PairwiseLayout(space);
        var rng = new Random(7);
        var all = space.Enumerate().ToList();
        for (int trial = 0; trial < 4; trial++)
        {
            // An objective that prefers 'none' everywhere: unconstrained it would pick a cut-off cell.
            var obj = RandomModel(layout, rng);
            var w = obj.Weights.ToArray();
            for (int e = 0; e < 6; e++) w[layout.MainCol[e][0]] += 5;
            obj = new PairwiseModel(layout, obj.Intercept, w);
            var p = new PairwiseProblem { Space = space, Objective = obj };
            var s = PairwiseSolver.Solve(p);
            Assert.True(space.IsConnected(s.Best!));
            Assert.True(space.IsCanonical(s.Best!));
            AssertSameOptimum(p, Enumerated(p));
            var free = PairwiseSolver.Solve(new PairwiseProblem { Space = space, Objective = obj, HonourConnectivity = false });
            Assert.False(space.IsConnected(free.Best!));
        }
    }

    [Fact]
    public void SpaceCostIsTheSpacesOwnFlopsAndParams()
    {
        var space = RandomSpace(4, 3, 30);
        foreach (var layout in new[] { new PairwiseLayout(space), new PairwiseLayout(space, new PairwiseLayoutOptions { OneHotMaxBlocks = 5 }) })
        {
            var f = PairwiseModel.SpaceCost(layout, flops: true);
            var pm = PairwiseModel.SpaceCost(layout, flops: false);
            var rng = new Random(1);
            for (int t = 0; t < 50; t++)
            {
                var a = space.Sample(rng);
                Assert.Equal(space.Flops(a), f.Predict(a), 9);
                Assert.Equal(space.Params(a), pm.Predict(a), 9);
            }
        }
    }

    [Fact]
    public void RidgeFitRecoversAnExactPairwiseFunction()
    {
        var space = RandomSpace(8, 4, 3);
        var layout = new PairwiseLayout(space);
        var truth = RandomModel(layout, new Random(2));
        var all = space.Enumerate().ToList();
        var rng = new Random(3);
        var sample = GuidedSearch.StratifiedSample(space, 70, rng, _ => true);
        Assert.Equal(70, sample.Distinct().Count());
        var m = PairwiseModel.Fit(layout, sample, sample.Select(truth.Predict).ToList());
        double worst = all.Max(a => Math.Abs(m.Predict(a) - truth.Predict(a)));
        Assert.True(worst < 0.05, $"worst error {worst}");
        Assert.True(m.LooRmse < 0.05);
        // The same fit through the Gram path (more networks than columns) predicts the same.
        var big = GuidedSearch.StratifiedSample(space, layout.Columns + 28, new Random(4), _ => true);
        var g = PairwiseModel.Fit(layout, big, big.Select(truth.Predict).ToList());
        double gw = all.Max(a => Math.Abs(g.Predict(a) - truth.Predict(a)));
        Assert.True(gw < 0.05, $"gram path worst error {gw}, columns {layout.Columns}, networks {big.Count}, loo {g.LooRmse}");
    }

    [Fact]
    public void CellConnectivityMatchesTheCellGraph()
    {
        var space = NasBench201Space.Instance;
        var graph = CellGraph.For(space)!;
        foreach (var a in space.Enumerate())
        {
            Assert.Equal(graph.IsConnected(a), space.IsConnected(a));
            if (graph.IsConnected(a)) Assert.Equal(graph.Canonical(a), space.Canonical(a));
        }
        Assert.Empty(RandomSpace(1, 3, 3).Connectivity);
        Assert.Throws<MathNasException>(() => ConnectivityConstraint.ForCell("bad", [1], [0], [0]));
    }

    [Fact]
    public void SyntheticEvaluatorIsDeterministicAndItsTrueOptimumIsExact()
    {
        var space = RandomSpace(3, 4, 5, constraints: true);
        var e1 = new SyntheticPairwiseEvaluator(space, seed: 4, noise: 0.5);
        var e2 = new SyntheticPairwiseEvaluator(space, seed: 4, noise: 0.5);
        var all = space.Enumerate().ToList();
        foreach (var a in all.Take(30))
        {
            Assert.Equal(e1.Evaluate(a)["accuracy"], e2.Evaluate(a)["accuracy"]);
            Assert.NotEqual(e1.TrueValue(a, "accuracy"), e1.Evaluate(a)["accuracy"]);
        }
        var lat = all.Select(a => e1.TrueValue(a, SyntheticPairwiseEvaluator.LatencyMetric)).Order().ToArray();
        double budget = lat[lat.Length / 4];
        var best = e1.TrueOptimum("accuracy", [new MathNas.Search.Budget(SyntheticPairwiseEvaluator.LatencyMetric, budget)])!;
        var brute = all.Where(a => e1.TrueValue(a, SyntheticPairwiseEvaluator.LatencyMetric) <= budget).Max(a => e1.TrueValue(a, "accuracy"));
        Assert.Equal(brute, e1.TrueValue(best, "accuracy"), 9);
        var (lo, hi) = e1.ObjectiveRange("accuracy");
        Assert.Equal(all.Min(a => e1.TrueValue(a, "accuracy")), lo, 9);
        Assert.Equal(all.Max(a => e1.TrueValue(a, "accuracy")), hi, 9);
    }
}
