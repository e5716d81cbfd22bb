using MathNas.Baselines;
using MathNas.Estimation;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;
using MathNas.Validation;

namespace MathNas.Audit;

/// <summary>One budget of an audit, for one method (for the baselines: medians over seeds).</summary>
public sealed record AuditRow(
    int Percentile,
    double Budget,
    string BestCode,
    double BestAccuracy,
    string? Code,
    double? Accuracy,
    double? Cost,
    double Regret,
    bool Violation,
    bool Answered);

/// <summary>An audited method: regret and violations over the budgets, evaluations it used, prediction quality when it has a model.</summary>
public sealed record MethodReport(
    string Method,
    int Evaluations,
    double MedianRegret,
    double WorstRegret,
    double MeanRegret,
    double Violations,
    double? AccuracySpearman,
    double? CostSpearman,
    int Seeds,
    IReadOnlyList<double> SeedMedianRegrets,
    IReadOnlyList<AuditRow> Rows)
{
    /// <summary>Budgets broken, summed over all seeds.</summary>
    public int TotalViolations { get; init; }
    /// <summary>Budgets left without an answer, summed over all seeds (each scored as regret best - worst feasible).</summary>
    public int Unanswered { get; init; }
}

public sealed record AuditReport(
    string Space,
    string Objective,
    string Cost,
    IReadOnlyList<int> Percentiles,
    IReadOnlyList<double> Budgets,
    MethodReport Method,
    MethodReport Random,
    MethodReport Evolution);

/// <summary>
/// The audit of issue 2/5: budgets at percentiles of the TRUE cost over the space; for each, the method's network,
/// its true objective, its regret against the true best network under the true budget (by enumeration of the ground
/// truth) and whether it broke the budget; then random search and regularised evolution with the same number of
/// distinct evaluations, over several seeds (medians reported).
/// A budget a method leaves unanswered counts as regret (best - worst feasible objective), not as a violation.
/// </summary>
public sealed class AuditHarness(GroundTruth truth, string cost, string objective = Tables.MetricNames.Accuracy)
{
    public GroundTruth Truth { get; } = truth;
    public string Cost { get; } = cost;
    public string Objective { get; } = objective;
    public IReadOnlyList<int> Percentiles { get; init; } = Budgets.NinePercentiles;
    public int BaselineSeeds { get; init; } = 5;
    /// <summary>Runs of the method with seeds seed, seed+1, ...; above 1 its report holds medians like the baselines'.</summary>
    public int MethodSeeds { get; init; } = 1;
    public IProgress<ProgressInfo>? Progress { get; init; }

    public double[] BudgetValues() => Audit.Budgets.Percentiles(Truth.Metric(Cost), Percentiles);

    /// <summary>Runs the method once (with <paramref name="seed"/>) and both baselines over <see cref="BaselineSeeds"/> seeds with its evaluation count.</summary>
    public AuditReport Run(ISearchStrategy method, int seed = 0)
    {
        var budgets = BudgetValues();
        Progress?.Report(new ProgressInfo($"audit {method.Name}", 0, 3));
        var report = RunMethod(method, budgets, seed);
        int evaluations = report.Evaluations;

        Progress?.Report(new ProgressInfo("random search", 1, 3));
        var random = RunBaseline("random", evaluations, budgets, seed, new RandomSearchStrategy(evaluations));
        Progress?.Report(new ProgressInfo("regularised evolution", 2, 3));
        var evolution = RunBaseline("evolution", evaluations, budgets, seed, new EvolutionStrategy(evaluations));
        Progress?.Report(new ProgressInfo("done", 3, 3));
        return new AuditReport(Truth.Space.Name, Objective, Cost, Percentiles, budgets, report, random, evolution);
    }

    /// <summary>Runs and scores the method alone (<see cref="MethodSeeds"/> times); Spearman values are medians over the runs.</summary>
    public MethodReport RunMethod(ISearchStrategy method, double[] budgets, int seed)
    {
        var perSeed = new List<IReadOnlyList<AuditRow>>();
        var evals = new List<double>();
        var sObj = new List<double>();
        var sCost = new List<double>();
        for (int r = 0; r < Math.Max(1, MethodSeeds); r++)
        {
            var ev = new CachingEvaluator(Truth.AsEvaluator());
            var answer = method.Run(Task(ev, budgets, seed + r));
            if (answer.Answers.Count != budgets.Length)
                throw new MathNasException($"method '{method.Name}' answered {answer.Answers.Count} budgets, expected {budgets.Length}");
            evals.Add(ev.Evaluations);
            perSeed.Add(Score(budgets, answer.Answers.Select(x => x.Network).ToList()));
            // The method's final model, ranked against the truth here (the method never sees the truth).
            if (answer.Predict is { } predict)
            {
                sObj.Add(RankCorrelation.Spearman(Truth.Networks.Select(a => predict(a, Objective)).ToArray(), Truth.Metric(Objective)));
                sCost.Add(RankCorrelation.Spearman(Truth.Networks.Select(a => predict(a, Cost)).ToArray(), Truth.Metric(Cost)));
            }
        }
        var rep = Summarise(method.Name, (int)Math.Round(Budgets.Median(evals)), perSeed);
        return rep with
        {
            AccuracySpearman = sObj.Count == 0 ? null : Budgets.Median(sObj),
            CostSpearman = sCost.Count == 0 ? null : Budgets.Median(sCost),
            WorstRegret = perSeed.Max(rs => rs.Max(x => x.Regret)),
        };
    }

    /// <summary>What a method is given: the space, a counting evaluator over the truth, one budget set per budget value.</summary>
    private StrategyTask Task(CachingEvaluator ev, double[] budgets, int seed) => new()
    {
        Space = Truth.Space, Evaluator = ev, Objective = Objective, Seed = seed, Progress = Progress,
        BudgetSets = budgets.Select(b => (IReadOnlyList<Budget>)[new Budget(Cost, b)]).ToList(),
    };

    /// <summary>A baseline strategy over <see cref="BaselineSeeds"/> seeds (seed * 1000 + s), medians reported.</summary>
    public MethodReport RunBaseline(string name, int evaluations, double[] budgets, int seed, ISearchStrategy strategy)
    {
        var perSeed = new List<IReadOnlyList<AuditRow>>();
        var evals = new List<int>();
        for (int s = 0; s < BaselineSeeds; s++)
        {
            var ev = new CachingEvaluator(Truth.AsEvaluator());
            var r = strategy.Run(Task(ev, budgets, seed * 1000 + s));
            evals.Add(ev.Evaluations);
            perSeed.Add(Score(budgets, r.Answers.Select(x => x.Network).ToList()));
        }
        return Summarise(name, (int)Math.Round(Budgets.Median(evals.Select(e => (double)e))), perSeed);
    }

    public MethodReport RunBaseline(string name, int evaluations, double[] budgets, int seed, Func<CachingEvaluator, int, BaselineResult> run)
    {
        var perSeed = new List<IReadOnlyList<AuditRow>>();
        var evals = new List<int>();
        for (int s = 0; s < BaselineSeeds; s++)
        {
            var ev = new CachingEvaluator(Truth.AsEvaluator());
            var r = run(ev, seed * 1000 + s);
            evals.Add(ev.Evaluations);
            perSeed.Add(Score(budgets, r.Chosen));
        }
        return Summarise(name, (int)Math.Round(Budgets.Median(evals.Select(e => (double)e))), perSeed);
    }

    /// <summary>Scores one answer per budget against the ground truth.</summary>
    public IReadOnlyList<AuditRow> Score(double[] budgets, IReadOnlyList<Architecture?> chosen)
    {
        var obj = Truth.Metric(Objective);
        var cost = Truth.Metric(Cost);
        var rows = new List<AuditRow>();
        for (int b = 0; b < budgets.Length; b++)
        {
            int best = Truth.BestUnder(Objective, Cost, budgets[b]);
            if (best < 0) throw new MathNasException($"no network of the ground truth meets budget {budgets[b]} of '{Cost}'");
            var a = chosen[b];
            int p = b < Percentiles.Count ? Percentiles[b] : 0;
            if (a is null)
            {
                double worst = Truth.WorstUnder(Objective, Cost, budgets[b]);
                rows.Add(new AuditRow(p, budgets[b], Truth.Networks[best].ToString(), obj[best], null, null, null, obj[best] - worst, false, false));
                continue;
            }
            int k = Truth.IndexOf(a);
            rows.Add(new AuditRow(p, budgets[b], Truth.Networks[best].ToString(), obj[best], a.ToString(), obj[k], cost[k],
                obj[best] - obj[k], !Feasibility.IsMet(cost[k], budgets[b]), true));
        }
        return rows;
    }

    internal static MethodReport Summarise(string name, int evaluations, List<IReadOnlyList<AuditRow>> perSeed)
    {
        var seedMedians = perSeed.Select(rows => Budgets.Median(rows.Select(r => r.Regret))).ToList();
        IReadOnlyList<AuditRow> rows;
        if (perSeed.Count == 1) rows = perSeed[0];
        else
        {
            // Per budget: median over seeds of regret, accuracy and cost; violations counted when most seeds broke it.
            rows = Enumerable.Range(0, perSeed[0].Count).Select(b =>
            {
                var col = perSeed.Select(s => s[b]).ToList();
                var answered = col.Where(r => r.Answered).ToList();
                return col[0] with
                {
                    Code = null,
                    Accuracy = answered.Count == 0 ? null : Budgets.Median(answered.Select(r => r.Accuracy!.Value)),
                    Cost = answered.Count == 0 ? null : Budgets.Median(answered.Select(r => r.Cost!.Value)),
                    Regret = Budgets.Median(col.Select(r => r.Regret)),
                    Violation = col.Count(r => r.Violation) * 2 > col.Count,
                    Answered = answered.Count * 2 > col.Count,
                };
            }).ToList();
        }
        return new MethodReport(name, evaluations,
            MedianRegret: Budgets.Median(seedMedians),
            WorstRegret: Budgets.Median(perSeed.Select(rs => rs.Max(r => r.Regret))),
            MeanRegret: Budgets.Median(perSeed.Select(rs => rs.Average(r => r.Regret))),
            Violations: Budgets.Median(perSeed.Select(rs => (double)rs.Count(r => r.Violation))),
            AccuracySpearman: null, CostSpearman: null, Seeds: perSeed.Count, SeedMedianRegrets: seedMedians, Rows: rows)
        {
            TotalViolations = perSeed.Sum(rs => rs.Count(r => r.Violation)),
            Unanswered = perSeed.Sum(rs => rs.Count(r => !r.Answered)),
        };
    }
}
