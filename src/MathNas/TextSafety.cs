using System.Globalization;
using System.Text;

namespace MathNas;

/// <summary>Makes text taken from input files safe to echo on a terminal in one line.</summary>
public static class TextSafety
{
    /// <summary>
    /// Control characters (C0, DEL, C1, and the Unicode line/paragraph separators) are written as <c>\xNN</c> / <c>\uNNNN</c>,
    /// so that bytes from a binary or hostile file cannot move the cursor, change colours or break the one-line error.
    /// </summary>
    public static string Escape(string? s)
    {
        if (string.IsNullOrEmpty(s)) return s ?? "";
        int i = 0;
        while (i < s.Length && !NeedsEscape(s[i])) i++;
        if (i == s.Length) return s;
        var sb = new StringBuilder(s.Length + 16).Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (!NeedsEscape(c)) sb.Append(c);
            else if (c <= 0xFF) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Line breaks and tabs as spaces, then <see cref="Escape"/>: text fit for a one-line message.</summary>
    public static string OneLine(string? s) => Escape((s ?? "").ReplaceLineEndings(" ").Replace('\t', ' '));

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c is '\u2028' or '\u2029'
        || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069'; // bidirectional overrides
}
