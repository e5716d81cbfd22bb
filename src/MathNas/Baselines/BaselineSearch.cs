using MathNas.Estimation;
using MathNas.Spaces;

namespace MathNas.Baselines;

/// <summary>What a baseline search returns: per budget the best evaluated network that truly meets it (null when none did).</summary>
public sealed record BaselineResult(string Method, int Seed, int Evaluations, IReadOnlyList<Architecture?> Chosen);

/// <summary>Shared helpers of the baselines.</summary>
public static class BaselineSearch
{
    /// <summary>The evaluated network with the highest objective whose measured cost is at most the budget; null when none.</summary>
    public static Architecture? BestFeasible(CachingEvaluator evaluator, IEnumerable<Architecture> evaluated, string objective, string cost, double budget)
    {
        Architecture? best = null;
        double bestValue = double.NegativeInfinity;
        foreach (var a in evaluated)
        {
            if (!Feasibility.IsMet(evaluator.Evaluate(a, cost), budget)) continue;
            var v = evaluator.Evaluate(a, objective);
            if (best is null || v > bestValue) { best = a; bestValue = v; }
        }
        return best;
    }

    /// <summary>A uniformly random valid network the evaluator has not evaluated yet; null when no new one is found.</summary>
    internal static Architecture? SampleNew(SearchSpace space, Random rng, CachingEvaluator evaluator, IReadOnlyList<Architecture>? all)
    {
        if (all is not null)
        {
            // Small space: draw uniformly among the networks not yet taken.
            var left = all.Where(a => !evaluator.IsCached(a)).ToList();
            return left.Count == 0 ? null : left[rng.Next(left.Count)];
        }
        for (int attempt = 0; attempt < SamplingLimits.FreshNetworkAttempts; attempt++)
        {
            var a = space.Sample(rng);
            if (!evaluator.IsCached(a)) return a;
        }
        return null;
    }

    /// <summary>Every network when the space is small enough to list (at most <paramref name="limit"/>), else null.</summary>
    internal static IReadOnlyList<Architecture>? SmallSpace(SearchSpace space, int needed, int limit = SamplingLimits.SmallSpaceLimit) =>
        space.Size <= needed * 4L && space.Size <= limit ? space.Enumerate().ToList() : null;
}

/// <summary>
/// Random search with an exact evaluation budget: evaluate <c>evaluations</c> distinct uniformly random networks,
/// then for every budget keep the best evaluated network whose TRUE cost meets it (one sample serves all budgets).
/// </summary>
public static class RandomSearch
{
    public static BaselineResult Run(SearchSpace space, CachingEvaluator evaluator, int evaluations, string objective, string cost,
        IReadOnlyList<double> budgets, int seed)
    {
        if (evaluations < 0) throw new MathNasException("random search needs a non-negative number of evaluations");
        var rng = new Random(seed);
        int start = evaluator.Evaluations;
        var all = BaselineSearch.SmallSpace(space, evaluations);
        var mine = new List<Architecture>();
        while (evaluator.Evaluations - start < evaluations)
        {
            var a = BaselineSearch.SampleNew(space, rng, evaluator, all);
            if (a is null) break; // the space is exhausted
            evaluator.Evaluate(a);
            mine.Add(a);
        }
        var chosen = budgets.Select(b => BaselineSearch.BestFeasible(evaluator, mine, objective, cost, b)).ToList();
        return new BaselineResult("random", seed, evaluator.Evaluations - start, chosen);
    }
}

/// <summary>
/// Regularised (ageing) evolution, Real et al. 2019: a population of <c>populationSize</c> networks; each step samples
/// <c>sampleSize</c> of them at random, mutates the best of the sample at one random node to a different block,
/// evaluates the child, appends it and removes the oldest member. Budgets: a child (or initial network) whose TRUE
/// cost breaks the budget counts as an evaluation but does not join the population.
/// Several budgets share one evaluation budget: each gets an equal share of new distinct evaluations (the first ones
/// one more when it does not divide), runs on a shared cache, and the answer per budget is the best evaluated network of
/// the whole run that truly meets it.
/// </summary>
public static class RegularisedEvolution
{
    public static BaselineResult Run(SearchSpace space, CachingEvaluator evaluator, int evaluations, string objective, string cost,
        IReadOnlyList<double> budgets, int seed, int populationSize = 10, int sampleSize = 3)
    {
        if (evaluations < 0) throw new MathNasException("regularised evolution needs a non-negative number of evaluations");
        if (populationSize < 2 || sampleSize < 1 || sampleSize > populationSize)
            throw new MathNasException("regularised evolution needs population >= 2 and 1 <= sample <= population");
        if (budgets.Count == 0) throw new MathNasException("regularised evolution needs at least one budget");
        // A stream of its own, so that random search and evolution with the same seed do not draw the same networks.
        var rng = new Random(unchecked(seed * 1_000_003 + 0x5EED));
        int start = evaluator.Evaluations;
        var mine = new List<Architecture>();
        var mineSet = new HashSet<Architecture>();
        var all = BaselineSearch.SmallSpace(space, evaluations);
        bool exhausted = false;

        for (int b = 0; b < budgets.Count && !exhausted; b++)
        {
            int share = evaluations / budgets.Count + (b < evaluations % budgets.Count ? 1 : 0);
            int target = evaluator.Evaluations + share;
            double budget = budgets[b];
            var population = new Queue<(Architecture A, double V)>();

            // Evaluates a network if new; returns its objective when it meets the budget, else null.
            double? Try(Architecture a)
            {
                if (mineSet.Add(a)) mine.Add(a);
                evaluator.Evaluate(a);
                return Feasibility.IsMet(evaluator.Evaluate(a, cost), budget) ? evaluator.Evaluate(a, objective) : null;
            }

            // Initial population: up to half from the best networks this run already evaluated that meet this budget
            // (free: no new evaluation), the rest random (infeasible ones are spent evaluations, not members).
            foreach (var a in mine.Where(a => Feasibility.IsMet(evaluator.Evaluate(a, cost), budget))
                         .OrderByDescending(a => evaluator.Evaluate(a, objective)).Take(populationSize / 2).ToList())
                population.Enqueue((a, evaluator.Evaluate(a, objective)));
            while (population.Count < populationSize && evaluator.Evaluations < target)
            {
                var a = BaselineSearch.SampleNew(space, rng, evaluator, all);
                if (a is null) { exhausted = true; break; }
                if (Try(a) is { } v) population.Enqueue((a, v));
            }
            int stale = 0;
            while (evaluator.Evaluations < target && population.Count > 0 && !exhausted)
            {
                var members = population.ToArray();
                (Architecture A, double V) parent = members[rng.Next(members.Length)];
                for (int s = 1; s < Math.Min(sampleSize, members.Length); s++)
                {
                    var c = members[rng.Next(members.Length)];
                    if (c.V > parent.V) parent = c;
                }
                var child = Mutate(space, parent.A, rng);
                bool isNew = !evaluator.IsCached(child);
                var value = Try(child);
                stale = isNew ? 0 : stale + 1;
                if (value is { } cv)
                {
                    population.Enqueue((child, cv));
                    if (population.Count > populationSize) population.Dequeue();
                }
                if (stale > 1000)
                {
                    // The population keeps revisiting known networks: inject a fresh random one.
                    var a = BaselineSearch.SampleNew(space, rng, evaluator, all);
                    if (a is null) { exhausted = true; break; }
                    if (Try(a) is { } v) { population.Enqueue((a, v)); if (population.Count > populationSize) population.Dequeue(); }
                    stale = 0;
                }
            }
            // No feasible network found yet: spend what is left of the share on random networks.
            while (evaluator.Evaluations < target)
            {
                var a = BaselineSearch.SampleNew(space, rng, evaluator, all);
                if (a is null) { exhausted = true; break; }
                Try(a);
            }
        }
        var chosen = budgets.Select(b => BaselineSearch.BestFeasible(evaluator, mine, objective, cost, b)).ToList();
        return new BaselineResult("evolution", seed, evaluator.Evaluations - start, chosen);
    }

    /// <summary>The parent with one uniformly chosen node switched to a different block; retries until the result is valid.</summary>
    internal static Architecture Mutate(SearchSpace space, Architecture parent, Random rng)
    {
        var movable = Enumerable.Range(0, space.NodeCount).Where(i => space.Nodes[i].Count > 1).ToArray();
        if (movable.Length == 0) return parent;
        for (int attempt = 0; attempt < SamplingLimits.MutationAttempts; attempt++)
        {
            int i = movable[rng.Next(movable.Length)];
            int j = rng.Next(space.Nodes[i].Count - 1);
            if (j >= parent[i]) j++;
            var child = parent.With(i, j);
            if (space.IsValid(child)) return child;
        }
        return parent;
    }
}
