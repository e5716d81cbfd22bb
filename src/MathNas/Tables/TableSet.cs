using System.Text.Json;
using System.Text.Json.Serialization;
using MathNas.Spaces;

namespace MathNas.Tables;

/// <summary>The block tables of one search space, keyed by metric; saved and loaded as one JSON file.</summary>
public sealed class TableSet
{
    public const int FormatVersion = 1;

    public int Version { get; init; } = FormatVersion;
    public required string Space { get; init; }
    public Dictionary<string, BlockTable> Tables { get; init; } = new();

    public BlockTable this[string metric] =>
        Tables.TryGetValue(metric, out var t) ? t
        : throw new MathNasException($"the tables of space '{Space}' have no '{metric}' table (they have: {string.Join(", ", Tables.Keys.Order())})");

    public bool Has(string metric) => Tables.ContainsKey(metric);

    public void Add(BlockTable t) => Tables[t.Metric] = t;

    public IEnumerable<string> Devices(string kind) =>
        Tables.Keys.Where(k => k.StartsWith(kind + ":", StringComparison.Ordinal)).Select(k => k[(kind.Length + 1)..]).Order();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public void Save(string path)
    {
        // Atomically (unique temporary file, fsync, rename): an existing file is never left half-written.
        MathNas.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
    }

    public static TableSet Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"tables file '{path}' does not exist");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MathNasException($"cannot read tables file '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    public static TableSet Parse(string json, string source = "<json>")
    {
        TableSet? set;
        try { set = JsonSerializer.Deserialize<TableSet>(json, JsonOptions); }
        catch (JsonException e)
        {
            throw new MathNasException($"tables file '{source}' is not valid: {e.Message}");
        }
        if (set is null) throw new MathNasException($"tables file '{source}' is empty");
        if (set.Version != FormatVersion) throw new MathNasException($"tables file '{source}' has format version {set.Version}; this tool reads version {FormatVersion}");
        foreach (var (k, t) in set.Tables)
        {
            if (t.Metric != k) throw new MathNasException($"tables file '{source}': entry '{k}' holds a table for metric '{t.Metric}'");
            if (t.Deltas is null) throw new MathNasException($"tables file '{source}': table '{k}' has no deltas");
        }
        return set;
    }

    /// <summary>Checks every table against the space; throws with a clear message on the first mismatch.</summary>
    public void CheckAgainst(SearchSpace space)
    {
        if (Space != space.Name) throw new MathNasException($"tables are for space '{Space}', not '{space.Name}'");
        foreach (var t in Tables.Values) t.CheckAgainst(space);
    }
}
