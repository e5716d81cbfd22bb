using MathNas.Estimation;
using MathNas.Improved;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Strategies;
using MathNas.Validation;

namespace MathNas.Audit;

/// <summary>
/// The audit for a space without a full benchmark: budgets at percentiles of the cost over a held-out sample of
/// uniformly random networks that the harness evaluates itself (the methods never see it). Where the evaluator knows its
/// truth exactly (<see cref="IExactTruth"/>), regret is measured against the exact optimum under each budget and every
/// value is noise-free; otherwise the truth of a chosen network is the harness's own measurement of it and the best
/// under a budget is the best held-out network that meets it (so a method can score a negative regret by finding a
/// better network than any held-out one). Methods and baselines each get a fresh evaluator with its own count.
/// </summary>
public sealed class SampledAudit(SearchSpace space, Func<IEvaluator> evaluatorFactory, string cost, string objective = Tables.MetricNames.Accuracy)
{
    public SearchSpace Space { get; } = space;
    public string Cost { get; } = cost;
    public string Objective { get; } = objective;
    public int TruthSample { get; init; } = 1000;
    public IReadOnlyList<int> Percentiles { get; init; } = Budgets.NinePercentiles;
    public int BaselineSeeds { get; init; } = 5;
    public int MethodSeeds { get; init; } = 1;
    public int Seed { get; init; }
    public IProgress<ProgressInfo>? Progress { get; init; }

    private CachingEvaluator? _truthEvaluator;
    private List<Architecture>? _sample;
    private double[]? _budgets;
    private double[]? _best;
    private double[]? _worst;

    private CachingEvaluator TruthEvaluator => _truthEvaluator ??= new CachingEvaluator(evaluatorFactory());
    private IExactTruth? Exact => TruthEvaluator.Inner as IExactTruth;

    /// <summary>The true value the harness scores with: noise-free where known, else its own measurement.</summary>
    public double TrueValue(Architecture a, string metric) => Exact is { } x ? x.TrueValue(a, metric) : TruthEvaluator.Evaluate(a, metric);

    /// <summary>The held-out networks (uniformly random, distinct, valid), drawn from the audit's seed.</summary>
    public IReadOnlyList<Architecture> Sample()
    {
        if (_sample is not null) return _sample;
        if (TruthSample < 20) throw new MathNasException("the held-out truth sample needs at least 20 networks");
        var rng = new Random(unchecked(Seed * 7919 + 17));
        var set = new HashSet<Architecture>();
        var list = new List<Architecture>();
        for (int attempt = 0; list.Count < TruthSample && attempt < TruthSample * 20; attempt++)
        {
            var a = Space.Sample(rng);
            if (set.Add(a)) list.Add(a);
        }
        _sample = list;
        return list;
    }

    public double[] BudgetValues()
    {
        if (_budgets is not null) return _budgets;
        var sample = Sample();
        var costs = sample.Select((a, k) => { Progress?.Report(new ProgressInfo("held-out truth sample", k + 1, sample.Count)); return TrueValue(a, Cost); }).ToArray();
        _budgets = Budgets.Percentiles(costs, Percentiles);
        _best = new double[_budgets.Length];
        _worst = new double[_budgets.Length];
        for (int b = 0; b < _budgets.Length; b++)
        {
            var feasible = sample.Where(a => Feasibility.IsMet(TrueValue(a, Cost), _budgets[b])).ToList();
            _worst[b] = feasible.Min(a => TrueValue(a, Objective));
            _best[b] = Exact is { } x
                ? TrueValue(x.TrueOptimum(Objective, [new Budget(Cost, _budgets[b])]) ?? throw new MathNasException($"no network meets budget {_budgets[b]}"), Objective)
                : feasible.Max(a => TrueValue(a, Objective));
        }
        return _budgets;
    }

    /// <summary>Least and greatest true objective: exact where the truth is known, else over the held-out sample.</summary>
    public (double Min, double Max) ObjectiveRange() =>
        Exact is { } x ? x.ObjectiveRange(Objective) : (Sample().Min(a => TrueValue(a, Objective)), Sample().Max(a => TrueValue(a, Objective)));

    private StrategyTask Task(CachingEvaluator ev, double[] budgets, int seed) => new()
    {
        Space = Space, Evaluator = ev, Objective = Objective, Seed = seed, Progress = Progress,
        BudgetSets = budgets.Select(b => (IReadOnlyList<Budget>)[new Budget(Cost, b)]).ToList(),
    };

    public IReadOnlyList<AuditRow> Score(double[] budgets, IReadOnlyList<Architecture?> chosen)
    {
        BudgetValues();
        var rows = new List<AuditRow>();
        for (int b = 0; b < budgets.Length; b++)
        {
            int p = b < Percentiles.Count ? Percentiles[b] : 0;
            var a = chosen[b];
            if (a is null)
            {
                rows.Add(new AuditRow(p, budgets[b], "", _best![b], null, null, null, _best[b] - _worst![b], false, false));
                continue;
            }
            double o = TrueValue(a, Objective), c = TrueValue(a, Cost);
            rows.Add(new AuditRow(p, budgets[b], "", _best![b], a.ToString(), o, c, _best[b] - o, !Feasibility.IsMet(c, budgets[b]), true));
        }
        return rows;
    }

    public AuditReport Run(ISearchStrategy method)
    {
        var budgets = BudgetValues();
        var perSeed = new List<IReadOnlyList<AuditRow>>();
        var evals = new List<double>();
        var sObj = new List<double>();
        var sCost = new List<double>();
        var sample = Sample();
        for (int r = 0; r < Math.Max(1, MethodSeeds); r++)
        {
            var ev = new CachingEvaluator(evaluatorFactory());
            var answer = method.Run(Task(ev, budgets, Seed + r));
            evals.Add(ev.Evaluations);
            perSeed.Add(Score(budgets, answer.Answers.Select(x => x.Network).ToList()));
            if (answer.Predict is { } predict)
            {
                sObj.Add(RankCorrelation.Spearman(sample.Select(a => predict(a, Objective)).ToArray(), sample.Select(a => TrueValue(a, Objective)).ToArray()));
                sCost.Add(RankCorrelation.Spearman(sample.Select(a => predict(a, Cost)).ToArray(), sample.Select(a => TrueValue(a, Cost)).ToArray()));
            }
        }
        int evaluations = (int)Math.Round(Budgets.Median(evals));
        var rep = AuditHarness.Summarise(method.Name, evaluations, perSeed) with
        {
            AccuracySpearman = sObj.Count == 0 ? null : Budgets.Median(sObj),
            CostSpearman = sCost.Count == 0 ? null : Budgets.Median(sCost),
            WorstRegret = perSeed.Max(rs => rs.Max(x => x.Regret)),
        };
        MethodReport Baseline(string name, ISearchStrategy s)
        {
            var rows = new List<IReadOnlyList<AuditRow>>();
            var counts = new List<double>();
            for (int k = 0; k < BaselineSeeds; k++)
            {
                var ev = new CachingEvaluator(evaluatorFactory());
                var res = s.Run(Task(ev, budgets, Seed * 1000 + k));
                counts.Add(ev.Evaluations);
                rows.Add(Score(budgets, res.Answers.Select(x => x.Network).ToList()));
            }
            return AuditHarness.Summarise(name, (int)Math.Round(Budgets.Median(counts)), rows);
        }
        var random = Baseline("random", new RandomSearchStrategy(evaluations));
        var evolution = Baseline("evolution", new EvolutionStrategy(evaluations));
        return new AuditReport(Space.Name, Objective, Cost, Percentiles, budgets, rep, random, evolution);
    }
}
