using System.Diagnostics;
using System.Text.Json;
using MathNas.Audit;
using MathNas.Estimation;
using MathNas.Prediction;
using MathNas.Search;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Data;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Training;
using MathNas.Validation;

namespace MathNas.Torch.Pipeline;

/// <summary>Runs a core block estimator for one metric and adds the pipeline's provenance notes.</summary>
internal static class Estimation
{
    /// <summary>The distinct networks Algorithm 1 evaluates: the base network, N^avg and its one-node variants.</summary>
    public static IReadOnlyList<Architecture> AlgorithmOneNetworks(SearchSpace space)
    {
        var avg = SingleSampleEstimator.AverageFlopsNetwork(space);
        var list = new List<Architecture> { space.BaseArchitecture, avg };
        for (int i = 0; i < space.NodeCount; i++)
            for (int j = 0; j < space.Nodes[i].Count; j++) list.Add(avg.With(i, j));
        return list.Distinct().ToList();
    }

    public static BlockTable Table(IBlockEstimator estimator, SearchSpace space, CachingEvaluator evaluator, string metric, string unit,
        IProgress<ProgressInfo>? progress = null, string notes = "")
    {
        var t = estimator.Estimate(space, evaluator, progress)[metric];
        return new BlockTable
        {
            Metric = t.Metric, Unit = unit, BaseValue = t.BaseValue, Deltas = t.Deltas, ReferenceFlops = t.ReferenceFlops,
            ErrorEstimate = t.ErrorEstimate,
            Provenance = t.Provenance with { Notes = notes.Length == 0 ? t.Provenance.Notes : $"{notes}; {t.Provenance.Notes}" },
        };
    }
}

/// <summary>An evaluator that answers from another latency evaluator's measurements with another statistic.</summary>
internal sealed class StatisticView(TorchLatencyEvaluator inner, Func<LatencyMeasurement, double> statistic) : IEvaluator
{
    public string Name => inner.Name;
    public IReadOnlyDictionary<string, string> Metrics => inner.Metrics;
    public IReadOnlyDictionary<string, double> Evaluate(Architecture a) =>
        new Dictionary<string, double> { [inner.Metric] = statistic(inner.MeasurementOf(a)) };
}

/// <summary>Settings of the whole pipeline (train, estimate, validate, search, export, check).</summary>
public sealed record PipelineOptions
{
    public int Seed { get; init; } = 1;
    public string? DataDir { get; init; }
    /// <summary>Training images (0 = all 60,000 minus the held-out split).</summary>
    public int TrainImages { get; init; } = 0;
    /// <summary>Held-out images (taken from the training file, never trained on): the accuracy evaluator's split.</summary>
    public int HeldOutImages { get; init; } = 1000;
    /// <summary>Test images for the exported network's real accuracy (0 = all 10,000).</summary>
    public int TestImages { get; init; } = 0;
    public int RecalibrationImages { get; init; } = 1000;
    public int TrainThreads { get; init; } = 1;
    public TrainOptions Train { get; init; } = new();
    public LatencyOptions Latency { get; init; } = new();
    public int ValidationNetworks { get; init; } = 100;
    public int StandAloneNetworks { get; init; } = 8;
    public TrainOptions StandAloneTrain { get; init; } = new() { Epochs = 2, CurveImages = 0 };
    /// <summary>Training images for each stand-alone network (0 = same as the supernet).</summary>
    public int StandAloneTrainImages { get; init; } = 10000;
    /// <summary>Latency budget of the search step in ms (null: the median predicted latency of the space, or where that is below zero the median measured latency of the validation networks).</summary>
    public double? LatencyBudgetMs { get; init; }
    public string Command { get; init; } = "";
    /// <summary>Block estimator of the latency table (core syntax: single | sampled:K | full | regression:K).</summary>
    public string LatencyEstimator { get; init; } = "single";
    /// <summary>Block estimator of the accuracy table.</summary>
    public string AccuracyEstimator { get; init; } = "single";
    /// <summary>
    /// The statistic of a network's timed runs that the latency table is built from and validated against:
    /// "median" (default) or "min" (the fastest run: on a machine shared with other work, the least affected by it).
    /// </summary>
    public string LatencyStatistic { get; init; } = "median";

    /// <summary>The statistic named by <see cref="LatencyStatistic"/>.</summary>
    public Func<LatencyMeasurement, double> LatencyStatisticOf() => LatencyStatistic switch
    {
        "median" => m => m.MedianMs,
        "min" => m => m.MinMs,
        _ => throw new MathNasException($"unknown latency statistic '{LatencyStatistic}': use median or min"),
    };
}

public sealed record CorrelationReport(int Networks, double Spearman, double KendallTau, double? Mape, double? MeanAbsoluteError,
    string[] Architectures, double[] Measured, double[] Predicted, double[]? PredictedFlopsScaled = null, double? SpearmanFlopsScaled = null);

public sealed record ChosenReport(string Architecture, string Description, double BudgetMs, double PredictedAccuracy, double PredictedLatencyMs,
    double SharedWeightAccuracy, double TestAccuracy, double MeasuredLatencyMs, double MeasuredLatencySpreadPct, string ExportDir);

public sealed record SpaceReport
{
    public string Space { get; init; } = "";
    /// <summary>The statistic of the timed runs the latency table uses ("median" or "min").</summary>
    public string LatencyStatistic { get; init; } = "median";
    /// <summary>The block estimator of the latency table.</summary>
    public string LatencyEstimator { get; init; } = "single";
    public string TablesFile { get; init; } = "";
    public TrainState? Training { get; init; }
    public double TrainSeconds { get; init; }
    public double LatencyTableSeconds { get; init; }
    public int LatencyTableEvaluations { get; init; }
    public double LatencyTableRepeatSeconds { get; init; }
    /// <summary>Median over the validation networks of |pred1 - pred2| / pred1 between two independent builds of the latency table (%).</summary>
    public double LatencyTableRepeatMedianDeviationPct { get; init; }
    public double LatencyBaseRepeatDeviationPct { get; init; }
    public double MedianMeasurementSpreadPct { get; init; }
    public double AccuracyTableSeconds { get; init; }
    public int AccuracyTableEvaluations { get; init; }
    public CorrelationReport? Latency { get; init; }
    /// <summary>The other statistic of the timed runs ("fastest run" when the tables use the median, else "median").</summary>
    public string LatencySecondaryStatistic { get; init; } = "fastest run";
    /// <summary>The same validation with the other statistic in place of the table's (table and measurements).</summary>
    public CorrelationReport? LatencySecondary { get; init; }
    public double LatencySecondaryRepeatMedianDeviationPct { get; init; }
    public double LatencyValidationSeconds { get; init; }
    public CorrelationReport? Accuracy { get; init; }
    public double AccuracyValidationSeconds { get; init; }
    public CorrelationReport? StandAlone { get; init; }
    public double StandAloneSeconds { get; init; }
    public ChosenReport? Chosen { get; init; }
    public double TotalSeconds { get; init; }
}

/// <summary>
/// The whole real pipeline for one space on this machine: train the weight-sharing supernet on Fashion-MNIST
/// (checkpointed, resumable), build the latency table (Algorithm 1 over measured latency; twice, for repeatability)
/// and the accuracy table (Algorithm 1 over shared-weight accuracy), validate both over random networks, compare
/// shared-weight with stand-alone-trained accuracy, search the best predicted network under a latency budget, export
/// it from the supernet and check its real test accuracy and measured latency against the prediction.
/// </summary>
public static class TorchPipeline
{
    // Streams of Seeds.Derive: the validation networks' sample, each stand-alone network's training.
    private const long ValidationStream = 101, StandAloneStream = 102;

    public static SpaceReport Run(TorchSearchSpace space, PipelineOptions o, string outDir, IProgress<ProgressInfo>? progress = null,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        TorchRuntime.EnsureLoaded();
        var total = Stopwatch.StartNew();
        var dir = Path.Combine(outDir, space.Name);
        Directory.CreateDirectory(dir);
        log ??= _ => { };
        var data = FashionMnist.Splits(FashionMnist.Locate(o.DataDir), o.HeldOutImages, o.Seed, o.TrainImages, o.TestImages);
        log($"{space.Name}: {data.Train.Count} training, {data.HeldOut.Count} held-out, {data.Test.Count} test images");

        // 1. supernet
        var sw = Stopwatch.StartNew();
        TorchRuntime.SetThreads(o.TrainThreads);
        TorchSharp.torch.manual_seed(o.Seed);
        using var supernet = space.CreateNetwork();
        string dataTag = $"fashion-mnist split seed {o.Seed}, {o.HeldOutImages} held-out";
        var training = SupernetTrainer.Train(supernet, data, o.Train with { Seed = o.Seed, RecalibrationImages = o.RecalibrationImages, Data = dataTag },
            Path.Combine(dir, "supernet"), progress, cancel);
        double trainSeconds = sw.Elapsed.TotalSeconds;
        log($"{space.Name}: supernet trained ({training.Completed} epochs, {trainSeconds:F0} s this run): " +
            string.Join("; ", training.Curve.Select(c => $"epoch {c.Epoch} loss {c.Loss:F3} largest {c.LargestAccuracy:F1}% smallest {c.SmallestAccuracy:F1}%")));

        // 2. latency tables (twice)
        var latency = new TorchLatencyEvaluator(space, o.Latency);
        string machine = MachineDescription();
        string notes = $"machine: {machine}; seed {o.Seed}; command: {o.Command}";
        sw.Restart();
        var stat = o.LatencyStatisticOf();
        var latCache = new CachingEvaluator(new StatisticView(latency, stat));
        var latencyEstimator = BlockEstimators.Parse(o.LatencyEstimator, o.Seed);
        var accuracyEstimator = BlockEstimators.Parse(o.AccuracyEstimator, o.Seed);
        if (latencyEstimator is SingleSampleEstimator)
            latency.MeasureMany(Estimation.AlgorithmOneNetworks(space), progress, $"measuring {space.Name} latency table networks");
        var latTable = Estimation.Table(latencyEstimator, space, latCache, latency.Metric, "ms", progress,
            $"{notes}; batch {o.Latency.Batch}, {o.Latency.Warmup} warm-up + {o.Latency.Repeats} timed runs ({(o.LatencyStatistic == "min" ? "fastest run" : "median")}; {o.Latency.Rounds} interleaved rounds), {o.Latency.Threads} thread(s); estimator {latencyEstimator.Name}");
        double latSeconds = sw.Elapsed.TotalSeconds;
        double medianSpread = 100 * Budgets.Median(latency.Measurements.Values.Select(m => m.RelativeSpread));
        sw.Restart();
        var latency2 = new TorchLatencyEvaluator(space, o.Latency);
        if (latencyEstimator is SingleSampleEstimator)
            latency2.MeasureMany(Estimation.AlgorithmOneNetworks(space), progress, $"measuring {space.Name} latency table networks again");
        var latTable2 = Estimation.Table(latencyEstimator, space, new CachingEvaluator(new StatisticView(latency2, stat)), latency2.Metric, "ms", progress);
        double latSeconds2 = sw.Elapsed.TotalSeconds;
        log($"{space.Name}: latency table in {latSeconds:F1} s ({latCache.Evaluations} networks measured), repeat in {latSeconds2:F1} s");

        // 3. accuracy table
        TorchRuntime.SetThreads(o.TrainThreads);
        sw.Restart();
        var accEval = new SupernetAccuracyEvaluator(supernet, data.Train, data.HeldOut, o.RecalibrationImages, o.Seed);
        var accCache = new CachingEvaluator(accEval);
        var accTable = Estimation.Table(accuracyEstimator, space, accCache, MetricNames.Accuracy, "%", progress,
            $"{notes}; shared-weight top-1 accuracy of the supernet ({o.Train.Epochs} epochs, {o.Train.Sampling} sampling, {data.Train.Count} images) on {data.HeldOut.Count} held-out Fashion-MNIST training images, batch norm recalibrated on {o.RecalibrationImages} training images");
        double accSeconds = sw.Elapsed.TotalSeconds;
        log($"{space.Name}: accuracy table in {accSeconds:F1} s ({accCache.Evaluations} networks)");

        var tables = new TableSet { Space = space.Name };
        tables.Add(latTable);
        tables.Add(accTable);
        var tablesFile = Path.Combine(dir, $"{space.Name}.tables.json");
        tables.Save(tablesFile);
        var predictor = new Predictor(space, tables);
        var scaled = new Predictor(space, tables, AccuracyModel.FlopsScaled);

        // 4. validation networks (seeded, distinct)
        var rng = new Random(Seeds.Derive(o.Seed, ValidationStream));
        var valSet = new HashSet<Architecture>();
        var val = new List<Architecture>();
        for (int guard = 0; val.Count < o.ValidationNetworks && guard < o.ValidationNetworks * 100; guard++)
        {
            var a = space.Sample(rng);
            if (valSet.Add(a)) val.Add(a);
        }
        var names = val.Select(a => a.ToString()).ToArray();
        CorrelationReport LatencyReport(double[] measuredMs, double[] predictedMs) =>
            new(val.Count, RankCorrelation.Spearman(measuredMs, predictedMs), RankCorrelation.KendallTauB(measuredMs, predictedMs),
                Stats.Mape(measuredMs, predictedMs), Stats.MeanAbsoluteError(measuredMs, predictedMs), names, measuredMs, predictedMs);
        // Median relative deviation (%) between the predictions of two independent builds of a latency table.
        static double RepeatDeviation(IEnumerable<double> first, IEnumerable<double> second) =>
            100 * Budgets.Median(first.Zip(second).Select(p => Math.Abs(p.First - p.Second) / Math.Abs(p.First)));

        sw.Restart();
        var valLatency = new TorchLatencyEvaluator(space, o.Latency);
        valLatency.MeasureMany(val, progress, $"measuring {space.Name} validation networks");
        var measured = val.Select(a => stat(valLatency.Measurements[a])).ToArray();
        var predLat = val.Select(a => predictor.Predict(latency.Metric, a)).ToArray();
        var pred2 = val.Select(a => latTable2.PredictAdditive(a)).ToArray();
        var latReport = LatencyReport(measured, predLat);
        double latValSeconds = sw.Elapsed.TotalSeconds;
        double repeatDev = RepeatDeviation(predLat, pred2);
        double baseDev = 100 * Math.Abs(latTable.BaseValue - latTable2.BaseValue) / latTable.BaseValue;
        log($"{space.Name}: latency predicted vs measured over {val.Count} networks: Spearman {latReport.Spearman:F3}, MAPE {latReport.Mape:F1}%; repeat deviation {repeatDev:F2}%");

        // Secondary analysis from the same timed runs with the other statistic: the fastest run when the tables use
        // the median (less sensitive to other load on a shared machine), the median when they use the fastest run.
        bool primaryMin = o.LatencyStatistic == "min";
        Func<LatencyMeasurement, double> other = primaryMin ? m => m.MedianMs : m => m.MinMs;
        string otherName = primaryMin ? "median" : "fastest run";
        var minTable = Estimation.Table(latencyEstimator, space, new CachingEvaluator(new StatisticView(latency, other)), latency.Metric, "ms");
        var minTable2 = Estimation.Table(latencyEstimator, space, new CachingEvaluator(new StatisticView(latency2, other)), latency.Metric, "ms");
        var measuredMin = val.Select(a => other(valLatency.Measurements[a])).ToArray();
        var predMin = val.Select(a => minTable.PredictAdditive(a)).ToArray();
        var latMinReport = LatencyReport(measuredMin, predMin);
        double repeatDevMin = RepeatDeviation(predMin, val.Select(a => minTable2.PredictAdditive(a)));
        log($"{space.Name}: with the {otherName} instead of the {(primaryMin ? "fastest run" : "median")}: Spearman {latMinReport.Spearman:F3}, MAPE {latMinReport.Mape:F1}%; repeat deviation {repeatDevMin:F2}%");

        TorchRuntime.SetThreads(o.TrainThreads);
        sw.Restart();
        var shared = new double[val.Count];
        for (int k = 0; k < val.Count; k++)
        {
            shared[k] = accCache.Evaluate(val[k], MetricNames.Accuracy);
            progress?.Report(new ProgressInfo($"shared-weight accuracy of {space.Name} validation networks", k + 1, val.Count));
        }
        var predAcc = val.Select(a => predictor.PredictAccuracy(a)).ToArray();
        var predAccScaled = val.Select(a => scaled.PredictAccuracy(a)).ToArray();
        var accReport = new CorrelationReport(val.Count, RankCorrelation.Spearman(shared, predAcc), RankCorrelation.KendallTauB(shared, predAcc), null,
            Stats.MeanAbsoluteError(shared, predAcc), names, shared, predAcc, predAccScaled, RankCorrelation.Spearman(shared, predAccScaled));
        double accValSeconds = sw.Elapsed.TotalSeconds;
        log($"{space.Name}: accuracy predicted vs shared-weight over {val.Count} networks: Spearman {accReport.Spearman:F3} (flops-scaled {accReport.SpearmanFlopsScaled:F3})");
        // Record in the tables which accuracy model ranked the held-out networks better, so tools default to it.
        var preferred = accReport.SpearmanFlopsScaled is { } sfs && sfs > accReport.Spearman ? AccuracyModel.FlopsScaled : AccuracyModel.Linear;
        tables.Add(new BlockTable
        {
            Metric = accTable.Metric, Unit = accTable.Unit, BaseValue = accTable.BaseValue, Deltas = accTable.Deltas,
            ReferenceFlops = accTable.ReferenceFlops, ErrorEstimate = accTable.ErrorEstimate, Provenance = accTable.Provenance,
            PreferredAccuracyModel = preferred.Name(),
        });
        tables.Save(tablesFile);

        // 5. shared-weight vs stand-alone-trained accuracy
        sw.Restart();
        CorrelationReport? standAlone = null;
        if (o.StandAloneNetworks > 0)
        {
            var picks = val.Take(o.StandAloneNetworks).ToList();
            var sharedPick = picks.Select(a => accCache.Evaluate(a, MetricNames.Accuracy)).ToArray();
            var alone = new double[picks.Count];
            var saData = o.StandAloneTrainImages > 0 ? data with { Train = data.Train.Take(o.StandAloneTrainImages) } : data;
            for (int k = 0; k < picks.Count; k++)
            {
                int seedK = Seeds.Derive(o.Seed, StandAloneStream, k);
                TorchSharp.torch.manual_seed(seedK);
                using var net = space.CreateNetwork(picks[k]);
                var st = SupernetTrainer.Train(net, saData, o.StandAloneTrain with { Seed = seedK, CurveImages = 0, Data = dataTag },
                    Path.Combine(dir, "standalone", picks[k].ToString().Replace(',', '-')), progress, cancel);
                alone[k] = Batches.Accuracy(t => net.Forward(t), data.HeldOut);
                log($"{space.Name}: stand-alone {picks[k]}: {alone[k]:F2}% (shared weights {sharedPick[k]:F2}%)");
            }
            standAlone = new CorrelationReport(picks.Count, RankCorrelation.Spearman(alone, sharedPick), RankCorrelation.KendallTauB(alone, sharedPick), null,
                Stats.MeanAbsoluteError(alone, sharedPick), picks.Select(a => a.ToString()).ToArray(), alone, sharedPick);
        }
        double saSeconds = sw.Elapsed.TotalSeconds;

        // 6. search with the core's exact solver (branch and bound), checked against exhaustive enumeration of the
        //    predictions (both spaces are small), then export and check
        var all = space.Enumerate().ToList();
        // Default budget: the median predicted latency of the space (half the networks are predicted within it, so the
        // search has an answer); where a poor additive table predicts a median below zero (nb201-mini's can), the median
        // measured latency of the validation networks instead.
        double predictedMedian = Budgets.Median(all.Select(a => predictor.Predict(latency.Metric, a)));
        double budget = o.LatencyBudgetMs ?? (predictedMedian > 0 ? predictedMedian : Budgets.Median(measured));
        var problem = SearchProblemBuilder.Build(predictor, [new Budget(latency.Metric, budget)]);
        var solved = new BranchAndBoundSolver().Solve(problem);
        Architecture? best = solved.Best is { } sol ? new Architecture(sol.Code) : null;
        double bestAcc = best is null ? double.NegativeInfinity : predictor.PredictAccuracy(best);
        double exhaustive = all.Where(a => Feasibility.IsMet(predictor.Predict(latency.Metric, a), budget)).Select(a => predictor.PredictAccuracy(a)).DefaultIfEmpty(double.NegativeInfinity).Max();
        if (best is null ? !double.IsNegativeInfinity(exhaustive) : Math.Abs(exhaustive - bestAcc) > 1e-6)
            throw new MathNasException($"internal check failed: the solver's best predicted accuracy {bestAcc} differs from exhaustive enumeration's {exhaustive}");
        log($"{space.Name}: search under {budget:F3} ms: {solved.Status.Name()} in {solved.SolveMs:F2} ms ({solved.Solver}); exhaustive enumeration of {all.Count} networks agrees");
        ChosenReport? chosen = null;
        if (best is not null)
        {
            var exportDir = Path.Combine(dir, "chosen");
            var predicted = new Dictionary<string, double> { [MetricNames.Accuracy] = bestAcc, [latency.Metric] = predictor.Predict(latency.Metric, best) };
            ExportedNetwork.Export(supernet, best, data.Train, o.RecalibrationImages, o.Seed, exportDir, Path.Combine(dir, "supernet"), predicted);
            var (_, net) = ExportedNetwork.Load(exportDir);
            using (net)
            {
                TorchRuntime.SetThreads(o.TrainThreads);
                double test = Batches.Accuracy(t => net.Forward(t), data.Test);
                var lat = TorchLatencyEvaluator.Measure(net, o.Latency);
                chosen = new ChosenReport(best.ToString(), space.Describe(best), budget, bestAcc, predicted[latency.Metric],
                    accCache.Evaluate(best, MetricNames.Accuracy), test, stat(lat), 100 * lat.RelativeSpread, exportDir);
            }
            log($"{space.Name}: chosen {best} under {budget:F3} ms: predicted {bestAcc:F2}% / {chosen.PredictedLatencyMs:F3} ms, real test {chosen.TestAccuracy:F2}% / measured {chosen.MeasuredLatencyMs:F3} ms");
        }
        var report = new SpaceReport
        {
            Space = space.Name, TablesFile = tablesFile, LatencyStatistic = o.LatencyStatistic, LatencyEstimator = latencyEstimator.Name, Training = training, TrainSeconds = trainSeconds,
            LatencyTableSeconds = latSeconds, LatencyTableEvaluations = latCache.Evaluations, LatencyTableRepeatSeconds = latSeconds2,
            LatencyTableRepeatMedianDeviationPct = repeatDev, LatencyBaseRepeatDeviationPct = baseDev, MedianMeasurementSpreadPct = medianSpread,
            AccuracyTableSeconds = accSeconds, AccuracyTableEvaluations = accCache.Evaluations,
            Latency = latReport, LatencySecondaryStatistic = otherName, LatencySecondary = latMinReport, LatencySecondaryRepeatMedianDeviationPct = repeatDevMin, LatencyValidationSeconds = latValSeconds, Accuracy = accReport, AccuracyValidationSeconds = accValSeconds,
            StandAlone = standAlone, StandAloneSeconds = saSeconds, Chosen = chosen, TotalSeconds = total.Elapsed.TotalSeconds,
        };
        MathNas.IO.AtomicFile.WriteAllText(Path.Combine(dir, "report.json"), JsonSerializer.Serialize(report, ReportJson));
        return report;
    }

    public static readonly JsonSerializerOptions ReportJson = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>CPU model, core count and OS of this machine, for provenance.</summary>
    public static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, TorchSharp-cpu 0.107.0";
    }
}
