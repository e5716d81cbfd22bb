using System.CommandLine;
using MathNas.Estimation;
using MathNas.Estimation.Store;
using MathNas.Estimation.Workers;
using MathNas.Spaces;
using MathNas.Store;

namespace MathNas.Cli;

/// <summary>
/// The options every command that takes an evaluator shares: --workers, --eval-timeout (process: workers) and
/// --store / --no-store (the persistent evaluation store). <see cref="Open"/> resolves the evaluator with them.
/// </summary>
internal sealed class EvaluatorOptions
{
    /// <summary>The store folder when --store is not given: .mathnas in the current folder (a CLI default; the library has none).</summary>
    public const string DefaultStoreFolder = ".mathnas";

    /// <summary>An environment variable that names another default store folder (used by the test suites to keep their stores apart).</summary>
    public const string StoreVariable = "MATHNAS_STORE";

    /// <summary>The default store folder: $MATHNAS_STORE, else .mathnas in the current folder.</summary>
    public static string DefaultStore() =>
        Environment.GetEnvironmentVariable(StoreVariable) is { Length: > 0 } env ? env : Path.Combine(Directory.GetCurrentDirectory(), DefaultStoreFolder);

    public Option<int> Workers { get; } = new("--workers")
    {
        Description = "copies of a process: worker to run at once (only when its hello says \"parallel\": true)",
        DefaultValueFactory = _ => 1,
    };

    public Option<double> EvalTimeout { get; } = new("--eval-timeout")
    {
        Description = "seconds one evaluation by a process: worker may take before it fails (default 600)",
        DefaultValueFactory = _ => 600,
    };

    public Option<string?> Store { get; } = new("--store")
    {
        Description = $"evaluation store folder: every evaluation is kept there (SQLite) and re-used by later runs (default {DefaultStoreFolder}/ in the current folder, or ${StoreVariable})",
    };

    public Option<bool> NoStore { get; } = new("--no-store") { Description = "keep no evaluation store (measure everything, record nothing)" };

    public void AddTo(Command c)
    {
        c.Options.Add(Workers);
        c.Options.Add(EvalTimeout);
        c.Options.Add(Store);
        c.Options.Add(NoStore);
    }

    /// <summary>The store folder the options name (null with --no-store).</summary>
    public string? StoreFolder(ParseResult p)
    {
        if (p.GetValue(NoStore))
        {
            if (p.GetValue(Store) is not null) throw new MathNasException("--store and --no-store cannot be combined");
            return null;
        }
        return p.GetValue(Store) ?? DefaultStore();
    }

    /// <summary>
    /// Resolves <paramref name="spec"/> on the space, with the store in front unless --no-store; with
    /// <paramref name="fromStore"/> nothing is measured (every network must be stored) and no worker is started.
    /// </summary>
    public EvaluatorHandle Open(ParseResult p, CliEnv env, string spec, SearchSpace space, int? seed = null, bool fromStore = false)
    {
        int workers = p.GetValue(Workers);
        if (workers < 1) throw new MathNasException("--workers must be at least 1");
        double timeout = p.GetValue(EvalTimeout);
        if (!(timeout > 0) || !double.IsFinite(timeout)) throw new MathNasException("--eval-timeout must be a positive number of seconds");
        var folder = StoreFolder(p);
        var parsed = EvaluatorRegistry.Parse(spec);
        if (fromStore && folder is null) throw new MathNasException("--from-store needs a store: drop --no-store");
        IEvaluationStore? store = folder is null ? null : new SqliteEvaluationStore(folder);
        try
        {
            var key = EvaluationKey.For(space, parsed, seed);
            if (fromStore)
            {
                var only = StoredEvaluator.StoreOnly(store!, key, space, spec.Trim());
                return new EvaluatorHandle(only, only, null, store);
            }
            var settings = new EvaluatorSettings
            {
                Workers = workers,
                Timeout = TimeSpan.FromSeconds(timeout),
                Log = msg => { env.Err.WriteLine($"note: {CliApp.OneLine(msg)}"); env.Err.Flush(); },
            };
            var inner = EvaluatorRegistry.Resolve(spec, space, settings);
            if (store is null) return new EvaluatorHandle(inner, null, inner, null);
            var stored = new StoredEvaluator(inner, store, key, space);
            return new EvaluatorHandle(stored, stored, inner, store);
        }
        catch
        {
            store?.Dispose();
            throw;
        }
    }
}

/// <summary>An opened evaluator (with its store and workers); disposing stops the workers and closes the store.</summary>
internal sealed class EvaluatorHandle(IEvaluator evaluator, StoredEvaluator? stored, IEvaluator? inner, IEvaluationStore? store) : IDisposable
{
    /// <summary>The evaluator to use (the store decorator when there is a store).</summary>
    public IEvaluator Evaluator { get; } = evaluator;
    public StoredEvaluator? Stored { get; } = stored;
    public IEvaluationStore? Store { get; } = store;

    /// <summary>"store DB: R re-used, M measured" (or "" without a store).</summary>
    public string Summary => Stored is null ? "" : $"evaluation store {Stored.Store.Location}: {Stored.Reused} network(s) re-used, {Stored.Measured} measured";

    public object? Json => Stored is null ? null : new { path = Stored.Store.Location, reused = Stored.Reused, measured = Stored.Measured };

    public void Dispose()
    {
        (inner as IDisposable)?.Dispose();
        Store?.Dispose();
    }
}
