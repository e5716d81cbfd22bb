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
        // Reading: a repeated key (last-wins) and an unknown key are errors, not silently dropped.
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>Largest tables file read (bytes).</summary>
    public const long MaxFileBytes = 64L << 20;

    public void Save(string path)
    {
        // Atomically (unique temporary file, fsync, rename): an existing file is never left half-written.
        MathNas.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
    }

    public static TableSet Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"tables file '{path}' does not exist");
        string text;
        try
        {
            var len = new FileInfo(path).Length;
            if (len > MaxFileBytes) throw new MathNasException($"tables file '{path}' is too large: {len:N0} bytes (at most {MaxFileBytes:N0})");
            text = File.ReadAllText(path);
        }
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
            throw new MathNasException($"tables file '{source}' is not valid: {DescribeJsonError(e)}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
        {
            throw new MathNasException($"tables file '{source}' is not valid: {TextSafety.Escape(e.Message)}");
        }
        if (set is null) throw new MathNasException($"tables file '{source}' is empty");
        if (set.Version != FormatVersion) throw new MathNasException($"tables file '{source}' has format version {set.Version}; this tool reads version {FormatVersion}");
        string Where(string m) => $"tables file '{source}': {m}";
        if (string.IsNullOrWhiteSpace(set.Space)) throw new MathNasException(Where("'space' is missing or empty"));
        if (set.Tables is null || set.Tables.Count == 0) throw new MathNasException(Where("'tables' is missing or empty"));
        foreach (var (k, t) in set.Tables)
        {
            var key = TextSafety.Escape(k);
            if (t is null) throw new MathNasException(Where($"table '{key}' is null"));
            string normal;
            try { normal = MetricNames.Normalize(k); }
            catch (MathNasException e) { throw new MathNasException(Where(TextSafety.Escape(e.Message))); }
            if (normal != k) throw new MathNasException(Where($"metric '{key}' is not written in its normal form '{TextSafety.Escape(normal)}'"));
            if (t.Metric != k) throw new MathNasException(Where($"entry '{key}' holds a table for metric '{TextSafety.Escape(t.Metric)}'"));
            if (t.Deltas is null) throw new MathNasException(Where($"table '{key}' has no deltas"));
            try { t.CheckValues(); }
            catch (MathNasException e) { throw new MathNasException(Where(e.Message)); }
            if (t.Kind == MetricKind.Cost && !k.StartsWith("cost:", StringComparison.Ordinal) && t.BaseValue < 0)
                throw new MathNasException(Where($"table '{key}' has a negative base value {t.BaseValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; a {k.Split(':')[0]} cannot be negative"));
            if (t.PreferredAccuracyModel is { } pam)
            {
                try { Prediction.AccuracyModels.Parse(pam); }
                catch (MathNasException e) { throw new MathNasException(Where($"table '{key}': {TextSafety.Escape(e.Message)}")); }
            }
            if (t.Provenance is null) throw new MathNasException(Where($"table '{key}': 'provenance' is null"));
            if (t.Provenance.Evaluations < 0) throw new MathNasException(Where($"table '{key}': provenance evaluations must not be negative"));
        }
        return set;
    }

    /// <summary>Which part of the file each type is: errors name these, never a .NET type.</summary>
    private static readonly (string Type, string Part)[] Parts =
    [
        (typeof(TableSet).FullName!, "the top level"), (typeof(BlockTable).FullName!, "a table"), (typeof(Provenance).FullName!, "a table's provenance"),
    ];

    /// <summary>A System.Text.Json error in the file's terms: the key or value and where it is, without .NET type names.</summary>
    private static string DescribeJsonError(JsonException e)
    {
        var msg = e.Message;
        string Part(string type) => Parts.FirstOrDefault(p => p.Type == type).Part ?? "the file";
        var where = $"{(e.Path is { Length: > 0 } p ? $" at {p}" : "")}{(e.LineNumber is { } l ? $" (line {l + 1})" : "")}";
        var m = System.Text.RegularExpressions.Regex.Match(msg, @"JSON property '(?<k>.*)' could not be mapped to any \.NET member contained in type '(?<t>[^']*)'");
        if (m.Success) return $"unknown key '{m.Groups["k"].Value}' in {Part(m.Groups["t"].Value)}{where}";
        m = System.Text.RegularExpressions.Regex.Match(msg, @"Duplicate property '(?<k>.*)' encountered during deserialization of type '(?<t>[^']*)'");
        if (m.Success) return $"key '{m.Groups["k"].Value}' appears twice in {Part(m.Groups["t"].Value)}{where}";
        m = System.Text.RegularExpressions.Regex.Match(msg, @"deserialization for type '(?<t>[^']*)' was missing required properties including: (?<k>.*)\.");
        if (m.Success) return $"{Part(m.Groups["t"].Value)} lacks the required key(s) {m.Groups["k"].Value}{where}";
        if (msg.Contains("could not be converted to", StringComparison.Ordinal)) return $"a value of the wrong kind{where}";
        if (e.InnerException is { } inner && inner is not JsonException)
            return $"{StripTypes(inner.Message)}{where}";
        return StripTypes(msg);
    }

    private static string StripTypes(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"'?(MathNas|System)\.[A-Za-z0-9_.+`\[\],]+'?", "the expected kind");

    /// <summary>Checks every table against the space; throws with a clear message on the first mismatch.</summary>
    public void CheckAgainst(SearchSpace space)
    {
        if (Space != space.Name) throw new MathNasException($"tables are for space '{Space}', not '{space.Name}'");
        foreach (var t in Tables.Values) t.CheckAgainst(space);
    }
}
