using System.CommandLine;
using System.Globalization;
using MathNas.Reference;
using MathNas.Spaces;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas reference`: the reference project's (MathNAS repo) published tables.
/// Without a sub-command: the parity check over reference_predictions.csv.
/// `reference export`: a reference table as our TableSet JSON. `reference predict`: one code.
/// `reference defects`: the named defects and what the corrected model changes, on the published configs.
/// </summary>
internal sealed class ReferenceCommand : ICliCommand
{
    private static Option<string> SourceOption() => new("--source") { Description = "read the tables from the original .pt files (pt) or their CSV copies (csv)", DefaultValueFactory = _ => "pt" };
    private static Option<string> ModeOption() => new("--mode") { Description = "corrected (default: the named defects fixed) or parity (exactly the reference's predict.py)", DefaultValueFactory = _ => "corrected" };

    private static ReferenceSource ParseSource(string s) => s switch
    {
        "pt" => ReferenceSource.Pt,
        "csv" => ReferenceSource.Csv,
        _ => throw new MathNasException($"unknown --source '{s}': use pt or csv"),
    };

    internal static ReferenceMode ParseMode(string s) => s switch
    {
        "corrected" => ReferenceMode.Corrected,
        "parity" => ReferenceMode.Parity,
        _ => throw new MathNasException($"unknown --mode '{s}': use corrected or parity"),
    };

    private static int[] ParseCode(string text) =>
        text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                : throw new MathNasException($"code '{text}': '{p}' is not an integer")).ToArray();

    public Command Build(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var source = SourceOption();
        var cmd = new Command("reference", "the MathNAS reference project's published tables: parity check (default), export, predict, defects") { json, source };
        env.SetAction(cmd, p => Parity(env, ParseSource(p.GetValue(source)!), p.GetValue(json)));
        cmd.Subcommands.Add(BuildExport(env));
        cmd.Subcommands.Add(BuildPredict(env));
        cmd.Subcommands.Add(BuildDefects(env));
        return cmd;
    }

    private static int Parity(CliEnv env, ReferenceSource src, bool asJson)
    {
        var data = ReferenceData.Load(source: src);
        var path = Path.Combine(data.Root, "reference_predictions.csv");
        var sheet = ReferenceCsv.Read(path);
        var model = new ReferencePredictor(data, ReferenceMode.Parity);
        int cs = sheet.Column("space"), cc = sheet.Column("config"), cd = sheet.Column("device"), ca = sheet.Column("archcode"), pa = sheet.Column("pred_acc"), pc = sheet.Column("pred_cost");
        var rows = new List<(string Space, string Config, string Device, string Code, double RefAcc, double Acc, double RefCost, double Cost)>();
        for (int r = 0; r < sheet.Rows.Count; r++)
        {
            var row = sheet.Rows[r];
            var pred = model.Predict(row[cs], row[cd], ParseCode(row[ca]));
            rows.Add((row[cs], row[cc], row[cd], row[ca], sheet.Number(r, pa), pred.Accuracy, sheet.Number(r, pc), pred.Cost));
        }
        if (rows.Count == 0) throw new MathNasException($"'{path}' has a header but no prediction rows; the parity check needs at least one");
        // NaN-aware maxima: Enumerable.Max skips NaN, which would let NaN predictions pass as a match.
        double maxAcc = ReferenceParity.MaxAbsDiff(rows.Select(x => (x.Acc, x.RefAcc))), maxCost = ReferenceParity.MaxAbsDiff(rows.Select(x => (x.Cost, x.RefCost)));
        bool ok = maxAcc <= 1e-9 && maxCost <= 1e-9;
        if (asJson)
        {
            env.WriteJson(new
            {
                source = src.ToString().ToLowerInvariant(), rows = rows.Count, max_abs_diff_accuracy = maxAcc, max_abs_diff_cost = maxCost, tolerance = 1e-9, ok,
                vectors = rows.Select(x => new { space = x.Space, config = x.Config, device = x.Device, code = x.Code, reference_accuracy = x.RefAcc, accuracy = x.Acc, reference_cost = x.RefCost, cost = x.Cost }).ToList(),
            });
        }
        else
        {
            var t = new Table().AddColumns("space", "config", "device", "code", "acc (ref)", "acc (ours)", "cost (ref)", "cost (ours)", "|diff|");
            foreach (var x in rows)
                t.AddRow(Markup.Escape(x.Space), Markup.Escape(x.Config), Markup.Escape(x.Device), Markup.Escape(x.Code),
                    R(x.RefAcc), R(x.Acc), R(x.RefCost), R(x.Cost), Math.Max(Math.Abs(x.Acc - x.RefAcc), Math.Abs(x.Cost - x.RefCost)).ToString("G3", CultureInfo.InvariantCulture));
            env.Console.Write(t);
            env.Console.WriteLine($"parity ({src.ToString().ToLowerInvariant()} tables): {rows.Count} vectors, max |diff| accuracy {maxAcc.ToString("G3", CultureInfo.InvariantCulture)}, cost {maxCost.ToString("G3", CultureInfo.InvariantCulture)} (tolerance 1e-9): {(ok ? "OK" : "FAILED")}");
        }
        if (!ok) throw new MathNasException($"parity check failed: max |diff| accuracy {maxAcc}, cost {maxCost} exceed 1e-9");
        return 0;
    }

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static Command BuildExport(CliEnv env)
    {
        var space = new Option<string>("--space", "-s") { Description = $"reference space: {string.Join(", ", ReferenceTables.Spaces)}", Required = true };
        var device = new Option<string>("--device", "-d") { Description = "device of the reference tables (nasbench201: edgegpu|fpga; mobilenetv3: raspberrypi|tx2cpu|tx2gpu; supertransformer: raspberrypi|xeon|titanxp; supervit: none)", DefaultValueFactory = _ => "" };
        var output = new Option<string>("--out", "-o") { Description = "TableSet JSON to write", Required = true };
        var mode = ModeOption();
        var source = SourceOption();
        var json = CliEnv.JsonOption();
        var cmd = new Command("export", "write a reference table as our TableSet JSON (METHOD.md signs, base blocks)") { space, device, output, mode, source, json };
        env.SetAction(cmd, p =>
        {
            var data = ReferenceData.Load(source: ParseSource(p.GetValue(source)!));
            var set = ReferenceTables.Export(data, p.GetValue(space)!, p.GetValue(device)!, ParseMode(p.GetValue(mode)!));
            var check = ReferenceTables.CheckAgainstRegistered(set);
            var path = p.GetValue(output)!;
            set.Save(path);
            if (p.GetValue(json)) env.WriteJson(new { space = set.Space, tables = set.Tables.Keys.Order().ToList(), @out = path, check });
            else env.Console.WriteLine($"wrote {Markup.Escape(path)}: space {Markup.Escape(set.Space)}, tables {Markup.Escape(string.Join(", ", set.Tables.Keys.Order()))}; {Markup.Escape(check)}");
            return 0;
        });
        return cmd;
    }

    private static Command BuildPredict(CliEnv env)
    {
        var space = new Option<string>("--space", "-s") { Description = "nasbench201, mobilenetv3, supervit or supertransformer", Required = true };
        var device = new Option<string>("--device", "-d") { Description = "device (none for supervit)", DefaultValueFactory = _ => "" };
        var code = new Option<string>("--code", "-c") { Description = "the reference's architecture code, e.g. \"3 4 4 4 3\"", Required = true };
        var mode = ModeOption();
        var json = CliEnv.JsonOption();
        var cmd = new Command("predict", "predict one reference code with the reference formulas") { space, device, code, mode, json };
        env.SetAction(cmd, p =>
        {
            var m = ParseMode(p.GetValue(mode)!);
            var pred = new ReferencePredictor(ReferenceData.Load(), m).Predict(p.GetValue(space)!, p.GetValue(device)!, ParseCode(p.GetValue(code)!));
            if (p.GetValue(json)) env.WriteJson(new { space = p.GetValue(space), device = p.GetValue(device), mode = m.ToString().ToLowerInvariant(), accuracy = pred.Accuracy, cost = pred.Cost, cost_kind = pred.CostKind, energy = pred.Energy });
            else env.Console.WriteLine($"{m.ToString().ToLowerInvariant()}: accuracy {R(pred.Accuracy)}, {pred.CostKind} {R(pred.Cost)}{(pred.Energy is { } e ? $", energy {R(e)}" : "")}");
            return 0;
        });
        return cmd;
    }

    private static Command BuildDefects(CliEnv env)
    {
        var json = CliEnv.JsonOption();
        var cmd = new Command("defects", "the reference's named defects, and what the corrected model changes on the published configs") { json };
        env.SetAction(cmd, p =>
        {
            var rows = ReferenceDefects.Compare(ReferenceData.Load());
            if (p.GetValue(json))
            {
                env.WriteJson(new { defects = ReferenceDefects.All.Select(d => new { id = d.Id, where = d.Where, what = d.What, fix = d.Fix }).ToList(), comparison = rows });
                return 0;
            }
            var t = new Table().AddColumns("defect", "where", "what", "corrected model");
            foreach (var d in ReferenceDefects.All) t.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Where), Markup.Escape(d.What), Markup.Escape(d.Fix));
            env.Console.Write(t);
            var c = new Table().AddColumns("space", "config", "device", "quantity", "parity", "corrected");
            foreach (var r in rows) c.AddRow(Markup.Escape(r.Space), Markup.Escape(r.Config), Markup.Escape(r.Device), Markup.Escape(r.Quantity), CliEnv.Num(r.Parity, 3), CliEnv.Num(r.Corrected, 3));
            env.Console.Write(c);
            return 0;
        });
        return cmd;
    }
}
