using MathNas.Spaces;

namespace MathNas.Estimation;

/// <summary>How evaluators that run programs are run: copies, per-evaluation timeout, where notes go.</summary>
public sealed record EvaluatorSettings
{
    public static EvaluatorSettings Default { get; } = new();
    /// <summary>Copies of a worker to run at once (where the evaluator may run in parallel).</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Longest time one evaluation may take (null: the evaluator's default).</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Folder a worker runs in (null: the current folder).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Notes (a restarted worker, fewer copies than asked); null: nowhere.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>An evaluator spec split into its name and options: "NAME", "NAME:key=value,..." or "process:CMD ARGS".</summary>
/// <param name="Name">The registry name, lower case.</param>
/// <param name="Options">Options by key (for a raw-argument evaluator such as process: one option "command").</param>
public sealed record EvaluatorSpec(string Name, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The options in one canonical text (keys sorted, lower case): with <see cref="Name"/>, the evaluator's identity in the evaluation store.</summary>
    public string CanonicalOptions => Options.Count == 1 && Options.ContainsKey(EvaluatorRegistry.CommandOption)
        ? Options[EvaluatorRegistry.CommandOption]
        : string.Join(",", Options.OrderBy(kv => kv.Key.ToLowerInvariant(), StringComparer.Ordinal).Select(kv => $"{kv.Key.ToLowerInvariant()}={kv.Value}"));
}

/// <summary>
/// Evaluators by name, for the CLI's --evaluator / --verify / --benchmark options.
/// Built-in evaluators register in <see cref="BuiltInEvaluators"/>; other assemblies (e.g. MathNas.Torch) register at start-up.
/// </summary>
public static class EvaluatorRegistry
{
    /// <summary>The option that holds the whole text after the colon for a <see cref="Entry.RawArgument"/> evaluator.</summary>
    public const string CommandOption = "command";

    /// <summary>
    /// A registered evaluator. <paramref name="Options"/>: the option keys it accepts (case-insensitive); any other
    /// key in a spec is refused before the evaluator is created (null or empty: it takes no options).
    /// </summary>
    public sealed record Entry(string Name, string Description, Func<SearchSpace, bool> Supports, Func<SearchSpace, IReadOnlyDictionary<string, string>, IEvaluator> Create,
        IReadOnlyList<string>? Options = null)
    {
        /// <summary>True: the text after "NAME:" is one argument (option "command"), not key=value pairs (the process evaluator).</summary>
        public bool RawArgument { get; init; }
        /// <summary>A factory that also takes the <see cref="EvaluatorSettings"/> (workers, timeout); null: <see cref="Create"/>.</summary>
        public Func<SearchSpace, IReadOnlyDictionary<string, string>, EvaluatorSettings, IEvaluator>? CreateWithSettings { get; init; }
    }

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

    /// <summary>Splits "NAME" or "NAME:key=value,key=value" (or "process:CMD ARGS") without creating the evaluator.</summary>
    public static EvaluatorSpec Parse(string spec)
    {
        EnsureBuiltIns();
        var text = spec.Trim();
        var colon = text.IndexOf(':');
        var name = (colon < 0 ? text : text[..colon]).Trim();
        if (name.Length == 0) throw new MathNasException($"evaluator '{spec}' has no name");
        Entry? e;
        lock (Lock) Entries.TryGetValue(name, out e);
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (e is { RawArgument: true })
        {
            options[CommandOption] = colon < 0 ? "" : text[(colon + 1)..].Trim();
            return new EvaluatorSpec(e.Name.ToLowerInvariant(), options);
        }
        if (colon >= 0)
        {
            foreach (var kv in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = kv.IndexOf('=');
                if (eq <= 0) throw new MathNasException($"evaluator option '{kv}' in '{spec}' is not key=value");
                var key = kv[..eq].Trim();
                if (!options.TryAdd(key, kv[(eq + 1)..].Trim())) throw new MathNasException($"evaluator option '{key}' is given twice in '{spec}'");
            }
        }
        return new EvaluatorSpec(name.ToLowerInvariant(), options);
    }

    /// <summary>
    /// Resolves "NAME" or "NAME:key=value,key=value" (options passed to the factory) for a space; "process:CMD ARGS"
    /// starts an external worker (docs/worker-protocol.md) with the given <paramref name="settings"/>.
    /// </summary>
    public static IEvaluator Resolve(string spec, SearchSpace space, EvaluatorSettings? settings = null)
    {
        var parsed = Parse(spec);
        Entry? e;
        lock (Lock) Entries.TryGetValue(parsed.Name, out e);
        if (e is null) throw new MathNasException($"unknown evaluator '{parsed.Name}': use one of {string.Join(", ", List().Select(x => x.Name))}");
        if (!e.RawArgument)
        {
            var allowed = e.Options ?? [];
            foreach (var k in parsed.Options.Keys)
                if (!allowed.Contains(k, StringComparer.OrdinalIgnoreCase))
                    throw new MathNasException(allowed.Count == 0
                        ? $"evaluator '{e.Name}' takes no options, not '{k}'"
                        : $"evaluator '{e.Name}' has no option '{k}' (options: {string.Join(", ", allowed)})");
        }
        if (!e.Supports(space))
            throw new MathNasException($"evaluator '{parsed.Name}' does not support space '{space.Name}' (an external worker supports any space: --evaluator process:\"CMD ARGS\", see docs/worker-protocol.md)");
        return e.CreateWithSettings is { } c ? c(space, parsed.Options, settings ?? EvaluatorSettings.Default) : e.Create(space, parsed.Options);
    }
}

/// <summary>Registers the core library's own evaluators. Each adds one line here.</summary>
internal static class BuiltInEvaluators
{
    public static void RegisterAll()
    {
        EvaluatorRegistry.Register(NasBench201BenchmarkEvaluator.RegistryEntry);
        EvaluatorRegistry.Register(Workers.ProcessEvaluator.RegistryEntry);
        EvaluatorRegistry.Register(SyntheticPairwiseEvaluator.RegistryEntry);
    }
}
