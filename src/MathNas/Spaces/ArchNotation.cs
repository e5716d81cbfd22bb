using System.Globalization;
using System.Text.RegularExpressions;

namespace MathNas.Spaces;

/// <summary>
/// Reads back the architecture notations the tool prints (<see cref="SearchSpace.Describe"/>), so that every printed
/// architecture is accepted again by <c>--arch</c>: <c>key=[a,b,...]</c> / <c>key=n</c> lists (OFA, NASViT, HAT views) and
/// the default <c>node=block</c> form.
/// </summary>
public static class ArchNotation
{
    private static readonly Regex Item = new(@"\G\s*(?<k>[A-Za-z_][A-Za-z0-9_]*)=(?:\[(?<l>[^\]]*)\]|(?<v>[-+]?[0-9]+))",
        RegexOptions.CultureInvariant);

    /// <summary>True when the text looks like a <c>key=...</c> notation rather than a code.</summary>
    public static bool IsNotation(string text) => text.Contains('=');

    /// <summary>
    /// The <c>key=[a,b,...]</c> and <c>key=n</c> items of <paramref name="text"/> (whitespace-separated, nothing else); a scalar
    /// is a one-element list. Unknown keys (not in <paramref name="keys"/>), repeated keys and non-integers are refused.
    /// </summary>
    public static Dictionary<string, int[]> KeyLists(string text, IReadOnlyCollection<string> keys, string what)
    {
        var d = new Dictionary<string, int[]>(StringComparer.Ordinal);
        int pos = 0;
        while (pos < text.Length)
        {
            var m = Item.Match(text, pos);
            if (!m.Success) break;
            var key = m.Groups["k"].Value;
            if (!keys.Contains(key)) throw new MathNasException($"{what} '{text}': unknown item '{key}' (items: {string.Join(", ", keys)})");
            var raw = m.Groups["l"].Success ? m.Groups["l"].Value.Split(',', StringSplitOptions.TrimEntries) : [m.Groups["v"].Value];
            if (raw.Length == 1 && raw[0].Length == 0) raw = [];
            var values = new int[raw.Length];
            for (int i = 0; i < raw.Length; i++)
                if (!int.TryParse(raw[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
                    throw new MathNasException($"{what} '{text}': {key}: '{raw[i]}' is not an integer");
            if (!d.TryAdd(key, values)) throw new MathNasException($"{what} '{text}': '{key}' appears twice");
            pos = m.Index + m.Length;
        }
        var rest = text[pos..].Trim();
        if (rest.Length > 0) throw new MathNasException($"{what} '{text}': cannot read '{rest}' (expected items key=[a,b,...] or key=n)");
        return d;
    }

    /// <summary>The list of <paramref name="key"/>, or a one-line error naming it when it is missing.</summary>
    public static int[] Require(Dictionary<string, int[]> items, string key, string what, string text) =>
        items.TryGetValue(key, out var v) ? v : throw new MathNasException($"{what} '{text}': '{key}=' is missing");

    /// <summary>The single value of <paramref name="key"/> (missing: null).</summary>
    public static int? Scalar(Dictionary<string, int[]> items, string key, string what, string text)
    {
        if (!items.TryGetValue(key, out var v)) return null;
        if (v.Length != 1) throw new MathNasException($"{what} '{text}': '{key}' must be one number");
        return v[0];
    }

    /// <summary>
    /// The default notation <c>node=block node=block ...</c> (<see cref="SearchSpace.Describe"/>): every node in order, each
    /// with the name of one of its blocks (the longest name that fits, so block names may hold commas or colons).
    /// </summary>
    public static Architecture NodeBlocks(SearchSpace space, string text)
    {
        var t = text.Trim();
        var code = new int[space.NodeCount];
        int pos = 0;
        for (int i = 0; i < space.NodeCount; i++)
        {
            while (pos < t.Length && char.IsWhiteSpace(t[pos])) pos++;
            var node = space.Nodes[i];
            var prefix = node.Name + "=";
            if (!t.AsSpan(pos).StartsWith(prefix, StringComparison.Ordinal))
                throw new MathNasException($"architecture '{text}': expected '{prefix}...' for node {i} of space '{space.Name}' (the form is {string.Join(" ", space.Nodes.Take(3).Select(n => n.Name + "=BLOCK"))}{(space.NodeCount > 3 ? " ..." : "")})");
            pos += prefix.Length;
            int best = -1, bestLen = -1;
            for (int j = 0; j < node.Count; j++)
            {
                var b = node.Blocks[j].Name;
                if (b.Length > bestLen && t.AsSpan(pos).StartsWith(b, StringComparison.Ordinal) &&
                    (pos + b.Length == t.Length || char.IsWhiteSpace(t[pos + b.Length])))
                {
                    best = j;
                    bestLen = b.Length;
                }
            }
            if (best < 0)
            {
                int end = pos;
                while (end < t.Length && !char.IsWhiteSpace(t[end])) end++;
                throw new MathNasException($"architecture '{text}': '{t[pos..end]}' is not a block of node '{node.Name}' (blocks: {string.Join(", ", node.Blocks.Take(6).Select(b => b.Name))}{(node.Count > 6 ? ", ..." : "")})");
            }
            code[i] = best;
            pos += bestLen;
        }
        if (t[pos..].Trim().Length > 0) throw new MathNasException($"architecture '{text}': unexpected '{t[pos..].Trim()}' after the last node");
        return new Architecture(code);
    }
}
