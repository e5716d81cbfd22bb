using System.Numerics;
using MathNas.Spaces;
using MathNas.Tables;
using MathNet.Numerics.LinearAlgebra;

namespace MathNas.Estimation;

/// <summary>
/// "regression:K": evaluates K distinct random networks (seeded) and fits M(N) = β0 + Σ β_{i,j} x_{i,j} by least
/// squares on one-hot block indicators, with the base block's column of every node dropped (so δ_{i,base} = 0) and a
/// small ridge term on the block coefficients (not the intercept) that keeps the normal equations solvable when a
/// block is never sampled or columns are collinear. Then δ_{i,j} = -β_{i,j} and BaseValue = β0.
/// ReferenceFlops = mean FLOPs of the sample.
/// </summary>
public sealed class RegressionEstimator(int samples, int seed = 0, double ridge = 1e-6) : IBlockEstimator
{
    public int Samples { get; } = samples >= 1 ? samples : throw new MathNasException("regression:K needs K >= 1");
    public int Seed { get; } = seed;
    /// <summary>Ridge strength relative to the sample count (λ = ridge * K).</summary>
    public double Ridge { get; } = ridge;
    public string Name => $"regression:{Samples}";

    public TableSet Estimate(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress = null)
    {
        var run = new EstimationRun(space, evaluator, progress, $"regression estimation (K = {Samples})", Samples);
        var rng = new Random(Seed);
        List<Architecture> sample;
        if (space.Size <= new BigInteger(Samples))
        {
            sample = space.Enumerate().ToList();
        }
        else
        {
            var set = new HashSet<Architecture>();
            sample = new List<Architecture>();
            int attempts = 0, maxAttempts = SamplingLimits.AttemptsPerSample * Samples + SamplingLimits.RegressionExtraAttempts;
            while (sample.Count < Samples && attempts++ < maxAttempts)
            {
                var a = space.Sample(rng);
                if (set.Add(a)) sample.Add(a);
            }
        }
        if (sample.Count == 0) throw new MathNasException($"space '{space.Name}': no network to fit");
        run.Prefetch(sample);

        // Column layout: 0 = intercept, then one column per non-base block.
        var column = space.Nodes.Select(n => new int[n.Count]).ToArray();
        int p = 1;
        for (int i = 0; i < space.NodeCount; i++)
            for (int j = 0; j < space.Nodes[i].Count; j++)
                column[i][j] = j == space.Nodes[i].BaseIndex ? -1 : p++;

        int n = sample.Count, metrics = run.Metrics.Length;
        var xtx = Matrix<double>.Build.Dense(p, p);
        var xty = Matrix<double>.Build.Dense(p, metrics);
        var seen = new int[p];
        var idx = new List<int>(space.NodeCount + 1);
        foreach (var a in sample)
        {
            var v = run.Values(a);
            idx.Clear();
            idx.Add(0);
            for (int i = 0; i < space.NodeCount; i++) if (column[i][a[i]] > 0) idx.Add(column[i][a[i]]);
            foreach (var r in idx)
            {
                seen[r]++;
                foreach (var c in idx) xtx[r, c] += 1;
                for (int k = 0; k < metrics; k++) xty[r, k] += v[k];
            }
        }
        double lambda = Ridge * n;
        for (int r = 1; r < p; r++) xtx[r, r] += lambda;
        Matrix<double> beta;
        try { beta = xtx.Cholesky().Solve(xty); }
        catch (ArgumentException) { beta = xtx.Svd().Solve(xty); }

        var deltas = run.NewDeltas();
        var baseValues = new double[metrics];
        for (int k = 0; k < metrics; k++)
        {
            baseValues[k] = beta[0, k];
            for (int i = 0; i < space.NodeCount; i++)
                for (int j = 0; j < space.Nodes[i].Count; j++)
                    if (column[i][j] > 0) deltas[k][i][j] = -beta[column[i][j], k];
        }
        // In-sample RMS error of each metric, for the notes.
        var rms = new double[metrics];
        foreach (var a in sample)
        {
            var v = run.Values(a);
            for (int k = 0; k < metrics; k++)
            {
                double pred = baseValues[k];
                for (int i = 0; i < space.NodeCount; i++) pred -= deltas[k][i][a[i]];
                rms[k] += (pred - v[k]) * (pred - v[k]);
            }
        }
        int unseen = Enumerable.Range(1, p - 1).Count(c => seen[c] == 0);
        double fref = run.MeanFlops(sample);
        run.Done();
        var notes = $"seed {Seed}; least squares on one-hot block indicators (base blocks dropped), ridge λ = {lambda:G3}, {n} networks, {p} coefficients" +
                    (unseen > 0 ? $"; {unseen} block(s) never sampled (delta 0)" : "") +
                    $"; reference FLOPs = mean FLOPs of the sample = {fref:G6} {space.FlopsUnit}; in-sample RMS error: " +
                    string.Join(", ", run.Metrics.Select((m, k) => $"{m} {Math.Sqrt(rms[k] / n):G4}"));
        return run.Build(Name, baseValues, deltas, fref, "", notes);
    }
}
