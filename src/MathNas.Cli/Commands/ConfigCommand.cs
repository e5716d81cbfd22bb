using System.CommandLine;
using MathNas.Spaces;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas config`: converts between a block code and the space's native config (OFA, NASViT, HAT, NB201).</summary>
internal sealed class ConfigCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var arch = new Option<string>("--arch", "-a", "--config")
        {
            Description = "the network: a code (\"0,1,0,...\"), the space's own notation, or a native config file (.yml)",
            Required = true,
        };
        var output = new Option<string?>("--out", "-o") { Description = "write the native config here (with the space and code as '#' comments)" };
        var format = CliEnv.ConfigFormatOption();
        var json = CliEnv.JsonOption();
        var cmd = new Command("config", "convert a network between its block code and the original project's config (both ways)") { space, arch, output, format, json };
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            var native = NativeConfigs.Require(sp);
            var fmt = NativeConfigs.CheckFormat(native, p.GetValue(format));
            var a = sp.ParseArchitecture(p.GetValue(arch)!);
            var text = native.WriteConfig(a, fmt);
            var back = native.ReadConfig(text, "<written config>");
            if (!back.Equals(a)) throw new MathNasException($"internal error: the written config reads back as {back}, not {a}");
            var costs = CliEnv.CostLines(sp, a);
            if (p.GetValue(output) is { } path)
                NativeConfigs.Save(native, a, path, [$"space: {sp.Name}; code: {a}", .. costs], fmt);
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    space = sp.Name, format = native.FormatName, layout = fmt, code = a.ToArray(), architecture = sp.Describe(a),
                    flops = CliEnv.FlopsOf(sp, a), @params = CliEnv.ParamsOf(sp, a), exact = CliEnv.ExactJson(sp, a),
                    config = text, @out = p.GetValue(output),
                });
                return 0;
            }
            env.Out.WriteLine($"# space: {sp.Name}; code: {a}; {native.FormatName}, layout {fmt}");
            foreach (var line in costs) env.Out.WriteLine($"# {line}");
            env.Out.Write(text);
            if (p.GetValue(output) is { } written) env.Err.WriteLine($"wrote {written}");
            return 0;
        });
        return cmd;
    }
}
