using System.Globalization;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation;

/// <summary>
/// Estimates block tables (METHOD.md section 2) for every metric an evaluator measures.
/// Implementations: <see cref="SingleSampleEstimator"/> ("single", Algorithm 1), <see cref="SampledEstimator"/>
/// ("sampled:K"), <see cref="FullEstimator"/> ("full", Eq. 3) and <see cref="RegressionEstimator"/> ("regression:K").
/// Every evaluation goes through the <see cref="CachingEvaluator"/>, so no network is evaluated twice; each table's
/// <see cref="Provenance.Evaluations"/> is the number of distinct networks the estimator used.
/// </summary>
public interface IBlockEstimator
{
    /// <summary>The estimator as written on the command line ("single", "sampled:10", "full", "regression:781").</summary>
    string Name { get; }

    /// <summary>One <see cref="BlockTable"/> per metric of the evaluator, for this space.</summary>
    TableSet Estimate(SearchSpace space, CachingEvaluator evaluator, IProgress<ProgressInfo>? progress = null);
}

/// <summary>Parses estimator names: single | sampled:K | full | regression:K.</summary>
public static class BlockEstimators
{
    public const string Syntax = "single | sampled:K | full | regression:K";

    /// <summary>Largest K of sampled:K and regression:K (a cap, so that a typo cannot start a job of billions of evaluations).</summary>
    public const int MaxSamples = 100_000;

    /// <summary>Parses an estimator spec; <paramref name="seed"/> seeds the random ones (sampled, regression).</summary>
    public static IBlockEstimator Parse(string spec, int seed = 0)
    {
        var s = spec.Trim().ToLowerInvariant();
        var colon = s.IndexOf(':');
        var name = colon < 0 ? s : s[..colon];
        var arg = colon < 0 ? null : s[(colon + 1)..];
        int K()
        {
            if (string.IsNullOrEmpty(arg)) throw new MathNasException($"estimator '{spec}' needs a sample count: {name}:K (e.g. {name}:100)");
            if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1)
                throw new MathNasException($"estimator '{TextSafety.Escape(spec)}': K must be a positive whole number, not '{TextSafety.Escape(arg)}'");
            if (k > MaxSamples)
                throw new MathNasException($"estimator '{TextSafety.Escape(spec)}': K = {k:N0} is more than the {MaxSamples:N0} samples supported");
            return k;
        }
        void NoArg()
        {
            if (arg is not null) throw new MathNasException($"estimator '{name}' takes no argument (got '{spec}')");
        }
        switch (name)
        {
            case "single": NoArg(); return new SingleSampleEstimator();
            case "full": NoArg(); return new FullEstimator();
            case "sampled": return new SampledEstimator(K(), seed);
            case "regression": return new RegressionEstimator(K(), seed);
            default: throw new MathNasException($"unknown estimator '{spec}': use {Syntax}");
        }
    }
}
