using System.Globalization;
using System.Text;
using System.Text.Json;
using MathNas.Spaces;
using MathNas.Tables;

namespace MathNas.Estimation.Workers;

/// <summary>
/// The worker protocol (docs/worker-protocol.md): one JSON object per line over the worker's stdin/stdout.
/// The worker speaks first with a hello; then the tool sends requests and the worker answers each with one response.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>The protocol version this tool speaks. A worker's hello must name it (see the versioning rule in the docs).</summary>
    public const int Version = 1;

    /// <summary>What a worker says about itself in its first line.</summary>
    public sealed record Hello(int Protocol, string Name, IReadOnlyDictionary<string, string> Metrics, bool Parallel, IReadOnlyList<string>? Spaces);

    /// <summary>A response: the values of the metrics (numbers, or {value, unit}), or an error text.</summary>
    public sealed record Response(long Id, Dictionary<string, (double Value, string? Unit)>? Metrics, string? Error);

    /// <summary>Parses and checks the hello line; a <see cref="MathNasException"/> says what is wrong with it.</summary>
    public static Hello ParseHello(string line, string worker)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new MathNasException($"worker '{worker}' did not start with a JSON hello line; its first line was '{Clip(line)}'");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new MathNasException($"worker '{worker}': the hello must be a JSON object, not '{Clip(line)}'");
        if (!root.TryGetProperty("protocol", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var version))
            throw new MathNasException($"worker '{worker}': the hello has no whole-number 'protocol' (this tool speaks protocol {Version})");
        if (version != Version)
            throw new MathNasException($"worker '{worker}' speaks protocol {version}; this tool speaks protocol {Version}");
        if (!root.TryGetProperty("metrics", out var ms) || ms.ValueKind != JsonValueKind.Object)
            throw new MathNasException($"worker '{worker}': the hello needs 'metrics', an object of metric name to unit (e.g. {{\"accuracy\": \"%\", \"latency:cpu\": \"ms\"}})");
        var metrics = new Dictionary<string, string>();
        foreach (var m in ms.EnumerateObject())
        {
            string name;
            try { name = MetricNames.Normalize(m.Name); }
            catch (MathNasException e) { throw new MathNasException($"worker '{worker}': hello metric: {e.Message}"); }
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new MathNasException($"worker '{worker}': the unit of metric '{name}' must be a string (\"\" for none)");
            if (!metrics.TryAdd(name, m.Value.GetString()!)) throw new MathNasException($"worker '{worker}': metric '{name}' is offered twice");
        }
        if (metrics.Count == 0) throw new MathNasException($"worker '{worker}' offers no metric");
        bool parallel = false;
        if (root.TryGetProperty("parallel", out var par))
        {
            if (par.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw new MathNasException($"worker '{worker}': 'parallel' must be true or false");
            parallel = par.GetBoolean();
        }
        List<string>? spaces = null;
        if (root.TryGetProperty("spaces", out var sp) && sp.ValueKind != JsonValueKind.Null)
        {
            if (sp.ValueKind != JsonValueKind.Array || sp.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                throw new MathNasException($"worker '{worker}': 'spaces' must be a list of space names");
            spaces = sp.EnumerateArray().Select(x => x.GetString()!).ToList();
        }
        var name0 = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        return new Hello(version, name0, metrics, parallel, spaces);
    }

    /// <summary>The request line for one network (no trailing newline).</summary>
    public static string Request(long id, SearchSpace space, Architecture a, IEnumerable<string> metrics)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("space", space.Name);
            w.WriteStartArray("code");
            foreach (var c in a) w.WriteNumberValue(c);
            w.WriteEndArray();
            w.WriteStartArray("blocks");
            for (int i = 0; i < a.Count; i++) w.WriteStringValue(space.Nodes[i].Blocks[a[i]].Name);
            w.WriteEndArray();
            w.WriteString("architecture", space.Describe(a));
            if (space is IConfigSpace cs) w.WriteString("config", cs.WriteConfig(a));
            else w.WriteNull("config");
            w.WriteStartArray("metrics");
            foreach (var m in metrics) w.WriteStringValue(m);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>
    /// Parses a response line. Null when the line is not a JSON object (the caller treats the worker as broken);
    /// a <see cref="MathNasException"/> when it is JSON but not a valid response (a bad value: refused).
    /// </summary>
    public static Response? ParseResponse(string line)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Python's json.dumps writes NaN and Infinity as bare words, which are not JSON: a bad value, not a broken worker.
            if (System.Text.RegularExpressions.Regex.IsMatch(line, @"(?<![A-Za-z""])(NaN|-?Infinity)(?![A-Za-z""])") && line.TrimStart().StartsWith('{'))
                throw new MathNasException("the worker returned a value that is not a finite number (NaN or Infinity)");
            return null;
        }
        if (root.ValueKind != JsonValueKind.Object) return null;
        if (!root.TryGetProperty("id", out var idEl) || idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt64(out var id))
            throw new MathNasException($"the worker's response has no whole-number 'id': '{Clip(line)}'");
        if (root.TryGetProperty("error", out var err) && err.ValueKind != JsonValueKind.Null)
            return new Response(id, null, err.ValueKind == JsonValueKind.String ? err.GetString() : err.GetRawText());
        if (!root.TryGetProperty("metrics", out var ms) || ms.ValueKind != JsonValueKind.Object)
            throw new MathNasException($"the worker's response has neither 'metrics' (an object) nor 'error': '{Clip(line)}'");
        var values = new Dictionary<string, (double, string?)>();
        foreach (var m in ms.EnumerateObject())
        {
            double v;
            string? unit = null;
            var e = m.Value;
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (!e.TryGetProperty("value", out var ve)) throw new MathNasException($"metric '{m.Name}': an object value needs 'value'");
                if (e.TryGetProperty("unit", out var ue))
                {
                    if (ue.ValueKind != JsonValueKind.String) throw new MathNasException($"metric '{m.Name}': 'unit' must be a string");
                    unit = ue.GetString();
                }
                e = ve;
            }
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out v))
                throw new MathNasException($"metric '{m.Name}' is {e.GetRawText()}, not a number");
            if (!double.IsFinite(v)) throw new MathNasException($"metric '{m.Name}' is not a finite number");
            values[m.Name] = (v, unit);
        }
        return new Response(id, values, null);
    }

    internal static string Clip(string s, int max = 200)
    {
        var one = s.ReplaceLineEndings(" ");
        return one.Length <= max ? one : one[..max] + "...";
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
