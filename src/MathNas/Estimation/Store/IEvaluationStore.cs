using System.Security.Cryptography;
using System.Text;
using MathNas.Spaces;

namespace MathNas.Estimation.Store;

/// <summary>Who measured: the space (name and a fingerprint of its nodes and blocks) and the evaluator (name and options).</summary>
/// <param name="Seed">The run's seed, recorded with each evaluation (not part of the identity).</param>
public sealed record EvaluationKey(string Space, string SpaceHash, string Evaluator, string Options, int? Seed = null)
{
    /// <summary>The key of an evaluator spec ("NAME:k=v", "process:CMD") on a space.</summary>
    public static EvaluationKey For(SearchSpace space, EvaluatorSpec spec, int? seed = null) =>
        new(space.Name, SpaceFingerprint.Of(space), spec.Name, spec.CanonicalOptions, seed);
}

/// <summary>One stored value.</summary>
public sealed record EvaluationRecord(
    string Space, string SpaceHash, string Code, string Evaluator, string Options, string Metric, double Value, string Unit,
    double? Seconds, DateTimeOffset Time, int? Seed);

/// <summary>A filter for <see cref="IEvaluationStore.Query"/>; null fields match everything.</summary>
public sealed record EvaluationFilter(string? Space = null, string? Evaluator = null, string? Options = null, string? Metric = null, string? Code = null, string? SpaceHash = null);

/// <summary>
/// A persistent store of evaluations (one value per space, network, evaluator identity and metric). Implementations
/// must be safe for several threads and several processes at once: <see cref="Put"/> is one transaction, and when
/// another writer stored the network first, the stored values win.
/// </summary>
public interface IEvaluationStore : IDisposable
{
    /// <summary>Where the store lives (for messages).</summary>
    string Location { get; }

    /// <summary>Every stored metric of a network for this key (value and unit), or null when none is stored.</summary>
    IReadOnlyDictionary<string, (double Value, string Unit)>? Find(EvaluationKey key, Architecture network);

    /// <summary>
    /// Stores every metric of one network in one transaction and returns the stored values: these, or the values
    /// another writer stored for the same metrics first.
    /// </summary>
    IReadOnlyDictionary<string, double> Put(EvaluationKey key, Architecture network, IReadOnlyDictionary<string, double> values,
        IReadOnlyDictionary<string, string> units, double? seconds);

    /// <summary>The metrics (and units) stored for a key, in first-stored order.</summary>
    IReadOnlyDictionary<string, string> MetricsOf(EvaluationKey key);

    /// <summary>Stored evaluations matching the filter, oldest first.</summary>
    IEnumerable<EvaluationRecord> Query(EvaluationFilter filter);
}

/// <summary>A stable fingerprint of a space's structure (name, nodes, block names): the store keeps spaces of the same name apart.</summary>
public static class SpaceFingerprint
{
    public static string Of(SearchSpace space)
    {
        var sb = new StringBuilder();
        sb.Append(space.Name).Append('\n');
        foreach (var n in space.Nodes)
        {
            sb.Append(n.Name).Append(':');
            sb.Append(string.Join("|", n.Blocks.Select(b => b.Name))).Append('\n');
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
