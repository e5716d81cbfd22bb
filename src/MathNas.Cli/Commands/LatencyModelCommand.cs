using System.CommandLine;
using System.Globalization;
using MathNas.Data;
using MathNas.LatencyModels;
using MathNas.Spaces;
using MathNas.Spaces.SuperTransformer;
using MathNas.Tables;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas latency-model`: fits the SuperTransformer block latency table of one device from HAT's measured
/// SubTransformers, reports held-out Spearman, Kendall, MAPE and share within 10% for the plain block model and the
/// richer one, and writes the chosen model's table into a TableSet.
/// </summary>
internal sealed class LatencyModelCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var data = new Option<string?>("--data") { Description = "folder with HAT's wmt14ende_<cpu|gpu>_<device>_all.csv files (default: <shared data>/hat-latency)" };
        var device = new Option<string>("--device", "-d") { Description = "device: raspberrypi, xeon or titanxp (the <device> part of the file name)", Required = true };
        var fraction = new Option<double>("--train-fraction") { Description = "share of the networks used to fit (the rest is held out)", DefaultValueFactory = _ => 0.8 };
        var seed = new Option<int>("--seed") { Description = "seed of the train/test split", DefaultValueFactory = _ => 0 };
        var model = new Option<string>("--model") { Description = "model whose table is written: rich (default) or block", DefaultValueFactory = _ => "rich" };
        var weighting = new Option<string>("--weighting") { Description = "fit: relative (default: least squares of relative error), robust (least absolute relative error) or absolute (least squares in ms)", DefaultValueFactory = _ => "relative" };
        var plot = new Option<string?>("--plot") { Description = "write a predicted-vs-measured PNG of the held-out networks" };
        var output = new Option<string?>("--out", "-o") { Description = "tables file (JSON) to write the latency:DEVICE table into (created, or updated if it exists)" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("latency-model", "fit the SuperTransformer block latency table from HAT's measured networks and report its held-out quality")
        {
            data, device, fraction, seed, model, weighting, plot, output, json,
        };
        env.SetAction(cmd, p =>
        {
            var dir = p.GetValue(data) ?? Path.Combine(DataLocator.Require(), "hat-latency");
            var dev = p.GetValue(device)!;
            var set = p.GetValue(model) switch
            {
                "rich" => LatencyFeatureSet.Rich,
                "block" => LatencyFeatureSet.Block,
                var m => throw new MathNasException($"unknown --model '{m}': use rich or block"),
            };
            var w = p.GetValue(weighting) switch
            {
                "relative" => LatencyWeighting.Relative,
                "absolute" => LatencyWeighting.Absolute,
                "robust" => LatencyWeighting.Robust,
                var m => throw new MathNasException($"unknown --weighting '{m}': use relative, robust or absolute"),
            };
            var report = LatencyModelFit.Run(dir, dev, p.GetValue(fraction), p.GetValue(seed), w);
            var space = SuperTransformerSpace.Create();
            var table = LatencyModelFit.Table(report, set, space);
            var models = new[] { ("block", report.Block), ("rich", report.Rich) };
            table.CheckAgainst(space);

            // Everything is rendered and validated before anything is written: a bad --out never leaves a new --plot.
            var plotPath = p.GetValue(plot);
            byte[]? png = null;
            if (plotPath is not null)
            {
                var series = new List<Plots.Series>();
                foreach (var (name, r) in models)
                    series.Add(new Plots.Series(string.Create(CultureInfo.InvariantCulture,
                        $"{name} model: Spearman {r.Test.Spearman:F3}, {100 * r.Test.Within10:F1}% within 10%"), r.TestMeasured, r.TestPredicted, MarkerSize: name == "rich" ? 4 : 3));
                png = Plots.Render($"HAT SuperTransformer latency on {dev}: {report.TestRows} held-out networks",
                    "measured latency (ms)", "predicted latency (ms)", series, diagonal: true);
            }

            var outPath = p.GetValue(output);
            TableSet? set2 = null;
            if (outPath is not null)
            {
                if (File.Exists(outPath))
                {
                    set2 = TableSet.Load(outPath);
                    if (set2.Space != space.Name) throw new MathNasException($"tables file '{outPath}' is for space '{set2.Space}', not '{space.Name}'");
                }
                else set2 = new TableSet { Space = space.Name };
                set2.Add(table);
                set2.CheckAgainst(space);
            }
            if (png is not null) MathNas.IO.AtomicFile.WriteAllBytes(plotPath!, png);
            set2?.Save(outPath!);

            object Q(FitQuality? q) => q is null ? null! : new { count = q.Count, spearman = q.Spearman, kendall = q.Kendall, mape_percent = q.Mape, within_10_percent = q.Within10, max_ape_percent = q.MaxApe };
            if (p.GetValue(json))
            {
                env.WriteJson(new
                {
                    device = dev,
                    data = report.DataFile,
                    rows = report.Rows,
                    train_rows = report.TrainRows,
                    test_rows = report.TestRows,
                    seed = report.Seed,
                    weighting = w.ToString().ToLowerInvariant(),
                    models = models.Select(x => new
                    {
                        model = x.Item1,
                        train = Q(x.Item2.Train),
                        test = Q(x.Item2.Test),
                        test_embed512 = Q(x.Item2.TestEmbed512),
                        test_stable = Q(x.Item2.TestStable),
                        features = x.Item2.Model.FeatureNames,
                        coefficients = x.Item2.Model.Coefficients,
                    }).ToList(),
                    quadratic_reference = Q(report.Quadratic),
                    table = new { metric = table.Metric, model = set.ToString().ToLowerInvariant(), base_value = table.BaseValue, error_estimate = table.ErrorEstimate },
                    plot = plotPath,
                    @out = outPath,
                });
                return 0;
            }
            env.Console.WriteLine($"{dev}: {report.Rows} measured SubTransformers ({Path.GetFileName(report.DataFile)}); fit on {report.TrainRows} (seed {report.Seed}), held out {report.TestRows}; {w.ToString().ToLowerInvariant()} weighting");
            var t = new Table().AddColumns("model", "set", "n", "Spearman", "Kendall", "MAPE %", "within 10%", "max APE %");
            void Row(string name, string label, FitQuality q) =>
                t.AddRow(name, label, q.Count.ToString(CultureInfo.InvariantCulture), CliEnv.Num(q.Spearman), CliEnv.Num(q.Kendall),
                    CliEnv.Num(q.Mape, 2), CliEnv.Num(100 * q.Within10, 1) + "%", CliEnv.Num(q.MaxApe, 1));
            foreach (var (name, r) in models)
                foreach (var (label, q) in new[] { ("train", r.Train), ("held-out", r.Test), ("held-out, embed 512", r.TestEmbed512), ("held-out, std < 2%", r.TestStable) })
                    if (q is not null) Row(name, label, q);
            Row("quadratic (reference, not a table)", "held-out", report.Quadratic);
            env.Console.Write(t);
            env.Console.WriteLine($"table {table.Metric} from the {set.ToString().ToLowerInvariant()} model: base network {CliEnv.Num(table.BaseValue, 2)} ms" +
                (outPath is null ? " (not written: use --out)" : $", written to {outPath}"));
            if (plotPath is not null) env.Console.WriteLine($"plot: {plotPath}");
            return 0;
        });
        return cmd;
    }
}
