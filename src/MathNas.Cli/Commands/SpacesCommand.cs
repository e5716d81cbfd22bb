using System.CommandLine;
using MathNas.Spaces;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas spaces`: the built-in search spaces, or one space's nodes in detail.</summary>
internal sealed class SpacesCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var show = new Option<string?>("--show") { Description = "show the nodes and blocks of one space (name or file)" };
        var cmd = new Command("spaces", "list the built-in search spaces, or show one") { json, show };
        env.SetAction(cmd, p =>
        {
            var name = p.GetValue(show);
            if (name is null)
            {
                var rows = SpaceRegistry.List().Select(s =>
                {
                    // a space that needs data which is absent (e.g. the reference's candidate blocks) is listed as unavailable
                    try
                    {
                        var sp = SpaceRegistry.Resolve(s.Name);
                        return new { name = s.Name, description = s.Description, nodes = sp.NodeCount, blocks = sp.TotalBlocks, size = sp.Size.ToString(), valid_networks = ValidNetworks.Count(sp)?.ToString(), constraints = sp.Constraints.Count };
                    }
                    catch (MathNasException e)
                    {
                        return new { name = s.Name, description = $"{s.Description} [unavailable: {e.Message}]", nodes = 0, blocks = 0, size = "-", valid_networks = (string?)null, constraints = 0 };
                    }
                }).ToList();
                if (p.GetValue(json)) { env.WriteJson(new { spaces = rows }); return 0; }
                var t = new Table().AddColumns("space", "nodes", "blocks", "networks (valid)", "before constraints", "description");
                foreach (var r in rows)
                    t.AddRow(Markup.Escape(r.name), r.nodes.ToString(), r.blocks.ToString(), ValidText(r.valid_networks, r.size, r.constraints), r.constraints > 0 ? r.size : "", Markup.Escape(r.description));
                env.Console.Write(t);
                return 0;
            }
            var space = SpaceRegistry.Resolve(name);
            var nodes = space.Nodes.Select(n => new
            {
                name = n.Name,
                @base = n.Blocks[n.BaseIndex].Name,
                blocks = n.Blocks.Select(b => new { name = b.Name, flops = b.Flops, @params = b.Params }).ToList(),
            }).ToList();
            var valid = ValidNetworks.Count(space)?.ToString();
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    name = space.Name, description = space.Description, size = space.Size.ToString(), valid_networks = valid,
                    fixed_flops = space.FixedFlops, fixed_params = space.FixedParams,
                    flops_unit = space.FlopsUnit, params_unit = space.ParamsUnit, nodes,
                    constraints = space.Constraints.Select(c => c.Name).ToList(),
                });
                return 0;
            }
            var count = space.Constraints.Count == 0 ? $"{space.Size} networks"
                : valid is null ? $"{space.Size} networks before its {space.Constraints.Count} consistency constraints (valid count not computed)"
                : $"{valid} valid networks ({space.Size} before its {space.Constraints.Count} consistency constraints)";
            env.Console.WriteLine($"{space.Name}: {space.NodeCount} nodes, {count}; fixed part {CliEnv.Num(space.FixedFlops)} {space.FlopsUnit}, {CliEnv.Num(space.FixedParams)} {space.ParamsUnit} params");
            var table = new Table().AddColumns("node", "block", $"FLOPs ({space.FlopsUnit})", $"params ({space.ParamsUnit})", "base");
            foreach (var n in space.Nodes)
                for (int j = 0; j < n.Count; j++)
                    table.AddRow(Markup.Escape(n.Name), Markup.Escape(n.Blocks[j].Name), CliEnv.Num(n.Blocks[j].Flops), CliEnv.Num(n.Blocks[j].Params, 6), j == n.BaseIndex ? "*" : "");
            env.Console.Write(table);
            if (space.Constraints.Count > 0) env.Console.WriteLine($"consistency constraints: {string.Join(", ", space.Constraints.Select(c => c.Name))}");
            return 0;
        });
        return cmd;
    }

    private static string ValidText(string? valid, string size, int constraints) =>
        constraints == 0 ? size : valid ?? $"{size} (before constraints)";
}
