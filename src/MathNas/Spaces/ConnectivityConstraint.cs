namespace MathNas.Spaces;

/// <summary>
/// A structural property a space declares: a network is <i>connected</i> when at least one of <see cref="Paths"/> is
/// whole, a path being whole when none of its nodes holds the block that removes it (e.g. an NAS-Bench-201 edge set
/// to <c>none</c>). A network that breaks it is a valid code but a degenerate network (a cell whose output is cut off
/// from its input computes nothing); the guided search excludes such networks from sampling and from every solve,
/// where it is honoured as a constraint (exactly as the MILP <c>y_p &lt;= 1 - x[node, absent]</c> for every node of
/// path p, <c>sum_p y_p &gt;= 1</c>). A connected network is <i>canonical</i> when every node of the paths is either
/// removed or on a whole path (no dead computation); every network computes the same function as its canonical form.
/// </summary>
public sealed record ConnectivityConstraint(string Name, IReadOnlyList<IReadOnlyList<PathStep>> Paths)
{
    /// <summary>True when some path has no node set to its removing block.</summary>
    public bool IsSatisfied(Architecture a)
    {
        foreach (var path in Paths)
        {
            bool whole = true;
            foreach (var s in path) if (a[s.Node] == s.AbsentBlock) { whole = false; break; }
            if (whole) return true;
        }
        return false;
    }

    /// <summary>
    /// The same network with every node that lies on no whole path set to its removing block: its computation never
    /// reaches the output, so the network computes the same function without it (idempotent).
    /// </summary>
    public Architecture Canonical(Architecture a)
    {
        var live = new HashSet<int>();
        foreach (var path in Paths)
        {
            bool whole = true;
            foreach (var s in path) if (a[s.Node] == s.AbsentBlock) { whole = false; break; }
            if (whole) foreach (var s in path) live.Add(s.Node);
        }
        var c = a.ToArray();
        foreach (var path in Paths)
            foreach (var s in path)
                if (!live.Contains(s.Node)) c[s.Node] = s.AbsentBlock;
        return new Architecture(c);
    }

    /// <summary>
    /// The input-to-output paths of a cell DAG: node e of the space is an edge from cell node <paramref name="from"/>[e]
    /// to <paramref name="to"/>[e]; block <paramref name="absent"/>[e] removes it. Cell node 0 is the input, the highest the output.
    /// </summary>
    public static ConnectivityConstraint ForCell(string name, IReadOnlyList<int> from, IReadOnlyList<int> to, IReadOnlyList<int> absent)
    {
        if (from.Count != to.Count || from.Count != absent.Count) throw new MathNasException("cell connectivity: edge lists differ in length");
        for (int e = 0; e < from.Count; e++)
            if (from[e] < 0 || from[e] >= to[e]) throw new MathNasException($"cell connectivity: edge {e} must go from a lower to a higher cell node");
        int output = to.Max();
        var paths = new List<IReadOnlyList<PathStep>>();
        void Walk(int v, List<PathStep> prefix)
        {
            if (v == output) { paths.Add(prefix.ToArray()); return; }
            for (int e = 0; e < from.Count; e++)
            {
                if (from[e] != v) continue;
                prefix.Add(new PathStep(e, absent[e]));
                Walk(to[e], prefix);
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
        Walk(0, []);
        if (paths.Count == 0) throw new MathNasException("cell connectivity: no path joins the input to the output");
        return new ConnectivityConstraint(name, paths);
    }
}

/// <summary>One node of a path and the block that removes it.</summary>
public readonly record struct PathStep(int Node, int AbsentBlock);
