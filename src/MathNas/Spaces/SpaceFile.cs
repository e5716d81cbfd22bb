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
        return Parse(SafeYaml.ReadFile(path, $"space file '{path}'", SafeYaml.Space), path);
    }

    /// <summary>Most nodes, blocks (all nodes together) and constraint terms a space file may declare.</summary>
    public const int MaxNodes = 10_000, MaxBlocks = 50_000, MaxTerms = 100_000;

    public static SearchSpace Parse(string text, string source = "<space>")
    {
        // The streaming guard first: nesting depth, size, expanded aliases, one document, no repeated key.
        SafeYaml.Check(text, $"space file '{source}'", SafeYaml.Space);
        SpaceDto? dto;
        try
        {
            var d = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).WithDuplicateKeyChecking().Build();
            dto = d.Deserialize<SpaceDto>(text);
        }
        catch (YamlException e)
        {
            throw new MathNasException($"space file '{source}' line {e.Start.Line}: {DescribeError(e)}");
        }
        if (dto is null) throw new MathNasException($"space file '{source}' is empty");
        return FromDto(dto, source);
    }

    /// <summary>Which part of the file each DTO type is, and its keys: unknown-key errors name these, never a .NET type.</summary>
    private static readonly (Type Type, string Part)[] Parts =
    [
        (typeof(SpaceDto), "the top level"), (typeof(NodeDto), "a node"), (typeof(BlockDto), "a block"),
        (typeof(ConstraintDto), "a constraint"), (typeof(TermDto), "a constraint term"),
    ];

    private static string DescribeError(YamlException e)
    {
        var msg = SafeYaml.Describe(e);
        // YamlDotNet: "Property 'latency' not found on type 'MathNas.Spaces.SpaceFile+BlockDto'."
        var m = System.Text.RegularExpressions.Regex.Match(msg, @"Property '(?<key>.*)' not found on type '(?<type>[^']*)'");
        if (m.Success)
        {
            var part = Parts.FirstOrDefault(p => p.Type.FullName == m.Groups["type"].Value);
            var keys = part.Type is null ? "" : $" (keys of {part.Part}: {string.Join(", ", part.Type.GetProperties().Select(p => UnderscoredNamingConvention.Instance.Apply(p.Name)))})";
            return $"unknown key '{m.Groups["key"].Value}' in {part.Part ?? "the file"}{keys}";
        }
        // Never show a .NET type name (e.g. conversions: "... to type System.Double") to the user.
        return System.Text.RegularExpressions.Regex.Replace(msg, @"'?(MathNas|System)\.[A-Za-z0-9_.+`\[\]]+'?", "a value of the expected kind");
    }

    private static SearchSpace FromDto(SpaceDto dto, string source)
    {
        string Where(string s) => $"space file '{source}': {s}";
        if (string.IsNullOrWhiteSpace(dto.Name)) throw new MathNasException(Where("'name' is missing"));
        // Names and units are echoed in tables and messages: no control characters (they could act on a terminal).
        void Plain(string? text, string what)
        {
            if (text is not null && text.Any(c => char.IsControl(c)))
                throw new MathNasException(Where($"{what} '{TextSafety.Escape(text)}' contains a control character"));
        }
        Plain(dto.Name, "'name'");
        Plain(dto.FlopsUnit, "'flops_unit'");
        Plain(dto.ParamsUnit, "'params_unit'");
        foreach (var n in dto.Nodes ?? [])
        {
            Plain(n?.Name, "node name");
            Plain(n?.Base, "base");
            foreach (var b in n?.Blocks ?? []) Plain(b?.Name, "block name");
        }
        foreach (var c in dto.Constraints ?? []) Plain(c?.Name, "constraint name");
        if (dto.Nodes is null || dto.Nodes.Count == 0) throw new MathNasException(Where("'nodes' is missing or empty"));
        if (dto.Nodes.Count > MaxNodes) throw new MathNasException(Where($"{dto.Nodes.Count:N0} nodes; at most {MaxNodes:N0} are supported"));
        long blockCount = dto.Nodes.Sum(n => (long)(n?.Blocks?.Count ?? 0));
        if (blockCount > MaxBlocks) throw new MathNasException(Where($"{blockCount:N0} blocks; at most {MaxBlocks:N0} are supported"));
        long termCount = (dto.Constraints ?? []).Sum(c => (long)(c?.Terms?.Count ?? 0));
        if (termCount > MaxTerms) throw new MathNasException(Where($"{termCount:N0} constraint terms; at most {MaxTerms:N0} are supported"));
        Finite(dto.FixedFlops, "'fixed_flops'");
        Finite(dto.FixedParams, "'fixed_params'");
        void Finite(double v, string what)
        {
            if (!double.IsFinite(v)) throw new MathNasException(Where($"{what} is {v.ToString(CultureInfo.InvariantCulture)}; it must be a finite number"));
        }
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
                Finite(b.Flops.Value, $"node '{name}', block {j}: 'flops'");
                Finite(b.Params ?? 0, $"node '{name}', block {j}: 'params'");
                blocks.Add(new Block(string.IsNullOrWhiteSpace(b.Name) ? $"b{j}" : b.Name!, b.Flops.Value, b.Params ?? 0));
            }
            int baseIndex = 0;
            if (!string.IsNullOrWhiteSpace(n.Base))
            {
                baseIndex = blocks.FindIndex(b => b.Name == n.Base);
                if (baseIndex < 0 && !int.TryParse(n.Base, NumberStyles.Integer, CultureInfo.InvariantCulture, out baseIndex))
                    throw new MathNasException(Where($"node '{name}': base '{n.Base}' is neither a block name nor an index"));
            }
            try { nodes.Add(new Node(name, blocks, baseIndex)); }
            catch (MathNasException e) { throw new MathNasException(Where(e.Message)); }
        }
        var constraints = new List<LinearConstraint>();
        // Name lookups through dictionaries: a file with many terms must not cost nodes x terms comparisons.
        var nodeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++) nodeIndex.TryAdd(nodes[i].Name, i);
        var blockIndex = nodes.Select(n =>
        {
            var d = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int j = 0; j < n.Count; j++) d.TryAdd(n.Blocks[j].Name, j);
            return d;
        }).ToArray();
        foreach (var c in dto.Constraints ?? [])
        {
            if (c is null) throw new MathNasException(Where($"constraint {constraints.Count} is empty"));
            var cname = c.Name ?? $"constraint{constraints.Count}";
            if (c.Terms is null || c.Terms.Count == 0) throw new MathNasException(Where($"constraint '{cname}' has no terms"));
            if (c.Rhs is null) throw new MathNasException(Where($"constraint '{cname}' has no 'rhs'"));
            Finite(c.Rhs.Value, $"constraint '{cname}': 'rhs'");
            var terms = new List<ConstraintTerm>();
            foreach (var t in c.Terms)
            {
                if (t is null) throw new MathNasException(Where($"constraint '{cname}' has an empty term"));
                Finite(t.Coef, $"constraint '{cname}', node '{t.Node}': 'coef'");
                if (t.Node is null || !nodeIndex.TryGetValue(t.Node, out int ni)) throw new MathNasException(Where($"constraint '{cname}' names node '{t.Node}', which does not exist"));
                if (t.Block is null || !blockIndex[ni].TryGetValue(t.Block, out int bj)) throw new MathNasException(Where($"constraint '{cname}' names block '{t.Block}' of node '{t.Node}', which does not exist"));
                terms.Add(new ConstraintTerm(ni, bj, t.Coef));
            }
            constraints.Add(new LinearConstraint(cname, terms, c.Rhs.Value));
        }
        try
        {
            return new SearchSpace(dto.Name!, nodes, dto.FixedFlops, dto.FixedParams, constraints,
                dto.FlopsUnit ?? "MFLOPs", dto.ParamsUnit ?? "M", dto.Description ?? "");
        }
        catch (MathNasException e) { throw new MathNasException(Where(e.Message)); }
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
