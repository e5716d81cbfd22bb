using System.Globalization;
using System.Text;

namespace MathNas.Reference;

/// <summary>Minimal CSV reading for the reference data (comma separated, one header row, optional double quotes).</summary>
public static class ReferenceCsv
{
    public sealed record Sheet(string Source, string[] Header, IReadOnlyList<string[]> Rows)
    {
        public int Column(string name)
        {
            var i = Array.IndexOf(Header, name);
            if (i < 0) throw new MathNasException($"CSV '{Source}' has no column '{name}' (columns: {string.Join(", ", Header)})");
            return i;
        }

        public double Number(int row, int col) => ParseDouble(Rows[row][col], Source, row + 2, Header[col]);
        public int Integer(int row, int col) => ParseInt(Rows[row][col], Source, row + 2, Header[col]);
    }

    public static Sheet Read(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"CSV file '{path}' does not exist");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MathNasException($"cannot read CSV file '{path}': {e.Message}");
        }
        return Parse(text, path);
    }

    public static Sheet Parse(string text, string source = "<csv>")
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) throw new MathNasException($"CSV file '{source}' is empty");
        var header = SplitLine(lines[0], source, 1);
        var rows = new List<string[]>();
        for (int i = 1; i < lines.Count; i++)
        {
            var f = SplitLine(lines[i], source, i + 1);
            if (f.Length != header.Length)
                throw new MathNasException($"CSV file '{source}' line {i + 1}: {f.Length} fields, the header has {header.Length}");
            rows.Add(f);
        }
        return new Sheet(source, header, rows);
    }

    private static string[] SplitLine(string line, string source, int lineNo)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else quoted = false;
                }
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        if (quoted) throw new MathNasException($"CSV file '{source}' line {lineNo}: unterminated quote");
        fields.Add(sb.ToString());
        return fields.ToArray();
    }

    public static double ParseDouble(string s, string source, int line, string column)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new MathNasException($"CSV file '{source}' line {line}, column '{column}': '{s}' is not a number");
        if (!double.IsFinite(v))
            throw new MathNasException($"CSV file '{source}' line {line}, column '{column}': '{s}' is not a finite number");
        return v;
    }

    public static int ParseInt(string s, string source, int line, string column)
    {
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new MathNasException($"CSV file '{source}' line {line}, column '{column}': '{s}' is not an integer");
        return v;
    }

    /// <summary>A table whose first column is a row label and whose other columns are numbers (e.g. blockacc.csv).</summary>
    public static double[][] ReadLabelledMatrix(string path, int expectedRows, int expectedCols)
    {
        var s = Read(path);
        if (s.Rows.Count != expectedRows || s.Header.Length - 1 != expectedCols)
            throw new MathNasException($"CSV file '{path}' has {s.Rows.Count} x {s.Header.Length - 1} values, expected {expectedRows} x {expectedCols}");
        var m = new double[s.Rows.Count][];
        for (int i = 0; i < s.Rows.Count; i++)
        {
            m[i] = new double[expectedCols];
            for (int j = 0; j < expectedCols; j++) m[i][j] = s.Number(i, j + 1);
        }
        return m;
    }
}
