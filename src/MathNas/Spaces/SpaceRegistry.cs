namespace MathNas.Spaces;

/// <summary>
/// The built-in search spaces by name, and user-defined spaces loaded from a file.
/// Built-in spaces register themselves here (see <see cref="BuiltIn"/>).
/// </summary>
public static class SpaceRegistry
{
    private static readonly Dictionary<string, (string Description, Func<SearchSpace> Factory)> Spaces = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Lock = new();
    private static bool _initialised;
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SearchSpace, string> Sources = new();

    /// <summary>
    /// How to name the space on the command line: its registered name, or the path of the space file it was loaded
    /// from (quoted when it has spaces), or its name when neither is known.
    /// </summary>
    public static string CommandLineName(SearchSpace space)
    {
        EnsureBuiltIns();
        lock (Lock)
        {
            if (Spaces.ContainsKey(space.Name)) return space.Name;
            if (Sources.TryGetValue(space, out var path)) return path.Contains(' ') ? $"\"{path}\"" : path;
        }
        return space.Name;
    }

    private static readonly List<Func<string, SearchSpace?>> Resolvers = [];

    public static void Register(string name, string description, Func<SearchSpace> factory)
    {
        lock (Lock) Spaces[name] = (description, factory);
    }

    /// <summary>
    /// A parametric family of spaces (e.g. <c>mobilenetv3-w1.2-r192</c>): asked, in registration order, for a name that is
    /// not registered; returns null when the name is not of its family (and throws when it is, but its parameters are wrong).
    /// </summary>
    public static void RegisterResolver(Func<string, SearchSpace?> resolver)
    {
        lock (Lock) Resolvers.Add(resolver);
    }

    private static void EnsureBuiltIns()
    {
        lock (Lock)
        {
            if (_initialised) return;
            _initialised = true;
            BuiltIn.RegisterAll();
        }
    }

    public static IReadOnlyList<(string Name, string Description)> List()
    {
        EnsureBuiltIns();
        lock (Lock) return Spaces.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.Description)).ToList();
    }

    /// <summary>A built-in space by name, or a space file (.json, .yml, .yaml) by path.</summary>
    public static SearchSpace Resolve(string nameOrPath)
    {
        EnsureBuiltIns();
        lock (Lock)
        {
            if (Spaces.TryGetValue(nameOrPath, out var s)) return s.Factory();
        }
        List<Func<string, SearchSpace?>> resolvers;
        lock (Lock) resolvers = [.. Resolvers];
        foreach (var r in resolvers)
            if (r(nameOrPath) is { } found) return found;
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ||
            nameOrPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
            nameOrPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        {
            var loaded = SpaceFile.Load(nameOrPath);
            lock (Lock) Sources.AddOrUpdate(loaded, nameOrPath);
            return loaded;
        }
        throw new MathNasException($"unknown space '{nameOrPath}': use one of {string.Join(", ", List().Select(x => x.Name))}, or a space file (.json/.yml)");
    }
}
