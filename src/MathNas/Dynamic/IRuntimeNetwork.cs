using MathNas.Spaces;

namespace MathNas.Dynamic;

/// <summary>One node whose block changes in a switch: <see cref="From"/> and <see cref="To"/> are block indices of the space.</summary>
public readonly record struct BlockChange(int Node, int From, int To);

/// <summary>
/// A network running on the device whose blocks can be switched one node at a time (METHOD.md section 5).
/// The controller only measures, decides and asks it to switch; the network does the work.
/// </summary>
public interface IRuntimeNetwork
{
    /// <summary>The architecture that <see cref="RunOnce"/> runs now.</summary>
    Architecture Current { get; }

    /// <summary>Runs one inference and returns its measured wall time in milliseconds.</summary>
    double RunOnce();

    /// <summary>Switches the given nodes to their new blocks in place (blocks already loaded), leaving the other nodes untouched.</summary>
    void Switch(IReadOnlyList<BlockChange> changes);

    /// <summary>Replaces the whole network by a freshly built one of architecture <paramref name="architecture"/>
    /// (the baseline a block-level switch is compared with).</summary>
    void Rebuild(Architecture architecture);
}

/// <summary>The nodes whose block differs between two architectures, in node order.</summary>
public static class BlockChanges
{
    public static IReadOnlyList<BlockChange> Between(Architecture from, Architecture to)
    {
        if (from.Count != to.Count) throw new MathNasException($"cannot switch a {from.Count}-node network to a {to.Count}-node one");
        var list = new List<BlockChange>();
        for (int i = 0; i < from.Count; i++)
            if (from[i] != to[i]) list.Add(new BlockChange(i, from[i], to[i]));
        return list;
    }

    /// <summary>Applies changes to an architecture (checks that each change starts from the current block).</summary>
    public static Architecture Apply(Architecture a, IReadOnlyList<BlockChange> changes)
    {
        var c = a.ToArray();
        foreach (var ch in changes)
        {
            if (ch.Node < 0 || ch.Node >= c.Length) throw new MathNasException($"switch names node {ch.Node}, which does not exist");
            if (c[ch.Node] != ch.From) throw new MathNasException($"switch of node {ch.Node} expects block {ch.From} but the network has block {c[ch.Node]}");
            c[ch.Node] = ch.To;
        }
        return new Architecture(c);
    }
}
