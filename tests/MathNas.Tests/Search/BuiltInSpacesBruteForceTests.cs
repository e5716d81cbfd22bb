using MathNas.Prediction;
using MathNas.Reference;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Spaces.MobileNetV3;
using MathNas.Spaces.NasBench201;
using MathNas.Spaces.SuperTransformer;
using MathNas.Spaces.SuperViT;
using MathNas.Tables;
using MathNas.Tests.Support;

namespace MathNas.Tests.Search;

/// <summary>
/// The exact solver against brute force on the built-in spaces (whole, or reduced to a few nodes and blocks with their
/// real block costs, consistency constraints and, where the shared data is present, the reference project's tables).
/// </summary>
public class BuiltInSpacesBruteForceTests
{
    /// <summary>
    /// A reduced space: the kept nodes with a subset of their blocks (each subset holds the node's base block); the
    /// other nodes are fixed at their base block (their costs go into the fixed part, their constraint terms into the
    /// right-hand sides). Tables are cut the same way, so predictions equal the full space's on the expanded network.
    /// </summary>
    internal sealed record Reduced(SearchSpace Space, TableSet Tables, Func<Architecture, Architecture> Expand);

    internal static Reduced Reduce(SearchSpace full, TableSet tables, int[] keep, int[][] blocks)
    {
        var nodes = new List<Node>();
        double f0 = full.FixedFlops, p0 = full.FixedParams;
        for (int i = 0; i < full.NodeCount; i++)
        {
            var n = full.Nodes[i];
            int k = Array.IndexOf(keep, i);
            if (k < 0) { f0 += n.Blocks[n.BaseIndex].Flops; p0 += n.Blocks[n.BaseIndex].Params; continue; }
            Assert.Contains(n.BaseIndex, blocks[k]);
            nodes.Add(new Node(n.Name, blocks[k].Select(j => n.Blocks[j]).ToList(), Array.IndexOf(blocks[k], n.BaseIndex)));
        }
        var cons = new List<LinearConstraint>();
        foreach (var c in full.Constraints)
        {
            double constant = 0;
            var terms = new List<ConstraintTerm>();
            foreach (var t in c.Terms)
            {
                int k = Array.IndexOf(keep, t.Node);
                if (k < 0) { if (t.Block == full.Nodes[t.Node].BaseIndex) constant += t.Coefficient; }
                else if (Array.IndexOf(blocks[k], t.Block) is var pos and >= 0) terms.Add(new ConstraintTerm(k, pos, t.Coefficient));
            }
            if (terms.Count > 0) cons.Add(new LinearConstraint(c.Name, terms, c.Rhs - constant));
            else Assert.True(constant <= c.Rhs + 1e-9, $"constraint {c.Name} fails with the removed nodes at base");
        }
        var space = new SearchSpace(full.Name + "-reduced", nodes, f0, p0, cons, full.FlopsUnit, full.ParamsUnit);
        var set = new TableSet { Space = space.Name };
        foreach (var t in tables.Tables.Values)
            set.Add(new BlockTable
            {
                Metric = t.Metric, Unit = t.Unit, BaseValue = t.BaseValue, ReferenceFlops = t.ReferenceFlops,
                Deltas = keep.Select((i, k) => blocks[k].Select(j => t.Deltas[i][j]).ToArray()).ToArray(),
            });
        Architecture Expand(Architecture a)
        {
            var c = full.BaseArchitecture.ToArray();
            for (int k = 0; k < keep.Length; k++) c[keep[k]] = blocks[k][a[k]];
            return new Architecture(c);
        }
        return new Reduced(space, set, Expand);
    }

    /// <summary>Tables from real block costs: "accuracy" = params (more is better) and FLOPs as the reference FLOPs.</summary>
    private static TableSet ParamsAsAccuracy(SearchSpace s) => new()
    {
        Space = s.Name,
        Tables =
        {
            [MetricNames.Accuracy] = new BlockTable
            {
                Metric = MetricNames.Accuracy, BaseValue = s.Params(s.BaseArchitecture), ReferenceFlops = s.Flops(s.BaseArchitecture),
                Deltas = s.Nodes.Select(n => n.Blocks.Select(b => n.Blocks[n.BaseIndex].Params - b.Params).ToArray()).ToArray(),
            },
        },
    };

    /// <summary>
    /// For budgets between the 5%, 50% and 95% quantiles of the metric over the valid networks (and one below the least),
    /// with both accuracy models: the solver's status and objective equal brute force's, its network is valid, within the
    /// budget and predicted as its objective says; predictions on the reduced space equal the full space's.
    /// </summary>
    private static int CheckAgainstBruteForce(SearchSpace full, TableSet fullTables, Reduced r, string metric)
    {
        var all = r.Space.Enumerate().ToList();
        Assert.True(all.Count > 1);
        int checkedCases = 0;
        foreach (var model in new[] { AccuracyModel.Linear, AccuracyModel.FlopsScaled })
        {
            var pred = new Predictor(r.Space, r.Tables, model);
            var fullPred = new Predictor(full, fullTables, model);
            var acc = all.Select(pred.PredictAccuracy).ToArray();
            var cost = all.Select(a => pred.Predict(metric, a)).ToArray();
            foreach (var k in new[] { 0, all.Count / 3, all.Count - 1 })
            {
                Assert.Equal(fullPred.PredictAccuracy(r.Expand(all[k])), acc[k], 9);
                Assert.Equal(fullPred.Predict(metric, r.Expand(all[k])), cost[k], 9);
            }
            var sorted = cost.Distinct().Order().ToArray();
            var budgets = new[] { 0.05, 0.5, 0.95 }.Select(q => { int i = Math.Min((int)(q * (sorted.Length - 1)), sorted.Length - 2); return 0.5 * (sorted[i] + sorted[i + 1]); })
                .Append(sorted[0] - Math.Max(1e-3, 1e-3 * Math.Abs(sorted[0])));
            foreach (var budget in budgets)
            {
                double best = double.NegativeInfinity;
                for (int n = 0; n < all.Count; n++) if (cost[n] <= budget && acc[n] > best) best = acc[n];
                var problem = SearchProblemBuilder.Build(pred, [new Budget(metric, budget)]);
                var res = new BranchAndBoundSolver().Solve(problem, new SolveOptions());
                checkedCases++;
                if (double.IsNegativeInfinity(best))
                {
                    Assert.Equal(SolveStatus.Infeasible, res.Status);
                    continue;
                }
                Assert.Equal(SolveStatus.Optimal, res.Status);
                var a = new Architecture(res.Best!.Code);
                Assert.True(r.Space.IsValid(a), $"{r.Space.Name}: solver returned an invalid network {a}");
                Assert.True(pred.Predict(metric, a) <= budget + 1e-9 * Math.Max(1, Math.Abs(budget)));
                Assert.Equal(best, res.Best.Objective, 9);
                Assert.Equal(best, pred.PredictAccuracy(a), 9);
            }
        }
        return checkedCases;
    }

    private static int[] All(SearchSpace s, int node) => Enumerable.Range(0, s.Nodes[node].Count).ToArray();

    [Fact]
    public void MobileNetV3LayerView_Reduced_WithDepthConstraints_ParamsUnderFlops()
    {
        var full = MobileNetV3Spaces.LayerView;
        int[] sub = [0, 4, MobileNetV3Spaces.LayerChoiceIndex(7, 6)];
        int[] subAbsent = [.. sub, MobileNetV3Spaces.AbsentBlock];
        int[] keep = [OfaLayerSpace.NodeOf(0, 0), OfaLayerSpace.NodeOf(0, 1), OfaLayerSpace.NodeOf(0, 2), OfaLayerSpace.NodeOf(0, 3), OfaLayerSpace.NodeOf(1, 2), OfaLayerSpace.NodeOf(1, 3)];
        var t = ParamsAsAccuracy(full);
        var r = Reduce(full, t, keep, [sub, sub, subAbsent, subAbsent, subAbsent, subAbsent]);
        Assert.Equal(2, r.Space.Constraints.Count);
        Assert.Equal(3 * 3 * 13 * 13, r.Space.Enumerate().Count()); // per stage: (3+1)^2 minus "l3 absent, l4 present" (3)
        Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Flops));
    }

    [Fact]
    public void SuperTransformer_Reduced_WithDecoderDepthConstraints_ParamsUnderFlops()
    {
        var full = SuperTransformerSpace.Create();
        int[] dec = [0, 17, SuperTransformerSpace.DecoderBase];
        int[] decAbsent = [.. dec, SuperTransformerSpace.AbsentBlock];
        var t = ParamsAsAccuracy(full);
        var r = Reduce(full, t, [0, 6, 7, 8, 9, 10, 11], [All(full, 0), dec, decAbsent, decAbsent, decAbsent, decAbsent, decAbsent]);
        Assert.Equal(4, r.Space.Constraints.Count);
        Assert.Equal(SuperTransformerSpace.CountValid(6, 1, 3, 6), new System.Numerics.BigInteger(r.Space.Enumerate().Count()));
        Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Flops));
    }

    [SkippableFact]
    public void SuperTransformer_Reduced_ReferenceTables_LatencyBudgets()
    {
        TestData.Require("mathnas-reference", "pt", "supertransformer");
        var full = SuperTransformerSpace.Create();
        var t = ReferenceTables.Export(ReferenceData.Load(), "supertransformer", "xeon");
        int[] dec = [0, 23, SuperTransformerSpace.DecoderBase];
        int[] decAbsent = [.. dec, SuperTransformerSpace.AbsentBlock];
        var r = Reduce(full, t, [1, 6, 7, 8, 9, 10, 11], [All(full, 1), dec, decAbsent, decAbsent, decAbsent, decAbsent, decAbsent]);
        Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Latency("xeon")));
    }

    [SkippableFact]
    public void SuperVit192_Reduced_ReferenceAccuracy_FlopsBudgets()
    {
        TestData.Require("mathnas-reference", "pt", "supervit");
        var full = SuperVitSpace.Create(192);
        var t = ReferenceTables.Export(ReferenceData.Load(), "supervit-192", "");
        var r = Reduce(full, t, [0, 1, 2, 5], [All(full, 0), All(full, 1), All(full, 2), [0, 10, 20, 30, 40, 50, 62]]);
        Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Flops));
    }

    [SkippableFact]
    public void MobileNetV3CandidateViews_Whole_ReferenceTables_LatencyBudgets()
    {
        TestData.Require("mathnas-reference", "mobilenetv3", "blocks_cpu.csv");
        var data = ReferenceData.Load();
        foreach (var (view, dev) in new[] { ("cpu", "raspberrypi"), ("cpu", "tx2cpu"), ("gpu", "tx2gpu") })
        {
            var full = MobileNetV3Spaces.CandidateView(view);
            var t = ReferenceTables.Export(data, full.Name, dev);
            var r = Reduce(full, t, [0, 1, 2, 3, 4], Enumerable.Range(0, 5).Select(i => All(full, i)).ToArray());
            Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Latency(dev)));
        }
    }

    [SkippableFact]
    public void NasBench201_Whole_ReferenceTables_LatencyBudgets()
    {
        TestData.Require("mathnas-reference", "pt", "nasbench201");
        var full = NasBench201Space.Instance;
        var t = ReferenceTables.Export(ReferenceData.Load(), "nasbench201", "fpga");
        var r = Reduce(full, t, [0, 1, 2, 3, 4, 5], Enumerable.Range(0, 6).Select(i => All(full, i)).ToArray());
        Assert.Equal(8, CheckAgainstBruteForce(full, t, r, MetricNames.Latency("fpga")));
    }
}
