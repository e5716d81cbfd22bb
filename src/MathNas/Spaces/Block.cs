namespace MathNas.Spaces;

/// <summary>One alternative block of a node, with its static costs computed from its definition.</summary>
/// <param name="Name">Human-readable name, unique within its node (e.g. "nor_conv_3x3", "k5_e4").</param>
/// <param name="Flops">FLOPs the block adds to a network, in the space's <see cref="SearchSpace.FlopsUnit"/>.</param>
/// <param name="Params">Parameters the block adds, in the space's <see cref="SearchSpace.ParamsUnit"/>.</param>
public sealed record Block(string Name, double Flops, double Params);

/// <summary>A node of the space: one block is chosen out of <see cref="Blocks"/>.</summary>
public sealed class Node
{
    public Node(string name, IReadOnlyList<Block> blocks, int baseIndex = 0)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new MathNasException("a node needs a name");
        if (blocks.Count == 0) throw new MathNasException($"node '{name}' has no blocks");
        if (baseIndex < 0 || baseIndex >= blocks.Count)
            throw new MathNasException($"node '{name}': base block {baseIndex} is out of range 0..{blocks.Count - 1}");
        var dup = blocks.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new MathNasException($"node '{name}': block name '{dup.Key}' appears twice");
        foreach (var b in blocks)
        {
            if (!double.IsFinite(b.Flops) || !double.IsFinite(b.Params))
                throw new MathNasException($"node '{name}', block '{b.Name}': FLOPs and params must be finite numbers");
        }
        Name = name;
        Blocks = blocks;
        BaseIndex = baseIndex;
    }

    public string Name { get; }
    public IReadOnlyList<Block> Blocks { get; }
    /// <summary>The base block b_{i,1} of METHOD.md section 2: its delta is 0 in every table.</summary>
    public int BaseIndex { get; }
    public int Count => Blocks.Count;

    public int IndexOf(string blockName)
    {
        for (int j = 0; j < Blocks.Count; j++) if (Blocks[j].Name == blockName) return j;
        return -1;
    }

    public double MeanFlops => Blocks.Average(b => b.Flops);
}

/// <summary>
/// A linear constraint over the choice indicators x_{i,j}: sum(coef * x_{node,block}) &lt;= Rhs.
/// Used for consistency between optional nodes (e.g. "decoder layer k absent implies layer k+1 absent").
/// </summary>
public sealed record LinearConstraint(string Name, IReadOnlyList<ConstraintTerm> Terms, double Rhs)
{
    public double Lhs(Architecture a)
    {
        double s = 0;
        foreach (var t in Terms) if (a[t.Node] == t.Block) s += t.Coefficient;
        return s;
    }

    public bool IsSatisfied(Architecture a) => Feasibility.IsMet(Lhs(a), Rhs);
}

public readonly record struct ConstraintTerm(int Node, int Block, double Coefficient);
