using System.CommandLine;
using System.Text.Json;
using MathNas.Spaces;
using MathNas.Torch;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Pipeline;
using MathNas.Torch.Training;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>
/// `mathnas pipeline`: the real pipeline on this machine (TorchSharp): train a supernet on Fashion-MNIST, build the
/// latency and accuracy tables, validate them, search, export the chosen network and check it. Writes tables,
/// report.json and PNG plots per space, and with --tables-dir copies the tables there (the built-in default).
/// </summary>
internal sealed class PipelineCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var spaces = new Option<string[]>("--space", "-s") { Description = "space(s) to run: nb201-mini, ofa-mini (default: both)", AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<string>("--out", "-o") { Description = "output folder (checkpoints, tables, reports, plots); a rerun resumes training", DefaultValueFactory = _ => "out/pipeline" };
        var preset = new Option<string>("--preset") { Description = "full (the built-in default tables, ~30 min on 2 cores) or tiny (a check in ~1 min)", DefaultValueFactory = _ => "full" };
        var seed = new Option<int>("--seed") { Description = "seed of the data split, initialisation and path sampling", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int?>("--epochs") { Description = "supernet training epochs (overrides the preset)" };
        var trainImages = new Option<int?>("--train-images") { Description = "training images (0 = all; overrides the preset)" };
        var sampling = new Option<string?>("--sampling") { Description = "uniform or sandwich (overrides the preset)" };
        var validation = new Option<int?>("--validation") { Description = "random networks for the validations (overrides the preset)" };
        var standalone = new Option<int?>("--standalone") { Description = "networks trained stand-alone for the shared-weight check (overrides the preset)" };
        var threads = new Option<int?>("--threads") { Description = "torch threads for training and accuracy (default 1: on a shared 2-core machine one thread is faster)" };
        var latThreads = new Option<int>("--latency-threads") { Description = "torch threads while measuring latency", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int?>("--repeats") { Description = "timed runs per latency measurement (median reported)" };
        var rounds = new Option<int?>("--rounds") { Description = "interleaved rounds the timed runs are split into (overrides the preset)" };
        var warmup = new Option<int?>("--warmup") { Description = "untimed warm-up runs per latency measurement" };
        var batch = new Option<int>("--batch") { Description = "inference batch size for latency", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "device name of the latency metric (latency:DEVICE)", DefaultValueFactory = _ => "cpu" };
        var budget = new Option<double?>("--budget-ms") { Description = "latency budget of the search step (default: the median predicted latency of the space; where that is below zero, the median measured latency of the validation networks)" };
        var tablesDir = new Option<string?>("--tables-dir") { Description = "also copy each space's tables to DIR/SPACE.json (e.g. tables/)" };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: /usr/share/datasets/fashion-mnist or $MATHNAS_FASHION_MNIST)" };
        var latEst = new Option<string>("--latency-estimator") { Description = "block estimator of the latency table: single (Algorithm 1) | sampled:K | full | regression:K", DefaultValueFactory = _ => "single" };
        var accEst = new Option<string>("--accuracy-estimator") { Description = "block estimator of the accuracy table: single (Algorithm 1) | sampled:K | full | regression:K", DefaultValueFactory = _ => "single" };
        var latStat = new Option<string>("--latency-statistic")
        {
            Description = "statistic of a network's timed runs that the latency table is built from and validated against: median | min (the fastest run, least affected by other work on a shared machine)",
            DefaultValueFactory = _ => "median",
        };
        latStat.AcceptOnlyFromAmong("median", "min");
        var replot = new Option<bool>("--replot") { Description = "only redraw the PNG plots from the report.json files under --out" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("pipeline", "train supernets on Fashion-MNIST, measure latency on this CPU, build and validate block tables, search, export and check (TorchSharp)")
        {
            spaces, outDir, preset, seed, epochs, trainImages, sampling, validation, standalone, threads, latThreads, repeats, rounds, warmup, batch, device, budget, latEst, accEst, latStat, tablesDir, data, replot, json,
        };
        env.SetAction(cmd, p =>
        {
            var o = Preset(p.GetValue(preset)!);
            var lat = o.Latency with
            {
                Threads = p.GetValue(latThreads), Batch = p.GetValue(batch), Device = p.GetValue(device)!,
                Repeats = p.GetValue(repeats) ?? o.Latency.Repeats, Rounds = p.GetValue(rounds) ?? o.Latency.Rounds, Warmup = p.GetValue(warmup) ?? o.Latency.Warmup,
            };
            lat.Check();
            o = o with
            {
                Seed = p.GetValue(seed),
                DataDir = p.GetValue(data),
                TrainImages = p.GetValue(trainImages) ?? o.TrainImages,
                Train = o.Train with { Epochs = p.GetValue(epochs) ?? o.Train.Epochs, Sampling = p.GetValue(sampling) ?? o.Train.Sampling },
                ValidationNetworks = p.GetValue(validation) ?? o.ValidationNetworks,
                StandAloneNetworks = p.GetValue(standalone) ?? o.StandAloneNetworks,
                TrainThreads = p.GetValue(threads) ?? o.TrainThreads,
                Latency = lat,
                LatencyBudgetMs = p.GetValue(budget),
                LatencyEstimator = MathNas.Estimation.BlockEstimators.Parse(p.GetValue(latEst)!).Name,
                AccuracyEstimator = MathNas.Estimation.BlockEstimators.Parse(p.GetValue(accEst)!).Name,
                LatencyStatistic = p.GetValue(latStat)!,
                Command = "mathnas " + string.Join(' ', p.Tokens.Select(t => t.Value)),
            };
            if (o.ValidationNetworks < 3) throw new MathNasException("--validation needs at least 3 networks");
            if (o.StandAloneNetworks < 0) throw new MathNasException("--standalone cannot be negative");
            if (o.TrainThreads <= 0) throw new MathNasException("--threads must be positive");
            var names = p.GetValue(spaces) is { Length: > 0 } s ? s : [Nb201MiniSpace.SpaceName, OfaMiniSpace.SpaceName];
            var list = names.Select(n => SpaceRegistry.Resolve(n) as TorchSearchSpace
                ?? throw new MathNasException($"space '{n}' has no TorchSharp networks: use nb201-mini or ofa-mini")).ToList();
            var root = p.GetValue(outDir)!;
            if (p.GetValue(replot))
            {
                foreach (var space in list)
                {
                    var file = Path.Combine(root, space.Name, "report.json");
                    if (!File.Exists(file)) throw new MathNasException($"'{file}' does not exist: run the pipeline first");
                    var rep = JsonSerializer.Deserialize<SpaceReport>(File.ReadAllText(file), TorchPipeline.ReportJson)
                        ?? throw new MathNasException($"'{file}' is empty");
                    WritePlots(rep, Path.Combine(root, space.Name));
                    env.Out.WriteLine($"plots of {space.Name} redrawn under {Path.Combine(root, space.Name)}");
                }
                return 0;
            }
            var reports = new List<SpaceReport>();
            foreach (var space in list)
            {
                var r = env.WithProgress($"pipeline {space.Name}", prog => TorchPipeline.Run(space, o, root, prog, line =>
                {
                    if (!p.GetValue(json)) { env.Err.WriteLine(line); env.Err.Flush(); }
                }));
                WritePlots(r, Path.Combine(root, space.Name));
                var td = p.GetValue(tablesDir);
                if (td is not null)
                {
                    MathNas.IO.AtomicFile.WriteAllBytes(Path.Combine(td, $"{space.Name}.json"), File.ReadAllBytes(r.TablesFile));
                }
                reports.Add(r);
            }
            if (p.GetValue(json)) { env.WriteJson(new { reports = reports.Select(Summary).ToList() }); return 0; }
            var t = new Table().AddColumns("space", "train s", "lat table s", "lat Spearman", "lat MAPE %", "repeat dev %", "acc Spearman", "stand-alone Spearman", "chosen: pred acc / test acc", "pred / measured ms");
            foreach (var r in reports)
                t.AddRow(r.Space, CliEnv.Num(r.TrainSeconds, 0), CliEnv.Num(r.LatencyTableSeconds, 1), CliEnv.Num(r.Latency!.Spearman, 3), CliEnv.Num(r.Latency.Mape ?? double.NaN, 1),
                    CliEnv.Num(r.LatencyTableRepeatMedianDeviationPct, 2), CliEnv.Num(r.Accuracy!.Spearman, 3), CliEnv.Num(r.StandAlone?.Spearman ?? double.NaN, 3),
                    r.Chosen is null ? "-" : $"{CliEnv.Num(r.Chosen.PredictedAccuracy, 2)} / {CliEnv.Num(r.Chosen.TestAccuracy, 2)}",
                    r.Chosen is null ? "-" : $"{CliEnv.Num(r.Chosen.PredictedLatencyMs, 3)} / {CliEnv.Num(r.Chosen.MeasuredLatencyMs, 3)}");
            env.Console.Write(t);
            env.Console.WriteLine($"reports, tables and plots under {root}/<space>/");
            return 0;
        });
        return cmd;
    }

    internal static PipelineOptions Preset(string name) => name switch
    {
        "full" => new PipelineOptions
        {
            TrainImages = 20000, HeldOutImages = 1000, TestImages = 0, RecalibrationImages = 500,
            Train = new TrainOptions { Epochs = 6, BatchSize = 128, LearningRate = 0.05, Sampling = "uniform", CurveImages = 1000 },
            Latency = new LatencyOptions { Warmup = 10, Repeats = 100, Rounds = 10 },
            ValidationNetworks = 100, StandAloneNetworks = 8, StandAloneTrainImages = 4000,
            StandAloneTrain = new TrainOptions { Epochs = 2, BatchSize = 128, LearningRate = 0.05, CurveImages = 0 },
        },
        "tiny" => new PipelineOptions
        {
            TrainImages = 600, HeldOutImages = 100, TestImages = 300, RecalibrationImages = 100,
            Train = new TrainOptions { Epochs = 1, BatchSize = 100, LearningRate = 0.05, Sampling = "uniform", CurveImages = 100 },
            Latency = new LatencyOptions { Warmup = 2, Repeats = 6, Rounds = 2 },
            ValidationNetworks = 8, StandAloneNetworks = 2, StandAloneTrainImages = 100,
            StandAloneTrain = new TrainOptions { Epochs = 1, BatchSize = 100, LearningRate = 0.05, CurveImages = 0 },
        },
        _ => throw new MathNasException($"unknown preset '{name}': use full or tiny"),
    };

    private static object Summary(SpaceReport r) => new
    {
        space = r.Space, tables = r.TablesFile, train_seconds = r.TrainSeconds,
        curve = r.Training?.Curve,
        latency_table_seconds = r.LatencyTableSeconds, latency_table_evaluations = r.LatencyTableEvaluations,
        latency_repeat_median_deviation_pct = r.LatencyTableRepeatMedianDeviationPct, latency_base_repeat_deviation_pct = r.LatencyBaseRepeatDeviationPct,
        median_measurement_spread_pct = r.MedianMeasurementSpreadPct,
        latency_spearman = r.Latency?.Spearman, latency_kendall = r.Latency?.KendallTau, latency_mape_pct = r.Latency?.Mape,
        latency_statistic = r.LatencyStatistic, latency_estimator = r.LatencyEstimator,
        secondary_latency_statistic = r.LatencySecondaryStatistic,
        secondary_latency_spearman = r.LatencySecondary?.Spearman, secondary_latency_mape_pct = r.LatencySecondary?.Mape,
        secondary_repeat_median_deviation_pct = r.LatencySecondaryRepeatMedianDeviationPct,
        accuracy_table_seconds = r.AccuracyTableSeconds,
        accuracy_spearman = r.Accuracy?.Spearman, accuracy_spearman_flops_scaled = r.Accuracy?.SpearmanFlopsScaled, accuracy_kendall = r.Accuracy?.KendallTau,
        standalone_spearman = r.StandAlone?.Spearman, standalone = r.StandAlone is null ? null : r.StandAlone.Architectures.Select((a, i) => new { arch = a, standalone = r.StandAlone.Measured[i], shared = r.StandAlone.Predicted[i] }).ToList(),
        chosen = r.Chosen, total_seconds = r.TotalSeconds,
    };

    internal static void WritePlots(SpaceReport r, string dir)
    {
        if (r.Latency is { } l)
            Plots.Save(Path.Combine(dir, "latency-pred-vs-measured.png"),
                $"{r.Space}: predicted vs measured latency ({l.Networks} random networks; Spearman {l.Spearman:F3}, MAPE {l.Mape:F1}%)",
                $"measured latency (ms, {(r.LatencyStatistic == "min" ? "fastest run" : "median")})",
                $"predicted latency (ms, {(r.LatencyEstimator == "single" ? "Algorithm 1" : r.LatencyEstimator)} table)",
                [new Plots.Series("networks", l.Measured, l.Predicted)], width: 1100, diagonal: true);
        if (r.LatencySecondary is { } f)
            Plots.Save(Path.Combine(dir, "latency-secondary.png"),
                $"{r.Space}: predicted vs measured latency, {r.LatencySecondaryStatistic} of the timed runs ({f.Networks} networks; Spearman {f.Spearman:F3}, MAPE {f.Mape:F1}%)",
                $"measured latency (ms, {r.LatencySecondaryStatistic})", $"predicted latency (ms, table of the {r.LatencySecondaryStatistic} statistic)",
                [new Plots.Series("networks", f.Measured, f.Predicted)], width: 1100, diagonal: true);
        if (r.Accuracy is { } a)
            Plots.Save(Path.Combine(dir, "accuracy-pred-vs-shared.png"),
                $"{r.Space}: predicted vs shared-weight accuracy ({a.Networks} networks; Spearman {a.Spearman:F3})",
                "shared-weight accuracy on held-out split (%)", "predicted accuracy (%)",
                [new Plots.Series("linear model", a.Measured, a.Predicted), new Plots.Series($"flops-scaled (Spearman {a.SpearmanFlopsScaled:F3})", a.Measured, a.PredictedFlopsScaled!)], width: 1100, diagonal: true);
        if (r.StandAlone is { } s)
            Plots.Save(Path.Combine(dir, "shared-vs-standalone.png"),
                $"{r.Space}: shared-weight vs stand-alone-trained accuracy ({s.Networks} networks; Spearman {s.Spearman:F3})",
                "stand-alone-trained accuracy (%)", "shared-weight accuracy (%)", [new Plots.Series("networks", s.Measured, s.Predicted, MarkerSize: 7)], width: 1100, diagonal: true);
        if (r.Training is { Curve.Count: > 0 } t)
        {
            var x = t.Curve.Select(c => (double)c.Epoch).ToArray();
            var series = new List<Plots.Series> { new("training accuracy (sampled sub-networks)", x, t.Curve.Select(c => c.TrainAccuracy).ToArray(), Lines: true) };
            if (t.Curve.All(c => c.LargestAccuracy is not null))
                series.Add(new("largest sub-network, held-out", x, t.Curve.Select(c => c.LargestAccuracy!.Value).ToArray(), Lines: true));
            if (t.Curve.All(c => c.SmallestAccuracy is not null))
                series.Add(new("smallest sub-network, held-out", x, t.Curve.Select(c => c.SmallestAccuracy!.Value).ToArray(), Lines: true));
            Plots.Save(Path.Combine(dir, "train-curve.png"), $"{r.Space}: supernet training ({t.Sampling} sampling, seed {t.Seed}, {t.TrainImages} images)",
                "epoch", "top-1 accuracy (%)", series, width: 1100, legendAlignment: ScottPlot.Alignment.UpperLeft);
        }
    }
}
