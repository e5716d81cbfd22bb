using System.Numerics;
using MathNas.Prediction;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Validation;

/// <summary>A stratified sample of networks: spread over the space's FLOPs range, seeded.</summary>
public static class StratifiedSample
{
    /// <summary>
    /// <paramref name="count"/> distinct valid networks: a pool (every network when the space has at most
    /// max(20·count, 2000); otherwise that many distinct uniform draws) is sorted by FLOPs (then code), cut into
    /// <paramref name="count"/> equal strata, and one network is drawn from each. Same seed, same networks.
    /// </summary>
    public static IReadOnlyList<Architecture> Draw(SearchSpace space, int count, int seed)
    {
        if (count < 1) throw new MathNasException("--networks must be at least 1");
        var rng = new Random(seed);
        int poolSize = (int)Math.Min(200_000, Math.Max(20L * count, 2000));
        List<Architecture> pool;
        if (space.Size <= new BigInteger(poolSize))
            pool = space.Enumerate().ToList();
        else
        {
            var seen = new HashSet<Architecture>();
            pool = new List<Architecture>(poolSize);
            int attempts = 0, maxAttempts = 20 * poolSize;
            while (pool.Count < poolSize && attempts++ < maxAttempts)
            {
                var a = space.Sample(rng);
                if (seen.Add(a)) pool.Add(a);
            }
        }
        if (pool.Count == 0) throw new MathNasException($"space '{space.Name}' has no network that meets its consistency constraints");
        var flops = pool.ToDictionary(a => a, space.Flops);
        pool.Sort((x, y) =>
        {
            int c = flops[x].CompareTo(flops[y]);
            return c != 0 ? c : string.CompareOrdinal(x.ToString(), y.ToString());
        });
        if (count >= pool.Count) return pool;
        var picked = new List<Architecture>(count);
        for (int s = 0; s < count; s++)
        {
            int lo = (int)((long)s * pool.Count / count), hi = (int)((long)(s + 1) * pool.Count / count);
            picked.Add(pool[lo + rng.Next(hi - lo)]);
        }
        return picked;
    }
}

/// <summary>Predictions of a tables file against measured values on a set of networks.</summary>
public sealed record SampleValidationResult(
    string Metric,
    AccuracyModel AccuracyModel,
    int N,
    double Spearman,
    double Kendall,
    // mean absolute percentage error, in %
    double Mape,
    // share of networks whose prediction is within 10% of the measured value, in %
    double Within10,
    int TableEvaluations,
    string Estimator,
    IReadOnlyList<Architecture> Networks,
    double[] Predicted,
    double[] Measured);

/// <summary>Validation on any space: the tables' predictions against an evaluator's measurements of some networks.</summary>
public static class SampleValidation
{
    public static SampleValidationResult Validate(SearchSpace space, TableSet tables, IReadOnlyList<Architecture> networks,
        IReadOnlyList<IReadOnlyDictionary<string, double>> measured, string metric, AccuracyModel model)
    {
        metric = MetricNames.Normalize(metric);
        if (networks.Count != measured.Count) throw new ArgumentException("one measurement per network");
        if (networks.Count == 0) throw new MathNasException("no network to validate on");
        var table = tables[metric];
        var predictor = new Predictor(space, tables, model);
        int n = networks.Count;
        var pred = new double[n];
        var truth = new double[n];
        double ape = 0;
        int within = 0, apeCount = 0;
        for (int i = 0; i < n; i++)
        {
            pred[i] = predictor.Predict(metric, networks[i]);
            if (!measured[i].TryGetValue(metric, out truth[i]))
                throw new MathNasException($"the evaluator measured no '{metric}' for network {networks[i]}");
            var err = Math.Abs(pred[i] - truth[i]);
            if (truth[i] != 0)
            {
                ape += err / Math.Abs(truth[i]);
                apeCount++;
            }
            if (err <= 0.1 * Math.Abs(truth[i])) within++;
        }
        return new SampleValidationResult(metric, model, n,
            RankCorrelation.Spearman(pred, truth), RankCorrelation.KendallTauB(pred, truth),
            apeCount == 0 ? double.NaN : 100 * ape / apeCount, 100.0 * within / n,
            table.Provenance.Evaluations, table.Provenance.Estimator, networks, pred, truth);
    }
}
