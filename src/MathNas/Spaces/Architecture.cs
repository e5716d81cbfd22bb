using System.Collections;

namespace MathNas.Spaces;

/// <summary>
/// One network of a search space: the index of the chosen block at every node.
/// Immutable, with value equality so it can key caches and sets.
/// </summary>
public sealed class Architecture : IEquatable<Architecture>, IReadOnlyList<int>
{
    private readonly int[] _choices;
    private readonly int _hash;

    public Architecture(IEnumerable<int> choices)
    {
        _choices = choices.ToArray();
        _hash = Seeds.HashCode(_choices); // stable across processes (never HashCode), so set orders are too
    }

    public Architecture(params int[] choices) : this((IEnumerable<int>)choices) { }

    public int this[int node] => _choices[node];
    public int Count => _choices.Length;

    /// <summary>A copy with node <paramref name="node"/> switched to block <paramref name="block"/>.</summary>
    public Architecture With(int node, int block)
    {
        var c = (int[])_choices.Clone();
        c[node] = block;
        return new Architecture(c);
    }

    public int[] ToArray() => (int[])_choices.Clone();
    public ReadOnlySpan<int> AsSpan() => _choices;

    public bool Equals(Architecture? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && _choices.AsSpan().SequenceEqual(other._choices)));

    public override bool Equals(object? obj) => Equals(obj as Architecture);
    public override int GetHashCode() => _hash;

    /// <summary>Comma-separated choice indices, e.g. "3,3,1,0,2,4".</summary>
    public override string ToString() => string.Join(",", _choices);

    /// <summary>Parses "3,3,1,0,2,4" or "3 3 1 0 2 4" (the form <see cref="ToString"/> writes), or "[3, 3, 1, 0, 2, 4]" (a JSON code).</summary>
    public static Architecture Parse(string text)
    {
        var t = text.Trim();
        if (t.Length >= 2 && t[0] == '[' && t[^1] == ']') t = t[1..^1];
        var parts = t.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new MathNasException($"empty architecture code '{text}'");
        var c = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out c[i]))
                throw new MathNasException($"architecture code '{text}': '{parts[i]}' is not a block index");
        }
        return new Architecture(c);
    }

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_choices).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _choices.GetEnumerator();
}
