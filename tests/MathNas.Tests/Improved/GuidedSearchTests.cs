using MathNas.Estimation;
using MathNas.Improved;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;

namespace MathNas.Tests.Improved;

public class GuidedSearchTests
{
    private static StrategyTask Task(SearchSpace space, IEvaluator ev, IReadOnlyList<IReadOnlyList<Budget>> sets, int seed = 0) =>
        new() { Space = space, Evaluator = new CachingEvaluator(ev), BudgetSets = sets, Seed = seed };

    private static List<IReadOnlyList<Budget>> LatencySets(SyntheticPairwiseEvaluator ev, SearchSpace space, params double[] quantiles)
    {
        var rng = new Random(1);
        var lat = Enumerable.Range(0, 2000).Select(_ => ev.TrueValue(space.Sample(rng), SyntheticPairwiseEvaluator.LatencyMetric)).Order().ToArray();
        return quantiles.Select(q => (IReadOnlyList<Budget>)[new Budget(SyntheticPairwiseEvaluator.LatencyMetric, lat[(int)(q * (lat.Length - 1))])]).ToList();
    }

    [Fact]
    public void ExactSolveAndEnumerationGiveTheSameAnswers()
    {
        var space = PairwiseSolverTests.RandomSpace(5, 5, 4, constraints: true);
        var ev = new SyntheticPairwiseEvaluator(space, seed: 2, noise: 0.3);
        var sets = LatencySets(ev, space, 0.2, 0.5, 0.8);
        var exact = new GuidedSearch(new GuidedOptions { Evaluations = 80 }).Run(Task(space, ev, sets, 3));
        var enumerated = new GuidedSearch(new GuidedOptions { Evaluations = 80, Solve = ModelSolveMode.Enumerate }).Run(Task(space, ev, sets, 3));
        Assert.Equal(exact.Answers.Select(a => a.Network), enumerated.Answers.Select(a => a.Network));
    }

    [Fact]
    public void AnswersAreMeasuredNetworksWithinEveryBudget()
    {
        var space = PairwiseSolverTests.RandomSpace(6, 6, 5);
        var ev = new SyntheticPairwiseEvaluator(space, seed: 1, noise: 0.2);
        var sets = LatencySets(ev, space, 0.1, 0.5, 0.9);
        // A joint set: latency and FLOPs (FLOPs from the space, exactly).
        var flops = space.Enumerate().Select(space.Flops).Order().ToArray();
        sets.Add([sets[1][0], new Budget(Tables.MetricNames.Flops, flops[flops.Length / 2])]);
        var task = Task(space, ev, sets, 4);
        var r = new GuidedSearch(new GuidedOptions { Evaluations = 90 }).Run(task);
        Assert.Equal(90, task.Evaluator.Evaluations);
        for (int s = 0; s < sets.Count; s++)
        {
            var a = r.Answers[s].Network!;
            Assert.True(task.Evaluator.IsCached(a));
            foreach (var b in sets[s])
            {
                double measured = b.Metric == Tables.MetricNames.Flops ? space.Flops(a) : task.Evaluator.Evaluate(a, b.Metric);
                Assert.True(measured <= b.Max + 1e-9);
                Assert.Equal(measured, r.Answers[s].Measured![b.Metric], 9);
                Assert.True(r.Answers[s].Predicted!.ContainsKey(b.Metric));
            }
            // Best measured among the evaluated networks that meet the set.
            double bestMeasured = task.Evaluator.Evaluated.Where(x => task.MeetsMeasured(x, sets[s])).Max(x => task.Evaluator.Evaluate(x, "accuracy"));
            Assert.Equal(bestMeasured, r.Answers[s].Measured!["accuracy"]);
        }
    }

    [Fact]
    public void GuidedSearchBeatsRandomSearchOnAPairwiseTruth()
    {
        var space = PairwiseSolverTests.RandomSpace(9, 8, 6);
        var ev = new SyntheticPairwiseEvaluator(space, seed: 3, noise: 0.1);
        var sets = LatencySets(ev, space, 0.3, 0.6);
        double Regret(StrategyResult r) => sets.Select((set, s) =>
            ev.TrueValue(ev.TrueOptimum("accuracy", set)!, "accuracy") - ev.TrueValue(r.Answers[s].Network!, "accuracy")).Average();
        double guided = Enumerable.Range(0, 3).Average(seed => Regret(new GuidedSearch(new GuidedOptions { Evaluations = 150 }).Run(Task(space, ev, sets, seed))));
        double random = Enumerable.Range(0, 3).Average(seed => Regret(new RandomSearchStrategy(150).Run(Task(space, ev, sets, seed))));
        Assert.True(guided < random, $"guided {guided} vs random {random}");
    }

    [Fact]
    public void SameSeedSameAnswers()
    {
        var space = PairwiseSolverTests.RandomSpace(2, 5, 5);
        var ev = new SyntheticPairwiseEvaluator(space, seed: 5);
        var sets = LatencySets(ev, space, 0.4);
        var a = new GuidedSearch(new GuidedOptions { Evaluations = 40 }).Run(Task(space, ev, sets, 7));
        var b = new GuidedSearch(new GuidedOptions { Evaluations = 40 }).Run(Task(space, ev, sets, 7));
        Assert.Equal(a.Answers[0].Network, b.Answers[0].Network);
    }

    [Fact]
    public void BadRequestsAreRefusedBeforeAnyEvaluation()
    {
        var space = PairwiseSolverTests.RandomSpace(2, 3, 3);
        var ev = new SyntheticPairwiseEvaluator(space);
        var task = Task(space, ev, [[new Budget("latency:elsewhere", 1)]]);
        Assert.Throws<MathNasException>(() => new GuidedSearch(new GuidedOptions { Evaluations = 20 }).Run(task));
        Assert.Equal(0, task.Evaluator.Evaluations);
        Assert.Throws<MathNasException>(() => new GuidedSearch(new GuidedOptions { Evaluations = 5 }).Run(Task(space, ev, [[]])));
    }
}
