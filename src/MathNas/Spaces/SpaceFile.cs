using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MathNas.Spaces;

/// <summary>
/// Reads and writes user-defined search spaces as YAML or JSON (JSON is read by the same parser).
/// The format is documented in docs/space-format.md; examples/tiny-space.yml is an example.
/// </summary>
public static class SpaceFile
{
    public sealed class BlockDto
    {
        public string? Name { get; set; }
        public double? Flops { get; set; }
        public double? Params { get; set; }
    }

    public sealed class NodeDto
    {
        public string? Name { get; set; }
        /// <summary>Base block: its name or its index (default 0).</summary>
        public string? Base { get; set; }
        public List<BlockDto>? Blocks { get; set; }
    }

    public sealed class TermDto
    {
        public string? Node { get; set; }
        public string? Block { get; set; }
        public double Coef { get; set; } = 1;
    }

    public sealed class ConstraintDto
    {
        public string? Name { get; set; }
        public List<TermDto>? Terms { get; set; }
        public double? Rhs { get; set; }
    }

    public sealed class SpaceDto
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public string? FlopsUnit { get; set; }
        public string? ParamsUnit { get; set; }
        public double FixedFlops { get; set; }
        public double FixedParams { get; set; }
        public List<NodeDto>? Nodes { get; set; }
        public List<ConstraintDto>? Constraints { get; set; }
    }

    public static SearchSpace Load(string path)
    {
        if (!File.Exists(path)) throw new MathNasException($"space file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    public static SearchSpace Parse(string text, string source = "<space>")
    {
        SpaceDto? dto;
        try
        {
            var d = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
            dto = d.Deserialize<SpaceDto>(text);
        }
        catch (YamlException e)
        {
            var inner = e.InnerException?.Message ?? e.Message;
            throw new MathNasException($"space file '{source}' line {e.Start.Line}: {inner}");
        }
        if (dto is null) throw new MathNasException($"space file '{source}' is empty");
        return FromDto(dto, source);
    }

    private static SearchSpace FromDto(SpaceDto dto, string source)
    {
        string Where(string s) => $"space file '{source}': {s}";
        if (string.IsNullOrWhiteSpace(dto.Name)) throw new MathNasException(Where("'name' is missing"));
        if (dto.Nodes is null || dto.Nodes.Count == 0) throw new MathNasException(Where("'nodes' is missing or empty"));
        var nodes = new List<Node>();
        for (int i = 0; i < dto.Nodes.Count; i++)
        {
            var n = dto.Nodes[i] ?? throw new MathNasException(Where($"node {i} is empty"));
            var name = string.IsNullOrWhiteSpace(n.Name) ? $"node{i}" : n.Name!;
            if (n.Blocks is null || n.Blocks.Count == 0) throw new MathNasException(Where($"node '{name}' has no blocks"));
            var blocks = new List<Block>();
            for (int j = 0; j < n.Blocks.Count; j++)
            {
                var b = n.Blocks[j] ?? throw new MathNasException(Where($"node '{name}', block {j} is empty"));
                if (b.Flops is null) throw new MathNasException(Where($"node '{name}', block {j}: 'flops' is missing"));
                blocks.Add(new Block(string.IsNullOrWhiteSpace(b.Name) ? $"b{j}" : b.Name!, b.Flops.Value, b.Params ?? 0));
            }
            int baseIndex = 0;
            if (!string.IsNullOrWhiteSpace(n.Base))
            {
                baseIndex = blocks.FindIndex(b => b.Name == n.Base);
                if (baseIndex < 0 && !int.TryParse(n.Base, NumberStyles.Integer, CultureInfo.InvariantCulture, out baseIndex))
                    throw new MathNasException(Where($"node '{name}': base '{n.Base}' is neither a block name nor an index"));
            }
            nodes.Add(new Node(name, blocks, baseIndex));
        }
        var constraints = new List<LinearConstraint>();
        foreach (var c in dto.Constraints ?? [])
        {
            var cname = c.Name ?? $"constraint{constraints.Count}";
            if (c.Terms is null || c.Terms.Count == 0) throw new MathNasException(Where($"constraint '{cname}' has no terms"));
            if (c.Rhs is null) throw new MathNasException(Where($"constraint '{cname}' has no 'rhs'"));
            var terms = new List<ConstraintTerm>();
            foreach (var t in c.Terms)
            {
                int ni = nodes.FindIndex(n => n.Name == t.Node);
                if (ni < 0) throw new MathNasException(Where($"constraint '{cname}' names node '{t.Node}', which does not exist"));
                int bj = t.Block is null ? -1 : nodes[ni].IndexOf(t.Block);
                if (bj < 0) throw new MathNasException(Where($"constraint '{cname}' names block '{t.Block}' of node '{t.Node}', which does not exist"));
                terms.Add(new ConstraintTerm(ni, bj, t.Coef));
            }
            constraints.Add(new LinearConstraint(cname, terms, c.Rhs.Value));
        }
        return new SearchSpace(dto.Name!, nodes, dto.FixedFlops, dto.FixedParams, constraints,
            dto.FlopsUnit ?? "MFLOPs", dto.ParamsUnit ?? "M", dto.Description ?? "");
    }

    /// <summary>Writes a space in this format (YAML).</summary>
    public static string ToYaml(SearchSpace space)
    {
        var dto = new SpaceDto
        {
            Name = space.Name,
            Description = space.Description,
            FlopsUnit = space.FlopsUnit,
            ParamsUnit = space.ParamsUnit,
            FixedFlops = space.FixedFlops,
            FixedParams = space.FixedParams,
            Nodes = space.Nodes.Select(n => new NodeDto
            {
                Name = n.Name,
                Base = n.Blocks[n.BaseIndex].Name,
                Blocks = n.Blocks.Select(b => new BlockDto { Name = b.Name, Flops = b.Flops, Params = b.Params }).ToList(),
            }).ToList(),
            Constraints = space.Constraints.Count == 0 ? null : space.Constraints.Select(c => new ConstraintDto
            {
                Name = c.Name,
                Rhs = c.Rhs,
                Terms = c.Terms.Select(t => new TermDto { Node = space.Nodes[t.Node].Name, Block = space.Nodes[t.Node].Blocks[t.Block].Name, Coef = t.Coefficient }).ToList(),
            }).ToList(),
        };
        var s = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build();
        return s.Serialize(dto);
    }
}
