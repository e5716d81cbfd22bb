using System.Diagnostics;
using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Search;

/// <summary>One benchmark instance: a problem, or a Pareto-front job.</summary>
public sealed record BenchInstance(string Name, SearchProblem Problem, string Kind = "search", string? Along = null, int Points = 0, SearchSpace? Space = null, TableSet? Tables = null, IReadOnlyList<Budget>? Budgets = null);

/// <summary>Result of one benchmark instance (times are medians of in-process solves, milliseconds).</summary>
public sealed record BenchEntry(
    string Name, string Kind, int Nodes, int Blocks, double Log10Networks, int Repeats,
    double MedianMs, double? BaselineMedianMs, double? BruteForceMs, string Status, string? BaselineStatus,
    double? Objective, double? BaselineObjective, bool? Agree)
{
    public double? Speedup => BaselineMedianMs is { } b && MedianMs > 0 ? b / MedianMs : null;
}

/// <summary>
/// Distinct evaluations the single-sample estimator (Algorithm 1) used on one space, against the paper's count
/// 1 + sum(n_i - 1) (N^avg and its single-node switches) and the bound 2 + sum(n_i - 1) (plus the base network, for
/// the base value, when it is not one of those).
/// </summary>
/// <remarks><see cref="Evaluations"/> is null (and <see cref="Error"/> says why) when the estimator cannot run on the space.</remarks>
public sealed record EstimatorEvaluationCount(string Space, int Nodes, int Blocks, int? Evaluations, int Paper, int Bound, string? Error = null)
{
    /// <summary>True when the count is within the bound (it can exceed it only when consistency constraints force repairs); null when it did not run.</summary>
    public bool? WithinBound => Evaluations is { } e ? e <= Bound : null;
}

/// <summary>
/// Measures the project's solver against OR-Tools (and brute force where the space is small) on synthetic
/// spaces of growing size, SuperViT/SuperTransformer-shaped spaces, a 100-point Pareto front, and every space
/// registered in <see cref="SpaceRegistry"/> (with tables synthesised from block FLOPs).
/// </summary>
public static class SolverBenchmark
{
    /// <summary>Registered spaces that could not be built (e.g. their data is absent), with the reason.</summary>
    public static List<string> SkippedSpaces { get; } = new();

    public static IEnumerable<BenchInstance> Instances(bool quick)
    {
        static SearchProblem Make(SearchSpace s, TableSet t, params Budget[] b) => SearchProblemBuilder.Build(s, t, AccuracyModel.Linear, b);
        BenchInstance Syn(string name, int[] counts, int seed)
        {
            var s = SyntheticSpaces.Space(name, counts, seed);
            var t = SyntheticSpaces.Tables(s, seed + 1, "a", "b");
            var b = new[] { SyntheticSpaces.BudgetAt(s, t, "latency:a", 0.45), SyntheticSpaces.BudgetAt(s, t, "latency:b", 0.55) };
            return new BenchInstance(name, Make(s, t, b), Space: s, Tables: t, Budgets: b);
        }
        // NAS-Bench-201 and MobileNetV3 5x5 shapes, one latency budget.
        {
            var s = SyntheticSpaces.Space("nasbench201-sized-6x5", Enumerable.Repeat(5, 6).ToArray(), 11);
            var t = SyntheticSpaces.Tables(s, 12, "dev");
            var b = SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.4);
            yield return new BenchInstance(s.Name + " (1 budget)", Make(s, t, b), Space: s, Tables: t, Budgets: [b]);
        }
        {
            var s = SyntheticSpaces.Space("mobilenetv3-sized-5x5", Enumerable.Repeat(5, 5).ToArray(), 13);
            var t = SyntheticSpaces.Tables(s, 14, "dev");
            var b = SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.4);
            yield return new BenchInstance(s.Name + " (1 budget)", Make(s, t, b), Space: s, Tables: t, Budgets: [b]);
        }
        var vit = SyntheticSpaces.Space("supervit-sized", [2, 8, 36, 24, 24, 63, 24, 12, 2], 15);
        var vitT = SyntheticSpaces.Tables(vit, 16, "dev");
        var vitB = SyntheticSpaces.BudgetAt(vit, vitT, "flops", 0.4);
        yield return new BenchInstance("supervit-sized (FLOPs budget)", Make(vit, vitT, vitB), Space: vit, Tables: vitT, Budgets: [vitB]);
        {
            var s = SyntheticSpaces.TransformerShaped(17);
            var t = SyntheticSpaces.Tables(s, 18, "dev");
            var b = SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.35);
            yield return new BenchInstance("supertransformer-sized (latency budget, consistency)", Make(s, t, b), Space: s, Tables: t, Budgets: [b]);
        }
        yield return Syn("synthetic-10x5", Enumerable.Repeat(5, 10).ToArray(), 21);
        yield return Syn("synthetic-50x20", Enumerable.Repeat(20, 50).ToArray(), 23);
        if (!quick) yield return Syn("synthetic-100x30", Enumerable.Repeat(30, 100).ToArray(), 25);
        yield return Syn("synthetic-200x50", Enumerable.Repeat(50, 200).ToArray(), 27);
        // Pareto front of the SuperViT-sized space along latency, 100 budgets (the FLOPs budget removed).
        yield return new BenchInstance("supervit-sized pareto front, 100 budgets", Make(vit, vitT), Kind: "pareto", Along: "latency:dev", Points: 100, Space: vit, Tables: vitT);
        // The FLOPs-scaled accuracy model (Dinkelbach) on the SuperViT shape.
        yield return new BenchInstance("supervit-sized flops-scaled (FLOPs budget, Dinkelbach)",
            SearchProblemBuilder.Build(vit, vitT, AccuracyModel.FlopsScaled, [vitB]), Space: vit, Tables: vitT, Budgets: [vitB]);
        // Registered spaces, tables synthesised from their block FLOPs.
        foreach (var (name, _) in SpaceRegistry.List())
        {
            SearchSpace s;
            try { s = SpaceRegistry.Resolve(name); }
            catch (Exception e) when (e is MathNasException or IOException)
            {
                SkippedSpaces.Add($"{name}: {e.Message}");
                continue;
            }
            var t = SyntheticSpaces.Tables(s, 31, "dev");
            var b = SyntheticSpaces.BudgetAt(s, t, "latency:dev", 0.4);
            var f = SyntheticSpaces.BudgetAt(s, t, "flops", 0.5);
            yield return new BenchInstance($"{name} (synthesised tables, latency+FLOPs budgets)", Make(s, t, b, f), Space: s, Tables: t, Budgets: [b, f]);
        }
    }

    /// <summary>
    /// Runs the core's single-sample estimator (<see cref="BlockEstimators.Parse"/> "single") on every registered space
    /// that resolves, over a deterministic synthetic evaluator (the network's total block FLOPs as "cost:flops",
    /// wrapped in a <see cref="CachingEvaluator"/>), and counts the distinct networks it evaluated.
    /// Spaces that do not resolve are left out (they are listed in <see cref="SkippedSpaces"/> by <see cref="Instances"/>).
    /// </summary>
    public static IEnumerable<EstimatorEvaluationCount> EstimatorEvaluations(string? filter = null, int seed = 0)
    {
        foreach (var (name, _) in SpaceRegistry.List())
        {
            if (filter is not null && !name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            SearchSpace s;
            try { s = SpaceRegistry.Resolve(name); }
            catch (Exception e) when (e is MathNasException or IOException) { continue; }
            yield return CountEstimatorEvaluations(s, seed);
        }
    }

    /// <summary>Distinct evaluations of the "single" estimator on <paramref name="space"/> with the FLOPs evaluator.</summary>
    public static EstimatorEvaluationCount CountEstimatorEvaluations(SearchSpace space, int seed = 0)
    {
        var cache = new CachingEvaluator(new FlopsEvaluator(space));
        int paper = 1 + space.Nodes.Sum(n => n.Count - 1), blocks = space.Nodes.Sum(n => n.Count);
        try { BlockEstimators.Parse("single", seed).Estimate(space, cache); }
        catch (MathNasException e)
        {
            return new EstimatorEvaluationCount(space.Name, space.NodeCount, blocks, null, paper, paper + 1, e.Message);
        }
        return new EstimatorEvaluationCount(space.Name, space.NodeCount, blocks, cache.Evaluations, paper, paper + 1);
    }

    /// <summary>A cheap deterministic additive metric: the network's total block FLOPs.</summary>
    private sealed class FlopsEvaluator(SearchSpace space) : IEvaluator
    {
        public string Name => "bench-flops";
        public IReadOnlyDictionary<string, string> Metrics { get; } = new Dictionary<string, string> { ["cost:flops"] = "MFLOPs" };
        public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture) =>
            new Dictionary<string, double> { ["cost:flops"] = space.Flops(architecture) };
    }

    public static BenchEntry Run(BenchInstance inst, bool quick, bool withBaseline = true)
    {
        var bnb = new BranchAndBoundSolver();
        var ort = new OrToolsSolver();
        var p = inst.Problem;
        int blocks = p.Counts.Sum();
        if (inst.Kind == "pareto")
        {
            var row = SearchProblemBuilder.MetricRow(inst.Space!, inst.Tables!, inst.Along!);
            Func<ISearchSolver, ParetoResult> job = s => ParetoFront.AtBudgets(s, p, row, inst.Points);
            var (ms, n, res) = Median(() => job(bnb), quick ? 0.3 : 1.0, quick ? 3 : 5);
            double? bms = null;
            ParetoResult? bres = null;
            if (withBaseline)
            {
                var (b, _, br) = Median(() => job(ort), 0, 1);
                bms = b;
                bres = br;
            }
            bool? agree = bres is null ? null : res.Points.Count == bres.Points.Count && res.Points.Zip(bres.Points).All(z => Math.Abs(z.First.Objective - z.Second.Objective) <= 1e-6 * Math.Max(1, Math.Abs(z.First.Objective)));
            return new BenchEntry(inst.Name, inst.Kind, p.NodeCount, blocks, p.LogSize, n, ms, bms, null,
                res.AllOptimal ? "optimal" : "feasible", bres is null ? null : (bres.AllOptimal ? "optimal" : "feasible"), null, null, agree);
        }
        var (med, reps, r) = Median(() => bnb.Solve(p), quick ? 0.3 : 1.0, quick ? 5 : 11);
        double? bmed = null;
        SearchResult? br2 = null;
        if (withBaseline)
        {
            var (b, _, x) = Median(() => ort.Solve(p), quick ? 0 : 2.0, quick ? 1 : 3);
            bmed = b;
            br2 = x;
        }
        double? bruteMs = null;
        double? bruteObj = null;
        if (p.LogSize <= (quick ? 4.3 : 5.3))
        {
            var (b, _, x) = Median(() => BruteForce(p), 0, quick ? 1 : 3);
            bruteMs = b;
            bruteObj = x;
        }
        double? obj = r.Best?.Objective;
        bool? agreeAll = null;
        if (br2 is not null || bruteObj is not null)
        {
            bool Same(double? a, double? b) => (a is null && b is null) || (a is { } x && b is { } y && Math.Abs(x - y) <= 1e-6 * Math.Max(1, Math.Abs(x)));
            agreeAll = (br2 is null || Same(obj, br2.Best?.Objective)) && (bruteObj is null || Same(obj, bruteObj));
        }
        return new BenchEntry(inst.Name, inst.Kind, p.NodeCount, blocks, p.LogSize, reps, med, bmed, bruteMs,
            r.Status.Name(), br2?.Status.Name(), obj, br2?.Best?.Objective, agreeAll);
    }

    /// <summary>Exhaustive search (objective of the best feasible code), for small problems.</summary>
    public static double? BruteForce(SearchProblem p)
    {
        double best = double.NegativeInfinity;
        bool any = false;
        var c = new int[p.NodeCount];
        while (true)
        {
            if (p.IsFeasible(c))
            {
                var o = p.Objective(c);
                if (o > best) best = o;
                any = true;
            }
            int i = c.Length - 1;
            while (i >= 0)
            {
                if (++c[i] < p.Counts[i]) break;
                c[i] = 0;
                i--;
            }
            if (i < 0) break;
        }
        return any ? best : null;
    }

    /// <summary>Runs <paramref name="f"/> once to warm up, then repeatedly for at least <paramref name="seconds"/> and <paramref name="minReps"/> times; returns the median time.</summary>
    public static (double MedianMs, int Repeats, T Last) Median<T>(Func<T> f, double seconds, int minReps)
    {
        var last = f();
        var times = new List<double>();
        var sw = Stopwatch.StartNew();
        while (times.Count < minReps || (sw.Elapsed.TotalSeconds < seconds && times.Count < 20000))
        {
            long t0 = Stopwatch.GetTimestamp();
            last = f();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return (Audit.Budgets.Median(times), times.Count, last);
    }
}
