using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MathNas.Spaces;

/// <summary>Strict helpers for flat YAML config files (a mapping of scalars and lists of integers).</summary>
internal static class ConfigYaml
{
    public static Dictionary<string, YamlNode> ReadMapping(string text, string source)
    {
        // Guarded load: nesting depth, size, aliases, one document, no repeated key (SafeYaml).
        var root = SafeYaml.LoadRoot(text, $"config '{source}'", SafeYaml.Config);
        if (root is not YamlMappingNode m) throw new MathNasException($"config '{source}' is not a YAML mapping of keys to values");
        var d = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? throw new MathNasException($"config '{source}': a key is not a plain name");
            if (!d.TryAdd(key, v)) throw new MathNasException($"config '{source}': key '{key}' appears twice");
        }
        return d;
    }

    public static int ParseInt(YamlNode n, string what)
    {
        if (n is YamlScalarNode s && s.Value is { } v &&
            int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return i;
        throw new MathNasException($"'{what}' must be an integer, not '{(n as YamlScalarNode)?.Value ?? n.NodeType.ToString()}'");
    }

    /// <summary>Throws, with the message passed through <paramref name="where"/>, on a key not in <paramref name="keys"/> and on a missing one.</summary>
    public static void RequireExactKeys(Dictionary<string, YamlNode> map, string[] keys, Func<string, string> where)
    {
        foreach (var k in map.Keys)
            if (Array.IndexOf(keys, k) < 0)
                throw new MathNasException(where($"unknown key '{k}' (known keys: {string.Join(", ", keys)})"));
        foreach (var k in keys)
            if (!map.ContainsKey(k)) throw new MathNasException(where($"key '{k}' is missing"));
    }

    public static int Int(Dictionary<string, YamlNode> map, string key) => ParseInt(map[key], key);

    public static int[] IntList(Dictionary<string, YamlNode> map, string key, int expectedLength)
    {
        if (map[key] is not YamlSequenceNode seq) throw new MathNasException($"'{key}' must be a list of integers");
        if (seq.Children.Count != expectedLength)
            throw new MathNasException($"'{key}' has {seq.Children.Count} values; expected {expectedLength}");
        return seq.Children.Select(c => ParseInt(c, key)).ToArray();
    }
}
