using MathNas.Audit;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;
using MathNas.Tables;

namespace MathNas.Improved;

/// <summary>How the guided search solves its fitted model: exactly by branch and bound, or by enumerating a small space (the cross-check).</summary>
public enum ModelSolveMode
{
    Exact,
    Enumerate,
}

/// <summary>Choices of the guided search (each can be switched off to measure what it brings).</summary>
public sealed record GuidedOptions
{
    /// <summary>Distinct evaluations in total (initial sample and verification together).</summary>
    public required int Evaluations { get; init; }
    /// <summary>Pairwise block terms in every model (false: additive block models fitted by ridge).</summary>
    public bool Pairwise { get; init; } = true;
    /// <summary>Honour the space's declared connectivity in sampling and in every solve.</summary>
    public bool Structure { get; init; } = true;
    /// <summary>Fraction of the evaluations spent on the stratified initial sample (the rest verifies predicted optima).</summary>
    public double InitialFraction { get; init; } = 0.3;
    /// <summary>Most refit rounds; each round evaluates the predicted optima of every budget set.</summary>
    public int MaxRounds { get; init; } = 30;
    public ModelSolveMode Solve { get; init; } = ModelSolveMode.Exact;
    public PairwiseLayoutOptions Layout { get; init; } = new();

    public void Check()
    {
        if (Evaluations < 10) throw new MathNasException("the guided search needs at least 10 evaluations");
        if (!(InitialFraction > 0 && InitialFraction < 1)) throw new MathNasException("the guided search's initial fraction must lie strictly between 0 and 1");
        if (MaxRounds < 1) throw new MathNasException("the guided search needs at least 1 round");
    }
}

/// <summary>
/// The model-guided search, for any space and evaluator: a stratified sample (every block of every node about equally
/// often; networks that break the space's connectivity redrawn), then rounds in which a pairwise model of the objective
/// (fitted to the log error rate when it is a percentage or fraction) and of every budget metric is refitted and solved
/// exactly (<see cref="PairwiseSolver"/>; FLOPs and params come exactly from the space when the evaluator does not
/// measure them), and each budget set's predicted optima not yet evaluated are evaluated. The answer per budget set is
/// the best evaluated network whose MEASURED metrics meet it, so an answer never breaks its budgets.
/// </summary>
public sealed class GuidedSearch(GuidedOptions options) : ISearchStrategy
{
    public GuidedOptions Options { get; } = options;

    public string Name => $"guided:{Options.Evaluations}[{(Options.Pairwise ? "pairwise" : "additive")}{(Options.Structure ? ", structure" : "")}, {(Options.Solve == ModelSolveMode.Exact ? "exact solve" : "enumeration")}]";

    public StrategyResult Run(StrategyTask task)
    {
        Options.Check();
        var space = task.Space;
        var ev = task.Evaluator;
        if (task.BudgetSets.Count == 0) throw new MathNasException("the guided search needs at least one budget set");
        if (!ev.Metrics.ContainsKey(task.Objective))
            throw new MathNasException($"evaluator '{ev.Name}' does not measure '{task.Objective}' (it measures: {string.Join(", ", ev.Metrics.Keys)}); the guided search needs the objective measured");
        var metrics = task.BudgetSets.SelectMany(s => s.Select(b => b.Metric)).Distinct().ToList();
        foreach (var mtr in metrics)
            if (!ev.Metrics.ContainsKey(mtr) && mtr != MetricNames.Flops && mtr != MetricNames.Params)
                throw new MathNasException($"evaluator '{ev.Name}' does not measure budget metric '{mtr}' (it measures: {string.Join(", ", ev.Metrics.Keys)})");

        var layout = new PairwiseLayout(space, Options.Layout with { Pairwise = Options.Pairwise });
        var rng = new Random(task.Seed);
        int start = ev.Evaluations;
        int total = Options.Evaluations;
        int initial = Math.Min(total, Math.Max(10, (int)Math.Round(total * Options.InitialFraction)));
        var evaluated = new List<Architecture>();
        var evaluatedSet = new HashSet<Architecture>();
        bool Allowed(Architecture a) => space.IsValid(a) && (!Options.Structure || space.IsConnected(a));
        // With structure, samples are taken in canonical form (dead computation removed: the same function).
        Func<Architecture, Architecture>? canonical = Options.Structure && space.Connectivity.Count > 0 ? space.Canonical : null;
        void Eval(Architecture a)
        {
            if (!evaluatedSet.Add(a)) return;
            ev.Evaluate(a);
            evaluated.Add(a);
        }
        int Used() => ev.Evaluations - start;
        foreach (var a in StratifiedSample(space, initial, rng, Allowed, evaluatedSet, canonical)) Eval(a);
        task.Progress?.Report(new ProgressInfo("guided search", Used(), total, "initial sample"));

        IReadOnlyList<Architecture>? all = Options.Solve == ModelSolveMode.Enumerate ? EnumerationSearch.Networks(space, Name) : null;
        var fixedModels = new Dictionary<string, PairwiseModel>();
        foreach (var mtr in metrics)
            if (!ev.Metrics.ContainsKey(mtr)) fixedModels[mtr] = PairwiseModel.SpaceCost(layout, mtr == MetricNames.Flops);

        ObjectiveTransform transform = ObjectiveTransform.For(evaluated.Select(a => ev.Evaluate(a, task.Objective)).ToList());
        PairwiseModel? accModel = null;
        var costModels = new Dictionary<string, PairwiseModel>(fixedModels);
        int round = 0;
        var solveMs = new List<double>();
        long solveNodes = 0;
        int roundsPlanned = Math.Min(Options.MaxRounds, Math.Max(1, (int)Math.Ceiling((total - Used()) / (double)task.BudgetSets.Count)));
        while (Used() < total)
        {
            round++;
            var y = evaluated.Select(a => ev.Evaluate(a, task.Objective)).ToList();
            transform = ObjectiveTransform.For(y);
            accModel = PairwiseModel.Fit(layout, evaluated, y.Select(transform.Forward).ToList());
            foreach (var mtr in metrics)
                if (!fixedModels.ContainsKey(mtr)) costModels[mtr] = PairwiseModel.Fit(layout, evaluated, evaluated.Select(a => ev.Evaluate(a, mtr)).ToList());
            int roundsLeft = Math.Max(1, roundsPlanned - round + 1);
            int perSet = Math.Max(1, (int)Math.Ceiling((total - Used()) / (double)(task.BudgetSets.Count * roundsLeft)));
            var picks = new List<Architecture>();
            var taken = new HashSet<Architecture>(evaluatedSet);
            foreach (var set in task.BudgetSets)
            {
                for (int q = 0; q < perSet && Used() + picks.Count < total; q++)
                {
                    var problem = new PairwiseProblem
                    {
                        Space = space, Objective = accModel, HonourConnectivity = Options.Structure, Excluded = taken,
                        Budgets = set.Select(b => new PairwiseBudget(b.Metric, costModels[b.Metric], b.Max)).ToList(),
                    };
                    Architecture? best;
                    if (all is null)
                    {
                        var sol = PairwiseSolver.Solve(problem);
                        solveMs.Add(sol.SolveMs);
                        solveNodes += sol.Nodes;
                        best = sol.Best;
                    }
                    else best = EnumeratedOptimum(problem, all);
                    if (best is null) break;
                    taken.Add(best);
                    picks.Add(best);
                }
            }
            int before = Used();
            foreach (var a in picks) Eval(a);
            if (Used() == before)
            {
                // Nothing new is predicted feasible: spend one evaluation on a fresh stratified network.
                var extra = StratifiedSample(space, 1, rng, Allowed, evaluatedSet, canonical);
                if (extra.Count == 0) break;
                Eval(extra[0]);
            }
            task.Progress?.Report(new ProgressInfo("guided search", Used(), total, $"round {round}"));
        }

        var finalAcc = accModel;
        var finalTransform = transform;
        var finalCosts = new Dictionary<string, PairwiseModel>(costModels);
        double Predict(Architecture a, string metric)
        {
            if (metric == task.Objective)
                return finalAcc is null ? double.NaN : finalTransform.Backward(finalAcc.Predict(a));
            return finalCosts.TryGetValue(metric, out var mdl) ? mdl.Predict(a)
                : throw new MathNasException($"the guided search has no model of '{metric}'");
        }
        var answers = new List<StrategyAnswer>();
        foreach (var set in task.BudgetSets)
        {
            Architecture? best = null;
            double bestValue = double.NegativeInfinity;
            foreach (var a in evaluated)
            {
                if (!task.MeetsMeasured(a, set)) continue;
                double v = ev.Evaluate(a, task.Objective);
                if (best is null || v > bestValue) { best = a; bestValue = v; }
            }
            if (best is null) { answers.Add(new StrategyAnswer(null)); continue; }
            var shown = new[] { task.Objective }.Concat(set.Select(b => b.Metric)).Distinct().ToList();
            answers.Add(new StrategyAnswer(best)
            {
                Measured = shown.ToDictionary(mtr => mtr, mtr => task.Measured(best, mtr)),
                Predicted = finalAcc is null ? null : shown.ToDictionary(mtr => mtr, mtr => Predict(best, mtr)),
            });
        }
        return new StrategyResult(answers)
        {
            Predict = finalAcc is null ? null : Predict,
            Notes = $"{round} rounds, {solveMs.Count} exact solves (max {(solveMs.Count == 0 ? 0 : solveMs.Max()):0.###} ms, {solveNodes} nodes), {layout.Columns} model columns, {layout.Pairs.Count} node pairs",
            Stats = new Dictionary<string, double>
            {
                ["rounds"] = round,
                ["solves"] = solveMs.Count,
                ["solve_ms_max"] = solveMs.Count == 0 ? 0 : solveMs.Max(),
                ["solve_ms_median"] = solveMs.Count == 0 ? 0 : Budgets.Median(solveMs),
                ["model_columns"] = layout.Columns,
                ["node_pairs"] = layout.Pairs.Count,
                ["objective_loo_rmse"] = finalAcc?.LooRmse ?? double.NaN,
            },
        };
    }

    /// <summary>The model's optimum by enumerating every network (small spaces; the exact solver's cross-check).</summary>
    public static Architecture? EnumeratedOptimum(PairwiseProblem problem, IReadOnlyList<Architecture> all)
    {
        Architecture? best = null;
        double bestValue = double.NegativeInfinity;
        foreach (var a in all)
        {
            if (!problem.IsFeasible(a)) continue;
            double v = problem.Objective.Predict(a);
            if (best is null || v > bestValue) { best = a; bestValue = v; }
        }
        return best;
    }

    /// <summary>
    /// K distinct networks in which every block of every node appears equally often (up to one), in random combinations;
    /// networks <paramref name="allowed"/> rejects (invalid, or breaking the space's connectivity) are redrawn one node at a time;
    /// <paramref name="map"/> (e.g. to canonical form) is applied to each drawn network.
    /// </summary>
    public static List<Architecture> StratifiedSample(SearchSpace space, int k, Random rng, Func<Architecture, bool> allowed, IReadOnlySet<Architecture>? exclude = null,
        Func<Architecture, Architecture>? map = null)
    {
        var columns = space.Nodes.Select(n =>
        {
            var c = Enumerable.Range(0, k).Select(r => r % n.Count).ToArray();
            rng.Shuffle(c);
            return c;
        }).ToArray();
        var seen = exclude is null ? new HashSet<Architecture>() : new HashSet<Architecture>(exclude);
        var result = new List<Architecture>();
        for (int r = 0; r < k; r++)
        {
            var raw = new Architecture(columns.Select(c => c[r]));
            var a = map is null ? raw : map(raw);
            int attempts = 0;
            while ((seen.Contains(a) || !allowed(a)) && attempts++ < SamplingLimits.FreshNetworkAttempts)
            {
                int i = rng.Next(space.NodeCount);
                raw = raw.With(i, rng.Next(space.Nodes[i].Count));
                a = map is null ? raw : map(raw);
            }
            if (attempts >= SamplingLimits.FreshNetworkAttempts) break;
            seen.Add(a);
            result.Add(a);
        }
        return result;
    }
}

/// <summary>
/// The objective as the model sees it: for percentages (values in [0, 100), some above 1) or fractions (in [0, 1)) the
/// log error rate -log(top - value), which makes block effects closer to additive near the top; otherwise the value.
/// Monotone, so the model's optimum is the same network in either scale.
/// </summary>
public readonly record struct ObjectiveTransform(bool LogError, double Top)
{
    public static ObjectiveTransform For(IReadOnlyList<double> y)
    {
        if (y.Count == 0 || y.Any(v => v < 0)) return new(false, 0);
        double top = y.Any(v => v > 1) ? 100 : 1;
        return y.All(v => v < top) ? new(true, top) : new(false, 0);
    }

    public double Forward(double v) => LogError ? -Math.Log(Math.Max(Top - v, 1e-6 * Top)) : v;
    public double Backward(double t) => LogError ? Top - Math.Exp(-t) : t;
}
