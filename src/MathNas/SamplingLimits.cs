namespace MathNas;

/// <summary>
/// The named limits of the library's random draws: how many tries a rejection sampler makes before it reports that
/// it cannot find what it looks for (a network meeting the consistency constraints, one not drawn before).
/// </summary>
public static class SamplingLimits
{
    /// <summary>Draws of <c>SearchSpace.Sample</c> (uniform per node) before it reports that no network meeting the constraints was found.</summary>
    public const int SampleAttempts = 100_000;

    /// <summary>Draws made to find a network not evaluated (or not chosen) before: random search, the guided method's stratified sample.</summary>
    public const int FreshNetworkAttempts = 10_000;

    /// <summary>Tries of regularised evolution's mutation to produce a valid child.</summary>
    public const int MutationAttempts = 1_000;

    /// <summary>Draws per wanted sample in the sampled and regression estimators, on top of their fixed allowance.</summary>
    public const int AttemptsPerSample = 50;

    /// <summary>Fixed allowance of draws of the sampled estimator (per node).</summary>
    public const int SampledExtraAttempts = 2_000;

    /// <summary>Fixed allowance of draws of the regression estimator.</summary>
    public const int RegressionExtraAttempts = 10_000;

    /// <summary>Largest space the baselines list whole (to draw without replacement) instead of sampling.</summary>
    public const int SmallSpaceLimit = 1_000_000;
}
