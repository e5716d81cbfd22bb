using System.Text.Json;
using System.Text.RegularExpressions;

namespace MathNas.Tests.Support;

/// <summary>
/// The line rules of configargparse's <c>DefaultConfigFileParser.parse</c>, the loader behind HAT's <c>--configs</c>
/// (HAT's <c>fairseq/options.py</c>: <c>configargparse.ArgumentParser</c>, <c>add_argument('--configs', is_config_file=True)</c>):
/// each stripped line that is empty or starts with '#', ';', '[' or '---' is skipped; otherwise
/// <c>^(?P&lt;key&gt;[^:=;#\s]+)\s*(?:(?P&lt;equal&gt;[:=\s])\s*(['"]?)(?P&lt;value&gt;.+?)?\3)?\s*(?:\s[;#]\s*(?P&lt;comment&gt;.*?)\s*)?$</c>
/// must match: no value after ':' or '=' gives "", no separator at all gives "true", and a value in brackets is
/// <c>json.loads</c>-ed (on failure split on ',' and stripped). Any other line is an error. A later key replaces an earlier one.
/// Written from the rules, not from the code; used to check what HAT would read from a file.
/// </summary>
public static class ConfigArgParseRules
{
    private static readonly Regex Line = new(
        @"^(?<key>[^:=;#\s]+)\s*(?:(?<equal>[:=\s])\s*(?<q>['""]?)(?<value>.+?)?\k<q>)?\s*(?:\s[;#]\s*(?<comment>.*?)\s*)?$",
        RegexOptions.CultureInvariant);

    /// <summary>A parsed value: a string, or a list of strings (the list's elements as Python's str() would give them).</summary>
    public sealed record Value(string? Text, IReadOnlyList<string>? List)
    {
        public override string ToString() => List is null ? Text! : "[" + string.Join(", ", List) + "]";
    }

    public static Dictionary<string, Value> Parse(string text)
    {
        var items = new Dictionary<string, Value>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim(); // Python's str.strip(): whitespace, '\r' included
            if (line.Length == 0 || line[0] is '#' or ';' or '[' || line.StartsWith("---", StringComparison.Ordinal)) continue;
            var m = Line.Match(line);
            if (!m.Success) throw new FormatException($"Unexpected line {i}: {line}");
            var key = m.Groups["key"].Value;
            string? value = m.Groups["value"].Success ? m.Groups["value"].Value : null;
            string? equal = m.Groups["equal"].Success ? m.Groups["equal"].Value : null;
            if (value is null && equal is not null && equal != " ") value = "";
            else if (value is null) value = "true";
            if (value.StartsWith('[') && value.EndsWith(']'))
            {
                List<string> list;
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    list = doc.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList();
                }
                catch (JsonException)
                {
                    list = value[1..^1].Split(',').Select(x => x.Trim()).ToList();
                }
                items[key] = new Value(null, list);
            }
            else items[key] = new Value(value, null);
        }
        return items;
    }

    /// <summary>What argparse gets for an int option (nargs '+' for a list, one value otherwise); throws where HAT's parse would fail.</summary>
    public static int[] Ints(Dictionary<string, Value> items, string key)
    {
        Assert.True(items.TryGetValue(key, out var v), $"HAT's loader would not see '{key}'");
        var raw = v!.List ?? [v.Text!];
        return raw.Select(x => int.TryParse(x, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException($"'{key}': '{x}' is not an int (argparse would refuse it)")).ToArray();
    }
}
