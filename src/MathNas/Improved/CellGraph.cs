using MathNas.Spaces;

namespace MathNas.Improved;

/// <summary>
/// The DAG of a cell-based space (NAS-Bench-201): node i of the search space is an edge from cell node
/// <see cref="From"/>[i] to <see cref="To"/>[i]; block <see cref="NoneBlock"/>[i] is the `none` op (the edge is absent).
/// Cell node 0 is the input and the highest-numbered cell node the output.
/// <para>
/// Degenerate cells: an edge carries signal only if its source is reachable from the input and its target reaches the
/// output through non-none edges. NAS-Bench-201 (edges e0=1&lt;-0, e1=2&lt;-0, e2=2&lt;-1, e3=3&lt;-0, e4=3&lt;-1, e5=3&lt;-2):
/// the output is cut off from the input exactly when no path is whole:
/// e3 = none AND (e0 = none OR e4 = none) AND (e1 = none OR e5 = none) AND (e0 = none OR e2 = none OR e5 = none).
/// As a linear constraint with one path indicator y_p per path p in {e3; e0e4; e1e5; e0e2e5}:
/// y_p &lt;= 1 - x[e,none] for every edge e of p, and sum_p y_p &gt;= 1.
/// </para>
/// </summary>
public sealed class CellGraph
{
    public CellGraph(int[] from, int[] to, int[] noneBlock)
    {
        if (from.Length != to.Length || from.Length != noneBlock.Length) throw new MathNasException("cell graph: edge arrays differ in length");
        for (int e = 0; e < from.Length; e++)
            if (from[e] >= to[e] || from[e] < 0) throw new MathNasException($"cell graph: edge {e} must go from a lower to a higher cell node");
        From = from;
        To = to;
        NoneBlock = noneBlock;
        Output = to.Max();
    }

    public int[] From { get; }
    public int[] To { get; }
    public int[] NoneBlock { get; }
    public int Output { get; }
    public int EdgeCount => From.Length;

    /// <summary>The NAS-Bench-201 cell when the space is one (6 nodes, a block named "none" at every node), else null.</summary>
    public static CellGraph? For(SearchSpace space)
    {
        if (space is not Spaces.NasBench201.NasBench201Space) return null;
        var edges = Spaces.NasBench201.NasBench201Space.Edges;
        var none = space.Nodes.Select(n => n.IndexOf("none")).ToArray();
        if (none.Any(j => j < 0)) return null;
        return new CellGraph(edges.Select(e => e.From).ToArray(), edges.Select(e => e.To).ToArray(), none);
    }

    private bool[] Live(Architecture a, out bool[] fromInput, out bool[] toOutput)
    {
        int nodes = Output + 1;
        fromInput = new bool[nodes];
        toOutput = new bool[nodes];
        fromInput[0] = true;
        for (int v = 1; v < nodes; v++)
            for (int e = 0; e < EdgeCount; e++)
                if (To[e] == v && a[e] != NoneBlock[e] && fromInput[From[e]]) fromInput[v] = true;
        toOutput[Output] = true;
        for (int v = Output - 1; v >= 0; v--)
            for (int e = 0; e < EdgeCount; e++)
                if (From[e] == v && a[e] != NoneBlock[e] && toOutput[To[e]]) toOutput[v] = true;
        var live = new bool[EdgeCount];
        for (int e = 0; e < EdgeCount; e++) live[e] = a[e] != NoneBlock[e] && fromInput[From[e]] && toOutput[To[e]];
        return live;
    }

    /// <summary>True when some path of non-none edges joins the input to the output.</summary>
    public bool IsConnected(Architecture a)
    {
        Live(a, out var fromInput, out _);
        return fromInput[Output];
    }

    /// <summary>
    /// The cell with edges set to none that do not reach the output (<paramref name="deadEnds"/>: their result is never used)
    /// and/or whose source is cut off from the input (<paramref name="cutOff"/>: they only ever see zeros).
    /// </summary>
    public Architecture Prune(Architecture a, bool deadEnds, bool cutOff)
    {
        Live(a, out var fromInput, out var toOutput);
        var c = a.ToArray();
        for (int e = 0; e < EdgeCount; e++)
            if ((deadEnds && !toOutput[To[e]]) || (cutOff && !fromInput[From[e]])) c[e] = NoneBlock[e];
        return new Architecture(c);
    }

    /// <summary>The same cell with every edge that carries no signal from input to output set to none (same function, up to dead computation).</summary>
    public Architecture Canonical(Architecture a)
    {
        var live = Live(a, out _, out _);
        var c = a.ToArray();
        for (int e = 0; e < EdgeCount; e++) if (!live[e]) c[e] = NoneBlock[e];
        return new Architecture(c);
    }
}
