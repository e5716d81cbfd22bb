using System.Diagnostics;
using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Search;

/// <summary>
/// One benchmark instance: a problem ("search"), the optimum at <see cref="Points"/> budgets along a metric ("pareto"),
/// or the whole exact front along it ("front"). <see cref="Solvers"/>: more named solvers for this instance, measured
/// interleaved with the standard ones (see <see cref="SolverBenchmark.SolversFor"/>).
/// </summary>
public sealed record BenchInstance(string Name, SearchProblem Problem, string Kind = "search", string? Along = null, int Points = 0, SearchSpace? Space = null, TableSet? Tables = null, IReadOnlyList<Budget>? Budgets = null)
{
    public IReadOnlyList<BenchSolver>? Solvers { get; init; }
}

/// <summary>
/// Result of one benchmark instance: every solver's interleaved timing (the first is the project's method), the
/// baseline's and brute force's among them by name, and the load average (1, 5, 15 minutes) before and after.
/// </summary>
public sealed record BenchEntry(string Name, string Kind, int Nodes, int Blocks, double Log10Networks, IReadOnlyList<BenchTiming> Solvers, string? BaselineName)
{
    public double[]? LoadBefore { get; init; }
    public double[]? LoadAfter { get; init; }
    public BenchTiming Project => Solvers[0];
    public BenchTiming? Baseline => Solvers.FirstOrDefault(x => x.Solver == BaselineName);
    public BenchTiming? BruteForce => Solvers.FirstOrDefault(x => x.Solver == SolverBenchmark.BruteForceName);
    public int Repeats => Project.Rounds * Project.CallsPerRound;
    public double MedianMs => Project.MedianMs;
    public double? BaselineMedianMs => Baseline?.MedianMs;
    public double? BruteForceMs => BruteForce?.MedianMs;
    public string Status => Project.Answer.Status;
    public string? BaselineStatus => Baseline?.Answer.Status;
    public double? Objective => Kind == "search" && Project.Answer.Values.Count > 0 ? Project.Answer.Values[0] : null;
    public double? BaselineObjective => Kind == "search" && Baseline is { } b && b.Answer.Values.Count > 0 ? b.Answer.Values[0] : null;
    /// <summary>Every other solver's answer equals the project's (null when there is no other solver).</summary>
    public bool? Agree => Solvers.Count < 2 ? null : Solvers.Skip(1).All(x => x.Agree == true);
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
    /// <summary>
    /// The instances of the bench. Registered spaces that cannot be built (e.g. their data is absent) are left out and,
    /// with the reason, added to <paramref name="skipped"/> when one is given.
    /// </summary>
    public static IEnumerable<BenchInstance> Instances(bool quick, ICollection<string>? skipped = null)
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
        // Pareto front of the SuperViT-sized space along latency, 100 budgets (the FLOPs budget removed), and the whole front.
        yield return new BenchInstance("supervit-sized pareto front, 100 budgets", Make(vit, vitT), Kind: "pareto", Along: "latency:dev", Points: 100, Space: vit, Tables: vitT);
        yield return new BenchInstance("supervit-sized whole exact front", Make(vit, vitT), Kind: "front", Along: "latency:dev", Space: vit, Tables: vitT);
        // The whole front with consistency constraints (the merge carries them as state) on the SuperTransformer shape.
        {
            var s = SyntheticSpaces.TransformerShaped(17);
            var t = SyntheticSpaces.Tables(s, 18, "dev");
            yield return new BenchInstance("supertransformer-sized whole exact front (consistency constraints)", Make(s, t), Kind: "front", Along: "latency:dev", Space: s, Tables: t);
        }
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
                skipped?.Add($"{name}: {e.Message}");
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
    /// Spaces that do not resolve are left out (<see cref="Instances"/> reports them to its caller).
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

    public const string BruteForceName = "brute force";
    public const string OrToolsName = "ortools (SCIP)";
    public const string NemhauserUllmannName = "nemhauser-ullmann (sort)";

    /// <summary>
    /// The solvers measured on an instance, the project's method first. Search: the branch and bound, OR-Tools (with
    /// <paramref name="withBaseline"/>) and brute force where the space is small. Fronts: the project's front (the merge
    /// where it applies), one branch-and-bound solve per point, a plain Nemhauser-Ullmann merge (all sums sorted;
    /// where no consistency constraint can bind) and, for N budgets with <paramref name="withBaseline"/>, OR-Tools solves. Then the instance's own
    /// <see cref="BenchInstance.Solvers"/>. Returns the list and the name of the baseline the speedup is against.
    /// </summary>
    public static (List<BenchSolver> Solvers, string? Baseline) SolversFor(BenchInstance inst, bool quick, bool withBaseline = true)
    {
        var bnb = new BranchAndBoundSolver();
        var ort = new OrToolsSolver();
        var p = inst.Problem;
        var list = new List<BenchSolver>();
        string? baseline = null;
        if (inst.Kind is "pareto" or "front")
        {
            var row = SearchProblemBuilder.MetricRow(inst.Space!, inst.Tables!, inst.Along!);
            bool merge = ParetoFront.CanMerge(p, row);
            // The plain merge knows no constraints: only where none can bind.
            bool plain = merge && !p.Rows.Any(r => r.Kind == RowKind.Consistency && double.IsFinite(r.Capacity) && r.Coef.Sum(c => c.Max()) > r.Capacity);
            Func<ISearchSolver, ParetoMethod, ParetoResult> job = inst.Kind == "pareto"
                ? (s, m) => ParetoFront.AtBudgets(s, p, row, inst.Points, method: m)
                : (s, m) => ParetoFront.Exact(s, p, row, method: m);
            list.Add(new BenchSolver(merge ? "mathnas (merge)" : "mathnas (solves)", () => BenchAnswer.Of(job(bnb, ParetoMethod.Auto))));
            if (merge)
            {
                list.Add(new BenchSolver("bnb solves", () => BenchAnswer.Of(job(bnb, ParetoMethod.Solves))));
                if (plain)
                {
                    list.Add(new BenchSolver(NemhauserUllmannName, () => PlainNemhauserUllmann(p, row, inst.Kind == "pareto" ? inst.Points : null)));
                    baseline = NemhauserUllmannName;
                }
                else baseline = "bnb solves";
            }
            if (withBaseline && inst.Kind == "pareto")
            {
                list.Add(new BenchSolver("ortools solves", () => BenchAnswer.Of(job(ort, ParetoMethod.Solves))));
                baseline ??= "ortools solves";
            }
        }
        else
        {
            list.Add(new BenchSolver("bnb", () => BenchAnswer.Of(bnb.Solve(p))));
            if (withBaseline)
            {
                list.Add(new BenchSolver(OrToolsName, () => BenchAnswer.Of(ort.Solve(p))));
                baseline = OrToolsName;
            }
            if (p.LogSize <= (quick ? 4.3 : 5.3))
                list.Add(new BenchSolver(BruteForceName, () => BruteForce(p) is { } o ? new BenchAnswer("optimal", [o]) : new BenchAnswer("infeasible", [])));
        }
        list.AddRange(inst.Solvers ?? []);
        return (list, baseline);
    }

    /// <summary>Measures every solver of <paramref name="inst"/> interleaved (<see cref="BenchHarness"/>), with the load average before and after.</summary>
    public static BenchEntry Run(BenchInstance inst, bool quick, bool withBaseline = true, Func<double[]?>? loadAverage = null)
    {
        var p = inst.Problem;
        var (solvers, baseline) = SolversFor(inst, quick, withBaseline);
        var before = loadAverage?.Invoke();
        var timings = BenchHarness.Interleave(solvers, BenchSettings.For(quick));
        return new BenchEntry(inst.Name, inst.Kind, p.NodeCount, p.Counts.Sum(), p.LogSize, timings, baseline)
        {
            LoadBefore = before,
            LoadAfter = loadAverage?.Invoke(),
        };
    }

    /// <summary>
    /// A plain Nemhauser-Ullmann front (the bench's baseline for the merge): per node the non-dominated (cost, value)
    /// blocks; per node every sum of a front point and a block, sorted by cost, swept for increasing value. Answers the
    /// front's objectives, or with <paramref name="points"/> the best objective at that many budgets evenly spread
    /// over the front's costs (as <see cref="ParetoFront.AtBudgets"/> with the merge).
    /// </summary>
    public static BenchAnswer PlainNemhauserUllmann(SearchProblem p, ResourceRow along, int? points = null)
    {
        var fc = new List<double> { 0 };
        var fv = new List<double> { 0 };
        for (int i = 0; i < p.NodeCount; i++)
        {
            var (bc, bv) = NonDominated(along.Coef[i], p.Value[i]);
            var c = new double[fc.Count * bc.Length];
            var v = new double[c.Length];
            int k = 0;
            for (int a = 0; a < fc.Count; a++)
                for (int b = 0; b < bc.Length; b++, k++) { c[k] = fc[a] + bc[b]; v[k] = fv[a] + bv[b]; }
            (fc, fv) = Sweep(c, v);
        }
        var objs = fv.Select(x => p.Constant + x).ToList();
        if (points is not { } n) return new BenchAnswer("optimal", objs);
        double lo = fc[0], hi = fc[^1];
        var res = new double[n];
        int at = fc.Count - 1;
        for (int t = n - 1; t >= 0; t--)
        {
            double budget = n == 1 ? hi : lo + (hi - lo) * t / (n - 1);
            while (at > 0 && fc[at] > budget + along.Tolerance) at--;
            res[t] = objs[at];
        }
        return new BenchAnswer("optimal", res);
    }

    private static (double[] C, double[] V) NonDominated(double[] cost, double[] value)
    {
        var (c, v) = Sweep((double[])cost.Clone(), (double[])value.Clone());
        return (c.ToArray(), v.ToArray());
    }

    /// <summary>Sorts the pairs by cost and keeps those more valuable than every cheaper-or-equal one (equal costs: the best of them).</summary>
    private static (List<double> C, List<double> V) Sweep(double[] c, double[] v)
    {
        Array.Sort(c, v);
        var oc = new List<double>();
        var ov = new List<double>();
        double best = double.NegativeInfinity;
        for (int k = 0; k < c.Length;)
        {
            int e = k;
            double mx = v[k];
            while (e + 1 < c.Length && c[e + 1] == c[k]) mx = Math.Max(mx, v[++e]);
            if (oc.Count == 0 || mx > best + 1e-12 * Math.Max(1, Math.Abs(best)))
            {
                oc.Add(c[k]);
                ov.Add(mx);
                best = mx;
            }
            k = e + 1;
        }
        return (oc, ov);
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
}
