using System.CommandLine;
using MathNas.Prediction;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas predict`: a network's metrics predicted from block tables (METHOD.md section 3).</summary>
internal sealed class PredictCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var space = CliEnv.SpaceOption();
        var tables = CliEnv.TablesOption(required: false);
        var arch = new Option<string>("--arch", "-a", "--config")
        {
            Description = "the network: a code (\"3,3,4,1,3,1\"), the space's own notation (NAS-Bench-201 arch string) or a native config file (.yml: OFA ks/e/d, NASViT, HAT, NB201 'arch')",
            Required = true,
        };
        var model = CliEnv.AccuracyModelOption();
        var parity = new Option<string?>("--parity")
        {
            Description = "'reference': reproduce the MathNAS reference project's predict.py exactly (its published tables and formulas, defects included); --arch is then the reference's own code or a config file (.yml) as predict.py reads it",
        };
        var device = new Option<string?>("--device") { Description = "with --parity reference: the reference device (fpga, edgegpu, raspberrypi, tx2cpu, tx2gpu, xeon, titanxp, ...)" };
        var cmd = new Command("predict", "predict a network's accuracy, latency, ... from block tables") { space, tables, arch, model, parity, device, json };
        env.SetAction(cmd, p =>
        {
            if (p.GetValue(parity) is { } par)
            {
                if (par != "reference") throw new MathNasException($"unknown --parity '{par}': the only parity mode is 'reference'");
                var spaceName = p.GetValue(space)!;
                var dev = p.GetValue(device) ?? "";
                var archText = p.GetValue(arch)!;
                // a config file (.yml) is read as predict.py reads it; otherwise the text is the reference's own code
                var code = Spaces.NativeConfigs.IsConfigPath(archText)
                    ? Reference.ReferenceConfigs.Load(spaceName, dev, archText)
                    : Spaces.Architecture.Parse(archText).ToArray();
                var r = new Reference.ReferencePredictor(Reference.ReferenceData.Load(), Reference.ReferenceMode.Parity).Predict(spaceName, dev, code);
                if (p.GetValue(json))
                {
                    env.WriteJson(new { space = spaceName, device = dev, code, parity = "reference", predicted = new { accuracy = r.Accuracy, cost = r.Cost } });
                    return 0;
                }
                env.Console.WriteLine($"reference parity ({spaceName}, device '{dev}'), code {string.Join(",", code)}: accuracy {CliEnv.Num(r.Accuracy, 9)}, cost {CliEnv.Num(r.Cost, 9)}");
                return 0;
            }
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!);
            var t = env.ResolveTables(p.GetValue(tables), sp);
            var m = CliEnv.ResolveAccuracyModel(p.GetValue(model), t);
            var a = sp.ParseArchitecture(p.GetValue(arch)!);
            var predictor = new Predictor(sp, t, m);
            var predicted = predictor.PredictAll(a);
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    space = sp.Name,
                    code = a.ToArray(),
                    architecture = sp.Describe(a),
                    accuracy_model = m.Name(),
                    predicted,
                    below_zero = Search.BelowZero.Flagged(predicted),
                    exact = CliEnv.ExactJson(sp, a),
                });
                return 0;
            }
            env.Console.WriteLine($"{sp.Describe(a)}  (code {a})");
            bool exact = sp is Spaces.IExactCostSpace;
            if (exact)
                foreach (var line in CliEnv.CostLines(sp, a)) env.Console.WriteLine(Markup.Escape(line));
            var table = new Table().AddColumns("metric", "predicted", "unit");
            foreach (var (metric, v) in predicted)
            {
                var label = exact && metric is Tables.MetricNames.Flops or Tables.MetricNames.Params ? $"{metric} (additive block model)" : metric;
                table.AddRow(Markup.Escape(label), CliEnv.NumOf(metric, v), Markup.Escape(CliEnv.UnitOf(metric, t, sp)));
            }
            env.Console.Write(table);
            if (CliEnv.BelowZeroWarning(predicted) is { } warn) env.Console.WriteLine(warn);
            if (t.Has(Tables.MetricNames.Accuracy)) env.Console.WriteLine($"accuracy model: {m.Name()}");
            return 0;
        });
        return cmd;
    }
}
