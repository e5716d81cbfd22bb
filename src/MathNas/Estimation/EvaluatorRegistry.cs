using MathNas.Spaces;

namespace MathNas.Estimation;

/// <summary>
/// Evaluators by name, for the CLI's --evaluator / --verify / --benchmark options.
/// Built-in evaluators register in <see cref="BuiltInEvaluators"/>; other assemblies (e.g. MathNas.Torch) register at start-up.
/// </summary>
public static class EvaluatorRegistry
{
    public sealed record Entry(string Name, string Description, Func<SearchSpace, bool> Supports, Func<SearchSpace, IReadOnlyDictionary<string, string>, IEvaluator> Create);

    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Lock = new();
    private static bool _initialised;

    public static void Register(Entry e)
    {
        lock (Lock) Entries[e.Name] = e;
    }

    private static void EnsureBuiltIns()
    {
        lock (Lock)
        {
            if (_initialised) return;
            _initialised = true;
            BuiltInEvaluators.RegisterAll();
        }
    }

    public static IReadOnlyList<Entry> List()
    {
        EnsureBuiltIns();
        lock (Lock) return Entries.Values.OrderBy(e => e.Name).ToList();
    }

    /// <summary>
    /// Resolves "NAME" or "NAME:key=value,key=value" (options passed to the factory) for a space.
    /// </summary>
    public static IEvaluator Resolve(string spec, SearchSpace space)
    {
        EnsureBuiltIns();
        var colon = spec.IndexOf(':');
        var name = colon < 0 ? spec : spec[..colon];
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (colon >= 0)
        {
            foreach (var kv in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = kv.IndexOf('=');
                if (eq <= 0) throw new MathNasException($"evaluator option '{kv}' in '{spec}' is not key=value");
                options[kv[..eq]] = kv[(eq + 1)..];
            }
        }
        Entry? e;
        lock (Lock) Entries.TryGetValue(name, out e);
        if (e is null) throw new MathNasException($"unknown evaluator '{name}': use one of {string.Join(", ", List().Select(x => x.Name))}");
        if (!e.Supports(space)) throw new MathNasException($"evaluator '{name}' does not support space '{space.Name}'");
        return e.Create(space, options);
    }
}

/// <summary>Registers the core library's own evaluators. Each adds one line here.</summary>
internal static class BuiltInEvaluators
{
    public static void RegisterAll()
    {
        EvaluatorRegistry.Register(NasBench201BenchmarkEvaluator.RegistryEntry);
        EvaluatorRegistry.Register(SyntheticPairwiseEvaluator.RegistryEntry);
    }
}
