using System.CommandLine;
using System.Globalization;
using MathNas.Audit;
using MathNas.Baselines;
using MathNas.Estimation;
using MathNas.Improved;
using MathNas.Prediction;
using MathNas.Strategies;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas audit`: nine latency budgets at the 10th..90th percentile of a device's true latencies; the method's
/// network per budget against the true best, and random search / regularised evolution with the same evaluations.
/// </summary>
internal sealed class AuditCommand : ICliCommand
{
    internal const string MethodHelp =
        "single | sampled:K | full | regression:K (the paper's tables) | pairwise:K | additive:K (ridge block model from K stratified " +
        "networks, budget margin from held-out error) | guided:N | guided-enum:N | guided-additive:N | guided-nostructure:N (guided search with N evaluations in total; -enum solves its model by enumeration)";

    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var benchmark = new Option<string?>("--benchmark", "-b") { Description = "NAS-Bench-201 data folder (default: nasbench201 under MATHNAS_DATA or ../shared/data)" };
        var device = new Option<string?>("--device", "-d") { Description = "NAS-Bench-201: latency device column of the benchmark (fpga, pixel3, raspi4, gold_6226, ...)" };
        var evaluatorOpt = new Option<string?>("--evaluator") { Description = "any space: the evaluator the methods (and the held-out truth sample) use, e.g. synthetic-pairwise; the truth is exact where the evaluator knows it, else a held-out evaluated sample" };
        var costOpt = new Option<string?>("--cost") { Description = "any space: the budgeted metric, e.g. latency:synthetic" };
        var truthSample = new Option<int>("--truth-sample") { Description = "any space: held-out networks the harness evaluates for the budgets (and, without exact truth, for the best under each budget)", DefaultValueFactory = _ => 1000 };
        var estimator = new Option<string>("--estimator", "-e") { Description = MethodHelp, DefaultValueFactory = _ => "single" };
        var closed = new Option<bool>("--closed-loop") { Description = "verify each answer with the benchmark; on a broken budget cut it, tighten by the error and re-solve" };
        var accModel = new Option<string>("--accuracy-model") { Description = "linear | flops-scaled (paper's tables only)", DefaultValueFactory = _ => "linear" };
        var seed = new Option<int>("--seed") { Description = "seed of the method's sampling and of the baselines", DefaultValueFactory = _ => 0 };
        var methodSeeds = new Option<int>("--method-seeds") { Description = "runs of the method with seeds seed, seed+1, ... (medians reported; worst regret is the worst of all runs)", DefaultValueFactory = _ => 1 };
        var seeds = new Option<int>("--baseline-seeds") { Description = "seeds per baseline (medians are reported)", DefaultValueFactory = _ => 5 };
        var margin = new Option<double>("--margin-sigmas") { Description = "budget margin in held-out latency errors (pairwise/additive open loop)", DefaultValueFactory = _ => 2.0 };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of median regret against evaluations: the method, random search and regularised evolution" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("audit", "audit a search method on NAS-Bench-201 ground truth at nine latency budgets, against random search and regularised evolution")
        {
            space, benchmark, device, estimator, closed, accModel, seed, methodSeeds, seeds, margin, plot, json, evaluatorOpt, costOpt, truthSample,
        };
        env.SetAction(cmd, p =>
        {
            var spaceName = p.GetValue(space)!;
            int nSeeds = p.GetValue(seeds);
            if (nSeeds < 1) throw new MathNasException("--baseline-seeds must be at least 1");
            int mSeeds = p.GetValue(methodSeeds);
            if (mSeeds < 1) throw new MathNasException("--method-seeds must be at least 1");
            if (p.GetValue(evaluatorOpt) is { } evSpec)
                return RunSampled(env, spaceName, evSpec, p.GetValue(costOpt), p.GetValue(truthSample), CreateMethod(p.GetValue(estimator)!, AccuracyModels.Parse(p.GetValue(accModel)!), p.GetValue(closed), p.GetValue(margin)),
                    p.GetValue(seed), mSeeds, nSeeds, p.GetValue(plot) is not null || p.GetValue(device) is not null || p.GetValue(benchmark) is not null, p.GetValue(json));
            if (!spaceName.Equals("nasbench201", StringComparison.OrdinalIgnoreCase))
                throw new MathNasException($"space '{spaceName}' has no full benchmark: give --evaluator E --cost METRIC to audit it against a held-out evaluated sample (or the evaluator's exact truth)");
            var dev = p.GetValue(device) ?? throw new MathNasException("--device is required for the NAS-Bench-201 audit (fpga, pixel3, raspi4, gold_6226, ...)");
            var truth = GroundTruth.LoadNasBench201(p.GetValue(benchmark));
            var cost = MetricNames.Latency(dev);
            if (!truth.Has(cost))
                throw new MathNasException($"the benchmark has no latency for device '{dev}' (it has: {string.Join(", ", truth.MetricNames.Where(m => m.StartsWith("latency:")).Select(m => m[8..]))})");
            var spec = p.GetValue(estimator)!;
            var model = AccuracyModels.Parse(p.GetValue(accModel)!);
            bool closedLoop = p.GetValue(closed);
            double sigmas = p.GetValue(margin);
            var method = CreateMethod(spec, model, closedLoop, sigmas);
            AuditHarness Harness(IProgress<ProgressInfo>? progress = null) => new(truth, cost) { BaselineSeeds = nSeeds, MethodSeeds = mSeeds, Progress = progress };
            int s = p.GetValue(seed);
            var report = env.WithProgress($"audit {method.Name} on {dev}", progress => Harness(progress).Run(method, s));

            var plotPath = p.GetValue(plot);
            if (plotPath is not null) WritePlot(plotPath, Harness(), report, dev, s, Resized(spec, model, closedLoop, sigmas), spec.Split(':')[0]);

            if (p.GetValue(json))
            {
                env.WriteJson(ToJson(report, dev, truth.Count, plotPath));
                return 0;
            }
            PrintTable(env, report, dev);
            if (plotPath is not null) env.Console.WriteLine($"plot written to {plotPath}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The audit of any space: budgets from a held-out evaluated sample, truth exact where the evaluator knows it.</summary>
    private static int RunSampled(CliEnv env, string spaceName, string evSpec, string? cost, int truthSample, ISearchStrategy method, int seed, int mSeeds, int nSeeds,
        bool nb201Only, bool json)
    {
        if (nb201Only) throw new MathNasException("--device, --benchmark and --plot belong to the NAS-Bench-201 audit, not to an audit with --evaluator");
        if (cost is null) throw new MathNasException("--evaluator needs --cost METRIC, the budgeted metric (e.g. latency:synthetic)");
        cost = MetricNames.Normalize(cost);
        if (truthSample < 20) throw new MathNasException("--truth-sample must be at least 20");
        var sp = CliEnv.ResolveSpace(spaceName);
        var probe = CliEnv.ResolveEvaluator(evSpec, sp);
        if (!probe.Metrics.ContainsKey(cost) && cost != MetricNames.Flops && cost != MetricNames.Params)
            throw new MathNasException($"evaluator '{probe.Name}' does not measure '{cost}' (it measures: {string.Join(", ", probe.Metrics.Keys)})");
        var (report, lo, hi) = env.WithProgress($"audit {method.Name} on {sp.Name}", progress =>
        {
            var audit = new SampledAudit(sp, () => CliEnv.ResolveEvaluator(evSpec, sp), cost) { TruthSample = truthSample, Seed = seed, MethodSeeds = mSeeds, BaselineSeeds = nSeeds, Progress = progress };
            var r = audit.Run(method);
            var (min, max) = audit.ObjectiveRange();
            return (r, min, max);
        });
        double range = hi - lo;
        bool exact = probe is IExactTruth;
        if (json)
        {
            var j = ToJson(report, cost, truthSample, null);
            env.WriteJson(new Dictionary<string, object?>
            {
                ["audit"] = j,
                ["truth"] = exact ? "exact (the evaluator's noise-free truth and exact optimum)" : $"held-out sample of {truthSample} evaluated networks",
                ["objective_min"] = lo, ["objective_max"] = hi,
                ["median_regret_share_of_range"] = range > 0 ? report.Method.MedianRegret / range : null,
                ["worst_regret_share_of_range"] = range > 0 ? report.Method.WorstRegret / range : null,
            });
            return 0;
        }
        PrintTable(env, report, cost);
        env.Console.WriteLine($"truth: {(exact ? "exact" : $"held-out sample of {truthSample} networks")}; objective range {CliEnv.Num(lo)}..{CliEnv.Num(hi)}: median regret {CliEnv.Num(100 * report.Method.MedianRegret / range, 3)}% of it, worst {CliEnv.Num(100 * report.Method.WorstRegret / range, 3)}%");
        return 0;
    }

    internal static ISearchStrategy CreateMethod(string spec, AccuracyModel model, bool closedLoop, double marginSigmas)
    {
        var s = spec.Trim().ToLowerInvariant();
        var colon = s.IndexOf(':');
        string name = colon < 0 ? s : s[..colon];
        int Count()
        {
            if (colon < 0 || !int.TryParse(s[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) || k <= 0)
                throw new MathNasException($"method '{spec}' needs a positive count, e.g. {name}:200");
            return k;
        }
        if (!double.IsFinite(marginSigmas) || marginSigmas < 0) throw new MathNasException("--margin-sigmas must be a non-negative number");
        bool paper = name is "single" or "full" or "sampled" or "regression";
        if (!paper && model != AccuracyModel.Linear)
            throw new MathNasException($"--accuracy-model applies to the paper's tables (single, sampled:K, full, regression:K), not to '{spec}'");
        if (closedLoop && name.StartsWith("guided", StringComparison.Ordinal))
            throw new MathNasException($"'{spec}' verifies every answer already (it answers with measured networks only): drop --closed-loop");
        switch (name)
        {
            case "single" or "full" or "sampled" or "regression":
                BlockEstimators.Parse(s);
                return new PaperMethod(s, model, closedLoop);
            case "pairwise":
                return new PairwiseModelMethod(Count(), new ImprovedOptions { MarginSigmas = marginSigmas }, closedLoop);
            case "additive":
                return new PairwiseModelMethod(Count(), new ImprovedOptions { Pairwise = false, MarginSigmas = marginSigmas }, closedLoop);
            case "guided":
                return new GuidedSearch(new GuidedOptions { Evaluations = Count() });
            case "guided-enum":
                return new GuidedSearch(new GuidedOptions { Evaluations = Count(), Solve = ModelSolveMode.Enumerate });
            case "guided-additive":
                return new GuidedSearch(new GuidedOptions { Evaluations = Count(), Pairwise = false });
            case "guided-nostructure":
                return new GuidedSearch(new GuidedOptions { Evaluations = Count(), Structure = false });
            default:
                throw new MathNasException($"unknown estimator or method '{spec}': use {MethodHelp}");
        }
    }

    private static List<object> Rows(MethodReport m) => m.Rows.Select(r => (object)new
    {
        percentile = r.Percentile, budget = r.Budget, best_code = r.BestCode, best_accuracy = r.BestAccuracy,
        code = r.Code, accuracy = r.Accuracy, latency = r.Cost, regret = r.Regret, violation = r.Violation, answered = r.Answered,
    }).ToList();

    /// <summary>For methods with a size (regression:K, pairwise:K, guided:N ...): the same method at another size.</summary>
    internal static Func<int, ISearchStrategy>? Resized(string spec, AccuracyModel model, bool closedLoop, double sigmas)
    {
        var colon = spec.IndexOf(':');
        if (colon < 0) return null;
        var name = spec[..colon];
        return n => CreateMethod($"{name}:{n}", model, closedLoop, sigmas);
    }

    private static object Summary(MethodReport m) => new
    {
        method = m.Method,
        evaluations = m.Evaluations,
        median_regret = m.MedianRegret,
        worst_regret = m.WorstRegret,
        mean_regret = m.MeanRegret,
        violations = m.Violations,
        total_violations = m.TotalViolations,
        unanswered = m.Unanswered,
        accuracy_spearman = m.AccuracySpearman,
        latency_spearman = m.CostSpearman,
        seeds = m.Seeds,
        rows = Rows(m),
    };

    private static object ToJson(AuditReport r, string device, int networks, string? plot) => new
    {
        space = r.Space,
        device,
        networks,
        method = r.Method.Method,
        evaluations = r.Method.Evaluations,
        median_regret = r.Method.MedianRegret,
        worst_regret = r.Method.WorstRegret,
        violations = r.Method.Violations,
        total_violations = r.Method.TotalViolations,
        unanswered = r.Method.Unanswered,
        method_seeds = r.Method.Seeds,
        accuracy_spearman = r.Method.AccuracySpearman,
        latency_spearman = r.Method.CostSpearman,
        budgets = r.Budgets,
        percentiles = r.Percentiles,
        rows = Rows(r.Method),
        seed_median_regrets = r.Method.SeedMedianRegrets,
        random = Summary(r.Random),
        evolution = Summary(r.Evolution),
        // The baselines' headline numbers again at the top level, for scripts.
        random_median_regret = r.Random.MedianRegret,
        random_worst_regret = r.Random.WorstRegret,
        random_violations = r.Random.Violations,
        evolution_median_regret = r.Evolution.MedianRegret,
        evolution_worst_regret = r.Evolution.WorstRegret,
        evolution_violations = r.Evolution.Violations,
        plot,
    };

    private static void PrintTable(CliEnv env, AuditReport r, string device)
    {
        env.Console.WriteLine($"audit on {r.Space}, device {device}: {r.Method.Method}");
        var t = new Table().AddColumns("pct", "budget (ms)", "true best acc", "chosen acc", "chosen lat", "regret", "broke budget", "random regret", "evolution regret");
        for (int b = 0; b < r.Budgets.Count; b++)
        {
            var m = r.Method.Rows[b];
            t.AddRow(m.Percentile.ToString(CultureInfo.InvariantCulture), CliEnv.Num(m.Budget), CliEnv.Num(m.BestAccuracy), m.Accuracy is { } a ? CliEnv.Num(a) : "none",
                m.Cost is { } c ? CliEnv.Num(c) : "-", CliEnv.Num(m.Regret, 3), m.Violation ? "YES" : "no",
                CliEnv.Num(r.Random.Rows[b].Regret, 3), CliEnv.Num(r.Evolution.Rows[b].Regret, 3));
        }
        env.Console.Write(t);
        var s = new Table().AddColumns("method", "evaluations", "acc Spearman", "lat Spearman", "violations", "median regret", "worst regret");
        foreach (var m in new[] { r.Method, r.Random, r.Evolution })
            s.AddRow(Markup.Escape(m.Seeds > 1 ? $"{m.Method} (median of {m.Seeds} seeds)" : m.Method), m.Evaluations.ToString(CultureInfo.InvariantCulture),
                m.AccuracySpearman is { } sa ? CliEnv.Num(sa, 3) : "-", m.CostSpearman is { } sc ? CliEnv.Num(sc, 3) : "-",
                CliEnv.Num(m.Violations, 1), CliEnv.Num(m.MedianRegret, 3), CliEnv.Num(m.WorstRegret, 3));
        env.Console.Write(s);
    }

    /// <summary>
    /// Regret against evaluations: both baselines over a grid of evaluation counts, the audited method's point, and for
    /// methods with a size the same method over the grid (with the harness's method seeds).
    /// </summary>
    private static void WritePlot(string path, AuditHarness h, AuditReport r, string device, int seed, Func<int, ISearchStrategy>? resized, string label)
    {
        var budgets = r.Budgets.ToArray();
        var grid = new[] { 26, 50, 100, 200, 400, 800 }.Append(r.Method.Evaluations).Distinct().Order().ToArray();
        double[] Curve(Func<Estimation.CachingEvaluator, int, int, BaselineResult> run, string name) =>
            grid.Select(n => h.RunBaseline(name, n, budgets, seed, (e, s) => run(e, n, s)).MedianRegret).ToArray();
        var xs = grid.Select(n => (double)n).ToArray();
        var rand = Curve((e, n, s) => RandomSearch.Run(h.Truth.Space, e, n, h.Objective, h.Cost, budgets, s), "random");
        var evo = Curve((e, n, s) => RegularisedEvolution.Run(h.Truth.Space, e, n, h.Objective, h.Cost, budgets, s), "evolution");
        var series = new List<Plots.Series>
        {
            new("random search (median of seeds)", xs, rand, Lines: true),
            new("regularised evolution (median of seeds)", xs, evo, Lines: true),
        };
        if (resized is not null)
        {
            var sizes = new[] { 26, 50, 100, 200, 400 }.Where(n => n != r.Method.Evaluations).ToList();
            var pts = sizes.Select(n => h.RunMethod(resized(n), budgets, seed)).Append(r.Method).OrderBy(m => m.Evaluations).ToList();
            series.Add(new Plots.Series($"{label}:N (median of {r.Method.Seeds} runs)", pts.Select(m => (double)m.Evaluations).ToArray(),
                pts.Select(m => m.MedianRegret).ToArray(), Lines: true));
        }
        series.Add(new Plots.Series($"{r.Method.Method}: {r.Method.Violations:0.#} violations", [r.Method.Evaluations], [r.Method.MedianRegret], MarkerSize: 12));
        if (!r.Method.Method.StartsWith("paper[single, linear, open", StringComparison.Ordinal))
        {
            // The paper's method by the book, for reference (its regret is measured against budgets it may break).
            var paper = h.RunMethod(new PaperMethod("single"), budgets, seed);
            series.Add(new Plots.Series($"paper, single-sample, open loop: {paper.Violations:0.#} of 9 budgets broken", [paper.Evaluations], [paper.MedianRegret], MarkerSize: 12));
        }
        Plots.Save(path, $"NAS-Bench-201, {device}: median regret at nine latency budgets", "distinct evaluations", "median regret (accuracy points)", series,
            legendAlignment: ScottPlot.Alignment.UpperRight);
    }
}
