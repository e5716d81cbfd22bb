using System.Numerics;

namespace MathNas.Spaces;

/// <summary>
/// A modular search space (METHOD.md section 1): m nodes, node i with n_i alternative blocks,
/// a fixed part (F0, P0) that no node changes, and optional linear consistency constraints.
/// A network is exactly one block per node.
/// </summary>
public class SearchSpace
{
    public SearchSpace(
        string name,
        IReadOnlyList<Node> nodes,
        double fixedFlops = 0,
        double fixedParams = 0,
        IReadOnlyList<LinearConstraint>? constraints = null,
        string flopsUnit = "MFLOPs",
        string paramsUnit = "M",
        string description = "")
    {
        if (string.IsNullOrWhiteSpace(name)) throw new MathNasException("a search space needs a name");
        if (nodes.Count == 0) throw new MathNasException($"search space '{name}' has no nodes");
        var dup = nodes.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new MathNasException($"search space '{name}': node name '{dup.Key}' appears twice");
        Name = name;
        Nodes = nodes;
        FixedFlops = fixedFlops;
        FixedParams = fixedParams;
        Constraints = constraints ?? [];
        FlopsUnit = flopsUnit;
        ParamsUnit = paramsUnit;
        Description = description;
        if (!double.IsFinite(fixedFlops) || !double.IsFinite(fixedParams))
            throw new MathNasException($"search space '{name}': the fixed FLOPs and params must be finite numbers");
        // The largest magnitude any network's FLOPs or params can reach must be a finite number (no overflowing sum).
        double flopsBound = Math.Abs(fixedFlops), paramsBound = Math.Abs(fixedParams);
        foreach (var n in nodes)
        {
            flopsBound += n.Blocks.Max(b => Math.Abs(b.Flops));
            paramsBound += n.Blocks.Max(b => Math.Abs(b.Params));
        }
        if (!double.IsFinite(flopsBound) || !double.IsFinite(paramsBound))
            throw new MathNasException($"search space '{name}': the FLOPs or params of a network overflow (the sum of the block values is not a finite number)");
        foreach (var c in Constraints)
        {
            if (!double.IsFinite(c.Rhs)) throw new MathNasException($"search space '{name}': constraint '{c.Name}' has a right-hand side that is not a finite number");
            double lhsBound = 0;
            foreach (var t in c.Terms) lhsBound += Math.Abs(t.Coefficient);
            if (!double.IsFinite(lhsBound)) throw new MathNasException($"search space '{name}': the coefficients of constraint '{c.Name}' are not finite numbers or their sum overflows");
            foreach (var t in c.Terms)
            {
                if (t.Node < 0 || t.Node >= nodes.Count || t.Block < 0 || t.Block >= nodes[t.Node].Count)
                    throw new MathNasException($"search space '{name}': constraint '{c.Name}' names block {t.Block} of node {t.Node}, which does not exist");
            }
        }
    }

    public string Name { get; }
    public string Description { get; }
    public IReadOnlyList<Node> Nodes { get; }
    public double FixedFlops { get; }
    public double FixedParams { get; }
    public IReadOnlyList<LinearConstraint> Constraints { get; }
    public string FlopsUnit { get; }
    public string ParamsUnit { get; }

    /// <summary>
    /// Structure the space declares (e.g. a cell must join its input to its output): networks that break it are valid
    /// codes but degenerate; the guided search keeps them out of its samples and solves (<see cref="IsConnected"/>).
    /// </summary>
    public IReadOnlyList<ConnectivityConstraint> Connectivity { get; init; } = [];

    /// <summary>The network with every node that lies on no whole path of a <see cref="Connectivity"/> constraint removed (the same function).</summary>
    public Architecture Canonical(Architecture a)
    {
        foreach (var c in Connectivity) a = c.Canonical(a);
        return a;
    }

    /// <summary>True when the network has no dead computation (<see cref="Canonical"/> leaves it unchanged).</summary>
    public bool IsCanonical(Architecture a) => Connectivity.Count == 0 || Canonical(a).Equals(a);

    /// <summary>True when the network meets every <see cref="Connectivity"/> constraint of the space.</summary>
    public bool IsConnected(Architecture a)
    {
        foreach (var c in Connectivity) if (!c.IsSatisfied(a)) return false;
        return true;
    }

    public int NodeCount => Nodes.Count;
    public int[] ChoiceCounts => Nodes.Select(n => n.Count).ToArray();
    public int TotalBlocks => Nodes.Sum(n => n.Count);

    /// <summary>prod_i n_i: the number of one-choice-per-node combinations (before consistency constraints).</summary>
    public BigInteger Size => Nodes.Aggregate(BigInteger.One, (p, n) => p * n.Count);

    /// <summary>The base network Ñ = (b_{1,1}, ..., b_{m,1}).</summary>
    public Architecture BaseArchitecture => new(Nodes.Select(n => n.BaseIndex));

    public double Flops(Architecture a)
    {
        Validate(a);
        double f = FixedFlops;
        for (int i = 0; i < Nodes.Count; i++) f += Nodes[i].Blocks[a[i]].Flops;
        return f;
    }

    public double Params(Architecture a)
    {
        Validate(a);
        double p = FixedParams;
        for (int i = 0; i < Nodes.Count; i++) p += Nodes[i].Blocks[a[i]].Params;
        return p;
    }

    /// <summary>Null when the architecture is a network of this space; otherwise why not.</summary>
    public string? Check(Architecture a)
    {
        if (a.Count != Nodes.Count)
            return $"architecture has {a.Count} choices but space '{Name}' has {Nodes.Count} nodes";
        for (int i = 0; i < Nodes.Count; i++)
        {
            if (a[i] < 0 || a[i] >= Nodes[i].Count)
                return $"node {i} ('{Nodes[i].Name}') has blocks 0..{Nodes[i].Count - 1}, not {a[i]}";
        }
        foreach (var c in Constraints)
        {
            if (!c.IsSatisfied(a)) return $"architecture breaks the consistency constraint '{c.Name}'";
        }
        return null;
    }

    public bool IsValid(Architecture a) => Check(a) is null;

    public void Validate(Architecture a)
    {
        var why = Check(a);
        if (why is not null) throw new MathNasException(why);
    }

    /// <summary>Human-readable form of an architecture; built-in spaces override it (e.g. NAS-Bench-201 arch strings).</summary>
    public virtual string Describe(Architecture a) =>
        string.Join(" ", Enumerable.Range(0, a.Count).Select(i => $"{Nodes[i].Name}={Nodes[i].Blocks[a[i]].Name}"));

    /// <summary>
    /// Parses an architecture given as a code ("3,3,1,0,2,4"), in the space's own notation (what <see cref="Describe"/> prints:
    /// by default "node=block node=block ..."), or, for a space with a native
    /// config format (<see cref="IConfigSpace"/>), as the path of a config file (.yml/.yaml).
    /// </summary>
    public virtual Architecture ParseArchitecture(string text)
    {
        if (this is IConfigSpace config && NativeConfigs.IsConfigPath(text)) return NativeConfigs.Load(config, text);
        // the default printed form (Describe): node=block node=block ...
        var a = ArchNotation.IsNotation(text) ? ArchNotation.NodeBlocks(this, text) : Architecture.Parse(text.Trim());
        Validate(a);
        return a;
    }

    /// <summary>Every network of the space (checked against <see cref="Constraints"/>), in mixed-radix order, last node fastest.</summary>
    public IEnumerable<Architecture> Enumerate()
    {
        var counts = ChoiceCounts;
        var c = new int[counts.Length];
        while (true)
        {
            var a = new Architecture(c);
            if (Constraints.Count == 0 || Constraints.All(k => k.IsSatisfied(a))) yield return a;
            int i = counts.Length - 1;
            while (i >= 0)
            {
                if (++c[i] < counts[i]) break;
                c[i] = 0;
                i--;
            }
            if (i < 0) yield break;
        }
    }

    /// <summary>A uniformly random network (uniform over choices per node; rejects networks that break constraints).</summary>
    public Architecture Sample(Random rng)
    {
        for (int attempt = 0; attempt < SamplingLimits.SampleAttempts; attempt++)
        {
            var c = new int[Nodes.Count];
            for (int i = 0; i < c.Length; i++) c[i] = rng.Next(Nodes[i].Count);
            var a = new Architecture(c);
            if (Constraints.Count == 0 || Constraints.All(k => k.IsSatisfied(a))) return a;
        }
        throw new MathNasException($"space '{Name}': could not sample a network that meets its consistency constraints");
    }
}
