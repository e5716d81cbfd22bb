using System.CommandLine;
using MathNas.Tables;
using MathNas.Torch;
using MathNas.Torch.Data;
using MathNas.Torch.Evaluators;
using MathNas.Torch.Nn;
using MathNas.Torch.Pipeline;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas evaluate`: an exported network's real test accuracy and measured latency beside the predictions.</summary>
internal sealed class EvaluateCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var model = new Option<string>("--model", "-m") { Description = "folder written by 'mathnas export' (or out/pipeline/SPACE/chosen)", Required = true };
        var tables = CliEnv.TablesOption(required: false);
        tables.Description = "block tables to predict from (default: the predictions saved at export)";
        var testImages = new Option<int>("--test-images") { Description = "test images to use (0 = all 10,000)", DefaultValueFactory = _ => 0 };
        var repeats = new Option<int>("--repeats") { Description = "timed runs for the latency (median reported)", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup") { Description = "untimed warm-up runs", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "torch threads while measuring", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch") { Description = "inference batch size for latency", DefaultValueFactory = _ => 1 };
        var device = new Option<string>("--device") { Description = "device name of the latency metric", DefaultValueFactory = _ => "cpu" };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: the Debian package's)" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("evaluate", "load an exported network; report its real test accuracy and measured latency beside the predicted ones (TorchSharp)")
        {
            model, tables, testImages, repeats, warmup, threads, batch, device, data, json,
        };
        env.SetAction(cmd, p =>
        {
            var o = new LatencyOptions { Repeats = p.GetValue(repeats), Warmup = p.GetValue(warmup), Threads = p.GetValue(threads), Batch = p.GetValue(batch), Device = p.GetValue(device)! };
            o.Check();
            var (info, net) = ExportedNetwork.Load(p.GetValue(model)!);
            using (net)
            {
                var predicted = new Dictionary<string, double>(info.Predicted);
                if (p.GetValue(tables) is { } tf) predicted = CliEnv.PredictFromTables(tf, net.Space, net.Fixed!);
                TorchRuntime.SetThreads(o.Threads);
                var test = FashionMnist.Load(FashionMnist.Locate(p.GetValue(data)), train: false).Take(p.GetValue(testImages));
                double acc = Batches.Accuracy(t => net.Forward(t), test);
                var lat = TorchLatencyEvaluator.Measure(net, o);
                string latMetric = MetricNames.Latency(o.Device);
                if (p.GetValue(json))
                {
                    env.WriteJson(new
                    {
                        space = info.Space, architecture = info.Architecture, description = info.Description,
                        flops = info.Flops, @params = info.Params, test_images = test.Count,
                        accuracy = new { measured = acc, predicted = predicted.TryGetValue(MetricNames.Accuracy, out var pa) ? pa : (double?)null },
                        latency = new
                        {
                            metric = latMetric, measured_median_ms = lat.MedianMs, p25_ms = lat.P25Ms, p75_ms = lat.P75Ms, repeats = lat.Repeats,
                            predicted_ms = predicted.TryGetValue(latMetric, out var pl) ? pl : (double?)null,
                        },
                    });
                    return 0;
                }
                env.Console.WriteLine($"{info.Space} {info.Description}: {CliEnv.Num(info.Flops)} {info.FlopsUnit}, {CliEnv.Num(info.Params)}{info.ParamsUnit} params");
                var t = new Table().AddColumns("metric", "measured", "predicted", "note");
                t.AddRow("accuracy (%)", CliEnv.Num(acc, 2), predicted.TryGetValue(MetricNames.Accuracy, out var pacc) ? CliEnv.Num(pacc, 2) : "-",
                    Markup.Escape($"{test.Count} Fashion-MNIST test images; predicted = shared-weight accuracy model on the held-out split"));
                t.AddRow(Markup.Escape($"{latMetric} (ms)"), CliEnv.Num(lat.MedianMs, 3), predicted.TryGetValue(latMetric, out var plat) ? CliEnv.Num(plat, 3) : "-",
                    Markup.Escape($"median of {lat.Repeats}, IQR {CliEnv.Num(lat.P25Ms, 3)}..{CliEnv.Num(lat.P75Ms, 3)}, batch {o.Batch}, {o.Threads} thread(s)"));
                env.Console.Write(t);
                return 0;
            }
        });
        return cmd;
    }
}
