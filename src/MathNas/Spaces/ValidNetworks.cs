using System.Globalization;
using System.Numerics;

namespace MathNas.Spaces;

/// <summary>
/// The exact number of networks of a space that meet its consistency constraints, without enumerating them.
/// Nodes that no constraint names contribute a factor n_i. The constrained nodes are split into groups linked by
/// shared constraints; within a group, blocks with the same coefficients in every constraint are merged into one
/// class with a multiplicity, and a dynamic program runs over the group's nodes with the constraints' partial sums
/// as state; a constraint is checked (and dropped from the state) as soon as its last node is placed.
/// </summary>
public static class ValidNetworks
{
    /// <summary>
    /// The count of valid networks, or null when the dynamic program would need more than
    /// <paramref name="maxStates"/> states in one group (then only <see cref="SearchSpace.Size"/>, the count before
    /// constraints, is known).
    /// </summary>
    public static BigInteger? Count(SearchSpace space, int maxStates = 1_000_000)
    {
        var cons = space.Constraints;
        if (cons.Count == 0) return space.Size;
        int m = space.NodeCount;

        // union-find over constraints: two constraints are linked when they name a common node
        var parent = Enumerable.Range(0, cons.Count).ToArray();
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        var ownerOfNode = new int[m];
        Array.Fill(ownerOfNode, -1);
        for (int k = 0; k < cons.Count; k++)
            foreach (var t in cons[k].Terms)
            {
                if (ownerOfNode[t.Node] < 0) ownerOfNode[t.Node] = k;
                else parent[Find(k)] = Find(ownerOfNode[t.Node]);
            }

        var total = BigInteger.One;
        for (int i = 0; i < m; i++) if (ownerOfNode[i] < 0) total *= space.Nodes[i].Count;

        foreach (var group in Enumerable.Range(0, cons.Count).GroupBy(Find))
        {
            var ks = group.ToArray();
            var nodes = ks.SelectMany(k => cons[k].Terms.Select(t => t.Node)).Distinct().Order().ToArray();
            var c = GroupCount(space, ks, nodes, maxStates);
            if (c is null) return null;
            total *= c.Value;
        }
        return total;
    }

    private static BigInteger? GroupCount(SearchSpace space, int[] ks, int[] nodes, int maxStates)
    {
        var cons = space.Constraints;
        int nk = ks.Length;
        if (nodes.Length == 0) return ks.All(k => Feasibility.IsMet(0, cons[k].Rhs)) ? BigInteger.One : BigInteger.Zero;
        // coefficient of (node, block) in each constraint of the group
        var lastPos = new int[nk];
        var classes = new List<(double[] Coef, int Mult)>[nodes.Length];
        for (int p = 0; p < nodes.Length; p++)
        {
            int node = nodes[p];
            var coef = new double[space.Nodes[node].Count][];
            for (int j = 0; j < coef.Length; j++) coef[j] = new double[nk];
            for (int q = 0; q < nk; q++)
                foreach (var t in cons[ks[q]].Terms)
                    if (t.Node == node) { coef[t.Block][q] += t.Coefficient; lastPos[q] = Math.Max(lastPos[q], p); }
            classes[p] = coef.GroupBy(Key).Select(g => (g.First(), g.Count())).ToList();
        }

        var states = new Dictionary<string, (double[] Sum, BigInteger Count)> { [Key(new double[nk])] = (new double[nk], BigInteger.One) };
        for (int p = 0; p < nodes.Length; p++)
        {
            var next = new Dictionary<string, (double[] Sum, BigInteger Count)>();
            foreach (var (sum, count) in states.Values)
            {
                foreach (var (coef, mult) in classes[p])
                {
                    var s = new double[nk];
                    bool ok = true;
                    for (int q = 0; q < nk; q++)
                    {
                        s[q] = sum[q] + coef[q];
                        if (lastPos[q] == p)
                        {
                            if (!Feasibility.IsMet(s[q], cons[ks[q]].Rhs)) { ok = false; break; }
                            s[q] = 0; // checked: no longer part of the state
                        }
                    }
                    if (!ok) continue;
                    var key = Key(s);
                    next[key] = next.TryGetValue(key, out var e) ? (e.Sum, e.Count + count * mult) : (s, count * mult);
                }
            }
            if (next.Count > maxStates) return null;
            states = next;
        }
        return states.Values.Aggregate(BigInteger.Zero, (a, s) => a + s.Count);
    }

    private static string Key(double[] v) => string.Join(";", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
}
